"""history.py: the loss curve kept for reconnects stays bounded, evenly spaced."""

from __future__ import annotations

from nnplayground.runtime.history import History


def test_halves_when_full_and_keeps_every_stride_th_point() -> None:
    h = History(limit=8)
    for step in range(100):
        h.add(step, {"train_loss": float(step)})
    d = h.to_dict()
    assert len(d["step"]) < 8
    gaps = {b - a for a, b in zip(d["step"], d["step"][1:], strict=False)}
    assert gaps == {h.stride} and d["train_loss"] == [float(s) for s in d["step"]]
    assert d["test_loss"] == [None] * len(d["step"])
    h.clear()
    assert h.to_dict()["step"] == [] and h.stride == 1
