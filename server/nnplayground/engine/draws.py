"""Random draws that do not depend on the padded shape they fill (issue 16, capacity buckets).

A lane's state width D is set by its capacity (9 by default, 32 in the wide bucket that width
sweeps use), and `jax.random.normal(key, (L, D, D))` numbers its elements by their flat index
in that shape: the same weight (l, i, j) would get another number at another D, and a width-4
lane of a wide sweep would start from other weights than the same model trained alone.

Here element (l, i, j) of a draw is numbered as in the default shape when it lies inside it
(i, j < 9, so every default-capacity draw is bit for bit `jax.random`'s: links, model files and
the lessons' quoted numbers keep their values) and otherwise from a separate counter range no
default index reaches. The bits are threefry's, as `jax.random` makes them with
`jax_threefry_partitionable` (the default): counter c → the two output words xor-ed; the floats
are made from them as `jax.random.uniform` makes them. Only the elements asked for are drawn,
so a dropout mask for a minibatch of 10 rows costs 10 rows, not the largest bucket's 64.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import Array, lax
from jax.extend.random import threefry2x32_p

# Counters of elements outside the default shape start here: above any default index (the
# largest default draw is a (6, 64, 9) dropout mask), numbered in a fixed (256, ...) box so that
# they do not depend on the shape either; the largest, 256**3, stays far below 2**32.
OUTSIDE = 1 << 30
BOX = 256


def _bits(key: Array, counts: Array) -> Array:
    """uint32 bits of `key` (2,) uint32 at counters `counts` (uint32, any shape)."""
    hi = jnp.zeros_like(counts)
    b1, b2 = threefry2x32_p.bind(key[0], key[1], hi, counts)  # type: ignore[no-untyped-call]
    return b1 ^ b2  # type: ignore[no-any-return]


def counters(shape: tuple[int, ...], default: tuple[int, ...]) -> Array:
    """uint32 counters of every element of `shape` (a trace-time constant): its flat index in
    `default` when inside it, else OUTSIDE + its flat index in a (BOX, ...) box."""
    idx = np.indices(shape)
    inside = np.all([i < d for i, d in zip(idx, default, strict=True)], axis=0)
    clipped = tuple(np.minimum(i, d - 1) for i, d in zip(idx, default, strict=True))
    own = np.ravel_multi_index(clipped, default)
    if inside.all():
        return jnp.asarray(own.astype(np.uint32))
    if max(shape) > BOX:
        raise ValueError(f"draws: shape {shape} exceeds {BOX} outside the default {default}")
    other = OUTSIDE + np.ravel_multi_index(tuple(idx), (BOX,) * len(shape))
    return jnp.asarray(np.where(inside, own, other).astype(np.uint32))


def uniform(key: Array, counts: Array, lo: float = 0.0, hi: float = 1.0) -> Array:
    """float32 uniform on [lo, hi) at `counts`, exactly as `jax.random.uniform` makes it."""
    float_bits = lax.shift_right_logical(_bits(key, counts), jnp.uint32(32 - 23))
    float_bits = float_bits | jnp.uint32(np.array(1.0, np.float32).view(np.uint32))
    floats = lax.bitcast_convert_type(float_bits, jnp.float32) - jnp.float32(1.0)
    lo_, hi_ = jnp.float32(lo), jnp.float32(hi)
    return lax.max(lo_, floats * (hi_ - lo_) + lo_)


def normal(key: Array, counts: Array) -> Array:
    """float32 standard normal at `counts`, exactly as `jax.random.normal` makes it."""
    lo = float(np.nextafter(np.float32(-1.0), np.float32(0.0)))
    out: Array = jnp.float32(np.sqrt(2)) * lax.erf_inv(uniform(key, counts, lo, 1.0))
    return out
