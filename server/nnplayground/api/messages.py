"""Client messages: each one's pydantic model and its handler, found through one table.

`ROUTES` is the whole protocol from client to server: the parser, the rate limit, the JSON Schema
(`GET /api/schema`, the page's protocol.d.ts) and the websocket's dispatch all read it.

To add a message `"name"`:

1. its model, strict, with `type: Literal["name"]` (protocol.py, or a module of your own);
2. its handler, `def on_name(ctx: Context, message: NameMessage) -> None`: it checks what the
   model cannot (the server's settings) by raising `FieldError(field, reason)`, and hands the
   session a command, `ctx.submit(lambda s: ...)`, run on the session's scheduler thread
   between two chunks (runtime/commands.py; a FieldError there goes back to this client only);
3. one `Route(NameMessage, on_name)` row in `ROUTES`;
4. the page: send it, and regenerate `frontend/src/protocol.d.ts` (scripts/gen-protocol.mjs).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, Union, get_args

import numpy as np
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from nnplayground.api import protocol as p
from nnplayground.api import (
    sweeps,
    view_messages,  # issue 15
)
from nnplayground.api import takeaway as tk
from nnplayground.api.settings import Settings
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import commands as cmd
from nnplayground.runtime import modelio
from nnplayground.runtime.commands import Command
from nnplayground.runtime.csvdata import CsvError, parse_points
from nnplayground.runtime.rooms import RoomError, Rooms
from nnplayground.runtime.session import Session
from nnplayground.runtime.watchers import Watcher
from nnplayground.runtime.wire import PROTOCOL_VERSION

JsonDict = dict[str, Any]
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Context:
    """What a handler acts on: the session, the watcher that sent the message, the settings."""

    session: Session
    watcher: Watcher
    settings: Settings
    rooms: Rooms | None = None  # lecture rooms (runtime/rooms.py)
    base_url: str = ""  # the address this client used, for a room's join URL

    def submit(self, command: Command) -> None:
        """Queue `command` for the session's scheduler thread; its errors come back here."""
        self.session.submit(command, self.watcher)


@dataclass(frozen=True)
class Route(Generic[M]):
    model: type[M]
    handle: Callable[[Context, M], None]
    # Over the connection's message rate: False = still handled (config changes coalesce, so
    # the latest value wins and nothing is lost); True = dropped, with at most one error a second.
    limited: bool = True

    @property
    def type(self) -> str:
        (tag,) = get_args(self.model.model_fields["type"].annotation)
        return str(tag)


# -- handlers (event loop) -------------------------------------------------------------------
def on_config(ctx: Context, message: BaseModel) -> None:
    changes = message.model_dump(exclude_unset=True, exclude={"type"})
    if changes:  # engine rules too (cross-field checks such as dataset-vs-problem)
        ctx.session.propose_config(changes, ctx.watcher)


def on_control(ctx: Context, message: p.ControlMessage) -> None:
    action = message.action
    ctx.submit(lambda s: cmd.control(s, action))


def on_stream(ctx: Context, message: p.StreamMessage) -> None:
    limits = ctx.settings
    if message.fps is not None and message.fps > limits.max_fps:
        raise FieldError("fps", f"at most {limits.max_fps} on this server")
    spf = message.steps_per_frame
    if spf is not None and spf > limits.max_steps_per_frame:
        raise FieldError("steps_per_frame", f"at most {limits.max_steps_per_frame} on this server")
    fps = message.fps
    spf_or_unset = spf if "steps_per_frame" in message.model_fields_set else cmd.UNSET
    ctx.submit(lambda s: cmd.stream(s, fps, spf_or_unset))


def on_edit_weight(ctx: Context, m: p.EditWeightMessage) -> None:
    ctx.submit(lambda s: cmd.edit_weight(s, m.layer, m.source, m.target, m.value))


def on_edit_bias(ctx: Context, m: p.EditBiasMessage) -> None:
    ctx.submit(lambda s: cmd.edit_bias(s, m.layer, m.neuron, m.value))


def on_points(ctx: Context, message: p.PointsMessage) -> None:
    if len(message.points) > ctx.settings.max_points:
        raise FieldError("points", f"at most {ctx.settings.max_points} points are allowed")
    rows = np.asarray(message.points, dtype=np.float32)
    ctx.submit(lambda s: cmd.points(s, rows))


def on_csv(ctx: Context, message: p.CsvMessage) -> None:
    try:
        rows = parse_points(message.text, ctx.settings.max_points)
    except CsvError as exc:
        raise FieldError("text", str(exc)) from None
    ctx.submit(lambda s: cmd.points(s, rows))


def on_compare(ctx: Context, message: p.CompareMessage) -> None:
    parts: list[BaseModel] = message.variants  # each a p.ConfigChanges
    ctx.session.propose_compare([v.model_dump(exclude_unset=True) for v in parts], ctx.watcher)


# -- take it with you (issue 17): api/takeaway.py, runtime/modelio.py ----------------------------
def on_export(ctx: Context, message: tk.ExportMessage) -> None:
    fmt, watcher = message.format, ctx.watcher
    ctx.submit(lambda s: modelio.export_command(s, fmt, watcher))


def on_import(ctx: Context, message: tk.ImportMessage) -> None:
    text = message.text
    ctx.submit(lambda s: modelio.import_command(s, text))


def on_train(ctx: Context, message: tk.TrainMessage) -> None:
    limit = ctx.settings.max_steps_per_frame
    if message.steps > limit:
        raise FieldError("steps", f"at most {limit} on this server")
    steps = message.steps
    ctx.submit(lambda s: modelio.train_command(s, steps))


def on_sweep(ctx: Context, message: sweeps.SweepMessage) -> None:  # issue 16
    axes = [a.model_dump() for a in message.axes]
    ctx.session.propose_sweep(axes, message.same_init, ctx.watcher)


def on_room(ctx: Context, message: p.RoomMessage) -> None:
    rooms = ctx.rooms
    if rooms is None:
        raise FieldError("type", "lecture rooms are not available on this server")
    if message.action == "close":
        room = rooms.of(ctx.session)
        if room is not None:
            rooms.close(room)
        return
    try:
        rooms.open(ctx.session, ctx.watcher, ctx.settings.public_url or ctx.base_url, message.title)
    except RoomError as exc:
        raise FieldError(exc.field or "action", str(exc)) from None


def on_challenge(ctx: Context, message: p.ChallengeMessage) -> None:
    rooms = ctx.rooms
    room = rooms.of(ctx.session) if rooms is not None else None
    if rooms is None or room is None:
        raise FieldError("type", "challenge: open a lecture room first")
    rooms.challenge(room, message.max_neurons)


def on_fork(ctx: Context, message: p.ForkMessage) -> None:
    raise FieldError("type", "fork: only a lecture room's follower forks; this run is yours")


# -- the table ---------------------------------------------------------------------------------
ROUTES: tuple[Route[Any], ...] = (
    Route(p.ConfigMessage, on_config, limited=False),
    Route(p.ControlMessage, on_control),
    Route(p.StreamMessage, on_stream),
    Route(p.EditWeightMessage, on_edit_weight),
    Route(p.EditBiasMessage, on_edit_bias),
    Route(p.PointsMessage, on_points),
    Route(p.CsvMessage, on_csv),
    Route(p.CompareMessage, on_compare),
    Route(tk.ExportMessage, on_export),  # issue 17
    Route(tk.ImportMessage, on_import),
    Route(tk.TrainMessage, on_train),
    Route(p.ViewsMessage, view_messages.on_views),  # issue 15
    Route(p.InspectMessage, view_messages.on_inspect),  # issue 15
    Route(sweeps.SweepMessage, on_sweep),
    Route(p.RoomMessage, on_room),
    Route(p.ForkMessage, on_fork),
    Route(p.ChallengeMessage, on_challenge),
)
BY_MODEL: dict[type[BaseModel], Route[Any]] = {r.model: r for r in ROUTES}
CLIENT_TYPES: tuple[str, ...] = tuple(r.type for r in ROUTES)
_union: Any = Annotated[Union[tuple(r.model for r in ROUTES)], Field(discriminator="type")]  # noqa: UP007
CLIENT_ADAPTER: TypeAdapter[Any] = TypeAdapter(_union)


def parse(text: str | bytes) -> tuple[Route[Any], BaseModel]:
    """The validated message and its route; ProtocolError (a FieldError) on anything wrong."""
    try:
        message: BaseModel = CLIENT_ADAPTER.validate_json(text, strict=True)
    except ValidationError as exc:
        raise p.ProtocolError.from_validation(exc, CLIENT_TYPES) from None
    return BY_MODEL[type(message)], message


def message_schema() -> JsonDict:
    """JSON Schema of every websocket message (what `GET /api/schema` returns)."""
    return {
        "protocol": PROTOCOL_VERSION,
        "client": CLIENT_ADAPTER.json_schema(),
        **p.server_schema(),
    }
