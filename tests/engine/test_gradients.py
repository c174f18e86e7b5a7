"""Gradients of every activation x head match central finite differences in float64."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import enable_x64

from nnplayground.engine import DEFAULT_CAPACITY, RunConfig, model, registry
from nnplayground.engine.lanes import Hyper, hyper_of
from nnplayground.engine.losses import HEADS, head_of
from nnplayground.engine.model import Params
from nnplayground.engine.train import batch_loss, penalty, penalty_grads

BASE = RunConfig(
    hidden_layers=(5, 3, 7), features=("x1", "x2", "x1x2", "sinx2", "cosx1"), l1=0.01, l2=0.02
)
HEAD_CONFIGS = {
    "binary_logistic": BASE,
    "binary_mse": BASE.replace(loss="mse"),
    "binary_hinge": BASE.replace(loss="hinge"),
    "softmax": BASE.replace(dataset="blobs", num_classes=4),
    "multi_mse": BASE.replace(dataset="blobs", num_classes=4, loss="mse"),
    "multi_hinge": BASE.replace(dataset="blobs", num_classes=4, loss="hinge"),
    "ovr_logistic": BASE.replace(dataset="blobs", num_classes=4, loss="logistic"),
    "regression": BASE.replace(problem="regression", dataset="surface"),
}


def _f64(tree: Any) -> Any:
    return jax.tree.map(
        lambda a: (
            jnp.asarray(a, jnp.float64)
            if np.issubdtype(np.asarray(a).dtype, np.floating)
            else jnp.asarray(a)
        ),
        tree,
    )


def test_head_configs_cover_every_head() -> None:
    assert sorted(HEADS[head_of(c)[0]] for c in HEAD_CONFIGS.values()) == sorted(HEADS)


@jax.jit
def _check(
    hp: Hyper,
    params: Params,
    v: Params,
    x: jax.Array,
    y: jax.Array,
    weight: jax.Array,
    keep: jax.Array,
) -> tuple[jax.Array, jax.Array, jax.Array]:
    """(analytic directional derivative, central difference, max |hidden weight gradient|)."""
    masks = model.param_masks(hp.arch)

    def objective(p: Params) -> jax.Array:
        return batch_loss(p, hp, x, y, weight, keep) + penalty(p, masks, hp.l1, hp.l2)

    g = jax.grad(batch_loss)(params, hp, x, y, weight, keep)
    hidden_max = jnp.max(jnp.abs(g.w))
    g = Params(*(a + r for a, r in zip(g, penalty_grads(params, masks, hp.l1, hp.l2), strict=True)))
    analytic = sum(jnp.sum(a * d) for a, d in zip(g, v, strict=True))
    eps = 1e-6
    plus = Params(*(p + eps * d for p, d in zip(params, v, strict=True)))
    minus = Params(*(p - eps * d for p, d in zip(params, v, strict=True)))
    return analytic, (objective(plus) - objective(minus)) / (2 * eps), hidden_max


@pytest.mark.parametrize("head", HEADS)
def test_gradients_match_finite_differences(head: str) -> None:
    cfg = HEAD_CONFIGS[head]
    assert HEADS[head_of(cfg)[0]] == head
    rng = np.random.default_rng(HEADS.index(head))
    with enable_x64():
        hp0: Hyper = _f64(hyper_of(cfg, DEFAULT_CAPACITY))
        masks = model.param_masks(hp0.arch)
        # Random values everywhere, including padding: masked parameters must not matter.
        params = Params(*(jnp.asarray(rng.normal(0, 0.7, np.shape(m))) for m in masks))
        b = 12
        x = jnp.asarray(rng.uniform(-6, 6, (b, 2)))
        labels = rng.uniform(-1, 1, b) if head == "regression" else rng.integers(0, cfg.classes, b)
        y = jnp.asarray(labels, jnp.float64)
        weight = jnp.asarray((np.arange(b) < 9).astype(np.float64))  # 3 padding rows
        keep = jnp.asarray(rng.binomial(1, 0.8, (6, b, 9)) / 0.8)  # inverted dropout active
        for act, name in enumerate(registry.ACTIVATIONS):
            hp = hp0._replace(act=jnp.int32(act))
            for trial in range(3):
                v = Params(*(jnp.asarray(rng.normal(0, 1, np.shape(m))) for m in masks))
                analytic, numeric, hidden_max = (
                    float(a) for a in _check(hp, params, v, x, y, weight, keep)
                )
                assert abs(analytic - numeric) <= 1e-6 + 1e-5 * abs(numeric), (
                    name,
                    trial,
                    analytic,
                    numeric,
                )
                # Heaviside: no gradient below the output layer; every other activation has one.
                assert (hidden_max == 0.0) == (name == "step"), (name, hidden_max)
