"""The sweep messages (issue 16; docs/protocol.md "Sweep"), strict like every client message.

The values of an axis are checked by the engine's config validation (each combination on top of
the main config, runtime/sweep.py), so a bad one gets an `error` naming `axes`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nnplayground.engine.config import DATA_FIELDS, FIELD_SPECS

_STRICT = ConfigDict(extra="forbid", strict=True)
# Fields a sweep may vary: the model and its training, never the data.
_SWEEPABLE: Any = Literal.__getitem__(tuple(f for f in FIELD_SPECS if f not in DATA_FIELDS))


class SweepAxis(BaseModel):
    """One swept setting and its values (each a valid value of that config field)."""

    model_config = _STRICT
    field: _SWEEPABLE
    values: Annotated[list[Any], Field(min_length=1, max_length=16)]


class SweepMessage(BaseModel):
    """Train every combination of one or two settings' values side by side, from scratch (at
    most `max_lanes` models, `hello.limits`); `"axes": []` ends the sweep. `same_init`: every
    model starts from the main seed's initialisation (else model i takes seed + i)."""

    model_config = _STRICT
    type: Literal["sweep"]
    axes: Annotated[list[SweepAxis], Field(max_length=2)]
    same_init: bool = True


class SweepEcho(BaseModel):
    """The sweep in force: its axes and its number of models (`lanes`; 1 and `[]` when off)."""

    type: Literal["sweep"] = "sweep"
    axes: list[dict[str, Any]]
    lanes: int


class PreparingMessage(BaseModel):
    """A sweep with layers wider than the default bucket waits while the server compiles that
    bucket (once per server, 1.5-2 minutes on two cores without the compile cache); the session trains on meanwhile,
    and the sweep's usual answers follow when it starts. A newer sweep or compare replaces it;
    a failure comes as an `error` naming `axes`."""

    type: Literal["preparing"] = "preparing"
    what: Literal["sweep"]
    width: int = Field(description="neurons a layer the bucket holds")
    models: int
    axes: list[dict[str, Any]]


class SweepLane(BaseModel):
    """One model of a sweep in a frame: its values (one per axis) and full-data metrics (null
    before any measurement and after divergence)."""

    values: list[Any]
    step: int
    train_loss: float | None
    test_loss: float | None
    train_accuracy: float | None
    test_accuracy: float | None
    diverged: bool
    diverged_step: int | None


class SweepFrame(BaseModel):
    """Frames carry this while a sweep runs; `sweep_outputs` (V, g, g) holds every model's
    output grid at half resolution, lane 0 (the main model) first."""

    axes: list[dict[str, Any]]
    lanes: list[SweepLane]
