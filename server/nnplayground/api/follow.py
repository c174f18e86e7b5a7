"""`/ws?room=<code>`: a lecture room's follower, from its join to its fork.

A follower gets a `hello` (`role: "follower"`, the room's config, history, play state; no
session id or resume token: the run is not theirs), `room` messages when the room's state
changes, and frames of the presenter's run through its own latest-wins mailbox within its byte
budget (watchers.py). Any message but `fork` is refused with `field: "type"` and changes
nothing. `fork` copies the presenter's state now (runtime/fork.py) into a new session, counted
against `max_sessions`; the same socket then carries a normal owner connection on it (ws.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.websockets import WebSocket

from nnplayground.api import messages
from nnplayground.api import protocol as p
from nnplayground.api.outbox import Outbox, dumps
from nnplayground.api.settings import Settings
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import fork as forking
from nnplayground.runtime.manager import SessionLimitError, SessionManager
from nnplayground.runtime.ratelimit import RateLimit
from nnplayground.runtime.rooms import Room, RoomError, Rooms
from nnplayground.runtime.session import Session
from nnplayground.runtime.watchers import ByteBudget, Watcher

log = logging.getLogger("nnplayground.api")
JsonDict = dict[str, Any]
CAPTURE_TIMEOUT_S = 10.0  # the presenter's scheduler thread takes the copy between two chunks


class Follower(Outbox):
    def __init__(self, ws: WebSocket, settings: Settings) -> None:
        super().__init__(ws)
        self.settings = settings
        budget = ByteBudget(settings.follower_bytes_per_s, time.monotonic())
        self.watcher = Watcher(self.mailbox, settings.follower_resolution, True, budget)
        self.watcher.deflate = ws.query_params.get("deflate") == "1"
        self.rate = RateLimit(settings.max_messages_per_s)
        self.handing_over = False  # forked: the socket stays open for the owner connection
        self.nickname: str | None = None  # the fork's name on a challenge's leaderboard

    def keep_open(self) -> bool:
        return self.handing_over

    async def receiver(self, room: Room) -> bool:
        """Until the peer goes (False) or asks to fork (True)."""
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return False
            text = message.get("text")
            if text is None:
                self.error(None, "message: binary messages are not part of the protocol")
                continue
            if not self.rate.take():
                if self.rate.should_warn():
                    self.error("type", "rate limit: messages were dropped")
                continue
            try:
                route, parsed = messages.parse(text)
            except FieldError as exc:
                self.error(exc.field, str(exc))
                continue
            if isinstance(parsed, p.ForkMessage):
                self.nickname = parsed.nickname
                return True
            self.error(
                "type",
                f"{route.type}: a follower watches the presenter's run and cannot change it; "
                'fork first ({"type": "fork"}) to get a run of your own',
            )


async def _capture(source: Session) -> forking.ForkState:
    """The presenter's state now: on its scheduler thread between two chunks, or directly
    once the manager dropped it (the room closed after the grace period)."""
    loop = asyncio.get_running_loop()
    if not source.closed:
        done: asyncio.Future[forking.ForkState] = loop.create_future()

        def settle(state: forking.ForkState | None, exc: BaseException | None) -> None:
            if done.done():
                return
            if exc is not None:
                done.set_exception(exc)
            elif state is not None:
                done.set_result(state)

        def command(s: Session) -> bool:
            try:
                state = forking.capture(s)
            except Exception as exc:  # handed to the waiting coroutine
                loop.call_soon_threadsafe(settle, None, exc)
            else:
                loop.call_soon_threadsafe(settle, state, None)
            return False

        source.submit(command)
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(done, CAPTURE_TIMEOUT_S)
        if not source.closed:
            raise TimeoutError("the presenter's run did not answer")
    return await loop.run_in_executor(None, forking.capture, source)


async def _fork(source: Session, manager: SessionManager) -> tuple[Session, int]:
    state = await _capture(source)
    session = await manager.create(lambda: state.trainer, lambda s: forking.seed(s, state))
    return session, state.step


async def follow(
    ws: WebSocket,
    code: str,
    manager: SessionManager,
    rooms: Rooms,
    settings: Settings,
    hello: Callable[[Session], JsonDict],
) -> tuple[Session, p.ForkedFrom] | None:
    """Serve a follower; the fork's session (and where it came from) when it forks.
    `hello(session)`: an owner's hello of the session (ws.py), made a follower's here."""
    me = Follower(ws, settings)
    address = ws.client.host if ws.client else "unknown"
    try:
        room = rooms.join(code, address, me.watcher, me.close)
    except RoomError as exc:
        await ws.send_text(dumps({"type": "error", "message": str(exc), "field": exc.field}))
        await ws.close(exc.close_code, str(exc)[:120])
        return None
    sender: asyncio.Task[None] | None = None
    try:
        greeting = hello(room.session)
        greeting.update(session_id="", resume_token="", role="follower", room=room.info())
        await ws.send_text(dumps(greeting))
        sender = asyncio.create_task(me.sender())
        while True:
            receiver = asyncio.create_task(me.receiver(room))
            await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if not receiver.done() or not receiver.result():
                receiver.cancel()
                await asyncio.gather(receiver, return_exceptions=True)
                return None
            try:
                session, step = await _fork(room.session, manager)
            except SessionLimitError as exc:
                me.error(None, str(exc))
                continue
            except Exception:
                log.exception("fork failed")
                me.error(None, "internal error while forking; try again")
                continue
            rooms.forked(room, session, me.nickname)
            me.handing_over = True
            return session, p.ForkedFrom(room=room.code, step=step)
    finally:
        rooms.leave(room, me.watcher)
        me.mailbox.close()  # the sender ends (a closed room's fan-out no longer holds it)
        if sender is not None:
            await asyncio.gather(sender, return_exceptions=True)
