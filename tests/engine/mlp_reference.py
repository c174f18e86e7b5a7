"""An independent NumPy (float64) MLP: the views' tests check the engine against it.

Parameters are the *active* matrices only (`active_layers`), so the padded layout, the masks and
the lane axis of the engine play no part here.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from nnplayground.engine import RunConfig, registry
from nnplayground.engine.losses import HEADS, head_of
from nnplayground.engine.model import Params

Layers = list[tuple[np.ndarray, np.ndarray]]  # [(W (in, out), b (out,)), …, output layer]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _gelu(z: np.ndarray) -> np.ndarray:  # the tanh approximation (jax.nn.gelu's default)
    return 0.5 * z * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (z + 0.044715 * z**3)))


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": _sigmoid,
    "linear": lambda z: z,
    "leaky_relu": lambda z: np.where(z >= 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0.0))),
    "gelu": _gelu,
    "softplus": lambda z: np.logaddexp(0.0, z),
    "sin": np.sin,
    "step": lambda z: (z > 0).astype(np.float64),
}
assert tuple(ACTIVATIONS) == registry.ACTIVATIONS


def features(x: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    x1, x2 = x[:, 0], x[:, 1]
    table = {"x1": x1, "x2": x2, "x1sq": x1 * x1, "x2sq": x2 * x2, "x1x2": x1 * x2,
             "sinx1": np.sin(x1), "sinx2": np.sin(x2), "cosx1": np.cos(x1), "cosx2": np.cos(x2)}  # fmt: skip
    return np.stack([table[n] for n in names], axis=1)


def active_layers(params: Params, cfg: RunConfig) -> Layers:
    """The active weights of one lane's padded parameters (no lane axis), as float64."""
    slots = [registry.FEATURES.index(n) for n in cfg.features]
    sources = np.asarray(slots)
    n_out = head_of(cfg)[1]
    out: Layers = []
    for layer, width in enumerate(cfg.hidden_layers):
        w = np.asarray(params.w, np.float64)[layer][sources][:, :width]
        out.append((w, np.asarray(params.b, np.float64)[layer, :width]))
        sources = np.arange(width)
    wo = np.asarray(params.wo, np.float64)[sources][:, :n_out]
    out.append((wo, np.asarray(params.bo, np.float64)[:n_out]))
    return out


def forward(
    layers: Layers, cfg: RunConfig, x: np.ndarray, nudge: tuple[int, int, float] | None = None
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """x (B, 2) → (pre-activations per layer incl. the output logits, activations per hidden
    layer). `nudge` (layer, unit, eps) adds eps to that pre-activation (finite differences)."""
    act = ACTIVATIONS[cfg.activation]
    h = features(np.asarray(x, np.float64), tuple(cfg.features))
    zs, acts = [], []
    for i, (w, b) in enumerate(layers):
        z = h @ w + b
        if nudge is not None and nudge[0] == i:
            z[:, nudge[1]] += nudge[2]
        zs.append(z)
        if i < len(layers) - 1:
            h = act(z)
            acts.append(h)
    return zs, acts


def per_example_loss(cfg: RunConfig, logits: np.ndarray, y: np.ndarray) -> np.ndarray:
    head = HEADS[head_of(cfg)[0]]
    z0 = logits[:, 0]
    k = logits.shape[1]
    onehot = (y[:, None] == np.arange(k)[None, :]).astype(np.float64)
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    if head == "binary_logistic":
        return np.logaddexp(0.0, z0) - y * z0
    if head == "binary_mse":
        return (_sigmoid(z0) - y) ** 2
    if head == "binary_hinge":
        return np.maximum(0.0, 1.0 - (2.0 * y - 1.0) * z0)
    if head == "softmax":
        return -(onehot * logp).sum(1)
    if head == "multi_mse":
        return ((np.exp(logp) - onehot) ** 2).sum(1) / k
    if head == "multi_hinge":
        z_true = (onehot * logits).sum(1, keepdims=True)
        return (np.maximum(0.0, 1.0 + logits - z_true) * (1.0 - onehot)).sum(1)
    if head == "ovr_logistic":
        return (np.logaddexp(0.0, logits) - onehot * logits).sum(1)
    assert head == "regression"
    return (z0 - y) ** 2


def predict(cfg: RunConfig, logits: np.ndarray) -> np.ndarray:
    """Predicted class per row."""
    if head_of(cfg)[1] == 1:
        return (logits[:, 0] > 0).astype(np.int64)
    return np.argmax(logits, axis=1)


def mean_loss(layers: Layers, cfg: RunConfig, x: np.ndarray, y: np.ndarray) -> float:
    zs, _ = forward(layers, cfg, x)
    return float(np.mean(per_example_loss(cfg, zs[-1], np.asarray(y, np.float64))))
