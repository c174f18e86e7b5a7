"""The `/ws` endpoint: one connection per tab, a receiver loop and a paced sender task.

The receiver validates each message once, against its model, and hands it to its handler
(api/messages.py, one table); bad input gets an `error` naming the field and changes nothing. The sender drains the connection's
mailbox: texts in order, then only the newest frame, awaiting the socket's backpressure, so a
client that stops reading costs one frame of memory and never slows training.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.websockets import WebSocket

from nnplayground.api import messages
from nnplayground.api import protocol as p
from nnplayground.api.follow import follow
from nnplayground.api.outbox import CLOSE_POLICY, Outbox, dumps
from nnplayground.api.security import origin_allowed
from nnplayground.api.settings import Settings, client_limits
from nnplayground.engine.errors import FieldError
from nnplayground.runtime.manager import CLOSE_TRY_AGAIN_LATER, SessionLimitError, SessionManager
from nnplayground.runtime.ratelimit import RateLimit
from nnplayground.runtime.rooms import Rooms
from nnplayground.runtime.session import Session
from nnplayground.runtime.watchers import Watcher

log = logging.getLogger("nnplayground.api")


def hello(session: Session, resumed: bool, settings: Settings) -> dict[str, Any]:
    """The first message of a connection, built from (so validated by) its model."""
    snap = session.snapshot()
    return p.HelloMessage.model_validate({
        "session_id": session.id,
        "resume_token": session.token,
        "resumed": resumed,
        "config": snap.config,
        "rev": snap.rev,
        "limits": client_limits(settings),
        "playing": snap.playing,
        "step": snap.step,
        "epoch": snap.epoch,
        "fps": snap.fps,
        "steps_per_frame": snap.steps_per_frame,
        "history": snap.history,
    }).model_dump()  # fmt: skip


class Connection(Outbox):
    """One accepted websocket bound to one session."""

    def __init__(self, ws: WebSocket, session: Session, manager: SessionManager,
                 settings: Settings, rooms: Rooms | None = None) -> None:  # fmt: skip
        super().__init__(ws)
        self.session = session
        self.manager = manager
        self.settings = settings
        self.watcher = Watcher(self.mailbox)
        self.context = messages.Context(session, self.watcher, settings, rooms, base_url(ws))
        self.rate = RateLimit(settings.max_messages_per_s)

    async def receiver(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            self.manager.touch(self.session)
            text = message.get("text")
            if text is None:
                self.error(
                    None, "message: binary messages are not part of the protocol; send JSON text"
                )
                continue
            try:
                self.handle(text)
            except Exception:  # a server bug, not bad input (that is a FieldError): keep serving
                log.exception("failed to handle a client message")
                self.error(None, "internal error while handling the message")

    def handle(self, text: str) -> None:
        limited = not self.rate.take()
        try:
            route, message = messages.parse(text)
            if limited and route.limited:
                # Anything but config changes (which coalesce) is dropped over the rate, with
                # at most one error a second.
                if self.rate.should_warn():
                    self.error(
                        "type",
                        f"rate limit: at most {self.settings.max_messages_per_s:g} messages "
                        "per second; messages were dropped",
                    )
                return
            route.handle(self.context, message)
        except FieldError as exc:
            self.error(exc.field, str(exc))


def base_url(ws: WebSocket) -> str:
    """The address this client reached the server at (a room's join URL without the
    NNPLAYGROUND_PUBLIC_URL setting)."""
    scheme = "https" if ws.url.scheme == "wss" else "http"
    return f"{scheme}://{ws.headers.get('host') or ws.url.netloc}"


async def serve_socket(ws: WebSocket, manager: SessionManager, settings: Settings,
                       rooms: Rooms | None = None) -> None:  # fmt: skip
    """Handle one websocket from handshake to close."""
    origin = ws.headers.get("origin")
    if not origin_allowed(origin, ws.headers.get("host"), settings.allowed_origins):
        await ws.close(CLOSE_POLICY, "origin not allowed")  # before accept: an HTTP 403
        return
    await ws.accept()
    # -- lecture rooms: a follower (api/follow.py) until it forks, then the fork's owner ----
    code = ws.query_params.get("room")
    forked_from: p.ForkedFrom | None = None
    if code is not None and rooms is not None:
        forked = await follow(ws, code, manager, rooms, settings,
                              lambda s: hello(s, False, settings))  # fmt: skip
        if forked is None:
            return
        (session, forked_from), resumed = forked, False
    else:  # -- end of lecture rooms
        try:
            session, resumed = await manager.open(ws.query_params.get("resume"))
        except SessionLimitError as exc:
            await ws.send_text(dumps({"type": "error", "message": str(exc), "field": None}))
            await ws.close(CLOSE_TRY_AGAIN_LATER, str(exc)[:120])
            return
    conn = Connection(ws, session, manager, settings, rooms)
    greeting = hello(session, resumed, settings)
    if forked_from is not None:
        greeting["forked_from"] = forked_from.model_dump()
    await ws.send_text(dumps(greeting))
    manager.attach(session, conn.watcher, conn.close)
    if rooms is not None:  # a presenter resuming within the grace period: the room goes on
        rooms.presenter_back(session, conn.watcher)
    sender = asyncio.create_task(conn.sender())
    try:
        receiver = asyncio.create_task(conn.receiver())
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        receiver.cancel()
        await asyncio.gather(receiver, return_exceptions=True)
    finally:
        manager.detach(session, conn.watcher, conn.close)
        if rooms is not None:
            rooms.presenter_left(session, conn.watcher)
        if not sender.done():
            conn.mailbox.close()
        await asyncio.gather(sender, return_exceptions=True)
