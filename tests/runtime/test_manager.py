"""manager.py: sessions created, resumed, taken over, reaped after their grace or idle time."""

from __future__ import annotations

import asyncio

import pytest

from nnplayground.engine import RunConfig, Trainer
from nnplayground.runtime.mailbox import Mailbox
from nnplayground.runtime.manager import (
    CLOSE_IDLE,
    CLOSE_TAKEN_OVER,
    ManagerSettings,
    SessionLimitError,
    SessionManager,
)
from nnplayground.runtime.pacing import Limits
from nnplayground.runtime.watchers import Watcher


def test_open_resume_take_over_and_reap(loop: asyncio.AbstractEventLoop) -> None:
    settings = ManagerSettings(max_sessions=2, grace_s=10.0, idle_timeout_s=100.0, threads=1)
    manager = SessionManager(settings, Limits(), lambda: Trainer([RunConfig()]))
    closed: list[tuple[str, int]] = []
    try:
        a, resumed = loop.run_until_complete(manager.open(None))
        assert not resumed and len(manager) == 1
        same, resumed = loop.run_until_complete(manager.open(a.token))
        assert same is a and resumed
        first, second = Watcher(Mailbox(loop)), Watcher(Mailbox(loop))
        manager.attach(a, first, lambda code, _: closed.append(("first", code)))
        manager.attach(a, second, lambda code, _: closed.append(("second", code)))
        assert closed == [("first", CLOSE_TAKEN_OVER)]  # one tab per session: resumed elsewhere
        manager.detach(a, first, lambda code, _: None)  # the old socket's late goodbye
        assert a.attached and manager.attached_count == 1

        b, _ = loop.run_until_complete(manager.open(None))
        with pytest.raises(SessionLimitError, match="full"):
            loop.run_until_complete(manager.open(None))
        manager.attach(b, Watcher(Mailbox(loop)), lambda code, _: closed.append(("b", code)))

        manager.detach(a, second, lambda code, _: None)
        assert a.detached_at is not None and not a.attached
        assert manager.reap(now=a.detached_at + 9.0) == 0  # within its grace
        assert manager.reap(now=a.detached_at + 11.0) == 1
        assert a.closed and manager.find(a.token) is None and len(manager) == 1

        assert manager.reap(now=b.last_client_at + 101.0) == 1  # connected but idle, paused
        assert closed[-1] == ("b", CLOSE_IDLE) and len(manager) == 0
    finally:
        manager.shutdown()
