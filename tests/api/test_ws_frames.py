"""Binary frames: descriptors match the bytes, and decoded grids match the engine's floats."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import LiveServer
from nnplayground.engine import RunConfig, Trainer
from wsclient import Client


@pytest.fixture(scope="module")
def reference() -> Trainer:
    """The engine in this process, trained exactly as the server trains on an `epoch` control."""
    trainer = Trainer([RunConfig()])
    trainer.train(trainer.steps_per_epoch(0))
    return trainer


def test_server_frame_decodes_to_the_engine_floats(
    live_server: LiveServer, reference: Trainer
) -> None:
    client = Client(live_server.ws_url)
    try:
        client.until_frame()
        client.send({"type": "control", "action": "epoch"})
        frame = client.until_frame(min_step=reference.steps_per_epoch(0))
    finally:
        client.close()
    assert frame.step == int(reference.step[0]) == 25
    probe = reference.probe()

    out = frame.descriptor("output")
    assert frame.raw["output"].shape == (100, 100) and frame.raw["output"].dtype == np.uint8
    # One quantisation step (plus float32 noise) from the engine's float output.
    err = np.abs(frame.value("output") - probe.output_float(0))
    assert err.max() <= out["scale"] * 1.0001, err.max()

    maps = probe.neurons_float(0)  # (6, 32, 32) for hidden layers [4, 2]
    assert frame.raw["neurons"].shape == maps.shape == (6, 32, 32)
    rng = frame.raw["neuron_range"].astype(np.float64)  # (N, 2) min, max per map
    lo, hi = rng[:, 0, None, None], rng[:, 1, None, None]
    decoded = lo + frame.raw["neurons"] / 255.0 * (hi - lo)
    assert np.all(np.abs(decoded - maps) <= (hi - lo) / 255.0 * 1.0001 + 1e-6)
    np.testing.assert_allclose(rng[:, 0], maps.min(axis=(1, 2)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(rng[:, 1], maps.max(axis=(1, 2)), rtol=1e-5, atol=1e-6)

    # 2·4 + 4·2 + 2·1 weights and 4 + 2 + 1 biases, float32 sent as-is.
    weights, biases = probe.arrays(0)["weights"][0], probe.arrays(0)["biases"][0]
    assert frame.raw["weights"].shape == (18,) and frame.raw["biases"].shape == (7,)
    np.testing.assert_array_equal(frame.raw["weights"], weights)
    np.testing.assert_array_equal(frame.raw["biases"], biases)

    metrics = frame.header["metrics"]
    assert 0.0 < metrics["train_loss"] < 1.0 and 0.0 <= metrics["test_accuracy"] <= 1.0
    assert metrics["val_loss"] is None  # no validation split by default


def test_first_frame_carries_the_data(live_server: LiveServer, reference: Trainer) -> None:
    client = Client(live_server.ws_url)
    try:
        frame = client.until_frame()
    finally:
        client.close()
    x, y, split = reference.points(0)
    np.testing.assert_allclose(frame.raw["points"][:, :2], x, rtol=0, atol=1e-6)
    np.testing.assert_allclose(frame.raw["points"][:, 2], y, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(frame.raw["split"], split)
    assert frame.header["data_rev"] == 0
