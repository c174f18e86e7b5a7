"""Issue 6 §8: SIGTERM closes every session with 1001 within 5 s, and no traceback is logged."""

from __future__ import annotations

import threading
import time
from typing import Any

from conftest import LiveServer

from ._client import Client, assert_no_traceback, close_code


def test_sigterm_closes_sessions_with_1001(server_factory: Any) -> None:
    server: LiveServer = server_factory()
    clients = [Client(server.ws_url) for _ in range(3)]
    for c in clients[:2]:
        c.play(fps=30)
    codes: list[tuple[int | None, str]] = []

    def wait(c: Client) -> None:
        codes.append(close_code(c.ws, timeout=10))

    waiters = [threading.Thread(target=wait, args=(c,)) for c in clients]
    for w in waiters:
        w.start()
    sent = time.monotonic()
    server.process.terminate()
    for w in waiters:
        w.join()
    closed_after = time.monotonic() - sent
    assert [c for c, _ in codes] == [1001] * 3, codes
    assert closed_after <= 5.0, f"sessions closed {closed_after:.1f} s after SIGTERM"
    server.process.wait(timeout=5)
    assert_no_traceback(server.log())
