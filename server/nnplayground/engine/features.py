"""Input features: the nine TF-Playground inputs computed from the 2-D points."""

from __future__ import annotations

import jax.numpy as jnp
from jax import Array

from nnplayground.engine import registry as reg


def feature_slots(names: tuple[str, ...]) -> tuple[int, ...]:
    """Fixed slot of each named feature (its registry position), so toggling one keeps the rest."""
    return tuple(reg.FEATURES.index(n) for n in names)


def compute(x: Array, width: int) -> Array:
    """All nine features of points x (..., 2), zero-padded to the state width D: (..., D)."""
    x1, x2 = x[..., 0], x[..., 1]
    feats = jnp.stack(
        [x1, x2, x1 * x1, x2 * x2, x1 * x2, jnp.sin(x1), jnp.sin(x2), jnp.cos(x1), jnp.cos(x2)],
        axis=-1,
    )
    pad = width - feats.shape[-1]
    if pad:
        feats = jnp.concatenate([feats, jnp.zeros((*feats.shape[:-1], pad), feats.dtype)], -1)
    return feats
