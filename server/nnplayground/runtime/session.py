"""One training session: its Trainer, its state, its queue of commands and its watchers.

Threading: the event loop only queues commands, attaches and detaches watchers and reads
`snapshot()`; everything else runs on the session's scheduler thread between two chunks, so a
command never lands mid-chunk and JAX never blocks the loop. What both touch (the queue, the
watchers, the snapshot, the history, `pending_config`) is guarded by the session's one lock.
Its parts: clock.py (frame clock), measuring.py, watchers.py (frames); tick.py advances it.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from nnplayground.engine import ChunkMetrics, Probe, RunConfig, Trainer
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import commands, pacing, sweep, watchers, wire
from nnplayground.runtime.clock import FrameClock
from nnplayground.runtime.commands import Command, ConfigChange
from nnplayground.runtime.compare import Compare, check_variants
from nnplayground.runtime.history import History
from nnplayground.runtime.measuring import Measuring
from nnplayground.runtime.pacing import Limits
from nnplayground.runtime.views import SessionViews  # issue 15
from nnplayground.runtime.watchers import Snapshot, Watcher

JsonDict = dict[str, Any]


class Session:
    """A session: created by the manager, driven by a scheduler thread, watched by connections."""

    def __init__(self, session_id: str, token: str, trainer: Trainer, limits: Limits) -> None:
        self.id = session_id
        self.token = token
        self.trainer = trainer
        self.limits = limits
        self._lock = threading.Lock()
        self._commands: deque[tuple[Command, Watcher | None]] = deque()  # (command, sender)
        self.watchers: tuple[Watcher, ...] = ()  # replaced under the lock, never mutated
        # Validated view of the config including not-yet-applied changes (loop thread only),
        # so a later partial change is validated against what will be in force.
        self.pending_config: RunConfig = trainer.configs[0]
        # -- state owned by the scheduler thread ---------------------------------------------
        self.rev = 0
        self.data_rev = 0
        self.playing = False
        self.clock = FrameClock(limits.default_fps)
        self.measuring = Measuring(limits)
        self.history = History()  # read by `snapshot` on the loop: changed under the lock
        self.compare = Compare(limits.max_lanes, self.send)  # variants in lanes 1.. (compare.py)
        self.scheduler_share = 1  # sessions playing on the same scheduler thread (set by it)
        self._frame_due = False  # `begin` called for a frame that `end` sends
        self.begun_at = 0.0  # the time the scheduler's current tick began (`begin`)
        self.views = SessionViews()  # issue 15: optional views' state (runtime/views.py)
        # -- bookkeeping of the manager (event loop) -----------------------------------------
        self.last_client_at = time.monotonic()
        self.detached_at: float | None = time.monotonic()
        self.closed = False
        self.wake: Callable[[], None] = lambda: None  # set by the scheduler that owns it
        self._snapshot = watchers.snapshot_of(self)

    # -- loop side ----------------------------------------------------------------------------
    def submit(self, command: Command, sender: Watcher | None = None) -> None:
        """Queue `command`; its FieldError, if any, goes back to `sender`."""
        with self._lock:
            self._enqueue(command, sender)
        self.wake()

    def _enqueue(self, command: Command, sender: Watcher | None) -> None:
        # Caller holds the lock.
        if isinstance(command, ConfigChange) and self._commands:
            last, _ = self._commands[-1]
            if isinstance(last, ConfigChange):  # coalesce a burst of slider moves into one
                merged = {**last.changes, **command.changes}
                self._commands[-1] = (ConfigChange(merged, last.base, command.config), sender)
                return
        self._commands.append((command, sender))

    def propose_config(self, changes: JsonDict, sender: Watcher | None = None) -> None:
        """Validate `changes` against the config that will be in force, then queue them
        (FieldError and nothing queued when invalid). Under one lock with the queue, so the
        scheduler never overwrites `pending_config` with an older config while a newer waits."""
        with self._lock:
            base = self.pending_config
            self.pending_config = base.replace(**changes)
            self._enqueue(ConfigChange(changes, base, self.pending_config), sender)
        self.wake()

    def propose_compare(self, variants: list[JsonDict], sender: Watcher | None = None) -> None:
        """Validate compare variants like `propose_config` (FieldError("variants", ...))."""
        with self._lock:
            check_variants(self.pending_config, variants, self.limits.max_lanes)
            self._enqueue(lambda s: commands.compare(s, tuple(variants)), sender)
        self.wake()

    def propose_sweep(
        self, axes: list[JsonDict], same_init: bool, sender: Watcher | None = None
    ) -> None:
        """Validate a sweep against the config that will be in force, then queue it
        (FieldError("axes", ...) and nothing queued when it does not fit). Issue 16."""
        with self._lock:
            combos = sweep.combinations(self.pending_config, axes, self.limits.max_lanes, same_init)
            if combos:
                self.pending_config = self.pending_config.replace(**combos[0])
            self._enqueue(lambda s: sweep.start(s, axes, same_init), sender)
        self.wake()

    def attach(self, watcher: Watcher) -> None:
        with self._lock:
            self.watchers = (*self.watchers, watcher)
            if not watcher.follower:
                self.detached_at = None
                self.last_client_at = time.monotonic()
        self.submit(commands.frame)

    def detach(self, watcher: Watcher, close: bool = True) -> bool:
        """Forget `watcher` (closing its mailbox unless not `close`: a closed room's follower
        keeps its connection); True when no owner is left."""
        with self._lock:
            if watcher in self.watchers:
                if close:
                    watcher.mailbox.close()
                self.watchers = tuple(w for w in self.watchers if w is not watcher)
                if not self.attached:
                    self.detached_at = time.monotonic()
            return not self.attached

    @property
    def attached(self) -> bool:
        """An owner watches (a lecture room's followers alone keep nothing alive)."""
        return any(not w.follower for w in self.watchers)

    def snapshot(self) -> Snapshot:
        """What a joining watcher's hello shows: what the watchers have been sent so far."""
        with self._lock:
            (config, snapshot), history = self._snapshot, self.history.to_dict()
        return replace(snapshot, config=config.to_dict(), history=history)

    # -- scheduler side: one tick is `begin`, training (tick.py), `end` -------------------------
    @property
    def active(self) -> bool:
        """Training: playing with an owner watching (a dropped tab's session waits, idle)."""
        return self.playing and self.attached

    @property
    def loaded(self) -> bool:
        """More sessions play on this one's thread than it draws at full resolution."""
        return pacing.loaded(self.scheduler_share, self.limits)

    @property
    def reduced(self) -> bool:
        """Frames at half resolution: while playing on a loaded thread."""
        return self.active and self.loaded

    def due(self, now: float) -> bool:
        if self.active and now >= self.clock.next_due:
            return True
        with self._lock:
            if not self._commands:
                return False
            only_config = all(isinstance(c, ConfigChange) for c, _ in self._commands)
        # While playing, a burst of config changes (a slider drag, a flood) waits for the frame
        # tick and is applied there coalesced: at most one apply per frame interval. The first
        # change after a quiet interval goes at once (`FrameClock.changed`), so a click shows.
        return not (self.active and only_config and self.clock.in_burst(now))

    def begin(self, now: float) -> int | None:
        """Apply pending commands; the steps to train now when a chunk is due (else None)."""
        self.begun_at = now
        with self._lock:
            queued = list(self._commands)
            self._commands.clear()
        held = watchers.hold_frames(self.watchers) if queued else []
        send = False
        for command, sender in queued:
            send = self._apply(command, sender) or send
        watchers.release_frames(held, replaced=send)
        if send and self.measuring.stale and not self.active:
            # Paused: no chunk will follow, so measure the model the frame will show.
            self.measured(self.trainer.evaluate(), 0, 0.0, keep=False)
        if send and self.active:
            self.clock.changed(now)
        self._frame_due = send
        if self.active and now >= self.clock.next_due:
            self._frame_due = True
            return self.clock.tick(now, self.loaded)
        if self.active:
            # The chunk that follows shows the change with metrics measured under it; a frame
            # now would pair the new rev with old metrics.
            self._frame_due = False
        return None

    def _apply(self, command: Command, sender: Watcher | None) -> bool:
        """Run one command; True when a frame should follow. Bad input → `error` to `sender`."""
        try:
            return command(self)
        except ValueError as exc:
            field_name = exc.field if isinstance(exc, FieldError) else None
            self.send({"type": "error", "message": str(exc), "field": field_name}, sender)
            return False

    def measured(self, chunk: ChunkMetrics, steps: int, seconds: float, keep: bool) -> None:
        """Frames report `chunk`'s full-data metrics from now on (`keep`: a loss-curve point)."""
        metrics = wire.chunk_metrics(chunk, self.trainer.configs[0], steps, seconds)
        self.measuring.record(metrics, int(self.trainer.step[0]), self.begun_at)
        if keep:
            with self._lock:
                self.history.add(self.measuring.step, self.measuring.metrics)

    def probe_wanted(self) -> bool | None:
        """After training: None when no frame goes out, else whether it is at half resolution."""
        if not self._frame_due or not any(
            w.wants_frame(self.active, self.begun_at) for w in self.watchers
        ):
            return None
        return self.reduced

    def end(self, probe: Probe | None = None) -> None:
        """Send the frame `begin` called for; `probe`: lane 0's, when already probed."""
        self._refresh_snapshot()
        if self._frame_due:
            self._frame_due = False
            watchers.emit(self, probe)

    def fail(self, text: str) -> None:
        """After an unexpected exception: stop training and tell the watchers (no details)."""
        self.playing = False
        with self._lock:
            self._commands.clear()
        self.send({"type": "error", "message": text, "field": None})
        self.send_status()

    # -- for commands (scheduler thread) ----------------------------------------------------
    def config_changed(self, data: bool) -> None:
        self.trainer = self.compare.follow(self.trainer)
        self.rev += 1
        self.measuring.stale = True
        if data:
            self.data_rev += 1
        config = self.trainer.configs[0]
        with self._lock:
            if not self._commands:  # else a newer, already validated change is queued
                self.pending_config = config
        self.send({"type": "config", "config": config.to_dict(), "rev": self.rev})

    def clear_history(self) -> None:
        with self._lock:
            self.history.clear()

    def send(self, message: JsonDict, to: Watcher | None = None) -> None:
        """A text message to every watcher, or only to `to`."""
        # Whatever a client has seen must be in the snapshot a reconnect's hello is built from.
        self._refresh_snapshot()
        for w in self.watchers if to is None else (to,):
            w.mailbox.put_text(message)

    def send_status(self) -> None:
        step, epoch = int(self.trainer.step[0]), float(self.trainer.epoch[0])
        self.send({"type": "status", "playing": self.playing, "step": step, "epoch": epoch})

    def _refresh_snapshot(self) -> None:
        snapshot = watchers.snapshot_of(self)
        with self._lock:
            self._snapshot = snapshot
