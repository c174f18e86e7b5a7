"""The optional views and the backprop inspector over a real websocket on a real server
(issue 15): off by default, then the frames carry what was asked, numbers checked against the
independent NumPy MLP of tests/engine/mlp_reference.py."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from conftest import LiveServer
from engine import mlp_reference as ref
from nnplayground.engine import RunConfig
from wsclient import Client, Frame

CFG: dict[str, Any] = {"hidden_layers": [4, 2], "dataset": "xor"}


def _active_layers(frame: Frame, cfg: RunConfig) -> ref.Layers:
    """The NumPy network from a frame's weights and biases (source-major, layer by layer)."""
    widths = [len(cfg.features), *cfg.hidden_layers, 1]
    w, b = frame.raw["weights"].astype(np.float64), frame.raw["biases"].astype(np.float64)
    layers, at_w, at_b = [], 0, 0
    for n_in, n_out in itertools.pairwise(widths):
        layers.append((w[at_w : at_w + n_in * n_out].reshape(n_in, n_out), b[at_b : at_b + n_out]))
        at_w, at_b = at_w + n_in * n_out, at_b + n_out
    return layers


def _points(client: Client, rev: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """x (N, 2), y (N,), split (N,) from the first frame of config `rev` (it carries the data)."""
    while True:
        frame = client.until_frame(min_rev=rev)
        if "points" in frame.raw:
            pts = frame.raw["points"].astype(np.float64)
            return pts[:, :2], pts[:, 2], frame.raw["split"]


def _paused_frame(client: Client, views: dict[str, Any], min_rev: int = -1) -> Frame:
    client.send({"type": "views", **views})
    while True:
        frame = client.until_frame(min_rev=min_rev)
        want = [k for k in ("landscape", "warp") if views.get(k)]
        if all(k in frame.header for k in want):
            return frame


def test_views_off_by_default_then_on_then_off(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    try:
        client.send({"type": "config", **CFG})
        rev = client.until_text("config")["rev"]
        x, y, split = _points(client, rev)
        client.send({"type": "control", "action": "epoch"})
        plain = client.until_frame(min_rev=rev, min_step=1)
        names = {d["name"] for d in plain.header["arrays"]}
        assert "landscape" not in plain.header and "warp" not in plain.header
        assert not names & {"landscape", "warp_lines", "warp_points", "confusion_train"}

        views = {"landscape": True, "warp": {"layer": 2, "neurons": [0, 1]}, "confusion": True}
        frame = _paused_frame(client, views, rev)
        cfg = RunConfig(**CFG)
        layers = _active_layers(frame, cfg)

        # Landscape: (31, 31) float32, its centre is the training loss the frame reports.
        land = frame.header["landscape"]
        grid = frame.raw["landscape"]
        assert grid.shape == (31, 31) and grid.dtype == np.float32
        assert land["directions"] in ("pca", "random") and land["span"] > 0
        assert land["path"][-1] == [0.0, 0.0]
        assert land["center_loss"] == pytest.approx(frame.header["metrics"]["train_loss"], rel=1e-5)
        train = split == 1
        want = ref.mean_loss(layers, cfg, x[train], y[train])
        assert float(grid[15, 15]) == pytest.approx(want, rel=1e-4)

        # Warp: the last hidden layer (2 neurons) at the data points, and its exact boundary.
        assert frame.header["warp"]["layer"] == 2 and frame.header["warp"]["neurons"] == [0, 1]
        zs, acts = ref.forward(layers, cfg, x)
        np.testing.assert_allclose(frame.raw["warp_points"], acts[1], rtol=1e-4, atol=1e-5)
        assert frame.raw["warp_lines"].shape == (26, 49, 2)
        a, b, c = frame.header["warp"]["boundary"]
        pts = frame.raw["warp_points"].astype(np.float64)
        np.testing.assert_array_equal(a * pts[:, 0] + b * pts[:, 1] + c > 0, zs[-1][:, 0] > 0)

        # Confusion: counts of the NumPy predictions per split.
        pred = ref.predict(cfg, zs[-1])
        for code, name in enumerate(("train", "val", "test"), start=1):
            counts = frame.raw[f"confusion_{name}"]
            assert counts.shape == (2, 2) and counts.dtype == np.int32
            m = split == code
            want_counts = np.zeros((2, 2), np.int64)
            np.add.at(want_counts, (y[m].astype(int), pred[m]), 1)
            np.testing.assert_array_equal(counts, want_counts)

        # Off again: frames are exactly as before (same arrays, same size for the same model).
        client.send({"type": "views"})
        while True:
            again = client.until_frame()
            if "landscape" not in again.header:
                break
        assert [d["name"] for d in again.header["arrays"]] == [
            d["name"] for d in plain.header["arrays"]
        ]
        assert again.size == plain.size and again.header.keys() == plain.header.keys()
    finally:
        client.close()


def test_inspect_and_apply(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    try:
        client.send({"type": "config", **CFG, "learning_rate": 0.1})
        rev = client.until_text("config")["rev"]
        points, _, _ = _points(client, rev)
        client.send({"type": "control", "action": "epoch"})
        before = client.until_frame(min_rev=rev, min_step=1)
        cfg = RunConfig(**CFG)
        client.send({"type": "inspect", "point": 5})
        got = client.until_text("inspect")
        assert got["point"] == 5 and got["applied"] is False and got["loss_after"] is None
        layers = _active_layers(before, cfg)
        x = points[5:6]
        zs, acts = ref.forward(layers, cfg, x)
        for z, want in zip(got["preactivations"], zs, strict=True):
            np.testing.assert_allclose(z, want[0], rtol=1e-5, atol=1e-6)
        for a, want in zip(got["activations"][1:-1], acts, strict=True):
            np.testing.assert_allclose(a, want[0], rtol=1e-5, atol=1e-6)
        assert [len(g) for g in got["weight_grads"]] == [2 * 4, 4 * 2, 2 * 1]

        client.send({"type": "inspect", "point": 5, "apply": True})
        applied = client.until_text("inspect")
        assert applied["applied"] is True and applied["loss_after"] < applied["loss"]
        after = client.until_frame(min_step=before.step)
        while np.array_equal(after.raw["weights"], before.raw["weights"]):
            after = client.until_frame()
        lr = np.float32(applied["learning_rate"])
        grads = np.concatenate([np.asarray(g, np.float32) for g in applied["weight_grads"]])
        np.testing.assert_array_equal(after.raw["weights"], before.raw["weights"] - lr * grads)
        assert after.step == before.step  # one example's step is not a training step
    finally:
        client.close()


def test_views_compile_nothing_after_warm_up(server_factory: Callable[..., LiveServer]) -> None:
    """A fresh server's warm-up compiles the views: opening each of them (and the inspector) in
    a lecture must not stall the run for the seconds a compile takes."""
    server = server_factory()
    before = server.compiles()
    client = Client(server.ws_url)
    try:
        client.send({"type": "control", "action": "play"})
        for views in (
            {"landscape": True, "warp": {"layer": 1, "neurons": [0, 1]}, "confusion": True},
            {"landscape": True, "directions": "random", "warp": {"layer": 2, "neurons": "pca"}},
        ):
            _paused_frame(client, views)
        client.send({"type": "config", "num_points": 2000})  # another row bucket, views on
        rev = client.until_text("config")["rev"]
        _paused_frame(client, {"landscape": True, "confusion": True}, rev)
        client.send({"type": "inspect", "point": 3, "apply": True})
        assert client.until_text("inspect")["applied"] is True
        client.send({"type": "views"})
        client.until_frame(min_step=client.until_frame().step + 1)
    finally:
        client.close()
    assert server.compiles() == before


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "views", "warp": {"layer": 3, "neurons": [0, 1]}}, "warp"),
        ({"type": "views", "warp": {"layer": 1, "neurons": [0, 9]}}, "warp"),
        ({"type": "views", "warp": {"layer": 1, "neurons": [0]}}, "warp"),
        ({"type": "views", "landscape": "yes"}, "landscape"),
        ({"type": "views", "directions": "sideways"}, "directions"),
        ({"type": "inspect", "point": 100000}, "point"),
        ({"type": "inspect", "point": -1}, "point"),
        ({"type": "inspect", "point": 1, "dry": True}, "dry"),
    ],
)
def test_bad_view_messages_name_their_field(
    live_server: LiveServer, message: dict[str, Any], field: str
) -> None:
    client = Client(live_server.ws_url)
    try:
        client.send({"type": "config", **CFG})
        client.until_text("config")
        client.send(message)
        error = client.until_text("error")
        assert error["field"] == field, error
        # Nothing changed: the next frame has no view.
        client.send({"type": "control", "action": "step"})
        frame = client.until_frame(min_step=1)
        assert "landscape" not in frame.header and "warp" not in frame.header
    finally:
        client.close()
