"""runtime/views.py on a real Trainer with an injected clock: the landscape is recomputed at most
every LANDSCAPE_INTERVAL while playing, at once after a change while paused, its path restarts
after a reset, and the frame clock is charged a grid's share per frame, not the whole grid."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nnplayground.engine import RunConfig, Trainer
from nnplayground.runtime.views import LANDSCAPE_INTERVAL, SessionViews, ViewRequest


@dataclass
class Shown:
    """The three things SessionViews reads from a Session."""

    trainer: Trainer = field(default_factory=lambda: Trainer([RunConfig(hidden_layers=(3,))]))
    rev: int = 0
    active: bool = True


def test_landscape_throttled_while_playing_fresh_when_paused() -> None:
    now = [100.0]
    views = SessionViews(clock=lambda: now[0])
    s = Shown()
    request = ViewRequest(landscape=True)
    s.trainer.advance(5)
    header, arrays = views.parts(s, request)
    assert [a.name for a in arrays] == ["landscape"] and arrays[0].data.shape == (31, 31)
    assert views.landscapes_computed == 1
    for _ in range(4):  # playing: new steps every frame, but within the interval
        now[0] += LANDSCAPE_INTERVAL / 5
        s.trainer.advance(5)
        again, _ = views.parts(s, request)
        assert again["landscape"] == header["landscape"]
    assert views.landscapes_computed == 1
    now[0] += LANDSCAPE_INTERVAL / 5 + 1e-6
    s.trainer.advance(5)
    views.parts(s, request)
    assert views.landscapes_computed == 2
    # The share charged to the frame clock: the grid minus its per-frame share; 0 without a grid.
    assert views.excess(30) > 0.0
    assert views.excess(30) == 0.0
    # Paused (not active): a step shows a fresh grid at once; a config change too.
    s.active = False
    s.trainer.advance(1)
    views.parts(s, request)
    assert views.landscapes_computed == 3
    s.rev += 1
    fresh, _ = views.parts(s, request)
    assert views.landscapes_computed == 4
    assert np.all(np.asarray(fresh["landscape"]["path"][-1]) == 0.0)
    # A reset (the step goes back): the old path is dropped.
    assert len(fresh["landscape"]["path"]) >= 3
    s.trainer.reset()
    after, _ = views.parts(s, request)
    assert len(after["landscape"]["path"]) == 1


def test_off_request_adds_nothing_and_warp_reports_a_missing_layer() -> None:
    views = SessionViews(clock=lambda: 0.0)
    s = Shown()
    assert views.parts(s, ViewRequest()) == ({}, [])
    header, arrays = views.parts(s, ViewRequest(warp=(2, (0, 1))))
    assert "error" in header["warp"] and arrays == []
    header, arrays = views.parts(s, ViewRequest(warp=(1, "pca"), confusion=True))
    assert header["warp"]["axes"] == "pca"
    names = [a.name for a in arrays]
    assert names == [
        "warp_lines",
        "warp_points",
        "confusion_train",
        "confusion_val",
        "confusion_test",
    ]
