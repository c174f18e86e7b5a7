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


# -- take it with you (issue 17): runtime/modelio.py ------------------------------------------
@dataclass(frozen=True)
class ExportCmd:
    format: str  # "json" | "python" | "jax"


@dataclass(frozen=True)
class ImportCmd:
    text: str  # a model file (docs/model-format.md), validated on the scheduler thread


@dataclass(frozen=True)
class TrainCmd:
    steps: int  # exactly this many steps, then paused


@dataclass(frozen=True)
class FrameCmd:
    """Send a frame now (a new connection's first frame carries the points)."""


Command = (
    ConfigCmd | ControlCmd | StreamCmd | EditWeightCmd | EditBiasCmd | PointsCmd | CompareCmd
    | FrameCmd | ExportCmd | ImportCmd | TrainCmd
)  # fmt: skip
