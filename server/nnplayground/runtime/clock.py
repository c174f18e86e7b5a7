"""A session's frame clock: when its next frame is due and how many steps fill it.

Owned by the session's scheduler thread; every time is an argument (seconds on the scheduler's
monotonic clock), so the clock runs the same under a test's hand-made times.
"""

from __future__ import annotations

import math

from nnplayground.runtime import pacing
from nnplayground.runtime.pacing import Limits


class FrameClock:
    def __init__(self, fps: int) -> None:
        self.fps = fps
        self.steps_per_frame: int | None = None  # None: auto (`auto_steps`, adapted)
        self.next_due = 0.0
        self.last_frame_at = 0.0
        self.last_change_at = 0.0
        self.auto_steps = 50
        self.frame_cost = 3e-3  # seconds per probe + encode, measured (EMA)

    @property
    def steps(self) -> int:
        """Steps in the next chunk."""
        return self.steps_per_frame or self.auto_steps

    def play(self) -> None:
        self.next_due = 0.0  # the first chunk at once

    def in_burst(self, now: float) -> bool:
        """Whether a change came less than a frame interval ago (a slider drag, a flood)."""
        return now - self.last_change_at < 1.0 / self.fps

    def changed(self, now: float) -> None:
        """A change while playing: train the next chunk now rather than at the next frame
        tick, so a click shows within one chunk. Only the first change after a quiet frame
        interval does this (a slider drag or a flood then follows the frame clock), and never
        sooner than half an interval after the last frame, so no client can turn its session
        into a frame hose that slows everyone else."""
        if now - self.last_change_at > 1.0 / self.fps:
            self.next_due = min(self.next_due, max(now, self.last_frame_at + 0.5 / self.fps))
        self.last_change_at = now

    def tick(self, now: float, loaded: bool) -> int:
        """A frame is due at `now`: schedule the next one; the steps to train for this one."""
        if loaded:
            # One clock for the thread's sessions: they come due together and train and probe
            # in a few grouped calls instead of one call each.
            self.next_due = (math.floor(now * self.fps) + 1) / self.fps
        else:
            self.next_due = max(self.next_due + 1.0 / self.fps, now)
        self.last_frame_at = now
        return self.steps

    def adapt(self, steps: int, elapsed: float, sharing: int, limits: Limits) -> None:
        """After an auto chunk of `steps` that took `elapsed` seconds with `sharing` sessions
        on the thread: the next chunk's steps (a loaded thread paces with pacing.LoadedPace)."""
        if self.steps_per_frame is None and steps == self.auto_steps:
            self.auto_steps = pacing.auto_steps(
                steps, elapsed, self.fps, sharing, self.frame_cost, limits
            )

    def framed(self, seconds: float) -> None:
        """A frame took `seconds` to probe and encode."""
        self.frame_cost = 0.8 * self.frame_cost + 0.2 * seconds
