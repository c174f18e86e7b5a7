"""Watchers: the connections that watch a session, each with its own mailbox and resolution.

A tab watches its own session; a lecture room is one session that many tabs watch. Every
watcher gets every text message and the newest frame (latest-wins: a slow reader gets fewer
frames, never a queue). Frames are probed once per resolution and encoded once per distinct
frame (resolution, with or without the data), whatever the number of watchers.

Threading: a `Watcher`'s fields are written on its session's scheduler thread only (a new
connection gets a new Watcher); the session's tuple of watchers is replaced under its lock.
"""

from __future__ import annotations

import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from nnplayground.engine import Probe, RunConfig
from nnplayground.runtime import wire
from nnplayground.runtime.frames import WireArray
from nnplayground.runtime.mailbox import Mailbox
from nnplayground.runtime.views import OFF, ViewRequest  # issue 15

if TYPE_CHECKING:
    from nnplayground.engine import Trainer
    from nnplayground.runtime.session import Session

JsonDict = dict[str, Any]
# A deflated frame: these 4 bytes (never a plain frame's header length), then a zlib stream of
# the plain frame.
DEFLATED = b"\xff\xff\xff\xff"
# "auto": the session's resolution (half on a loaded thread while playing); "full"/"half": fixed.
Resolution = Literal["auto", "full", "half"]


class Watcher:
    def __init__(
        self,
        mailbox: Mailbox,
        resolution: Resolution = "auto",
        follower: bool = False,
        budget: ByteBudget | None = None,
    ) -> None:
        self.mailbox = mailbox
        self.resolution: Resolution = resolution
        self.sent_data_rev = -1  # the data revision this watcher's frames carried last
        self.pending_points = False  # the frame last put in the mailbox carried the data
        self.views: ViewRequest = OFF  # issue 15: optional views this watcher asked for
        # A lecture room's follower (runtime/rooms.py): it watches but never keeps the session
        # training, and its frames while playing fit `budget` (bytes per second).
        self.follower = follower
        self.budget = budget
        self.deflate = False  # frames as DEFLATED + zlib stream (a follower that asked)

    def reduced(self, auto: bool) -> bool:
        """Whether this watcher's frames are at half resolution (`auto`: the session's)."""
        return auto if self.resolution == "auto" else self.resolution == "half"

    def wants_frame(self, playing: bool, now: float) -> bool:
        """`now`: the scheduler's time (seconds, monotonic), for a follower's byte budget."""
        # While playing, a frame the client hasn't taken yet would only be replaced: skipped,
        # so the next tick (≤ 1/fps away) sends a fresh one. A paused session's last frame
        # always goes, so it shows the final state.
        if not playing:
            return True
        if self.mailbox.frame_pending:
            return False
        return self.budget is None or self.budget.allows(now)


class ByteBudget:
    """A follower's stream rate: a token bucket of bytes, `rate` per second, a quarter second's
    burst (so any window of a few seconds stays close to `rate`).

    A frame goes while the bucket is not in debt; its size is then charged (possibly into
    debt), so the long-run rate is at most `rate` whatever the frame size, and a bigger frame
    (one with the data) just delays the next. Times are arguments (seconds, monotonic).
    """

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.cap = rate / 4
        self.tokens = self.cap
        self.stamp = now

    def _refill(self, now: float) -> None:
        self.tokens = min(self.cap, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now

    def allows(self, now: float) -> bool:
        self._refill(now)
        return self.tokens > 0

    def charge(self, nbytes: int, now: float) -> None:
        self._refill(now)
        self.tokens -= nbytes


def emit(s: Session, probe: Probe | None = None) -> None:
    """One frame to each watcher that wants one; `probe`: lane 0's at the session's own
    resolution, when already probed (a grouped call)."""
    active = s.active
    now = s.begun_at  # the scheduler's time of this tick
    watchers = [w for w in s.watchers if w.wants_frame(active, now)]
    if not watchers:
        return
    started = time.perf_counter()
    auto = s.reduced
    header = wire.frame_header(
        step=int(s.trainer.step[0]),
        epoch=float(s.trainer.epoch[0]),
        playing=s.playing,
        config_rev=s.rev,
        data_rev=s.data_rev,
        metrics=s.measuring.metrics,
        metrics_step=s.measuring.step,
        compare=s.compare.header(s.trainer),
        sweep=s.compare.sweep_header(s.trainer),  # issue 16
    )
    parts: dict[bool, tuple[Trainer, list[WireArray], Probe]] = {}
    frames: dict[tuple[bool, bool, ViewRequest, bool], bytes] = {}
    for w in watchers:
        # The data go in a frame only when they changed; a frame that replaces an unsent one
        # that carried them must carry them too (else the page never gets that data).
        with_points = w.sent_data_rev != s.data_rev or (
            w.pending_points and w.mailbox.frame_pending
        )
        reduced = w.reduced(auto)
        if reduced not in parts:
            shown, extra = s.compare.frame_parts(s.trainer, reduced)  # lane 0 + variants
            own = probe if probe is not None and reduced == auto else None
            parts[reduced] = (shown, extra, own or shown.probe((0,), reduced=reduced))
        key = (reduced, with_points, w.views, False)
        if key not in frames:
            shown, extra, lane0 = parts[reduced]
            if w.views.on:  # issue 15: optional views; frames without them are unchanged
                blocks, view_arrays = s.views.parts(s, w.views)
                more, head = [*extra, *view_arrays], {**header, **blocks}
                frames[key] = wire.frame(shown, head, with_points, reduced, more, lane0)
            else:
                frames[key] = wire.frame(shown, header, with_points, reduced, extra, lane0)
        if w.deflate:  # compressed once for every follower that asked (docs/protocol.md)
            plain, key = frames[key], (reduced, with_points, w.views, True)
            if key not in frames:
                frames[key] = DEFLATED + zlib.compress(plain, 1)
        w.mailbox.put_frame(frames[key])
        if w.budget is not None:
            w.budget.charge(len(frames[key]), now)
        w.pending_points = with_points
        if with_points:
            w.sent_data_rev = s.data_rev
    # issue 15: an occasional landscape grid counts as its share per frame (runtime/views.py).
    s.clock.framed(time.perf_counter() - started - s.views.excess(s.clock.fps))


def hold_frames(watchers: tuple[Watcher, ...]) -> list[tuple[Watcher, bytes]]:
    """Take back the frames still waiting: they show the model before the commands about to be
    applied, and sent after their echoes they would contradict them (a reset's step 0, then a
    frame of the old step)."""
    held = [(w, w.mailbox.take_frame()) for w in watchers]
    return [(w, f) for w, f in held if f is not None]


def release_frames(held: list[tuple[Watcher, bytes]], replaced: bool) -> None:
    """After the commands: the frame they call for replaces each held one; if none does, it
    goes back. The data a replaced frame carried go in the frame that replaces it."""
    for w, held_frame in held:
        if not replaced:
            w.mailbox.put_frame(held_frame)
        elif w.pending_points:
            w.sent_data_rev = -1


@dataclass
class Snapshot:
    """What a (re)connecting client's hello needs, consistent at one instant."""

    config: JsonDict
    rev: int
    playing: bool
    step: int
    epoch: float
    fps: int
    steps_per_frame: int | None
    history: dict[str, list[Any]] = field(default_factory=dict)


def snapshot_of(s: Session) -> tuple[RunConfig, Snapshot]:
    """The session as its watchers last saw it; the RunConfig itself (immutable), whose dict
    `Session.snapshot()` makes on the rare hello rather than here, every frame."""
    shown = Snapshot(
        config={},
        rev=s.rev,
        playing=s.playing,
        step=int(s.trainer.step[0]),
        epoch=float(s.trainer.epoch[0]),
        fps=s.clock.fps,
        steps_per_frame=s.clock.steps_per_frame,
    )
    return s.trainer.configs[0], shown
