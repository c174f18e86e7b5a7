"""`GET /api/options`: every registry and every config field, so the page hard-codes none.

Built from the engine's registries and `FIELD_SPECS` (ranges, choices and labels stated once
there) and the server's settings (the client-facing limits).
"""

from __future__ import annotations

from typing import Any

from nnplayground.api.settings import Settings, client_limits
from nnplayground.engine import registry as reg
from nnplayground.engine.config import (
    DEFAULT_CAPACITY,
    FIELD_SPECS,
    REGRESSION_DEFAULT_POINTS,
    RunConfig,
)
from nnplayground.engine.data import DOMAIN

JsonDict = dict[str, Any]


def _choices(key: str) -> list[dict[str, str]]:
    return [{"name": n, "label": reg.label(key, n)} for n in reg.REGISTRIES[key]]


def options(settings: Settings | None = None) -> JsonDict:
    """Registries, fields (default, range, label), capacity; `limits` when `settings` given."""
    defaults = RunConfig().to_dict()
    out: JsonDict = {
        "registries": {
            **{key: _choices(key) for key in reg.REGISTRIES},
            "multiclass_datasets": list(reg.MULTICLASS_DATASETS),
        },
        "fields": {name: {"default": defaults[name], **spec} for name, spec in FIELD_SPECS.items()},
        "capacity": {
            "layers": DEFAULT_CAPACITY.layers,
            "width": DEFAULT_CAPACITY.width,
            "batch": DEFAULT_CAPACITY.batch,
            "points": DEFAULT_CAPACITY.points,
            "classes": DEFAULT_CAPACITY.classes,
        },
        "regression_default_points": REGRESSION_DEFAULT_POINTS,
        "domain": [-DOMAIN, DOMAIN],
    }
    if settings is not None:
        out["limits"] = client_limits(settings).model_dump()
        out["default_fps"] = settings.default_fps
    return out
