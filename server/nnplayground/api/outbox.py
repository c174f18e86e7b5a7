"""The sending side of one websocket, shared by an owner's connection (ws.py) and a lecture
room's follower (follow.py): the mailbox's texts in order and only its newest frame, awaiting
the socket's backpressure, then the close that was asked for."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.websockets import WebSocket

from nnplayground.runtime.mailbox import Mailbox, MailboxOverflow

CLOSE_POLICY = 1008


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, allow_nan=False, separators=(",", ":"))


class Outbox:
    def __init__(self, ws: WebSocket) -> None:
        self.ws = ws
        self.mailbox = Mailbox(asyncio.get_running_loop())
        self.close_request: tuple[int, str] | None = None

    def close(self, code: int, reason: str) -> None:
        """Ask the sender to close the socket (called on the event loop)."""
        if self.close_request is None:
            self.close_request = (code, reason)
            self.mailbox.close()

    def error(self, field: str | None, message: str) -> None:
        self.mailbox.put_text({"type": "error", "message": message, "field": field})

    def keep_open(self) -> bool:
        """Whether a mailbox closed without a close request leaves the socket open (a follower
        handing its socket over to the connection of its fork)."""
        return False

    async def sender(self) -> None:
        try:
            while True:
                texts, frame = await self.mailbox.next_batch()
                if self.close_request is not None or (not texts and frame is None):
                    break
                for text in texts:
                    await self.ws.send_text(dumps(text))
                if frame is not None:
                    await self.ws.send_bytes(frame)
        except MailboxOverflow:
            self.close_request = (CLOSE_POLICY, "too many unread messages")
        except Exception:  # the peer went away mid-send: the receiver sees the disconnect
            return
        if self.close_request is None and self.keep_open():
            return
        code, reason = self.close_request or (1000, "")
        with contextlib.suppress(Exception):  # already closed by the peer
            await self.ws.close(code, reason)
