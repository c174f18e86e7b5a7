"""The padded MLP of one lane: parameters, masks, activations, initialisation and forward pass.

Every lane has the same shapes, fixed by the capacity: L hidden layers of state width D (the
larger of 9 input features and the layer width) and C output units. What a lane *uses* is given by
traced masks: active features, active neurons per layer, depth, active output units. An inactive
layer passes its input through unchanged, so depth is a mask, not a shape.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array, lax

from nnplayground.engine import features


class Params(NamedTuple):
    w: Array  # (L, D, D) hidden weights, source-major: w[l, i, j] connects i → j
    b: Array  # (L, D) hidden biases
    wo: Array  # (D, C) output weights from the last active layer (or the features at depth 0)
    bo: Array  # (C,) output biases


class Arch(NamedTuple):
    """A lane's traced architecture masks (float 0/1 so they multiply directly)."""

    feat_mask: Array  # (D,) active input features
    neuron_mask: Array  # (L, D) active neurons; all-zero rows for layers at or past `depth`
    depth: Array  # () int32 number of active hidden layers
    out_mask: Array  # (C,) active output units


def _step(z: Array) -> Array:
    # Heaviside: a constant function of z almost everywhere, so its gradient is exactly zero.
    return jnp.where(z > 0, 1.0, 0.0).astype(z.dtype)


ACTIVATION_FNS = (
    jnp.tanh,
    jax.nn.relu,
    jax.nn.sigmoid,
    lambda z: z,
    lambda z: jax.nn.leaky_relu(z, 0.01),
    jax.nn.elu,
    jax.nn.gelu,
    jax.nn.softplus,
    jnp.sin,
    _step,
)  # order of registry.ACTIVATIONS


def _value_and_slope(fn: Callable[[Array], Array]) -> Callable[[Array], tuple[Array, Array]]:
    # Elementwise fn: its JVP with a tangent of ones is the derivative at every element.
    return lambda z: jax.jvp(fn, (z,), (jnp.ones_like(z),))


_WITH_SLOPE = tuple(_value_and_slope(fn) for fn in ACTIVATION_FNS)


@jax.custom_vjp
def activate(index: Array, z: Array) -> Array:
    """Activation number `index` (traced) applied to z (any shape)."""
    out: Array = lax.switch(index, ACTIVATION_FNS, z)
    return out


def _activate_fwd(index: Array, z: Array) -> tuple[Array, tuple[Array, Array]]:
    # One switch computes value and slope, so the backward pass needs no second switch.
    value, slope = lax.switch(index, _WITH_SLOPE, z)
    return value, (index, slope)


def _activate_bwd(res: tuple[Array, Array], g: Array) -> tuple[None, Array]:
    _, slope = res
    return None, g * slope


activate.defvjp(_activate_fwd, _activate_bwd)


def input_masks(arch: Arch) -> Array:
    """(L, D) mask of each hidden layer's inputs: features for layer 0, else the previous layer."""
    return jnp.concatenate([arch.feat_mask[None, :], arch.neuron_mask[:-1]], axis=0)


def last_mask(arch: Arch) -> Array:
    """(D,) mask of what the output layer reads: the deepest active layer or the features."""
    last = arch.neuron_mask[jnp.maximum(arch.depth - 1, 0)]
    return jnp.where(arch.depth > 0, last, arch.feat_mask)


def param_masks(arch: Arch) -> Params:
    """0/1 masks with the shapes of Params: which parameters exist in this architecture."""
    ins = input_masks(arch)
    return Params(
        w=ins[:, :, None] * arch.neuron_mask[:, None, :],
        b=arch.neuron_mask,
        wo=last_mask(arch)[:, None] * arch.out_mask[None, :],
        bo=arch.out_mask,
    )


def dense(h: Array, w: Array, unrolled: bool) -> Array:
    """h (B, I) @ w (I, O); `unrolled`: written out as I broadcast multiply-adds.

    XLA's CPU dot for a (2,500, 9) x (9, 9) product costs about four times the nine multiply-adds
    (36 vs 8 µs, measured), so the probes' forward passes spell it out. Not under a gradient:
    the unrolled backward pass made each evaluation executable ~80 MB larger in memory.
    """
    if not unrolled:
        return h @ w
    out = h[:, 0, None] * w[0][None, :]
    for i in range(1, w.shape[0]):
        out = out + h[:, i, None] * w[i][None, :]
    return out


# Fully unrolled layer scan: with the activation's VJP taken from the forward switch, 6 inline
# layers step ~20 % faster than a loop (XLA's CPU while-loop overhead) and compile as fast.
UNROLL: int | bool = True


def hidden(
    params: Params,
    arch: Arch,
    act: Array,
    feats: Array,
    keep: Array | None = None,
    skip: bool = False,
    unrolled: bool = False,
) -> tuple[Array, Array]:
    """Hidden pass of feats (B, D): (the output layer's input (B, D), every layer's output (L, B, D)).

    `keep` (L, B, D) is an inverted-dropout multiplier (mask / keep-probability) or None. The
    layers are written as a `lax.scan` (one layer body), unrolled by `UNROLL`. With `skip`, layers
    past the depth are branched around (their outputs are 0) instead of computed and discarded:
    worth it for thousands of rows (probes, full-data evaluation), where a 2-layer net then costs
    a third of the padded 6 layers; a minibatch step is cheaper without the branches. (Under a
    vmap over lanes with different depths the branch becomes a select and computes both sides.)
    `unrolled`: the layer products written out (`dense`), for the probes.
    """
    layers = params.w.shape[0]
    active = jnp.arange(layers) < arch.depth

    def layer(h: Array, xs: tuple[Array, ...]) -> tuple[Array, Array]:
        w, b, mask, on = xs[:4]

        def compute(h: Array) -> Array:
            a = activate(act, dense(h, w, unrolled) + b[None, :]) * mask[None, :]
            return a * xs[4] if keep is not None else a

        a = lax.cond(on, compute, jnp.zeros_like, h) if skip else compute(h)
        return jnp.where(on, a, h), a

    xs = (params.w, params.b, arch.neuron_mask, active) + (() if keep is None else (keep,))
    h, outs = lax.scan(layer, feats * arch.feat_mask[None, :], xs, unroll=UNROLL)
    return h, outs


def forward(
    params: Params,
    arch: Arch,
    act: Array,
    x: Array,
    keep: Array | None = None,
    skip: bool = False,
    unrolled: bool = False,
) -> tuple[Array, Array]:
    """Points x (B, 2) → (logits (B, C), hidden outputs (L, B, D)); `skip`: see `hidden`,
    `unrolled`: see `dense`."""
    feats = features.compute(x, params.w.shape[1])
    h, outs = hidden(params, arch, act, feats, keep, skip, unrolled)
    return dense(h, params.wo, unrolled) + params.bo[None, :], outs


INIT_XAVIER, INIT_HE, INIT_ZERO, INIT_SMALL, INIT_UNIFORM = range(5)  # registry.INITS order


def _scaled(scheme: Array, normal: Array, uniform: Array, fan_in: Array, fan_out: Array) -> Array:
    fan_in = jnp.maximum(fan_in, 1.0)
    fan_out = jnp.maximum(fan_out, 1.0)
    xavier = uniform * jnp.sqrt(6.0 / (fan_in + fan_out))  # Glorot uniform limit
    he = normal * jnp.sqrt(2.0 / fan_in)
    choices = [xavier, he, jnp.zeros_like(normal), normal * 0.01, uniform * 0.5]
    return jnp.select([scheme == i for i in range(len(choices))], choices)


def init_params(key: Array, arch: Arch, scheme: Array, shape: Params) -> Params:
    """Fresh parameters for `arch` by init scheme (traced index); biases start at 0.

    Fan-in/out count only active units, so Xavier/He scale to what the lane actually uses.
    """
    k1, k2, k3, k4 = jax.random.split(key, 4)
    ins = input_masks(arch)
    fan_in_h = jnp.sum(ins, axis=1)[:, None, None]  # (L, 1, 1)
    fan_out_h = jnp.sum(arch.neuron_mask, axis=1)[:, None, None]
    w = _scaled(
        scheme,
        jax.random.normal(k1, shape.w.shape),
        jax.random.uniform(k2, shape.w.shape, minval=-1.0, maxval=1.0),
        fan_in_h,
        fan_out_h,
    )
    wo = _scaled(
        scheme,
        jax.random.normal(k3, shape.wo.shape),
        jax.random.uniform(k4, shape.wo.shape, minval=-1.0, maxval=1.0),
        jnp.sum(last_mask(arch)),
        jnp.sum(arch.out_mask),
    )
    masks = param_masks(arch)
    return Params(
        w=w * masks.w,
        b=jnp.zeros(shape.b.shape),
        wo=wo * masks.wo,
        bo=jnp.zeros(shape.bo.shape),
    )
