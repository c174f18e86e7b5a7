"""Commands a connection submits to its session: made on the event loop, applied between chunks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

JsonDict = dict[str, Any]
UNSET: Any = object()  # a StreamCmd field the client left out (None means "auto")


@dataclass(frozen=True)
class ConfigCmd:
    changes: JsonDict


@dataclass(frozen=True)
class ControlCmd:
    action: str


@dataclass(frozen=True)
class StreamCmd:
    fps: int | None
    steps_per_frame: Any = UNSET  # int, None (= auto) or UNSET (= unchanged)


@dataclass(frozen=True)
class EditWeightCmd:
    layer: int
    source: int
    target: int
    value: float


@dataclass(frozen=True)
class EditBiasCmd:
    layer: int
    neuron: int
    value: float


@dataclass(frozen=True)
class PointsCmd:
    points: np.ndarray  # (N, 3) float32


@dataclass(frozen=True)
class CompareCmd:
    variants: tuple[JsonDict, ...]  # each a partial config on top of the main one; () = off


@dataclass(frozen=True)
class FrameCmd:
    """Send a frame now (a new connection's first frame carries the points)."""


Command = (
    ConfigCmd | ControlCmd | StreamCmd | EditWeightCmd | EditBiasCmd | PointsCmd | CompareCmd
    | FrameCmd
)  # fmt: skip
