"""All sessions of a server: create, resume by token, detach, reap, and shut down.

Lives on the event loop (no locks needed for its maps); building a Trainer runs in a thread
because it touches JAX. A session whose connection dropped waits `grace_s` for a reconnect with
its resume token; one whose client is connected but silent and paused for `idle_timeout_s` is
closed, so abandoned tabs don't hold memory forever.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from nnplayground.engine import Trainer
from nnplayground.runtime.pacing import Limits
from nnplayground.runtime.scheduler import Scheduler
from nnplayground.runtime.session import Session
from nnplayground.runtime.watchers import Watcher

# A connection's way to be closed by the manager: (websocket close code, human reason).
Closer = Callable[[int, str], None]

CLOSE_GOING_AWAY = 1001
CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_IDLE = 4000
CLOSE_TAKEN_OVER = 4001


class SessionLimitError(RuntimeError):
    """The server holds `max_sessions` already."""


@dataclass(frozen=True)
class ManagerSettings:
    max_sessions: int = 100
    grace_s: float = 60.0
    idle_timeout_s: float = 1800.0
    threads: int = 1


class SessionManager:
    def __init__(
        self,
        settings: ManagerSettings,
        limits: Limits,
        trainer_factory: Callable[[], Trainer],
    ) -> None:
        self.settings = settings
        self.limits = limits
        self._factory = trainer_factory
        self.scheduler = Scheduler(settings.threads)
        # One thread of its own builds Trainers: the loop's default executor would grow a
        # thread per concurrent connect and keep it, so the thread count would creep with load.
        self._builder = ThreadPoolExecutor(1, thread_name_prefix="nnplayground-build")
        self._sessions: dict[str, Session] = {}
        self._by_token: dict[str, Session] = {}
        self._closers: dict[str, Closer] = {}
        self._creating = 0
        self.closing = False

    def __len__(self) -> int:
        return len(self._sessions)

    @property
    def attached_count(self) -> int:
        return len(self._closers)

    def find(self, token: str | None) -> Session | None:
        return self._by_token.get(token) if token else None

    async def open(self, resume_token: str | None) -> tuple[Session, bool]:
        """The session to attach to: the one `resume_token` names, or a new one."""
        session = self.find(resume_token)
        if session is not None and not session.closed:
            return session, True
        return await self.create(self._factory), False

    async def create(self, build: Callable[[], Trainer],
                     setup: Callable[[Session], None] | None = None) -> Session:  # fmt: skip
        """A new session on `build()`'s Trainer (run on the builder thread), counted against
        `max_sessions`; `setup` prepares it before any scheduler thread sees it (a fork)."""
        if self.closing:
            raise SessionLimitError("the server is shutting down; try again in a moment")
        if len(self._sessions) + self._creating >= self.settings.max_sessions:
            raise SessionLimitError(
                f"the server is full ({self.settings.max_sessions} sessions); try again later"
            )
        self._creating += 1
        try:
            trainer = await asyncio.get_running_loop().run_in_executor(self._builder, build)
        finally:
            self._creating -= 1
        session = Session(secrets.token_hex(8), secrets.token_urlsafe(24), trainer, self.limits)
        if setup is not None:
            setup(session)
        self._sessions[session.id] = session
        self._by_token[session.token] = session
        self.scheduler.add(session)
        return session

    def attach(self, session: Session, watcher: Watcher, closer: Closer) -> None:
        """`watcher` watches `session` from now on. A session has one tab: resuming it takes it
        over from the previous connection (a room, with many watchers, is another policy)."""
        previous = self._closers.pop(session.id, None)
        if previous is not None:  # the same tab reconnected before its old socket timed out
            previous(CLOSE_TAKEN_OVER, "this session was resumed by another connection")
        self._closers[session.id] = closer
        session.attach(watcher)

    def detach(self, session: Session, watcher: Watcher, closer: Closer) -> None:
        if self._closers.get(session.id) is closer:
            del self._closers[session.id]
        session.detach(watcher)
        if self.settings.grace_s <= 0 and not session.attached:
            self.drop(session)

    def touch(self, session: Session) -> None:
        session.last_client_at = time.monotonic()

    def drop(self, session: Session) -> None:
        # Not `session.playing`: the scheduler thread owns it. Removed from its thread, the
        # session is never ticked again, playing or not.
        session.closed = True
        self.scheduler.remove(session)
        self._sessions.pop(session.id, None)
        self._by_token.pop(session.token, None)
        closer = self._closers.pop(session.id, None)
        if closer is not None:
            closer(CLOSE_IDLE, "session closed")

    def reap(self, now: float | None = None) -> int:
        """Drop detached sessions past their grace and close idle ones; returns how many."""
        now = time.monotonic() if now is None else now
        dropped = 0
        for session in list(self._sessions.values()):
            detached = session.detached_at
            if detached is not None and now - detached > self.settings.grace_s:
                self.drop(session)
                dropped += 1
            elif (
                detached is None
                and not session.playing
                and now - session.last_client_at > self.settings.idle_timeout_s
            ):
                closer = self._closers.pop(session.id, None)
                if closer is not None:
                    closer(CLOSE_IDLE, "closed after a long idle time; reload to start again")
                self.drop(session)
                dropped += 1
        return dropped

    def shutdown(self) -> None:
        """Close every connection with 1001 (going away); training threads stop."""
        self.closing = True
        for closer in list(self._closers.values()):
            closer(CLOSE_GOING_AWAY, "the server is shutting down")
        self._closers.clear()
        for session in list(self._sessions.values()):
            session.closed = True
        self.scheduler.stop()
        self._builder.shutdown(wait=False, cancel_futures=True)
