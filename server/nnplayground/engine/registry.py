"""Name registries shared by the engine, the wire protocol, the URL hash and the dropdowns.

The first name of each tuple is the default. `/api/options` (api/options.py) describes every
registry and every `RunConfig` field from here and `FIELD_SPECS`, so the page never hard-codes a
list, a range or a label.
"""

from __future__ import annotations

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


# Each registry under the key `FIELD_SPECS` and `/api/options` name it by.
REGISTRIES: dict[str, tuple[str, ...]] = {
    "problems": PROBLEMS,
    "classification_datasets": CLASSIFICATION_DATASETS,
    "regression_datasets": REGRESSION_DATASETS,
    "features": FEATURES,
    "activations": ACTIVATIONS,
    "inits": INITS,
    "losses": LOSSES,
    "optimizers": OPTIMIZERS,
    "schedules": SCHEDULES,
}
# Labels that differ from `LABELS` within one registry (the schedule "step" vs the activation).
LABEL_OVERRIDES: dict[str, dict[str, str]] = {"schedules": {"step": LABELS["step_schedule"]}}


def choices(key: str) -> tuple[str, ...]:
    """The names a `FIELD_SPECS` "choices" key allows; `a|b` is the union of two registries."""
    return tuple(dict.fromkeys(n for part in key.split("|") for n in REGISTRIES[part]))


def label(key: str, name: str) -> str:
    """The label of `name` in registry `key`."""
    return LABEL_OVERRIDES.get(key, {}).get(name, LABELS[name])
