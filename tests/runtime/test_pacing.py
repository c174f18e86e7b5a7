"""pacing.py: steps per frame alone (`auto_steps`) and on a loaded thread (`LoadedPace`)."""

from __future__ import annotations

from itertools import pairwise

from nnplayground.runtime import pacing
from nnplayground.runtime.pacing import Limits, LoadedPace


def test_auto_steps_fill_the_training_share_of_a_frame() -> None:
    limits = Limits(train_share=0.6, max_steps_per_frame=1000)
    budget = 0.6 / 30  # seconds of training per frame at 30 fps, alone on the thread
    # A chunk that took half the budget doubles (at most x2 per frame) ...
    assert pacing.auto_steps(100, budget / 2, 30, 1, 0.0, limits) == 200
    # ... one that took four times the budget halves (at most x0.5) ...
    assert pacing.auto_steps(100, budget * 4, 30, 1, 0.0, limits) == 50
    # ... and one that fit exactly stays, with the frame's own cost taken off the budget.
    assert pacing.auto_steps(100, budget, 30, 1, 0.0, limits) == 100
    assert pacing.auto_steps(100, budget - 0.005, 30, 1, 0.005, limits) == 100
    # Two sessions on the thread split it; the cap holds.
    assert pacing.auto_steps(100, budget / 2, 30, 2, 0.0, limits) == 100
    assert pacing.auto_steps(800, 1e-6, 30, 1, 0.0, limits) == 1000


def test_loaded_means_more_playing_sessions_than_full_resolution_ones() -> None:
    limits = Limits(full_res_sessions=8)
    assert not pacing.loaded(8, limits) and pacing.loaded(9, limits)


def test_a_loaded_threads_training_takes_what_the_frames_leave() -> None:
    now = [0.0]
    pace = LoadedPace(steps=64, max_steps=200, clock=lambda: now[0])

    def run(busy: float, windows: int) -> list[float]:
        seen = []
        for _ in range(windows):
            for _ in range(8):  # eight ticks a window (exact in binary), each `busy` busy
                now[0] += LoadedPace.WINDOW / 8
                pace.ticked(busy * LoadedPace.WINDOW / 8)
            seen.append(pace.steps)
        return seen

    falling = run(busy=1.0, windows=20)  # frames late: training yields, down to one step
    assert all(b < a for a, b in pairwise([64.0, *falling[:10]]))
    assert falling[-1] == 1.0
    rising = run(busy=0.3, windows=40)  # time to spare: training takes it, up to the cap
    assert all(b > a for a, b in pairwise(rising[:10]))
    assert rising[-1] == 200
    steady = run(busy=(LoadedPace.LOW + LoadedPace.HIGH) / 2, windows=5)  # in the band: kept
    assert steady == [200.0] * 5
