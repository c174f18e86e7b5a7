"""The `/ws` endpoint: one connection per tab, a receiver loop and a paced sender task.

The receiver validates each message once (protocol.py) and turns it into a runtime command; bad
input gets an `error` naming the field and changes nothing. The sender drains the connection's
mailbox: texts in order, then only the newest frame, awaiting the socket's backpressure, so a
client that stops reading costs one frame of memory and never slows training.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

import numpy as np
from pydantic import BaseModel
from starlette.websockets import WebSocket

from nnplayground.api import protocol as p
from nnplayground.api.security import origin_allowed
from nnplayground.api.settings import Settings
from nnplayground.runtime import commands as cmd
from nnplayground.runtime.csvdata import CsvError, parse_points
from nnplayground.runtime.mailbox import Mailbox, MailboxOverflow
from nnplayground.runtime.manager import CLOSE_TRY_AGAIN_LATER, SessionLimitError, SessionManager
from nnplayground.runtime.session import Session

log = logging.getLogger("nnplayground.api")
CLOSE_POLICY = 1008


class RateLimit:
    """A token bucket: `rate` messages per second, bursts up to one second's worth."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.tokens = rate
        self.stamp = time.monotonic()
        self.warned_at = -1e9

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def should_warn(self) -> bool:
        # One error per second at most: a flooding client must not be flooded back.
        now = time.monotonic()
        if now - self.warned_at >= 1.0:
            self.warned_at = now
            return True
        return False


def limits_message(settings: Settings) -> dict[str, Any]:
    return p.Limits(
        max_points=settings.max_points,
        max_message_bytes=settings.max_message_bytes,
        max_messages_per_s=settings.max_messages_per_s,
        max_fps=settings.max_fps,
        max_steps_per_frame=settings.max_steps_per_frame,
        session_grace_s=settings.session_grace_s,
        idle_timeout_s=settings.idle_timeout_s,
        max_lanes=settings.max_lanes,
    ).model_dump()


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, allow_nan=False, separators=(",", ":"))


class Connection:
    """One accepted websocket bound to one session."""

    def __init__(self, ws: WebSocket, session: Session, manager: SessionManager,
                 settings: Settings) -> None:  # fmt: skip
        self.ws = ws
        self.session = session
        self.manager = manager
        self.settings = settings
        self.mailbox = Mailbox(asyncio.get_running_loop())
        self.rate = RateLimit(settings.max_messages_per_s)
        self.close_request: tuple[int, str] | None = None

    def close(self, code: int, reason: str) -> None:
        """Ask the sender to close the socket (called by the manager on the loop)."""
        if self.close_request is None:
            self.close_request = (code, reason)
            self.mailbox.close()

    def error(self, field: str | None, message: str) -> None:
        self.mailbox.put_text({"type": "error", "message": message, "field": field})

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
        code, reason = self.close_request or (1000, "")
        with contextlib.suppress(Exception):  # already closed by the peer
            await self.ws.close(code, reason)

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
            except Exception:  # a server bug, not bad input (that is a ValueError): keep serving
                log.exception("failed to handle a client message")
                self.error(None, "internal error while handling the message")

    def handle(self, text: str) -> None:
        limited = not self.rate.take()
        try:
            message = p.parse_client(text)
        except p.ProtocolError as exc:
            self.error(exc.field, exc.message)
            return
        if limited and not isinstance(message, p.ConfigMessage):
            # Config changes still coalesce (the latest value wins, nothing is lost); anything
            # else over the rate is dropped, with at most one error a second.
            if self.rate.should_warn():
                self.error(
                    "type",
                    f"rate limit: at most {self.settings.max_messages_per_s:g} messages per "
                    "second; messages were dropped",
                )
            return
        try:
            self.dispatch(message)
        except ValueError as exc:
            text = str(exc)
            field = text.split(":", 1)[0] if ":" in text else None
            self.error(field, text)

    def dispatch(self, message: BaseModel) -> None:
        session = self.session
        if isinstance(message, p.ConfigMessage):
            changes = message.model_dump(exclude_unset=True, exclude={"type"})
            if not changes:
                return
            # Engine rules too (cross-field checks such as dataset-vs-problem).
            session.propose_config(changes)
        elif isinstance(message, p.ControlMessage):
            session.submit(cmd.ControlCmd(message.action))
        elif isinstance(message, p.StreamMessage):
            if message.fps is not None and message.fps > self.settings.max_fps:
                raise ValueError(f"fps: at most {self.settings.max_fps} on this server")
            if (
                message.steps_per_frame is not None
                and message.steps_per_frame > self.settings.max_steps_per_frame
            ):
                raise ValueError(
                    f"steps_per_frame: at most {self.settings.max_steps_per_frame} on this server"
                )
            spf = (
                message.steps_per_frame
                if "steps_per_frame" in message.model_fields_set
                else cmd.UNSET
            )
            session.submit(cmd.StreamCmd(message.fps, spf))
        elif isinstance(message, p.EditWeightMessage):
            session.submit(
                cmd.EditWeightCmd(message.layer, message.source, message.target, message.value)
            )
        elif isinstance(message, p.EditBiasMessage):
            session.submit(cmd.EditBiasCmd(message.layer, message.neuron, message.value))
        elif isinstance(message, p.PointsMessage):
            if len(message.points) > self.settings.max_points:
                raise ValueError(f"points: at most {self.settings.max_points} points are allowed")
            session.submit(cmd.PointsCmd(np.asarray(message.points, dtype=np.float32)))
        elif isinstance(message, p.CsvMessage):
            try:
                points = parse_points(message.text, self.settings.max_points)
            except CsvError as exc:
                raise ValueError(f"text: {exc}") from None
            session.submit(cmd.PointsCmd(points))
        elif isinstance(message, p.CompareMessage):
            parts: list[BaseModel] = message.variants  # each a p.ConfigChanges
            variants = [v.model_dump(exclude_unset=True) for v in parts]
            session.propose_compare(variants)
        # -- take it with you (issue 17) --
        elif isinstance(message, p.ExportMessage):
            session.submit(cmd.ExportCmd(message.format))
        elif isinstance(message, p.ImportMessage):
            session.submit(cmd.ImportCmd(message.text))
        elif isinstance(message, p.TrainMessage):
            if message.steps > self.settings.max_steps_per_frame:
                raise ValueError(
                    f"steps: at most {self.settings.max_steps_per_frame} on this server"
                )
            session.submit(cmd.TrainCmd(message.steps))


async def serve_socket(ws: WebSocket, manager: SessionManager, settings: Settings) -> None:
    """Handle one websocket from handshake to close."""
    origin = ws.headers.get("origin")
    if not origin_allowed(origin, ws.headers.get("host"), settings.allowed_origins):
        await ws.close(CLOSE_POLICY, "origin not allowed")  # before accept: an HTTP 403
        return
    await ws.accept()
    try:
        session, resumed = await manager.open(ws.query_params.get("resume"))
    except SessionLimitError as exc:
        await ws.send_text(dumps({"type": "error", "message": str(exc), "field": None}))
        await ws.close(CLOSE_TRY_AGAIN_LATER, str(exc)[:120])
        return
    conn = Connection(ws, session, manager, settings)
    snap = session.snapshot()
    hello = {
        "type": "hello",
        "protocol": p.PROTOCOL_VERSION,
        "session_id": session.id,
        "resume_token": session.token,
        "resumed": resumed,
        "config": snap.config,
        "rev": snap.rev,
        "limits": limits_message(settings),
        "playing": snap.playing,
        "step": snap.step,
        "epoch": snap.epoch,
        "fps": snap.fps,
        "steps_per_frame": snap.steps_per_frame,
        "history": snap.history,
    }
    await ws.send_text(dumps(hello))
    manager.attach(session, conn.mailbox, conn.close)
    sender = asyncio.create_task(conn.sender())
    try:
        receiver = asyncio.create_task(conn.receiver())
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        receiver.cancel()
        await asyncio.gather(receiver, return_exceptions=True)
    finally:
        manager.detach(session, conn.mailbox, conn.close)
        if not sender.done():
            conn.mailbox.close()
        await asyncio.gather(sender, return_exceptions=True)
