"""`export`, `import` and `train` over a real websocket on a real server (issue 17)."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from conftest import LiveServer
from nnplayground.api.settings import Settings
from wsclient import Client, Frame

MODEL = {"type": "config", "dataset": "xor", "features": ["x1", "x2", "x1x2", "sinx2"],
         "hidden_layers": [5, 3], "activation": "relu", "optimizer": "adam",
         "learning_rate": 0.01}  # fmt: skip
METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "grad_norms",
           "weight_norms", "learning_rate")  # fmt: skip


def _trained(client: Client, steps: int) -> Frame:
    client.send(MODEL)
    rev = client.until_text("config")["rev"]
    client.send({"type": "train", "steps": steps})
    status = client.until_text("status")
    assert (status["step"], status["playing"]) == (steps, False)
    frame = client.until_frame(min_rev=rev, min_step=steps)
    assert frame.header["metrics_step"] == steps
    return frame


def _export(client: Client, fmt: str) -> dict[str, str]:
    client.send({"type": "export", "format": fmt})
    reply = client.until_text("export")
    assert reply["format"] == fmt
    return reply


def _same_model(a: Frame, b: Frame) -> None:
    assert a.step == b.step
    for name in ("weights", "biases", "output", "neurons"):
        np.testing.assert_array_equal(a.raw[name], b.raw[name], err_msg=name)
    for key in METRICS:
        assert a.header["metrics"][key] == b.header["metrics"][key], key


def test_export_reset_import_is_bit_identical(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    try:
        client.until_frame()
        before = _trained(client, 300)
        reply = _export(client, "json")
        assert reply["filename"] == "xor_x1-x2-x1x2-sinx2_5-3_step300.json"
        client.send({"type": "control", "action": "reset"})
        client.until_frame(min_step=0)
        client.send({"type": "config", "activation": "tanh", "hidden_layers": [2]})
        client.until_text("config")
        client.send({"type": "import", "text": reply["text"]})
        echo = client.until_text("config")
        assert echo["config"]["activation"] == "relu" and echo["config"]["hidden_layers"] == [5, 3]
        assert client.until_text("status")["step"] == 300
        after = client.until_frame(min_rev=echo["rev"], min_step=300)
        _same_model(before, after)

        # Training goes on exactly as it would have: another session imports the same file and
        # both train 40 steps.
        other = Client(live_server.ws_url)
        try:
            other.until_frame()
            other.send({"type": "import", "text": reply["text"]})
            rev = other.until_text("config")["rev"]
            other.until_frame(min_rev=rev, min_step=300)
            frames = []
            for c in (client, other):
                c.send({"type": "train", "steps": 40})
                frames.append(c.until_frame(min_step=340))
            _same_model(*frames)
        finally:
            other.close()
    finally:
        client.close()


# Runs the exported script in a fresh interpreter with only NumPy; prints predict on the grid.
GRID = """
import json, runpy, sys
import numpy as np
model = runpy.run_path(sys.argv[1], run_name="model")
g = 100
c = -6 + (np.arange(g) + 0.5) * 12 / g
print(json.dumps(model["predict"](np.stack([np.tile(c, g), np.repeat(c[::-1], g)], 1)).tolist()))
"""


def test_exported_scripts(live_server: LiveServer, tmp_path: Path) -> None:
    client = Client(live_server.ws_url)
    try:
        client.until_frame()
        frame = _trained(client, 200)
        reply = _export(client, "python")
        assert reply["filename"].endswith("_step200_predict.py")
        path = tmp_path / reply["filename"]
        path.write_text(reply["text"])
        run = subprocess.run([sys.executable, "-I", "-c", GRID, str(path)], capture_output=True,
                             text=True, check=True, timeout=60)  # fmt: skip
        got = np.asarray(json.loads(run.stdout)).reshape(100, 100)
        scale = frame.descriptor("output")["scale"]
        assert np.abs(got - frame.value("output")).max() <= 0.5 * scale + 1e-4

        jax = _export(client, "jax")
        assert jax["filename"].endswith("_step200_train_jax.py")
        compile(jax["text"], jax["filename"], "exec")  # valid Python (tests/engine runs it)
        assert "import optax" in jax["text"] and "STEPS = 200" in jax["text"]
    finally:
        client.close()


def test_bad_requests_name_the_field_and_change_nothing(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    try:
        client.until_frame()
        before = _trained(client, 20)
        good = json.loads(_export(client, "json")["text"])
        bad_doc = {**good, "training": {**good["training"], "rng_key": [1]}}
        cases = [
            ({"type": "export", "format": "pdf"}, "format"),
            ({"type": "import", "text": "{oops"}, "file"),
            ({"type": "import", "text": json.dumps(bad_doc)}, "training.rng_key"),
            ({"type": "import", "text": json.dumps({**good, "version": 7})}, "version"),
            ({"type": "import"}, "text"),
            ({"type": "train", "steps": 0}, "steps"),
            ({"type": "train", "steps": 10_001}, "steps"),
        ]
        for message, field in cases:
            client.send(message)
            error = client.until_text("error")
            assert error["field"] == field, (message, error)
        client.send({"type": "control", "action": "step"})
        after = client.until_frame(min_step=21)
        assert after.header["config_rev"] == before.header["config_rev"]
        assert client.texts[-1]["type"] == "status"
    finally:
        client.close()


def test_framing_is_denied_by_default_and_allowed_where_configured(
    live_server: LiveServer, server_factory: Callable[..., LiveServer]
) -> None:
    with urllib.request.urlopen(f"{live_server.url}/?embed=1", timeout=10) as r:
        assert r.headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    server = server_factory(frame_ancestors="https://slides.example.org,http://127.0.0.1:9999")
    with urllib.request.urlopen(f"{server.url}/?embed=1", timeout=10) as r:
        assert r.headers["X-Frame-Options"] is None
        assert (
            "frame-ancestors 'self' https://slides.example.org http://127.0.0.1:9999"
            in r.headers["Content-Security-Policy"]
        )


def test_frame_ancestors_must_be_origins() -> None:
    for bad in ("'unsafe-inline'", "https://a.org; script-src *", ""):
        with pytest.raises(ValidationError, match="frame_ancestors"):
            Settings(frame_ancestors=[bad])
    assert Settings(frame_ancestors="https://a.org, https://*.b.org").frame_ancestors == [
        "https://a.org",
        "https://*.b.org",
    ]
