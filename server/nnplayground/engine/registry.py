"""Name registries shared by the engine, the wire protocol, the URL hash and the dropdowns.

The first name of each tuple is the default. `options()` describes every registry and every
`RunConfig` field for `/api/options`, so the page never hard-codes a list or a range.
"""

from __future__ import annotations

from typing import Any

PROBLEMS = ("classification", "regression")
CLASSIFICATION_DATASETS = (
    "circle",
    "xor",
    "gauss",
    "spiral",
    "moons",
    "checkerboard",
    "multi_spiral",
    "blobs",
    "user",
)
REGRESSION_DATASETS = ("plane", "multi_gauss", "surface", "user")
# Datasets whose class count is `num_classes`; every other classification set is binary.
MULTICLASS_DATASETS = ("multi_spiral", "blobs", "user")
FEATURES = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2", "cosx1", "cosx2")
ACTIVATIONS = (
    "tanh",
    "relu",
    "sigmoid",
    "linear",
    "leaky_relu",
    "elu",
    "gelu",
    "softplus",
    "sin",
    "step",
)
INITS = ("xavier", "he", "zero", "small", "uniform")
LOSSES = ("auto", "mse", "logistic", "softmax", "hinge")
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam")
SCHEDULES = ("constant", "time", "step", "exponential")

LABELS: dict[str, str] = {
    "classification": "Classification",
    "regression": "Regression",
    "circle": "Circle",
    "xor": "Exclusive or",
    "gauss": "Two Gaussians",
    "spiral": "Spiral",
    "moons": "Two moons",
    "checkerboard": "Checkerboard",
    "multi_spiral": "Spiral, K arms",
    "blobs": "Gaussian blobs, K classes",
    "user": "Your points",
    "plane": "Plane",
    "multi_gauss": "Multi-Gaussian",
    "surface": "Smooth surface",
    "x1": "X₁",
    "x2": "X₂",
    "x1sq": "X₁²",
    "x2sq": "X₂²",
    "x1x2": "X₁X₂",
    "sinx1": "sin(X₁)",
    "sinx2": "sin(X₂)",
    "cosx1": "cos(X₁)",
    "cosx2": "cos(X₂)",
    "tanh": "Tanh",
    "relu": "ReLU",
    "sigmoid": "Sigmoid",
    "linear": "Linear",
    "leaky_relu": "Leaky ReLU",
    "elu": "ELU",
    "gelu": "GELU",
    "softplus": "Softplus",
    "sin": "Sine",
    "step": "Step (Heaviside)",
    "xavier": "Xavier / Glorot",
    "he": "He",
    "zero": "Zero",
    "small": "Small normal N(0, 0.01²)",
    "uniform": "Uniform ±0.5",
    "auto": "Automatic",
    "mse": "Mean squared error",
    "logistic": "Logistic (cross-entropy)",
    "softmax": "Softmax cross-entropy",
    "hinge": "Hinge",
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "nadam": "Nadam",
    "constant": "Constant",
    "time": "Time-based decay lr₀/(1+k·t)",
    "step_schedule": "Step decay lr₀·k^⌊t/s⌋",
    "exponential": "Exponential decay lr₀·e^(-k·t)",
}


def _choices(
    names: tuple[str, ...], label_key: dict[str, str] | None = None
) -> list[dict[str, str]]:
    overrides = label_key or {}
    return [{"name": n, "label": overrides.get(n, LABELS[n])} for n in names]


def options() -> dict[str, Any]:
    """Every registry and every config field with its default and range (JSON-serialisable)."""
    from nnplayground.engine.config import DEFAULT_CAPACITY, FIELD_SPECS, RunConfig

    defaults = RunConfig().to_dict()
    fields: dict[str, Any] = {}
    for name, spec in FIELD_SPECS.items():
        entry: dict[str, Any] = {"default": defaults[name], **spec}
        fields[name] = entry
    return {
        "registries": {
            "problems": _choices(PROBLEMS),
            "classification_datasets": _choices(CLASSIFICATION_DATASETS),
            "regression_datasets": _choices(REGRESSION_DATASETS),
            "multiclass_datasets": list(MULTICLASS_DATASETS),
            "features": _choices(FEATURES),
            "activations": _choices(ACTIVATIONS),
            "inits": _choices(INITS),
            "losses": _choices(LOSSES),
            "optimizers": _choices(OPTIMIZERS),
            "schedules": _choices(SCHEDULES, {"step": LABELS["step_schedule"]}),
        },
        "fields": fields,
        "capacity": {
            "layers": DEFAULT_CAPACITY.layers,
            "width": DEFAULT_CAPACITY.width,
            "batch": DEFAULT_CAPACITY.batch,
            "points": DEFAULT_CAPACITY.points,
            "classes": DEFAULT_CAPACITY.classes,
        },
        "regression_default_points": 1200,
        "domain": [-6.0, 6.0],
    }
