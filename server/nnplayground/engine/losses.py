"""Output heads: per-example loss, predicted class and displayed output for each loss kind.

A head is chosen per lane by a traced index (docs/architecture.md §1 "Heads"). Logits have the
capacity's C columns; `n_out` of them are used (1 for binary and regression heads, K otherwise).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
from jax import Array, lax

from nnplayground.engine.config import RunConfig

HEADS = (
    "binary_logistic",  # one unit, sigmoid + binary cross-entropy
    "binary_mse",  # one unit, sigmoid + MSE on {0, 1}
    "binary_hinge",  # one linear score, hinge on ±1 targets
    "softmax",  # K logits, softmax cross-entropy
    "multi_mse",  # K logits, MSE of softmax probabilities vs one-hot
    "multi_hinge",  # K logits, Weston-Watkins hinge
    "ovr_logistic",  # K one-vs-rest sigmoids
    "regression",  # one linear unit, MSE
)
SINGLE_UNIT_HEADS = (0, 1, 2, 7)
NEG = -1e9  # logit of an unused class: exp() underflows to 0, gradients stay finite


def head_of(cfg: RunConfig) -> tuple[int, int]:
    """(head index, number of output units) of a validated config."""
    loss = cfg.resolved_loss
    if cfg.problem == "regression":
        return HEADS.index("regression"), 1
    binary = {"logistic": "binary_logistic", "mse": "binary_mse", "hinge": "binary_hinge"}
    multi = {"logistic": "ovr_logistic", "mse": "multi_mse", "hinge": "multi_hinge"}
    name = (binary if cfg.classes == 2 else multi).get(loss, "softmax")
    head = HEADS.index(name)
    return head, 1 if head in SINGLE_UNIT_HEADS else cfg.classes


def _bce(z: Array, t: Array) -> Array:
    # log(1 + e^z) - t·z: binary cross-entropy of sigmoid(z), stable for large |z|.
    return jax.nn.softplus(z) - t * z


def _masked(logits: Array, out_mask: Array) -> Array:
    return jnp.where(out_mask[None, :] > 0, logits, NEG)


def _onehot(y: Array, c: int) -> Array:
    return (y[:, None] == jnp.arange(c, dtype=y.dtype)[None, :]).astype(jnp.float32)


def _head_losses(logits: Array, y: Array, out_mask: Array) -> tuple[Callable[[], Array], ...]:
    """Each head's per-example loss of logits (B, C) against y (B,), in `HEADS` order."""
    c = logits.shape[1]
    z0 = logits[:, 0]

    def binary_logistic() -> Array:
        return _bce(z0, y)

    def binary_mse() -> Array:
        return (jax.nn.sigmoid(z0) - y) ** 2

    def binary_hinge() -> Array:
        return jax.nn.relu(1.0 - (2.0 * y - 1.0) * z0)

    def softmax() -> Array:
        logp = jax.nn.log_softmax(_masked(logits, out_mask), axis=1)
        return -jnp.sum(_onehot(y, c) * logp, axis=1)

    def multi_mse() -> Array:
        p = jax.nn.softmax(_masked(logits, out_mask), axis=1)
        err = (p - _onehot(y, c)) ** 2 * out_mask[None, :]
        return jnp.sum(err, axis=1) / jnp.sum(out_mask)

    def multi_hinge() -> Array:
        onehot = _onehot(y, c)
        z_true = jnp.sum(onehot * logits, axis=1, keepdims=True)
        margins = jax.nn.relu(1.0 + logits - z_true) * (1.0 - onehot) * out_mask[None, :]
        return jnp.sum(margins, axis=1)

    def ovr_logistic() -> Array:
        return jnp.sum(_bce(logits, _onehot(y, c)) * out_mask[None, :], axis=1)

    def regression() -> Array:
        return (z0 - y) ** 2

    return (binary_logistic, binary_mse, binary_hinge, softmax, multi_mse, multi_hinge,
            ovr_logistic, regression)  # fmt: skip


def per_example_loss(head: Array, logits: Array, y: Array, out_mask: Array) -> Array:
    """Loss of each example: logits (B, C), targets y (B,) → (B,)."""
    out: Array = lax.switch(head, _head_losses(logits, y, out_mask))
    return out


def predict(head: Array, logits: Array, out_mask: Array) -> tuple[Array, Array, Array]:
    """Logits (B, C) → (class (B,) int32, shown value (B,) float32, class probabilities (B, C)).

    The shown value is p(class 1) for single-unit classification heads, the winning class's
    probability for K-class heads, and the prediction for regression.
    """
    z0 = logits[:, 0]
    masked = _masked(logits, out_mask)
    single = (head <= 2) | (head == 7)
    soft = jax.nn.softmax(masked, axis=1)
    sig = jax.nn.sigmoid(logits) * out_mask[None, :]
    probs = jnp.where(head == 6, sig, soft)
    multi_class = jnp.argmax(masked, axis=1).astype(jnp.int32)
    binary_class = (z0 > 0).astype(jnp.int32)
    cls = jnp.where(single, binary_class, multi_class)
    # Two classes always show p(class 1), also with a 2-logit softmax head.
    two = jnp.sum(out_mask) == 2
    shown_multi = jnp.where(two, probs[:, 1], jnp.max(probs, axis=1))
    shown = jnp.where(head == 7, z0, jnp.where(single, jax.nn.sigmoid(z0), shown_multi))
    return cls, shown, probs


def _weighted_mean(per: Array, weight: Array) -> Array:
    return jnp.sum(per * weight) / jnp.maximum(jnp.sum(weight), 1.0)


def _mean_loss(head: Array, logits: Array, y: Array, out_mask: Array, weight: Array) -> Array:
    return _weighted_mean(per_example_loss(head, logits, y, out_mask), weight)


@jax.custom_vjp
def mean_loss(head: Array, logits: Array, y: Array, out_mask: Array, weight: Array) -> Array:
    """Weighted mean loss of logits (B, C) against y (B,) with row weights (B,)."""
    return _mean_loss(head, logits, y, out_mask, weight)


def _mean_loss_fwd(
    head: Array, logits: Array, y: Array, out_mask: Array, weight: Array
) -> tuple[Array, tuple[Array, Array, Array, Array]]:
    # One switch yields the loss and its gradient in the logits, so the backward pass needs no
    # second switch over the heads (each conditional costs about a microsecond per step).
    # Branch i differentiates head i's loss alone: a switch inside each branch (on a constant
    # index) traced all eight heads eight times, most of the training chunk's ~1.4 s trace.
    def branch(i: int) -> Any:
        def run(logits: Array) -> tuple[Array, Array]:
            fn = lambda z: _weighted_mean(_head_losses(z, y, out_mask)[i](), weight)  # noqa: E731
            return jax.value_and_grad(fn)(logits)

        return run

    value, dlogits = lax.switch(head, [branch(i) for i in range(len(HEADS))], logits)
    return value, (dlogits, y, out_mask, weight)


def _mean_loss_bwd(
    res: tuple[Array, Array, Array, Array], g: Array
) -> tuple[None, Array, Array, Array, Array]:
    dlogits, y, out_mask, weight = res
    # Targets, masks and row weights are data, not parameters: zero cotangents.
    return None, g * dlogits, jnp.zeros_like(y), jnp.zeros_like(out_mask), jnp.zeros_like(weight)


mean_loss.defvjp(_mean_loss_fwd, _mean_loss_bwd)
