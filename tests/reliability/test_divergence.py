"""Issue 6 §5: learning rate 10 with sigmoid/MSE diverges; the server pauses, says so, and frames
never carry NaN or infinity; a sane rate and a reset recover.

Regression (linear output, MSE): with a sigmoid output unit on {0, 1} targets the gradients are
bounded and lr 10 merely oscillates (measured: no NaN in 20,000 steps), which is correct maths,
not a missed divergence; an unbounded linear output under MSE blows up within one chunk.
"""

from __future__ import annotations

import numpy as np

from conftest import LiveServer

from ._client import Client

DIVERGING = {"type": "config", "problem": "regression", "dataset": "plane",
             "activation": "sigmoid", "loss": "mse", "learning_rate": 10.0}  # fmt: skip
FLOAT_ARRAYS = ("weights", "biases", "neuron_range")


def _assert_finite(frame_arrays: dict[str, np.ndarray], step: int) -> None:
    for name, values in frame_arrays.items():
        assert np.isfinite(values).all(), f"frame at step {step}: non-finite values in {name}"


def test_divergence_pauses_without_nan_and_recovers(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    client.send(DIVERGING)
    client.until_text("config")
    first = client.play(fps=30)
    client.frames_for(2.0)
    events = [t for t in client.texts if t.get("event") == "diverged"]
    assert len(events) == 1, f"expected one diverged event, got {events}"
    assert events[0]["message"] and isinstance(events[0]["step"], int), events
    assert events[0]["step"] <= first.step + 10_000, "not detected within one chunk"

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
        if f.step == 0:  # the reset's own frame may come last: nothing measured yet, so null
            continue
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
    frames = [client.play(fps=60), *client.frames_for(3.0)]
    assert any(t.get("event") == "diverged" for t in client.texts), "did not diverge in 3 s"
    assert frames
    for f in frames:
        _assert_finite({n: f.value(n) for n in FLOAT_ARRAYS if n in f.names()}, f.step)
        for name in ("output", "neurons"):
            if name in f.names():
                _assert_finite({name: f.value(name)}, f.step)
    client.close()
