"""Training threads shared by all sessions: each thread round-robins the sessions it owns.

One thread per session would not scale (100 sessions on 2 cores means 100 threads fighting for
the GIL between JAX calls); a few threads that each take whichever session's frame is due next
keep every session's frame rate while the CPU is shared. Chunk sizes shrink as more sessions
play on a thread (`Session.scheduler_share`), so each still gets its frames on time. Each tick
is `tick.advance` over the sessions due: one at a time on an unloaded thread (a group of one).

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

from nnplayground.engine import group
from nnplayground.runtime import pacing, tick
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
                due = [s.clock.next_due for s in sessions if s.active]
                timeout = min(due) - now if due else 1.0
                with self._cond:
                    if not self._woken and not self._stop:
                        self._cond.wait(max(0.0, min(timeout, 1.0)))
                    self._woken = False
                continue
            playing = sum(1 for s in sessions if s.active)
            for session in ready:
                session.scheduler_share = playing
            ready.sort(key=lambda s: s.clock.next_due)
            loaded = pacing.loaded(playing, ready[0].limits)
            if loaded and not self._loaded:
                # From the steps the sessions had alone: not from 1, which would stall their
                # training for seconds while the pace grows back.
                own = [s.clock.auto_steps for s in ready if s.clock.steps_per_frame is None]
                self._pace.steps = float(statistics.median(own)) if own else 1.0
            self._loaded = loaded
            if loaded:
                started = time.monotonic()
                for session in ready:
                    session.clock.auto_steps = min(
                        round(self._pace.steps), session.limits.max_steps_per_frame
                    )
                self._advance(ready, started)
                self._pace.ticked(time.monotonic() - started)
            else:  # each session on its own clock: a group of one
                for session in ready:
                    self._advance([session], time.monotonic())

    def _advance(self, sessions: list[Session], now: float) -> None:
        try:
            tick.advance(sessions, now, self._groups)
        except Exception:  # a bug between sessions must not stop the thread
            log.exception("a tick failed")


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

    def stop(self) -> None:
        for worker in self._workers:
            worker.stop()
