"""When a session measures its full-data metrics, and the metrics its frames report.

Measuring costs more than the training it reports on, so a playing session measures every
`measure_interval` (longer on a loaded thread) and after any change; a paused one always.
Owned by the session's scheduler thread; times are arguments.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from nnplayground.engine import ChunkMetrics, RunConfig
from nnplayground.runtime import wire
from nnplayground.runtime.pacing import Limits

JsonDict = dict[str, Any]


class Measuring:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.metrics: JsonDict = wire.empty_metrics()
        self.step = 0  # the step `metrics` were measured at
        self.at = 0.0  # when
        self.stale = False  # the model or data changed since

    def due(self, now: float, playing: bool, loaded: bool) -> bool:
        """Whether this chunk measures: after any change, and while playing every
        `measure_interval` (longer on a loaded thread); a step or epoch always does."""
        if self.stale or not playing:
            return True
        if not loaded:
            return now - self.at >= self.limits.measure_interval
        # On one clock for the thread's sessions, like their frames: they measure in the same
        # tick and so in grouped calls.
        interval = self.limits.loaded_measure_interval
        return math.floor(now / interval) > math.floor(self.at / interval)

    def record(self, metrics: JsonDict, step: int, now: float) -> None:
        self.metrics = metrics
        self.step = step
        self.at = now
        self.stale = False

    def speed(self, examples_per_s: float | None) -> None:
        """An unmeasured chunk: only its training speed is new."""
        self.metrics = {**self.metrics, "examples_per_s": examples_per_s}

    def reset(self) -> None:
        self.metrics = wire.empty_metrics()
        self.step = 0
        self.stale = True


def stop_event(chunk: ChunkMetrics, config: RunConfig, playing: bool) -> JsonDict | None:
    """The `event` message's fields when lane 0's chunk must stop training: it diverged, or
    (while playing) early stopping's patience ran out; None to train on."""
    if bool(np.asarray(chunk.diverged)[0]):
        text = (
            "training diverged (the loss became NaN or infinite); paused. "
            "Lower the learning rate and reset."
        )
        return {"event": "diverged", "message": text}
    if bool(np.asarray(chunk.early_stop)[0]) and playing:
        text = f"validation loss has not improved for {config.patience} steps; paused."
        return {"event": "early_stop", "message": text}
    return None
