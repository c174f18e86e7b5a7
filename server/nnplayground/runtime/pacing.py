"""Frame pacing: the runtime's limits and how many training steps fill one frame."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Runtime limits (the API fills them from its settings)."""

    max_points: int = 2000
    max_fps: int = 60
    default_fps: int = 30
    max_steps_per_frame: int = 10_000
    max_lanes: int = 16  # main model + compare variants or sweep models (compare.py)
    # Share of each frame interval spent training (the rest: probes, encoding, other sessions).
    train_share: float = 0.6
    # Above this many sessions playing on one training thread, frames are probed at half
    # resolution (a quarter of the work), full-data metrics are measured less often, and the
    # thread's sessions train, measure and probe in grouped calls on one clock (scheduler.py).
    full_res_sessions: int = 8
    # Seconds between full-data measurements (loss curve points) while playing: every frame
    # would cost more than the training it reports on. 2.5 times as long on a loaded thread.
    measure_interval: float = 0.1

    @property
    def loaded_measure_interval(self) -> float:
        return 2.5 * self.measure_interval


def loaded(sharing: int, limits: Limits) -> bool:
    """Whether a training thread carries more sessions than it can draw at full resolution."""
    return sharing > limits.full_res_sessions


def auto_steps(
    steps: int, elapsed: float, fps: int, sharing: int, frame_cost: float, limits: Limits
) -> int:
    """The next auto chunk: `steps` scaled so training fills its share of the frame interval.

    A chunk costs a fixed part (dispatch, full-split evaluation) plus a per-step part, so a
    per-step average would settle far too low; scaling by budget / elapsed (at most x2 or
    x0.5 per frame) converges on the step count that fills the budget whatever the split.
    `sharing` sessions play on the same training thread and split its time.
    """
    budget = limits.train_share / fps / max(1, sharing)
    budget = max(budget - frame_cost, 1e-4)
    factor = min(2.0, max(0.5, budget / max(elapsed, 1e-6)))
    return max(1, min(limits.max_steps_per_frame, round(steps * factor)))


class LoadedPace:
    """Steps per frame for the auto-paced sessions of a loaded training thread.

    With many sessions on a thread, per-session time budgets (`auto_steps`) misjudge what the
    sessions cost together (grouped calls, the GIL, the other thread), and frames came late.
    Here training takes what the frames leave: the thread's busy share of wall time is
    measured every quarter second, and the step count shrinks while it is above `HIGH` (down
    to 1, after which frames slow down as they must) and grows while it is below `LOW`.
    """

    WINDOW = 0.25  # seconds between adjustments
    LOW, HIGH = 0.75, 0.9  # busy shares of the thread between which the step count stays

    def __init__(
        self,
        steps: float = 1.0,
        max_steps: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.steps = steps
        self._max = max_steps
        self._clock = clock
        self._busy = 0.0
        self._since = clock()

    def ticked(self, seconds: float) -> None:
        """Account a tick of the thread that took `seconds`."""
        self._busy += seconds
        now = self._clock()
        window = now - self._since
        if window < self.WINDOW:
            return
        busy = self._busy / window
        if busy > self.HIGH:
            self.steps = max(1.0, self.steps * 0.7)
        elif busy < self.LOW:
            self.steps = min(float(self._max), self.steps * 1.2 + 0.5)
        self._busy, self._since = 0.0, now
