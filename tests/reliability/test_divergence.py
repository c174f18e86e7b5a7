"""Issue 6 §5: learning rate 10 with sigmoid/MSE diverges; the server pauses, says so, and frames
never carry NaN or infinity; a sane rate and a reset recover."""

from __future__ import annotations

import numpy as np

from conftest import LiveServer

from ._client import Client

DIVERGING = {"type": "config", "activation": "sigmoid", "loss": "mse", "learning_rate": 10.0,
             "hidden_layers": [8, 8, 8]}  # fmt: skip
FLOAT_ARRAYS = ("weights", "biases", "neuron_range")


def _assert_finite(frame_arrays: dict[str, np.ndarray], step: int) -> None:
    for name, values in frame_arrays.items():
        assert np.isfinite(values).all(), f"frame at step {step}: non-finite values in {name}"


def test_divergence_pauses_without_nan_and_recovers(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    client.send(DIVERGING)
    client.until_text("config")
    client.play(fps=30)
    event = client.until_text("event", timeout=20, event="diverged")
    assert event["message"] and isinstance(event["step"], int), event

    # Paused: the step stops moving and frames say so (strict JSON parsing has already rejected
    # NaN/Infinity in every header received).
    after = client.frames_for(1.0)
    assert len({f.step for f in after}) <= 1, [f.step for f in after]
    assert all(f.header["playing"] is False for f in after), "still playing after divergence"

    client.send({"type": "config", "learning_rate": 0.03, "activation": "tanh"})
    client.until_text("config")
    client.send({"type": "control", "action": "reset"})
    client.until_text("status", step=0)
    client.send({"type": "control", "action": "play"})
    client.until_text("status", playing=True)
    seen = len(client.texts)
    frames = client.frames_for(2.0)
    assert frames and frames[-1].step > frames[0].step, "no training after recovery"
    for f in frames:
        _assert_finite({n: f.value(n) for n in FLOAT_ARRAYS if n in f.names()}, f.step)
        loss = f.header["metrics"]["train_loss"]
        assert loss is not None and np.isfinite(loss), f.header["metrics"]
    diverged_again = [t for t in client.texts[seen:] if t.get("event") == "diverged"]
    assert not diverged_again, diverged_again
    client.close()


def test_frames_while_diverging_carry_no_nan(live_server: LiveServer) -> None:
    """Every frame up to and including the pause decodes to finite arrays."""
    client = Client(live_server.ws_url)
    client.send(DIVERGING)
    client.until_text("config")
    client.play(fps=60)
    frames = client.frames_for(3.0)
    assert any(t.get("event") == "diverged" for t in client.texts), "did not diverge in 3 s"
    assert frames
    for f in frames:
        _assert_finite({n: f.value(n) for n in FLOAT_ARRAYS if n in f.names()}, f.step)
        for name in ("output", "neurons"):
            if name in f.names():
                _assert_finite({name: f.value(name)}, f.step)
    client.close()
