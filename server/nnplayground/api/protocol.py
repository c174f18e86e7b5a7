"""The websocket protocol as pydantic models: one parse per client message, one JSON Schema.

Client messages (their table, parser and handlers: api/messages.py) are a discriminated union on
`type`, validated strictly (no "0.1" → 0.1
coercion, no unknown fields), so a bad message gets an `error` naming its field and changes
nothing. The config model is generated from the engine's `FIELD_SPECS`, so ranges and names are
defined once. Server messages are modelled too, for `GET /api/schema` and the page's types.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from nnplayground.api.sweeps import PreparingMessage, SweepEcho, SweepFrame  # issue 16
from nnplayground.api.takeaway import ExportReply
from nnplayground.engine import registry as reg
from nnplayground.engine.config import FIELD_SPECS
from nnplayground.engine.errors import FieldError
from nnplayground.runtime.wire import PROTOCOL_VERSION

JsonDict = dict[str, Any]

_STRICT = ConfigDict(extra="forbid", strict=True)


def _literal(names: tuple[str, ...]) -> Any:
    return Literal.__getitem__(names)  # Literal["a", "b", ...] built from a registry tuple


def _field_type(name: str, spec: dict[str, Any]) -> Any:
    kind = spec["kind"]
    if kind == "choice":
        return _literal(reg.choices(spec["choices"]))
    # Numbers: the type here, the range stated in the schema but checked once, by the engine's
    # `RunConfig.validate` (the range also depends on the capacity bucket, and cross-field rules
    # need the whole config): docs/architecture.md, "The path of one control".
    bounds = {"minimum": spec.get("min"), "maximum": spec.get("max")}
    if kind == "int":
        return Annotated[int, Field(json_schema_extra=bounds)]
    if kind == "float":
        return Annotated[float, Field(allow_inf_nan=False, json_schema_extra=bounds)]
    if kind == "bool":  # batch_norm (issue 16)
        return bool
    if kind == "subset":
        names = reg.choices(spec["choices"])
        item = _literal(names)
        return Annotated[list[item], Field(min_length=1, max_length=len(names))]  # type: ignore[valid-type]
    if kind == "widths":
        width = Annotated[int, Field(ge=spec["min"], le=spec["max"])]
        return Annotated[list[width], Field(max_length=spec["max_layers"])]
    raise TypeError(f"{name}: unknown field kind {kind!r}")  # a FIELD_SPECS bug, not input


def _config_fields(optional: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, spec in FIELD_SPECS.items():
        kind = _field_type(name, spec)
        # Partial updates: absent means "unchanged"; an explicit null is a type error (the
        # default is not validated, so `None` never reaches the engine).
        default = (
            Field(default=None, description=spec["label"])
            if optional
            else Field(description=spec["label"])
        )
        fields[name] = (kind, default)
    return fields


# `{"type": "config", ...any subset of RunConfig fields...}`
_CONFIG_TYPE: Any = Literal["config"]
ConfigMessage: type[BaseModel] = create_model(
    "ConfigMessage",
    __config__=_STRICT,
    __doc__="Change any subset of the run config; applied between two chunks, echoed in full.",
    type=(_CONFIG_TYPE, ...),
    **_config_fields(optional=True),
)
# The full config as the server echoes it.
RunConfigModel: type[BaseModel] = create_model(
    "RunConfig", __config__=_STRICT, **_config_fields(optional=False)
)


# One compare variant: any subset of the model/training fields, on top of the main config.
ConfigChanges: type[BaseModel] = create_model(
    "ConfigChanges",
    __config__=_STRICT,
    __doc__="A partial config: the fields a compare variant changes relative to the main config.",
    **_config_fields(optional=True),
)


class CompareMessage(BaseModel):
    """Train variants of the main model side by side: each variant is the main config with its
    own changes; `[]` turns compare off. At most `max_lanes - 1` variants (`hello.limits`)."""

    model_config = _STRICT
    type: Literal["compare"]
    variants: Annotated[list[ConfigChanges], Field(max_length=15)]  # type: ignore[valid-type]


class ControlMessage(BaseModel):
    """Play, pause, one step, one epoch, reset the model, or regenerate the data."""

    model_config = _STRICT
    type: Literal["control"]
    action: Literal["play", "pause", "step", "epoch", "reset", "regenerate"]


class StreamMessage(BaseModel):
    """Frame rate and speed; `steps_per_frame` null = auto (fill the frame budget)."""

    model_config = _STRICT
    type: Literal["stream"]
    fps: Annotated[int, Field(ge=1, le=60)] | None = None
    steps_per_frame: Annotated[int, Field(ge=1, le=10_000)] | None = None


_Finite = Annotated[float, Field(ge=-1e6, le=1e6, allow_inf_nan=False)]
_Index = Annotated[int, Field(ge=0, le=64)]


class EditWeightMessage(BaseModel):
    """Set one weight: `layer` 0 = inputs → first layer; `source`/`target` neuron indices."""

    model_config = _STRICT
    type: Literal["edit_weight"]
    layer: _Index
    source: _Index
    target: _Index
    value: _Finite


class EditBiasMessage(BaseModel):
    """Set one bias: `layer` 1..depth+1 (depth+1 = output), `neuron` its index."""

    model_config = _STRICT
    type: Literal["edit_bias"]
    layer: _Index
    neuron: _Index
    value: _Finite


_Coord = Annotated[float, Field(allow_inf_nan=False)]


class PointsMessage(BaseModel):
    """User data as rows x1, x2, label-or-target; switches the dataset to `user`."""

    model_config = _STRICT
    type: Literal["points"]
    points: Annotated[list[tuple[_Coord, _Coord, _Coord]], Field(min_length=1, max_length=2048)]


class CsvMessage(BaseModel):
    """CSV text `x1,x2,label` (a header row is optional); parsed server-side, never executed."""

    model_config = _STRICT
    type: Literal["csv"]
    text: Annotated[str, Field(max_length=1_048_576)]


# -- server → client ------------------------------------------------------------------------------
# -- lecture rooms (runtime/rooms.py; docs/protocol.md "Lecture rooms") --------------------
class RoomMessage(BaseModel):
    """Presenter: open a lecture room on this session (again: the same room, new title) or
    close it. The answer, and every later change of the follower count, is a `room` message."""

    model_config = _STRICT
    type: Literal["room"]
    action: Literal["open", "close"]
    title: Annotated[str, Field(max_length=60)] | None = None  # "Following <title>'s run"


class ForkMessage(BaseModel):
    """Follower: become the owner of a copy of the presenter's run as it is now; `nickname`
    names the fork on the room's challenge leaderboard (anonymous without)."""

    model_config = _STRICT
    type: Literal["fork"]
    nickname: Annotated[str, Field(min_length=1, max_length=24)] | None = None


class ChallengeMessage(BaseModel):
    """Presenter: set the room's challenge, best test accuracy (regression: lowest test loss)
    with at most `max_neurons` hidden neurons; null ends it."""

    model_config = _STRICT
    type: Literal["challenge"]
    max_neurons: Annotated[int, Field(ge=1, le=1000)] | None


class Challenge(BaseModel):
    max_neurons: int


class LeaderboardEntry(BaseModel):
    name: str
    metric: Literal["test_accuracy", "test_loss"]
    best: float
    neurons: int
    step: int


class LeaderboardMessage(BaseModel):
    """To the presenter, when the top forks change (at most once a second): best first."""

    type: Literal["leaderboard"] = "leaderboard"
    max_neurons: int
    entries: list[LeaderboardEntry]


class RoomInfo(BaseModel):
    """A room's state, to its presenter (with the follower count) and to its followers."""

    type: Literal["room"] = "room"
    code: str
    join_url: str
    followers: int
    state: Literal["live", "reconnecting", "closed"]
    title: str | None
    challenge: Challenge | None = None


class ForkedFrom(BaseModel):
    room: str
    step: int


# -- end of lecture rooms -----------------------------------------------------------------


class History(BaseModel):
    """The downsampled curve so far, so a reconnecting page can redraw its chart."""

    step: list[int]
    train_loss: list[float | None]
    test_loss: list[float | None]
    val_loss: list[float | None]
    train_accuracy: list[float | None]
    test_accuracy: list[float | None]


class Limits(BaseModel):
    max_points: int
    max_message_bytes: int
    max_messages_per_s: float
    max_fps: int
    max_steps_per_frame: int
    session_grace_s: float
    idle_timeout_s: float
    max_lanes: int


class HelloMessage(BaseModel):
    """The server's first message on every connection."""

    type: Literal["hello"] = "hello"
    protocol: int = PROTOCOL_VERSION
    session_id: str
    resume_token: str
    resumed: bool
    config: RunConfigModel  # type: ignore[valid-type]
    rev: int
    limits: Limits
    playing: bool
    step: int
    epoch: float
    fps: int
    steps_per_frame: int | None
    history: History
    # Lecture rooms: a follower's hello has empty session_id/resume_token (the run is not
    # theirs) and `room`; a fork's has `forked_from`.
    role: Literal["owner", "follower"] = "owner"
    room: RoomInfo | None = None
    forked_from: ForkedFrom | None = None


class ConfigEcho(BaseModel):
    """The full config after every applied change; `rev` matches later frames' `config_rev`."""

    type: Literal["config"] = "config"
    config: RunConfigModel  # type: ignore[valid-type]
    rev: int


class CompareEcho(BaseModel):
    """The variants in force after a `compare` message (also when a config change dropped one
    that no longer fits); `lanes` = 1 + len(variants)."""

    type: Literal["compare"] = "compare"
    variants: list[dict[str, Any]]
    lanes: int


class StatusMessage(BaseModel):
    type: Literal["status"] = "status"
    playing: bool
    step: int
    epoch: float


class StreamEcho(BaseModel):
    type: Literal["stream"] = "stream"
    fps: int
    steps_per_frame: int | None


class ErrorMessage(BaseModel):
    """A rejected message: `field` names the offending field (null when the JSON itself is bad)."""

    type: Literal["error"] = "error"
    message: str
    field: str | None


class EventMessage(BaseModel):
    type: Literal["event"] = "event"
    event: Literal["diverged", "early_stop"]
    step: int
    message: str


# -- issue 15: optional views (landscape, warp, confusion) and the backprop inspector --------
class WarpRequest(BaseModel):
    """A hidden layer (1..depth) drawn on two of its neurons (0-based) or its two principal
    components (`"pca"`)."""

    model_config = _STRICT
    layer: Annotated[int, Field(ge=1)]
    neurons: (
        Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=2, max_length=2)]
        | Literal["pca"]
    )


class ViewsMessage(BaseModel):
    """This connection's optional views (all off by default; frames then stay as they are)."""

    model_config = _STRICT
    type: Literal["views"]
    landscape: bool = False
    directions: Literal["pca", "random"] = "pca"
    warp: WarpRequest | None = None
    confusion: bool = False


class InspectMessage(BaseModel):
    """Backprop of one training point (an index into the frame's points); `apply`: also one SGD
    step on that example alone with the current learning rate."""

    model_config = _STRICT
    type: Literal["inspect"]
    point: Annotated[int, Field(ge=0)]
    apply: bool = False


class InspectReply(BaseModel):
    """One example's forward and backward pass, to the connection that asked. `activations`:
    inputs (active features), hidden layers, outputs; `preactivations`, `deltas` (dloss/dz),
    `bias_grads`: hidden layers, outputs; `weight_grads`: per layer, source-major like frame
    `weights`. After `apply`, `loss_after` is the point's loss after the step."""

    type: Literal["inspect"] = "inspect"
    point: int
    loss: float | None
    activations: list[list[float | None]]
    preactivations: list[list[float | None]]
    deltas: list[list[float | None]]
    weight_grads: list[list[float | None]]
    bias_grads: list[list[float | None]]
    learning_rate: float | None
    applied: bool
    loss_after: float | None


class LandscapeFrame(BaseModel):
    """With the array `landscape` (G, G) float32: the training loss at θ + a·d1 + b·d2, a over
    columns from -span, b over rows from +span (row 0 at the top); the centre is θ."""

    directions: Literal["pca", "random"]
    span: float
    path: list[list[float | None]] = Field(description="(a, b) of recent weights, oldest first")
    center_loss: float | None


class WarpFrame(BaseModel):
    """With `warp_lines` (26, 49, 2) and `warp_points` (N, 2) float32: grid lines x1 = c, then
    x2 = c (c = -6..6), and the data points, in the layer's 2-D view. `boundary` [a, b, c]: the
    output's zero line a·u + b·v + c = 0 when exact (last hidden layer of 2, one output)."""

    layer: int
    axes: Literal["neurons", "pca"] | None = None
    neurons: list[int] | None = None
    boundary: list[float] | None = None
    error: str | None = None  # the request no longer fits the config (no arrays then)


# -- end issue 15 -----------------------------------------------------------------------------


SERVER_MESSAGES: tuple[type[BaseModel], ...] = (
    HelloMessage,
    ConfigEcho,
    CompareEcho,
    StatusMessage,
    StreamEcho,
    ErrorMessage,
    EventMessage,
    ExportReply,  # issue 17 (api/takeaway.py)
    InspectReply,  # issue 15
    SweepEcho,  # issue 16
    PreparingMessage,  # issue 16: a width sweep's bucket compiling
    RoomInfo,
    LeaderboardMessage,
)
_server_union: Any = Annotated[Union[SERVER_MESSAGES], Field(discriminator="type")]  # noqa: UP007


class ArrayDescriptor(BaseModel):
    name: str
    dtype: Literal["uint8", "uint16", "float16", "float32", "int32"]
    shape: list[int]
    offset: int = Field(description="bytes from the start of the array section, 4-aligned")
    scale: float | None = Field(None, description="quantised: value = min + q * scale")
    min: float | None = None


class FrameMetrics(BaseModel):
    train_loss: float | None
    test_loss: float | None
    val_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    val_accuracy: float | None
    grad_norms: list[float | None]
    weight_norms: list[float | None]
    examples_per_s: float | None
    learning_rate: float | None


class VariantMetrics(BaseModel):
    """One compare variant in a frame: its changes and full-data metrics (null before any
    measurement and after divergence)."""

    changes: dict[str, Any]
    step: int
    train_loss: float | None
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    diverged: bool
    diverged_step: int | None


class CompareFrame(BaseModel):
    """Frames carry this while compare is on; `compare_outputs` holds the variants' grids."""

    variants: list[VariantMetrics]


class FrameHeader(BaseModel):
    """The JSON header of a binary frame (after its uint32 LE length prefix)."""

    v: int = PROTOCOL_VERSION
    step: int
    epoch: float
    playing: bool
    config_rev: int
    data_rev: int
    metrics: FrameMetrics
    # The step `metrics` were measured at: while playing they are measured a few times a
    # second (docs/performance.md), not every frame, so a loss curve adds a point only when
    # this moves.
    metrics_step: int
    compare: CompareFrame | None = None
    landscape: LandscapeFrame | None = None  # issue 15: with the `views` message
    warp: WarpFrame | None = None  # issue 15
    sweep: SweepFrame | None = None  # issue 16: while a sweep runs (instead of `compare`)
    arrays: list[ArrayDescriptor]


def server_schema() -> JsonDict:
    """JSON Schema of the server's text messages and the frame header (`GET /api/schema`)."""
    return {
        "server": TypeAdapter(_server_union).json_schema(),
        "frame_header": FrameHeader.model_json_schema(),
    }


class ProtocolError(FieldError):
    """A client message that failed its model; `field` is what the `error` message names."""

    @classmethod
    def from_validation(cls, exc: ValidationError, types: tuple[str, ...]) -> ProtocolError:
        """From pydantic's first error; `types`: the client message types (for a bad tag)."""
        error = exc.errors(include_url=False, include_input=False)[0]
        kind = error["type"]
        loc = [str(part) for part in error["loc"]]
        if kind == "json_invalid":
            return cls(None, f"invalid JSON: {error['msg']}")
        if kind in ("union_tag_not_found", "union_tag_invalid"):
            return cls("type", f"must be one of {', '.join(map(repr, types))}")
        if not loc:
            return cls(None, f"message: {error['msg']}")
        # loc is (tag, field, index...): name the message's own field.
        field = loc[1] if len(loc) > 1 else loc[0]
        if loc[0] == "compare" and field == "variants" and len(loc) > 3:
            what = "unknown field" if kind == "extra_forbidden" else error["msg"]
            return cls(field, f"variant {int(loc[2]) + 1}, {loc[3]}: {what}")
        if kind == "extra_forbidden":
            return cls(field, "unknown field")
        return cls(field, error["msg"])
