"""Fork: a new session that starts from another's exact state (a lecture room's follower).

`capture` runs on the source session's scheduler thread (a command, so never mid-chunk) and
copies lane 0 through `Trainer.select`: config, data and drawn points, weights, optimizer
state, PRNG key, step, epoch, early-stopping bookkeeping; plus what the watchers saw (history,
metrics, frame rate). `seed` puts that into a session the manager just built, before any
scheduler thread sees it. A fork starts paused, so its first frame is the captured state itself.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nnplayground.engine import Trainer
from nnplayground.engine.config import DEFAULT_CAPACITY
from nnplayground.runtime.history import History

if TYPE_CHECKING:
    from nnplayground.runtime.session import Session


@dataclass(frozen=True)
class ForkState:
    trainer: Trainer  # lane 0 of the source, a copy of its own
    step: int
    history: History
    metrics: dict[str, Any]
    metrics_step: int
    fps: int
    steps_per_frame: int | None


def capture(s: Session) -> ForkState:
    """The source's state now (its scheduler thread, or any thread once it is closed)."""
    with s._lock:  # the history is read by `snapshot` on the loop
        history = copy.deepcopy(s.history)
    return ForkState(
        trainer=s.trainer.select([0]).migrate(DEFAULT_CAPACITY),  # a copy, default bucket
        step=int(s.trainer.step[0]),
        history=history,
        metrics=dict(s.measuring.metrics),
        metrics_step=s.measuring.step,
        fps=s.clock.fps,
        steps_per_frame=s.clock.steps_per_frame,
    )


def seed(s: Session, state: ForkState) -> None:
    """Make the new session `s` show `state` (before it is scheduled; it owns `state`)."""
    s.history = state.history
    s.measuring.record(state.metrics, state.metrics_step, 0.0)
    s.clock.fps = state.fps
    s.clock.steps_per_frame = state.steps_per_frame
    s.pending_config = state.trainer.configs[0]
    s._refresh_snapshot()
