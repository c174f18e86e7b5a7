"""Training threads shared by all sessions: each thread round-robins the sessions it owns.

One thread per session would not scale (100 sessions on 2 cores means 100 threads fighting for
the GIL between JAX calls); a few threads that each take whichever session's frame is due next
keep every session's frame rate while the CPU is shared. Chunk sizes shrink as more sessions
play on a thread (`Session.scheduler_share`), so each still gets its frames on time.

A loaded thread (more playing sessions than `Limits.full_res_sessions`) works differently: its
sessions come due together on one frame clock, their chunks, measurements and probes run in
grouped engine calls (engine/group.py), and their steps per frame follow the thread's spare
time (`pacing.LoadedPace`).
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from nnplayground.engine import ChunkMetrics, Probe, group
from nnplayground.runtime import pacing
from nnplayground.runtime.session import Session

log = logging.getLogger("nnplayground.runtime")


class Worker:
    """One training thread and the sessions it drives."""

    def __init__(self, name: str) -> None:
        self._sessions: list[Session] = []
        self._cond = threading.Condition()
        self._woken = False
        self._stop = False
        self._groups = group.Groups()  # this thread's grouped engine calls
        self._pace = pacing.LoadedPace()
        self._loaded = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def __len__(self) -> int:
        return len(self._sessions)

    def add(self, session: Session) -> None:
        with self._cond:
            self._sessions = [*self._sessions, session]
        self.wake()

    def remove(self, session: Session) -> None:
        with self._cond:
            self._sessions = [s for s in self._sessions if s is not session]

    def wake(self) -> None:
        with self._cond:
            self._woken = True
            self._cond.notify()

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                if self._stop:
                    return
                sessions = self._sessions  # replaced, never mutated: safe to iterate
            now = time.monotonic()
            ready = [s for s in sessions if s.due(now)]
            if not ready:
                due = [s.next_due for s in sessions if s.active]
                timeout = min(due) - now if due else 1.0
                with self._cond:
                    if not self._woken and not self._stop:
                        self._cond.wait(max(0.0, min(timeout, 1.0)))
                    self._woken = False
                continue
            playing = sum(1 for s in sessions if s.active)
            for session in ready:
                session.scheduler_share = playing
            ready.sort(key=lambda s: s.next_due)
            loaded = pacing.loaded(playing, ready[0].limits)
            if loaded and not self._loaded:
                # From the steps the sessions had alone: not from 1, which would stall their
                # training for seconds while the pace grows back.
                own = [s.auto_steps for s in ready if s.steps_per_frame is None]
                self._pace.steps = float(statistics.median(own)) if own else 1.0
            self._loaded = loaded
            if loaded:
                started = time.monotonic()
                for session in ready:
                    session.auto_steps = min(
                        round(self._pace.steps), session.limits.max_steps_per_frame
                    )
                try:
                    _grouped_tick(ready, started, self._groups)
                except Exception:  # a bug between sessions must not stop the thread
                    log.exception("a grouped tick failed")
                self._pace.ticked(time.monotonic() - started)
            else:
                for session in ready:
                    _guarded(session, session.work, time.monotonic())


def _guarded(session: Session, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception:  # an engine bug must not stop the other sessions' training
        log.exception("session %s failed; paused", session.id)
        session.fail("internal error while training; the session was paused")
        return None


def _measure(trained: list[tuple[Session, int, float, np.ndarray]], groups: group.Groups) -> None:
    """`Session.trained` for sessions that trained in one grouped call (session, steps, their
    share of its seconds, batch losses), with the measurements they want taken in grouped
    calls too."""
    wanted = [item for item in trained if _guarded(item[0], item[0].measure_wanted, item[3])]
    measured: dict[str, tuple[ChunkMetrics, float]] = {}  # session id → (chunk, seconds)
    for members in group.split(wanted, lambda item: group.eval_key(item[0].trainer)):
        started = time.perf_counter()
        trainers = [item[0].trainer for item in members]
        try:
            chunks = groups.evaluate(trainers, track=True)
        except Exception:
            log.exception("a grouped measurement failed; measuring its sessions one by one")
            chunks = [t.evaluate(track=True) for t in trainers]
        share = (time.perf_counter() - started) / len(members)
        for item, chunk in zip(members, chunks, strict=True):
            measured[item[0].id] = (chunk, share)
    for session, steps, seconds, _ in trained:
        chunk, extra = measured.get(session.id, (None, 0.0))  # type: ignore[assignment]
        _guarded(session, session.trained, steps, seconds, seconds + extra, chunk)


def _grouped_tick(ready: list[Session], now: float, groups: group.Groups) -> None:
    """`Session.work` for many sessions, with their chunks and probes in grouped engine calls
    (engine/group.py): on a loaded thread a small net's call is mostly fixed cost, so sixteen
    sessions' chunks cost little more than one. Sessions that cannot share a call (compare's
    several lanes, a lone setting) run their own, as `work` does."""
    chunks: list[tuple[Session, int]] = []
    for session in ready:
        steps = _guarded(session, session.begin, now)
        if steps is not None:
            chunks.append((session, steps))
    for members in group.split(chunks, lambda c: group.chunk_key(c[0].trainer, c[1])):
        started = time.perf_counter()
        try:
            losses = groups.advance([s.trainer for s, _ in members], [n for _, n in members])
        except Exception:
            log.exception("a grouped chunk failed; its sessions paused")
            for session, _ in members:
                session.fail("internal error while training; the session was paused")
            continue
        share = (time.perf_counter() - started) / len(members)
        trained = [(s, n, share, loss) for (s, n), loss in zip(members, losses, strict=True)]
        _measure(trained, groups)
    framed = [(s, r) for s in ready if (r := s.probe_wanted()) is not None]
    framing = {s.id for s, _ in framed}
    for session in ready:  # no frame goes out: `end` only refreshes the hello snapshot
        if session.id not in framing:
            _guarded(session, session.end)
    for probed in group.split(framed, lambda f: group.probe_key(f[0].trainer, f[1])):
        sessions = [s for s, _ in probed]
        probes: list[Probe | None] = [None] * len(sessions)
        if len(sessions) > 1:
            try:
                probes = list(groups.probe([s.trainer for s in sessions], probed[0][1]))
            except Exception:
                log.exception("a grouped probe failed; probing its sessions one by one")
        for session, probe in zip(sessions, probes, strict=True):
            _guarded(session, session.end, probe)


class Scheduler:
    """A fixed pool of workers; a new session goes to the least-loaded one."""

    def __init__(self, threads: int = 1) -> None:
        self._workers = [Worker(f"nnplayground-train-{i}") for i in range(max(1, threads))]
        self._owner: dict[str, Worker] = {}

    def add(self, session: Session) -> None:
        worker = min(self._workers, key=len)
        self._owner[session.id] = worker
        session.wake = worker.wake
        worker.add(session)

    def remove(self, session: Session) -> None:
        worker = self._owner.pop(session.id, None)
        if worker is not None:
            worker.remove(session)

    @property
    def thread_count(self) -> int:
        return len(self._workers)

    def stop(self) -> None:
        for worker in self._workers:
            worker.stop()
