"""The run config (one lane's settings) and the capacity bucket that fixes compiled shapes.

`RunConfig` is the single source of truth for what a lane does; the wire's `config` object has
exactly its fields. Validation raises `FieldError(field, reason)` (a ValueError whose text is
"<field>: <reason>") and never half-applies; every range and choice is stated once, in `FIELD_SPECS`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nnplayground.engine import registry as reg
from nnplayground.engine.errors import FieldError


@dataclass(frozen=True)
class Capacity:
    """A compiled-shape bucket: crossing it is the only thing that compiles."""

    layers: int = 6
    width: int = 8
    batch: int = 64
    points: int = 2048
    classes: int = 6

    @property
    def state_width(self) -> int:
        # One width D for every layer's input: the 9 input features or the hidden neurons.
        return max(len(reg.FEATURES), self.width)


DEFAULT_CAPACITY = Capacity()
# Width sweeps (issue 16) go past the default 8 neurons a layer: their lanes train in this
# bucket, compiled once per server before the first such sweep starts (runtime/capacity.py).
WIDE_CAPACITY = Capacity(width=32)
CAPACITIES = (DEFAULT_CAPACITY, WIDE_CAPACITY)


def capacity_for(configs: Sequence[RunConfig]) -> Capacity:
    """The smallest bucket of `CAPACITIES` whose width holds every layer of `configs` (the
    buckets differ by width only); FieldError("hidden_layers") past the widest."""
    widest = max((w for c in configs for w in c.hidden_layers), default=0)
    for capacity in CAPACITIES:
        if widest <= capacity.width:
            return capacity
    raise FieldError("hidden_layers", f"width {widest} exceeds {CAPACITIES[-1].width}")


MAX_SEED = 2**31 - 1
REGRESSION_DEFAULT_POINTS = 1200
CLASSIFICATION_DEFAULT_POINTS = 500

# Ranges of numeric fields (min, max, UI step); widths/depth/batch also depend on the capacity.
FIELD_SPECS: dict[str, dict[str, Any]] = {
    "problem": {"kind": "choice", "choices": "problems", "label": "Problem type"},
    "dataset": {"kind": "choice", "choices": "classification_datasets|regression_datasets",
                "label": "Data"},
    "num_classes": {"kind": "int", "min": 2, "max": 6, "step": 1, "label": "Classes"},
    "num_points": {"kind": "int", "min": 10, "max": 2000, "step": 10, "label": "Points"},
    "noise": {"kind": "float", "min": 0.0, "max": 50.0, "step": 1.0, "label": "Noise (%)"},
    "train_ratio": {"kind": "float", "min": 0.1, "max": 0.9, "step": 0.05,
                    "label": "Ratio of training data"},
    "val_ratio": {"kind": "float", "min": 0.0, "max": 0.5, "step": 0.05,
                  "label": "Ratio of validation data"},
    "data_seed": {"kind": "int", "min": 0, "max": MAX_SEED, "step": 1, "label": "Data seed"},
    "features": {"kind": "subset", "choices": "features", "label": "Input features"},
    "hidden_layers": {"kind": "widths", "min_layers": 0, "max_layers": 6, "min": 1, "max": 32,
                      "label": "Hidden layers (neurons per layer)"},
    "activation": {"kind": "choice", "choices": "activations", "label": "Activation"},
    "init": {"kind": "choice", "choices": "inits", "label": "Weight initialisation"},
    "loss": {"kind": "choice", "choices": "losses", "label": "Loss"},
    "optimizer": {"kind": "choice", "choices": "optimizers", "label": "Optimizer"},
    "learning_rate": {"kind": "float", "min": 1e-5, "max": 10.0, "step": 1e-5,
                      "scale": "log", "label": "Learning rate"},
    "momentum": {"kind": "float", "min": 0.0, "max": 0.999, "step": 0.001,
                 "label": "Momentum (momentum, Nesterov; RMSprop decay)"},
    "beta1": {"kind": "float", "min": 0.0, "max": 0.9999, "step": 0.0001, "label": "β₁ (Adam)"},
    "beta2": {"kind": "float", "min": 0.0, "max": 0.9999, "step": 0.0001, "label": "β₂ (Adam)"},
    "schedule": {"kind": "choice", "choices": "schedules", "label": "Learning-rate schedule"},
    "decay_rate": {"kind": "float", "min": 0.0, "max": 10.0, "step": 0.001,
                   "label": "Decay rate k per step (step decay: in stairs of the interval)"},
    "decay_steps": {"kind": "int", "min": 1, "max": 1_000_000, "step": 1,
                    "label": "Decay interval (steps, step decay)"},
    "batch_size": {"kind": "int", "min": 1, "max": 64, "step": 1, "label": "Batch size"},
    "l1": {"kind": "float", "min": 0.0, "max": 10.0, "step": 0.0001, "label": "L1 rate"},
    "l2": {"kind": "float", "min": 0.0, "max": 10.0, "step": 0.0001, "label": "L2 rate"},
    "dropout": {"kind": "float", "min": 0.0, "max": 0.9, "step": 0.05, "label": "Dropout rate"},
    "batch_norm": {"kind": "bool", "label": "Batch normalization"},
    "seed": {"kind": "int", "min": 0, "max": MAX_SEED, "step": 1, "label": "Model seed"},
    "patience": {"kind": "int", "min": 0, "max": 1_000_000, "step": 100,
                 "label": "Early-stopping patience (steps, 0 = off)"},
}  # fmt: skip

# Fields whose change rebuilds the lane's data (the model is kept).
DATA_FIELDS = frozenset(
    {"problem", "dataset", "num_classes", "num_points", "noise", "train_ratio", "val_ratio",
     "data_seed"}
)  # fmt: skip


@dataclass(frozen=True)
class RunConfig:
    """One lane's settings; defaults and ranges as in docs/architecture.md §2."""

    problem: str = "classification"
    dataset: str = "circle"
    num_classes: int = 2
    num_points: int = 500
    noise: float = 0.0
    train_ratio: float = 0.5
    val_ratio: float = 0.0
    data_seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    hidden_layers: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    init: str = "xavier"
    loss: str = "auto"
    optimizer: str = "sgd"
    learning_rate: float = 0.03
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    schedule: str = "constant"
    decay_rate: float = 0.001
    decay_steps: int = 1000
    batch_size: int = 10
    l1: float = 0.0
    l2: float = 0.0
    dropout: float = 0.0
    batch_norm: bool = False
    seed: int = 0
    patience: int = 0

    def __post_init__(self) -> None:
        # Accept lists for the list fields (JSON, keyword use) but store hashable tuples.
        for name in ("features", "hidden_layers"):
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))

    # -- derived -------------------------------------------------------------------------------
    @property
    def classes(self) -> int:
        """Number of classes actually used (binary datasets force 2; regression has 1 target)."""
        if self.problem == "regression":
            return 1
        return self.num_classes if self.dataset in reg.MULTICLASS_DATASETS else 2

    @property
    def resolved_loss(self) -> str:
        """`auto` resolved: logistic for 2 classes, softmax for K > 2, mse for regression."""
        if self.loss != "auto":
            return self.loss
        if self.problem == "regression":
            return "mse"
        return "logistic" if self.classes == 2 else "softmax"

    @property
    def depth(self) -> int:
        return len(self.hidden_layers)

    # -- validation ----------------------------------------------------------------------------
    def validate(self, capacity: Capacity = DEFAULT_CAPACITY) -> RunConfig:
        """Raise FieldError("<field>", reason) on the first bad field; return self if fine.

        Every range and choice comes from `FIELD_SPECS` (capped by `capacity`); the rules
        between fields follow. A RunConfig is immutable, so it is validated once per capacity:
        handing a validated one on (to `Trainer.apply`) checks nothing twice.
        """
        if self.__dict__.get("_valid_for") == capacity:
            return self
        for name, spec in FIELD_SPECS.items():
            _check(name, getattr(self, name), spec, capacity)
        datasets = (
            reg.CLASSIFICATION_DATASETS
            if self.problem == "classification"
            else reg.REGRESSION_DATASETS
        )
        if self.dataset not in datasets:
            raise FieldError(
                "dataset",
                f"{self.dataset!r} is not a {self.problem} dataset; "
                f"expected one of {list(datasets)}",
            )
        if self.problem == "regression" and self.loss not in ("auto", "mse"):
            raise FieldError("loss", f"regression accepts only 'mse' or 'auto', not {self.loss!r}")
        if self.train_ratio + self.val_ratio > 0.95 + 1e-9:
            raise FieldError(
                "val_ratio",
                "train_ratio + val_ratio must be at most 0.95 "
                f"(got {self.train_ratio} + {self.val_ratio})",
            )
        object.__setattr__(self, "_valid_for", capacity)  # not a field: no effect on ==, hash
        return self

    def replace(self, capacity: Capacity = DEFAULT_CAPACITY, **changes: Any) -> RunConfig:
        """A validated copy with `changes` applied (lists accepted for the list fields).

        Switching `problem` without naming a dataset/point count picks that problem's defaults,
        so a one-field change from the UI stays valid.
        """
        unknown = set(changes) - _FIELD_NAMES
        if unknown:
            name = sorted(unknown)[0]
            raise FieldError(name, "unknown config field")
        changes = {k: _normalise(k, v) for k, v in changes.items()}
        problem = changes.get("problem", self.problem)
        if problem != self.problem and problem in reg.PROBLEMS:
            if "dataset" not in changes:
                changes["dataset"] = (
                    reg.CLASSIFICATION_DATASETS[0]
                    if problem == "classification"
                    else reg.REGRESSION_DATASETS[0]
                )
            if "num_points" not in changes:
                changes["num_points"] = (
                    REGRESSION_DEFAULT_POINTS
                    if problem == "regression"
                    else CLASSIFICATION_DEFAULT_POINTS
                )
            if "loss" not in changes and problem == "regression":
                changes["loss"] = "auto"
        return dataclasses.replace(self, **changes).validate(capacity)

    # -- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (lists, not tuples) with exactly the wire's fields."""
        out: dict[str, Any] = {}
        for name in FIELD_SPECS:
            value = getattr(self, name)
            out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any], capacity: Capacity = DEFAULT_CAPACITY) -> RunConfig:
        """Validated config from a (possibly partial) dict; missing fields take defaults."""
        if not isinstance(d, dict):
            raise FieldError("config", "must be an object")
        unknown = set(d) - _FIELD_NAMES
        if unknown:
            raise FieldError(sorted(unknown)[0], "unknown config field")
        values = {k: _normalise(k, v) for k, v in d.items()}
        return cls(**values).validate(capacity)


_FIELD_NAMES = frozenset(FIELD_SPECS)


def _normalise(name: str, value: Any) -> Any:
    if name in ("features", "hidden_layers"):
        if isinstance(value, list | tuple):
            return tuple(value)
        raise FieldError(name, "must be a list")
    if (
        FIELD_SPECS[name]["kind"] == "float"
        and isinstance(value, int)
        and not isinstance(value, bool)
    ):
        return float(value)
    return value


# Fields whose upper bound is also capped by the capacity bucket (`Capacity` attribute).
_CAPPED = {"num_classes": "classes", "num_points": "points", "batch_size": "batch"}


def _check(name: str, value: Any, spec: dict[str, Any], capacity: Capacity) -> None:
    """One field against its `FIELD_SPECS` entry: kind, range or choices."""
    kind = spec["kind"]
    if kind == "choice":
        if name == "dataset":
            return  # depends on the problem: checked in `validate`
        choices = reg.choices(spec["choices"])
        if value not in choices:
            raise FieldError(name, f"unknown {value!r}; expected one of {list(choices)}")
    elif kind == "int":
        cap = getattr(capacity, _CAPPED[name]) if name in _CAPPED else spec["max"]
        _int(name, value, spec["min"], min(spec["max"], cap))
    elif kind == "float":
        _float(name, value, spec["min"], spec["max"])
    elif kind == "bool":
        if not isinstance(value, bool):
            raise FieldError(name, f"must be true or false, got {value!r}")
    elif kind == "subset":
        _subset(name, value, reg.choices(spec["choices"]))
    elif kind == "widths":
        _widths(name, value, min(spec["max_layers"], capacity.layers), spec["min"],
                min(spec["max"], capacity.width))  # fmt: skip


def _int(name: str, value: Any, lo: int, hi: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(name, f"must be an integer, got {value!r}")
    if not lo <= value <= hi:
        raise FieldError(name, f"{value} is outside {lo}-{hi}")


def _float(name: str, value: Any, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldError(name, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise FieldError(name, f"must be finite, got {value!r}")
    if not lo <= value <= hi:
        raise FieldError(name, f"{value} is outside {lo}-{hi}")


def _subset(name: str, value: Any, names: tuple[str, ...]) -> None:
    if not isinstance(value, tuple) or not value:
        raise FieldError(name, "must be a non-empty list of feature names")
    for item in value:
        if item not in names:
            raise FieldError(name, f"unknown {item!r}; expected names from {list(names)}")
    if len(set(value)) != len(value):
        raise FieldError(name, "duplicate names")


def _widths(name: str, value: Any, max_layers: int, lo: int, hi: int) -> None:
    if not isinstance(value, tuple):
        raise FieldError(name, "must be a list of widths")
    if len(value) > max_layers:
        raise FieldError(name, f"{len(value)} layers exceed the capacity of {max_layers}")
    for i, w in enumerate(value):
        if isinstance(w, bool) or not isinstance(w, int) or not lo <= w <= hi:
            raise FieldError(name, f"width {w!r} at layer {i + 1} must be {lo}-{hi}")
