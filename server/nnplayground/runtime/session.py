"""One browser tab's training session: its Trainer, play state and pending commands.

Threading: the event loop only calls `submit()` (and reads `snapshot()`); everything that
touches the Trainer runs on the session's scheduler thread in `work()`, between two chunks, so a
command is never applied mid-chunk and JAX never blocks the loop.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnplayground.engine import ChunkMetrics, Probe, RunConfig, Trainer
from nnplayground.engine.config import DATA_FIELDS
from nnplayground.runtime import modelio, pacing, wire
from nnplayground.runtime.commands import (
    UNSET,
    Command,
    CompareCmd,
    ConfigCmd,
    ControlCmd,
    EditBiasCmd,
    EditWeightCmd,
    ExportCmd,
    FrameCmd,
    ImportCmd,
    PointsCmd,
    StreamCmd,
    TrainCmd,
)
from nnplayground.runtime.compare import Compare, check_variants
from nnplayground.runtime.history import History
from nnplayground.runtime.mailbox import Mailbox
from nnplayground.runtime.pacing import Limits

JsonDict = dict[str, Any]


def _nothing() -> None:
    pass


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


class Session:
    """A session: created by the manager, driven by a scheduler thread, fed by a connection."""

    def __init__(self, session_id: str, token: str, trainer: Trainer, limits: Limits) -> None:
        self.id = session_id
        self.token = token
        self.trainer = trainer
        self.limits = limits
        self.created_at = time.monotonic()
        self._lock = threading.Lock()
        self._commands: deque[Command] = deque()
        self._mailbox: Mailbox | None = None
        self._sent_data_rev = -1
        # Validated view of the config including not-yet-applied changes (loop thread only),
        # so a later partial change is validated against what will be in force.
        self.pending_config: RunConfig = trainer.configs[0]
        # -- state owned by the scheduler thread ---------------------------------------------
        self.rev = 0
        self.data_rev = 0
        self.playing = False
        self.fps = limits.default_fps
        self.steps_per_frame: int | None = None
        self.next_due = 0.0
        self.last_frame_at = 0.0
        self.last_change_at = 0.0
        self.auto_steps = 50  # steps per frame when `steps_per_frame` is auto (adapted)
        self.frame_cost = 3e-3  # seconds per probe + encode, measured (EMA)
        self.metrics: JsonDict = wire.empty_metrics()
        self.metrics_step = 0  # the step `metrics` were measured at
        self.measured_at = 0.0
        self._stale = False  # the model or data changed since `metrics` were measured
        self.history = History()
        self.compare = Compare(limits.max_lanes, self._send)  # variants in lanes 1.. (compare.py)
        self.scheduler_share = 1  # sessions playing on the same scheduler thread (set by it)
        self._frame_due = False  # `begin` called for a frame that `end` sends
        self._pending_points = False  # the frame last put in the mailbox carried the data
        self._now = 0.0  # the time the scheduler's current tick began (`begin`)
        # -- bookkeeping read by the manager -----------------------------------------------------
        self.last_client_at = time.monotonic()
        self.detached_at: float | None = time.monotonic()
        self.closed = False
        self.wake: Callable[[], None] = _nothing  # set by the scheduler that owns the session
        self._snapshot = self._make_snapshot()

    # -- loop side ----------------------------------------------------------------------------
    def submit(self, command: Command) -> None:
        with self._lock:
            self._enqueue(command)
        self.wake()

    def _enqueue(self, command: Command) -> None:
        # Caller holds the lock.
        if isinstance(command, ConfigCmd) and self._commands:
            last = self._commands[-1]
            if isinstance(last, ConfigCmd):  # coalesce a burst of slider moves into one
                self._commands[-1] = ConfigCmd({**last.changes, **command.changes})
                return
        self._commands.append(command)

    def propose_config(self, changes: JsonDict) -> None:
        """Validate `changes` against the config that will be in force, then queue them.

        Raises ValueError("<field>: ...") and queues nothing when they are invalid. Validation
        and queueing happen under one lock, so the scheduler never overwrites `pending_config`
        with an older config while a newer change waits.
        """
        with self._lock:
            self.pending_config = self.pending_config.replace(**changes)
            self._enqueue(ConfigCmd(changes))
        self.wake()

    def propose_compare(self, variants: list[JsonDict]) -> None:
        """Validate compare variants against the config that will be in force, then queue them
        (ValueError("variants: ...") and nothing queued when they don't fit)."""
        with self._lock:
            check_variants(self.pending_config, variants, self.limits.max_lanes)
            self._enqueue(CompareCmd(tuple(variants)))
        self.wake()

    def has_work(self) -> bool:
        return bool(self._commands)

    def attach(self, mailbox: Mailbox) -> None:
        with self._lock:
            if self._mailbox is not None:
                self._mailbox.close()
            self._mailbox = mailbox
            self._sent_data_rev = -1
            self.detached_at = None
            self.last_client_at = time.monotonic()
        self.submit(FrameCmd())

    def detach(self, mailbox: Mailbox) -> bool:
        """Forget `mailbox` if it is still the current one; True when the session is detached."""
        with self._lock:
            if self._mailbox is not mailbox:
                return False
            mailbox.close()
            self._mailbox = None
            self.detached_at = time.monotonic()
            return True

    @property
    def attached(self) -> bool:
        return self._mailbox is not None

    def snapshot(self) -> Snapshot:
        with self._lock:
            (config, snapshot), history = self._snapshot, self.history.to_dict()
        return Snapshot(**{**snapshot.__dict__, "config": config.to_dict(), "history": history})

    # -- scheduler side -----------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Training: playing with a client attached (a dropped tab's session waits, idle)."""
        return self.playing and self._mailbox is not None

    def due(self, now: float) -> bool:
        if self.active and now >= self.next_due:
            return True
        with self._lock:
            if not self._commands:
                return False
            only_config = all(isinstance(c, ConfigCmd) for c in self._commands)
        # While playing, a burst of config changes (a slider drag, a flood) waits for the frame
        # tick and is applied there as one coalesced change: at most one apply per frame
        # interval, however fast a client sends. The first change after a quiet interval goes
        # at once (see `work`), so a single click still shows within one chunk.
        burst = now - self.last_change_at < 1.0 / self.fps
        return not (self.active and burst and only_config)

    def work(self, now: float) -> None:
        """Apply pending commands, then train one chunk if playing and due, then send a frame.

        A loaded scheduler thread runs the same three parts for many sessions at once and
        trains and probes their chunks in grouped engine calls (runtime/scheduler.py).
        """
        steps = self.begin(now)
        if steps is not None:
            self._train(steps)
        self.end()

    def begin(self, now: float) -> int | None:
        """Apply pending commands; the steps to train now when a chunk is due (else None)."""
        self._now = now
        with self._lock:
            commands = list(self._commands)
            self._commands.clear()
        # A frame still waiting shows the model before these commands; sent after their echoes
        # it would contradict them (a reset's step 0, then a frame of the old step). The frame
        # they call for replaces it; if none does, it goes back.
        mailbox = self._mailbox
        held = mailbox.take_frame() if commands and mailbox is not None else None
        send = False
        for command in commands:
            send = self._apply(command) or send
        if held is not None and mailbox is not None:
            if not send:
                mailbox.put_frame(held)
            elif self._pending_points:
                with self._lock:  # the data it carried go in the frame that replaces it
                    self._sent_data_rev = -1
        if send and self._stale and not self.active:
            # Paused: no chunk will follow, so measure the model the frame will show.
            self._measured(self.trainer.evaluate(), 0, 0.0)
        if send and self.active:
            # A change while playing: train the next chunk now rather than at the next frame
            # tick, so a click shows within one chunk. Only the first change after a quiet
            # frame interval does this (a slider drag or a flood then follows the frame clock),
            # and never sooner than half an interval after the last frame, so no client can
            # turn its session into a frame hose that slows everyone else.
            if now - self.last_change_at > 1.0 / self.fps:
                self.next_due = min(self.next_due, max(now, self.last_frame_at + 0.5 / self.fps))
            self.last_change_at = now
        self._frame_due = send
        if self.active and now >= self.next_due:
            if pacing.loaded(self.scheduler_share, self.limits):
                # One clock for the thread's sessions: they come due together and train and
                # probe in a few grouped calls instead of one call each.
                self.next_due = (math.floor(now * self.fps) + 1) / self.fps
            else:
                self.next_due = max(self.next_due + 1.0 / self.fps, now)
            self.last_frame_at = now
            self._frame_due = True
            return self.steps_per_frame or self.auto_steps
        if self.active:
            # The chunk that follows shows the change with metrics measured under it; a frame
            # now would pair the new rev with old metrics.
            self._frame_due = False
        return None

    def probe_wanted(self) -> bool | None:
        """After `begin` and training: None when no frame goes out now, else whether its probe
        is at half resolution (what `end` would probe)."""
        if not self._frame_due or self._mailbox is None:
            return None
        if self.active and self._mailbox.frame_pending:
            return None
        return self.active and pacing.loaded(self.scheduler_share, self.limits)

    def end(self, probe: Probe | None = None) -> None:
        """Send the frame `begin` called for; `probe`: lane 0's, when already probed."""
        self._refresh_snapshot()
        if self._frame_due:
            self._frame_due = False
            self._emit_frame(probe)

    def _adapt_auto_steps(self, steps: int, elapsed: float) -> None:
        if pacing.loaded(self.scheduler_share, self.limits):
            return  # the thread paces its sessions together (pacing.LoadedPace)
        if self.steps_per_frame is None and steps == self.auto_steps:
            self.auto_steps = pacing.auto_steps(
                steps, elapsed, self.fps, self.scheduler_share, self.frame_cost, self.limits
            )

    def _apply(self, command: Command) -> bool:
        """Apply one command; True when a frame should follow. Engine ValueErrors → error."""
        try:
            return self._apply_unchecked(command)
        except ValueError as exc:
            self._error(str(exc))
            return False

    def _apply_unchecked(self, command: Command) -> bool:
        t = self.trainer
        if isinstance(command, ConfigCmd):
            old = t.configs[0]
            new = old.replace(**command.changes)
            t.apply(0, new)
            self._config_changed(data=any(getattr(old, f) != getattr(new, f) for f in DATA_FIELDS))
            return True
        if isinstance(command, ControlCmd):
            return self._control(command.action)
        if isinstance(command, CompareCmd):
            self.trainer = self.compare.set(t, command.variants)
            return True
        if isinstance(command, StreamCmd):
            if command.fps is not None:
                self.fps = min(command.fps, self.limits.max_fps)
            if command.steps_per_frame is not UNSET:
                spf = command.steps_per_frame
                self.steps_per_frame = (
                    None if spf is None else min(int(spf), self.limits.max_steps_per_frame)
                )
            self._send({"type": "stream", "fps": self.fps, "steps_per_frame": self.steps_per_frame})
            return False
        if isinstance(command, EditWeightCmd):
            t.set_weight(0, command.layer, command.source, command.target, command.value)
            self._stale = True
            return True
        if isinstance(command, EditBiasCmd):
            t.set_bias(0, command.layer, command.neuron, command.value)
            self._stale = True
            return True
        if isinstance(command, PointsCmd):
            if len(command.points) > self.limits.max_points:
                raise ValueError(f"points: at most {self.limits.max_points} points are allowed")
            t.set_user_points(0, command.points)
            if t.configs[0].dataset != "user":
                t.apply(0, t.configs[0].replace(dataset="user"))
            self._config_changed(data=True)
            return True
        if isinstance(command, ExportCmd | ImportCmd | TrainCmd):
            return self._takeaway(command)
        return True  # FrameCmd

    # -- take it with you (issue 17): model files and exact training (runtime/modelio.py) ------
    def _takeaway(self, command: ExportCmd | ImportCmd | TrainCmd) -> bool:
        t = self.trainer
        if isinstance(command, ExportCmd):
            self._send(modelio.export_message(t, command.format, self.metrics))
            return False
        if isinstance(command, TrainCmd):
            self.playing = False
            self._train(command.steps)
            self._send_status()
            return True
        parsed = modelio.parse_import(t, command.text)  # ValueError: nothing has changed
        variants = self.compare.changes()
        if variants:  # the variants fork afresh from the imported model (or stop)
            t = self.trainer = self.compare.set(t, [])
        modelio.restore(t, parsed)
        if variants:  # a variant that no longer fits the imported config: compare stays off
            with contextlib.suppress(ValueError):
                self.trainer = self.compare.set(t, variants)
        self._config_changed(data=True)
        self.metrics, self.metrics_step = wire.empty_metrics(), int(t.step[0])
        with self._lock:
            self.history.clear()
        self._send_status()
        return True

    def _control(self, action: str) -> bool:
        t = self.trainer
        if action == "play":
            self.playing = True
            self.next_due = 0.0
        elif action == "pause":
            self.playing = False
        elif action == "step":
            self.playing = False
            self._train(1)
        elif action == "epoch":
            self.playing = False
            self._train(t.steps_per_epoch(0))
        elif action == "reset":
            self.compare.reset(t)
            t.reset()
            self.metrics = wire.empty_metrics()
            self.metrics_step = 0
            self._stale = True
            with self._lock:
                self.history.clear()
        elif action == "regenerate":
            t.regenerate()
            self._config_changed(data=True)
        self._send_status()
        return True

    def _config_changed(self, data: bool) -> None:
        self.trainer = self.compare.follow(self.trainer)
        self.rev += 1
        self._stale = True
        if data:
            self.data_rev += 1
        config = self.trainer.configs[0]
        with self._lock:
            if not self._commands:  # else a newer, already validated change is queued
                self.pending_config = config
        self._send({"type": "config", "config": config.to_dict(), "rev": self.rev})

    def _measure_due(self, now: float) -> bool:
        """Whether this chunk measures full-data metrics: after any change, and while playing
        every `measure_interval` (longer on a loaded thread); a step or epoch always does."""
        if self._stale or not self.playing:
            return True
        if not pacing.loaded(self.scheduler_share, self.limits):
            return now - self.measured_at >= self.limits.measure_interval
        # On one clock for the thread's sessions, like their frames: they measure in the same
        # tick and so in grouped calls.
        interval = self.limits.loaded_measure_interval
        return math.floor(now / interval) > math.floor(self.measured_at / interval)

    def _measured(self, chunk: ChunkMetrics, steps: int, seconds: float) -> None:
        """`chunk`'s full-data metrics are what frames report from now on."""
        self.metrics = wire.chunk_metrics(chunk, self.trainer.configs[0], steps, seconds)
        self.metrics_step = int(self.trainer.step[0])
        self.measured_at = self._now
        self._stale = False

    def _train(self, steps: int) -> None:
        started = time.perf_counter()
        batch_loss = self.trainer.advance(steps)
        seconds = time.perf_counter() - started
        chunk = self.trainer.evaluate(track=True) if self.measure_wanted(batch_loss) else None
        self.trained(steps, seconds, time.perf_counter() - started, chunk)

    def measure_wanted(self, batch_loss: np.ndarray) -> bool:
        """After a chunk with these batch losses: whether to measure the full-data metrics
        now, because they are due or because a NaN must stop training within this chunk."""
        if self._measure_due(self._now):
            return True
        return not (bool(np.isfinite(batch_loss).all()) and bool(self.trainer.finite()[0]))

    def trained(
        self, steps: int, seconds: float, elapsed: float, chunk: ChunkMetrics | None
    ) -> None:
        """After `steps` steps in `seconds` and, `elapsed` in all, the measurement `chunk` when
        `measure_wanted` (a grouped call gives each member its share of the time): pace the next
        chunk, record the metrics, report divergence or early stopping."""
        t = self.trainer
        self._adapt_auto_steps(steps, elapsed)
        self.trainer = self.compare.after_chunk(t, chunk)
        config = t.configs[0]
        if chunk is None:  # examples/s counts the training, not the measuring
            speed = steps * config.batch_size / seconds if seconds > 0 else None
            self.metrics = {**self.metrics, "examples_per_s": speed}
            return
        self._measured(chunk, steps, seconds)
        with self._lock:
            self.history.add(self.metrics_step, self.metrics)
        if bool(np.asarray(chunk.diverged)[0]):
            self.playing = False
            self._send_event(
                "diverged",
                "training diverged (the loss became NaN or infinite); paused. "
                "Lower the learning rate and reset.",
            )
        elif bool(np.asarray(chunk.early_stop)[0]) and self.playing:
            self.playing = False
            self._send_event(
                "early_stop",
                f"validation loss has not improved for {config.patience} steps; paused.",
            )

    def _emit_frame(self, probe: Probe | None = None) -> None:
        with self._lock:
            mailbox = self._mailbox
            with_points = self._sent_data_rev != self.data_rev
        if mailbox is None:
            return
        # The data go in a frame only when they changed; a frame that replaces an unsent one
        # that carried them must carry them too (else the page never gets that data).
        with_points = with_points or (self._pending_points and mailbox.frame_pending)
        if self.active and mailbox.frame_pending:
            # The client hasn't taken the last frame yet: probing now would only replace it.
            # Skipped while playing only, so the next tick (≤ 1/fps away) sends a fresh one;
            # a paused session's last frame always shows its final state.
            return
        started = time.perf_counter()
        header = {
            "v": 1,
            "step": int(self.trainer.step[0]),
            "epoch": float(self.trainer.epoch[0]),
            "playing": self.playing,
            "config_rev": self.rev,
            "data_rev": self.data_rev,
            "metrics": self.metrics,
            "metrics_step": self.metrics_step,
            **self.compare.header(self.trainer),
        }
        reduced = self.active and pacing.loaded(self.scheduler_share, self.limits)
        shown, extra = self.compare.frame_parts(self.trainer, reduced)  # lane 0 + variants
        frame = wire.frame(shown, header, with_points, reduced, extra, probe)
        self.frame_cost = 0.8 * self.frame_cost + 0.2 * (time.perf_counter() - started)
        mailbox.put_frame(frame)
        self._pending_points = with_points
        if with_points:
            with self._lock:
                self._sent_data_rev = self.data_rev

    def fail(self, text: str) -> None:
        """After an unexpected exception: stop training and tell the client (no details)."""
        self.playing = False
        with self._lock:
            self._commands.clear()
        self._send({"type": "error", "message": text, "field": None})
        self._send_status()

    # -- messages ---------------------------------------------------------------------------
    def _send(self, message: JsonDict) -> None:
        # Whatever a client has seen must be in the snapshot a reconnect's hello is built from.
        self._refresh_snapshot()
        mailbox = self._mailbox
        if mailbox is not None:
            mailbox.put_text(message)

    def _error(self, text: str) -> None:
        field_name = text.split(":", 1)[0] if ":" in text else None
        self._send({"type": "error", "message": text, "field": field_name})

    def _send_status(self) -> None:
        self._send({
            "type": "status",
            "playing": self.playing,
            "step": int(self.trainer.step[0]),
            "epoch": float(self.trainer.epoch[0]),
        })  # fmt: skip

    def _send_event(self, event: str, message: str) -> None:
        step = int(self.trainer.step[0])
        self._send({"type": "event", "event": event, "step": step, "message": message})
        self._send_status()

    def _make_snapshot(self) -> tuple[RunConfig, Snapshot]:
        # The RunConfig itself (immutable): `snapshot()` makes its dict, on the rare hello,
        # rather than every frame here.
        shown = Snapshot(
            config={},
            rev=self.rev,
            playing=self.playing,
            step=int(self.trainer.step[0]),
            epoch=float(self.trainer.epoch[0]),
            fps=self.fps,
            steps_per_frame=self.steps_per_frame,
        )
        return self.trainer.configs[0], shown

    def _refresh_snapshot(self) -> None:
        snapshot = self._make_snapshot()
        with self._lock:
            self._snapshot = snapshot
