"""clock.py: when a session's frames come due, on hand-made times."""

from __future__ import annotations

import pytest

from nnplayground.runtime.clock import FrameClock
from nnplayground.runtime.pacing import Limits


def test_alone_frames_follow_their_own_interval_and_never_pile_up() -> None:
    clock = FrameClock(fps=10)
    clock.play()
    assert clock.tick(5.0, loaded=False) == 50  # the first chunk at once, auto steps
    assert clock.next_due == 5.0  # max(0 + 0.1, now): a late start does not owe frames
    assert clock.tick(5.0, loaded=False) == 50
    assert clock.next_due == pytest.approx(5.1)
    clock.tick(7.0, loaded=False)  # a late tick: the next frame is due now, not 19 back ones
    assert clock.next_due == 7.0 and clock.last_frame_at == 7.0


def test_a_loaded_thread_puts_every_session_on_one_grid() -> None:
    a, b = FrameClock(fps=20), FrameClock(fps=20)
    a.tick(3.01, loaded=True)
    b.tick(3.04, loaded=True)
    assert a.next_due == b.next_due == pytest.approx(3.05)


def test_fixed_steps_per_frame_win_over_auto() -> None:
    clock = FrameClock(fps=30)
    clock.steps_per_frame = 7
    assert clock.tick(1.0, loaded=False) == 7
    clock.adapt(7, 1.0, 1, Limits())  # no adapting while fixed
    assert clock.auto_steps == 50


def test_auto_steps_adapt_to_the_time_a_chunk_took() -> None:
    clock = FrameClock(fps=30)
    clock.frame_cost = 0.0
    clock.adapt(50, 1e-6, 1, Limits())  # far too fast: at most doubled
    assert clock.auto_steps == 100
    clock.adapt(100, 10.0, 1, Limits())  # far too slow: at most halved
    assert clock.auto_steps == 50
    clock.adapt(20, 1e-6, 1, Limits())  # a chunk of other steps (a step command): ignored
    assert clock.auto_steps == 50


def test_a_change_after_a_quiet_interval_brings_the_next_chunk_forward() -> None:
    clock = FrameClock(fps=10)
    clock.tick(1.0, loaded=False)
    clock.tick(1.0, loaded=False)  # next due at 1.1
    assert not clock.in_burst(1.2)
    clock.changed(1.02)  # but not sooner than half an interval after the last frame
    assert clock.next_due == pytest.approx(1.05)
    assert clock.in_burst(1.06)
    clock.next_due = 1.15
    clock.changed(1.08)  # within the burst: follows the frame clock
    assert clock.next_due == 1.15


def test_frame_cost_is_a_moving_average() -> None:
    clock = FrameClock(fps=30)
    for _ in range(50):
        clock.framed(0.01)
    assert clock.frame_cost == pytest.approx(0.01, rel=1e-3)
