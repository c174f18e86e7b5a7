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

from nnplayground.engine import draws, features
from nnplayground.engine.config import DEFAULT_CAPACITY


class Params(NamedTuple):
    w: Array  # (L, D, D) hidden weights, source-major: w[l, i, j] connects i → j
    b: Array  # (L, D) hidden biases
    wo: Array  # (D, C) output weights from the last active layer (or the features at depth 0)
    bo: Array  # (C,) output biases


class BatchNorm(NamedTuple):
    """Batch-normalisation state beside `Params` (one entry per hidden neuron slot).

    With `batch_norm` on, a hidden pre-activation z = h·w + b becomes gamma·(z - μ)/√(σ² + ε) + β
    before the activation: μ, σ² are the minibatch's (biased) statistics in training and the
    running averages `mean`, `var` at evaluation (full-data metrics, probes, frames).
    """

    gamma: Array  # (L, D) learned scale gamma, 1 at init
    beta: Array  # (L, D) learned shift β, 0 at init
    mean: Array  # (L, D) running mean of z, 0 at init
    var: Array  # (L, D) running (biased) variance of z, 1 at init


class Affine(NamedTuple):
    """The learned part of `BatchNorm` (what the optimizer updates)."""

    gamma: Array  # (L, D)
    beta: Array  # (L, D)


# Running averages after each training step: r ← m·r + (1 - m)·batch statistic (PyTorch's
# default, which calls 1 - m its "momentum" 0.1). ε as in PyTorch.
BN_MOMENTUM = 0.9
BN_EPS = 1e-5


class Norm(NamedTuple):
    """What a forward pass with batch normalisation needs: gamma, β and the statistics' source."""

    gamma: Array  # (L, D)
    beta: Array  # (L, D)
    mean: Array  # (L, D) running mean (used when `weight` is None)
    var: Array  # (L, D) running variance (used when `weight` is None)
    weight: Array | None  # (B,) row weights: batch statistics (training); None: running ones


def fresh_batch_norm(layers: int, width: int) -> BatchNorm:
    return BatchNorm(
        gamma=jnp.ones((layers, width)),
        beta=jnp.zeros((layers, width)),
        mean=jnp.zeros((layers, width)),
        var=jnp.ones((layers, width)),
    )


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


@jax.custom_vjp
def _minibatch_dense(h: Array, w: Array) -> Array:
    return h @ w


def _minibatch_dense_fwd(h: Array, w: Array) -> tuple[Array, tuple[Array, Array]]:
    return h @ w, (h, w)


def _minibatch_dense_bwd(res: tuple[Array, Array], g: Array) -> tuple[Array, Array]:
    # ∂w = hᵀg contracts over the rows, which XLA's CPU dot runs as a generic (Eigen) batched
    # product, ~9 µs per layer for 16 lanes. Written out as a sum of row outer products, in
    # row order, it is one small fusion (measured on one core: a step 22 → 18 µs alone, 150 →
    # 118 µs for 16 vmapped lanes), and the same additions in the same order whether vmapped or not: a lane trains
    # bit for bit as it would alone (a reduction's order may differ between the two, and a
    # chaotic learning rate turns one rounding into a different run).
    h, w = res
    dw = h[0][:, None] * g[0][None, :]
    for row in range(1, h.shape[0]):
        dw = dw + h[row][:, None] * g[row][None, :]
    return g @ w.T, dw


_minibatch_dense.defvjp(_minibatch_dense_fwd, _minibatch_dense_bwd)
# Up to here `dense` takes the gradient above: the default batch bucket, the one lanes share
# calls in (engine/branches.py); larger minibatches train alone and keep XLA's dot.
MINIBATCH_ROWS = 10


def dense(h: Array, w: Array, unrolled: bool) -> Array:
    """h (B, I) @ w (I, O); `unrolled`: written out as I broadcast multiply-adds.

    XLA's CPU dot for a (2,500, 9) x (9, 9) product costs about four times the nine multiply-adds
    (36 vs 8 µs, measured), so the probes' forward passes spell it out. Not under a gradient:
    the unrolled backward pass made each evaluation executable ~80 MB larger in memory.
    """
    if not unrolled:
        return _minibatch_dense(h, w) if h.shape[0] <= MINIBATCH_ROWS else h @ w
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
    norm: Norm | None = None,
) -> tuple[Array, Array]:
    """Hidden pass of feats (B, D): (the output layer's input (B, D), every layer's output (L, B, D)).

    `keep` (L, B, D) is an inverted-dropout multiplier (mask / keep-probability) or None. The
    layers are written as a `lax.scan` (one layer body), unrolled by `UNROLL`. With `skip`, layers
    past the depth are branched around (their outputs are 0) instead of computed and discarded:
    worth it for thousands of rows (probes, full-data evaluation), where a 2-layer net then costs
    a third of the padded 6 layers; a minibatch step is cheaper without the branches. (Under a
    vmap over lanes with different depths the branch becomes a select and computes both sides.)
    `unrolled`: the layer products written out (`dense`), for the probes. `norm`: batch
    normalisation before the activation (see `BatchNorm`; `hidden_stats` also returns μ, σ²).
    """
    h, outs, _, _ = hidden_stats(params, arch, act, feats, keep, skip, unrolled, norm)
    return h, outs


def _normalise(z: Array, xs: tuple[Array, ...], weight: Array | None) -> tuple[Array, ...]:
    """z (B, D) → (gamma·(z - μ)/√(σ² + ε) + β, μ (D,), σ² (D,)); statistics weighted by rows."""
    gamma, beta, mean, var = xs
    if weight is not None:
        n = jnp.maximum(jnp.sum(weight), 1.0)
        mean = jnp.sum(z * weight[:, None], axis=0) / n
        var = jnp.sum((z - mean[None, :]) ** 2 * weight[:, None], axis=0) / n
    z_hat = (z - mean[None, :]) * lax.rsqrt(var + BN_EPS)[None, :]
    return gamma[None, :] * z_hat + beta[None, :], mean, var


def hidden_stats(
    params: Params,
    arch: Arch,
    act: Array,
    feats: Array,
    keep: Array | None = None,
    skip: bool = False,
    unrolled: bool = False,
    norm: Norm | None = None,
) -> tuple[Array, Array, Array, Array]:
    """`hidden`, and each layer's normalisation statistics μ, σ² (L, D) (zeros without `norm`)."""
    layers, width = params.b.shape
    active = jnp.arange(layers) < arch.depth
    n_fixed = 4

    def layer(h: Array, xs: tuple[Array, ...]) -> tuple[Array, tuple[Array, Array, Array]]:
        w, b, mask, on = xs[:n_fixed]
        rest = xs[n_fixed:]

        def compute(h: Array) -> tuple[Array, Array, Array]:
            z = dense(h, w, unrolled) + b[None, :]
            mu = var = jnp.zeros(width)
            if norm is not None:
                z, mu, var = _normalise(z, rest[:4], norm.weight)
            a = activate(act, z) * mask[None, :]
            return (a * rest[-1] if keep is not None else a), mu, var

        def off(h: Array) -> tuple[Array, Array, Array]:
            return jnp.zeros_like(h), jnp.zeros(width), jnp.zeros(width)

        a, mu, var = lax.cond(on, compute, off, h) if skip else compute(h)
        return jnp.where(on, a, h), (a, mu, var)

    xs: tuple[Array, ...] = (params.w, params.b, arch.neuron_mask, active)
    if norm is not None:
        xs += (norm.gamma, norm.beta, norm.mean, norm.var)
    if keep is not None:
        xs += (keep,)
    h, (outs, mus, vars_) = lax.scan(layer, feats * arch.feat_mask[None, :], xs, unroll=UNROLL)
    return h, outs, mus, vars_


def forward(
    params: Params,
    arch: Arch,
    act: Array,
    x: Array,
    keep: Array | None = None,
    skip: bool = False,
    unrolled: bool = False,
    norm: Norm | None = None,
) -> tuple[Array, Array]:
    """Points x (B, 2) → (logits (B, C), hidden outputs (L, B, D)); `skip`: see `hidden`,
    `unrolled`: see `dense`, `norm`: batch normalisation (see `BatchNorm`)."""
    feats = features.compute(x, params.w.shape[1])
    h, outs = hidden(params, arch, act, feats, keep, skip, unrolled, norm)
    return dense(h, params.wo, unrolled) + params.bo[None, :], outs


def forward_eval(
    params: Params,
    arch: Arch,
    act: Array,
    x: Array,
    bn_on: Array,
    bn: BatchNorm,
    skip: bool = False,
    unrolled: bool = False,
) -> tuple[Array, Array]:
    """`forward` in evaluation mode: batch normalisation by the running averages when `bn_on`
    (a traced flag: one branch for the whole pass, so a net without it pays nothing)."""
    norm = Norm(bn.gamma, bn.beta, bn.mean, bn.var, None)
    return lax.cond(  # type: ignore[no-any-return]
        bn_on,
        lambda: forward(params, arch, act, x, skip=skip, unrolled=unrolled, norm=norm),
        lambda: forward(params, arch, act, x, skip=skip, unrolled=unrolled),
    )


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
    # Draw as if in the default capacity's shapes, so a lane starts from the same weights in
    # any capacity bucket (engine/draws.py).
    d0 = DEFAULT_CAPACITY.state_width
    cw = draws.counters(shape.w.shape, (shape.w.shape[0], d0, d0))
    cwo = draws.counters(shape.wo.shape, (d0, shape.wo.shape[1]))
    ins = input_masks(arch)
    fan_in_h = jnp.sum(ins, axis=1)[:, None, None]  # (L, 1, 1)
    fan_out_h = jnp.sum(arch.neuron_mask, axis=1)[:, None, None]
    w = _scaled(
        scheme,
        draws.normal(k1, cw),
        draws.uniform(k2, cw, -1.0, 1.0),
        fan_in_h,
        fan_out_h,
    )
    wo = _scaled(
        scheme,
        draws.normal(k3, cwo),
        draws.uniform(k4, cwo, -1.0, 1.0),
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
