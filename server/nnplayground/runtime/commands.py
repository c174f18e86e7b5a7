"""What a client message does to its session: commands, run on the session's scheduler thread.

A command is any `Callable[[Session], bool]`: `Session.submit` queues it from the event loop and
the scheduler thread runs it between two chunks (never mid-chunk), returning True when a frame
should follow. Bad input raises `FieldError`, which goes back to the watcher that sent it. The
functions below are the commands of today's messages (api/messages.py makes them); a new message
needs a new one here only when it does something no command does yet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nnplayground.engine.config import DATA_FIELDS, RunConfig
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import tick

if TYPE_CHECKING:
    from nnplayground.runtime.session import Session

JsonDict = dict[str, Any]
Command = Callable[["Session"], bool]
UNSET: Any = object()  # a stream field the client left out (None means "auto")


@dataclass(frozen=True)
class ConfigChange:
    """Config `changes`, validated when queued (`Session.propose_config`): `config` is `base`
    with them, validated. The one command a burst coalesces into one (`Session.submit`)."""

    changes: JsonDict
    base: RunConfig
    config: RunConfig

    def __call__(self, s: Session) -> bool:
        old = s.trainer.configs[0]
        # As validated, unless another command changed the config since (a regenerate, user
        # points): then the changes go on top of that one, validated again.
        new = self.config if old == self.base else old.replace(**self.changes)
        s.trainer.apply(0, new)
        s.config_changed(data=any(getattr(old, f) != getattr(new, f) for f in DATA_FIELDS))
        return True


def frame(s: Session) -> bool:
    """Send a frame now (a new watcher's first frame carries the points)."""
    return True


def control(s: Session, action: str) -> bool:
    """play, pause, step, epoch, reset or regenerate."""
    t = s.trainer
    if action == "play":
        s.playing = True
        s.clock.play()
    elif action == "pause":
        s.playing = False
    elif action == "step":
        s.playing = False
        tick.train(s, 1)
    elif action == "epoch":
        s.playing = False
        tick.train(s, t.steps_per_epoch(0))
    elif action == "reset":
        s.compare.reset(t)
        t.reset()
        s.measuring.reset()
        s.clear_history()
    elif action == "regenerate":
        t.regenerate()
        s.config_changed(data=True)
    s.send_status()
    return True


def stream(s: Session, fps: int | None, steps_per_frame: Any = UNSET) -> bool:
    """Frame rate and steps per frame (None = auto; UNSET = unchanged), capped by the limits."""
    clock = s.clock
    if fps is not None:
        clock.fps = min(fps, s.limits.max_fps)
    if steps_per_frame is not UNSET:
        spf = steps_per_frame
        clock.steps_per_frame = None if spf is None else min(int(spf), s.limits.max_steps_per_frame)
    s.send({"type": "stream", "fps": clock.fps, "steps_per_frame": clock.steps_per_frame})
    return False


def edit_weight(s: Session, layer: int, source: int, target: int, value: float) -> bool:
    s.trainer.set_weight(0, layer, source, target, value)
    s.measuring.stale = True
    return True


def edit_bias(s: Session, layer: int, neuron: int, value: float) -> bool:
    s.trainer.set_bias(0, layer, neuron, value)
    s.measuring.stale = True
    return True


def points(s: Session, rows: np.ndarray) -> bool:
    """User data, (N, 3) float32 rows x1, x2, label-or-target; switches the dataset to `user`."""
    if len(rows) > s.limits.max_points:
        raise FieldError("points", f"at most {s.limits.max_points} points are allowed")
    t = s.trainer
    t.set_user_points(0, rows)
    if t.configs[0].dataset != "user":
        t.apply(0, t.configs[0].replace(dataset="user"))
    s.config_changed(data=True)
    return True


def compare(s: Session, variants: tuple[JsonDict, ...]) -> bool:
    """Compare variants (validated when queued, `Session.propose_compare`); () = off."""
    s.trainer = s.compare.set(s.trainer, variants)
    return True
