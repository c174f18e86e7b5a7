"""Fused training: up to `CHUNK` minibatch steps per call in one `lax.while_loop`, and
full-data evaluation.

A call advances every lane by `n_active ≤ CHUNK` steps; the loop bound is shared by all lanes (so
it stays a loop under vmap). Any step count is then a sequence of calls of one compiled function.
Minibatches are padded to a bucket size (a static shape) and masked down to each lane's traced
batch size; evaluation runs over a row bucket that holds all of a dataset's points.
"""

from __future__ import annotations

from functools import partial

import jax
import jax.numpy as jnp
from jax import Array, lax

from nnplayground.engine import draws, features, losses, model, optim
from nnplayground.engine.config import DEFAULT_CAPACITY, FIELD_SPECS, Capacity
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lanes import DataArrays, Hyper, LaneState, over_lanes
from nnplayground.engine.model import Affine, BatchNorm, Params
from nnplayground.engine.optim import OptState

CHUNK = 32  # steps per compiled call: long enough to hide dispatch (~50 µs), short to stay live
BATCH_BUCKETS = (10, 32, 64)  # minibatch shapes: the default batch of 10 pays for 10 rows
# Full-data evaluation shapes: the default 500 points pay for 512 rows, not the capacity's 2048.
ROW_BUCKETS = (256, 512, 1024)
TRAIN, VAL, TEST = 1, 2, 3


def bucket_for(batch_size: int) -> int:
    return next(b for b in BATCH_BUCKETS if batch_size <= b)


def penalty(params: Params, masks: Params, l1: Array, l2: Array) -> Array:
    """L1·Σ|w| + L2·½Σw² over active weights only (never biases)."""
    ws = (params.w * masks.w, params.wo * masks.wo)
    abs_sum = sum(jnp.sum(jnp.abs(w)) for w in ws)
    sq_sum = sum(jnp.sum(w * w) for w in ws)
    return l1 * abs_sum + 0.5 * l2 * sq_sum


def _masked(tree: Params, masks: Params) -> Params:
    return Params(*(t * m for t, m in zip(tree, masks, strict=True)))


def dropout_keep(key: Array, rate: Array, shape: tuple[int, ...]) -> Array:
    """Inverted-dropout multiplier (L, B, D): Bernoulli(1 - rate) / (1 - rate); ones if rate is 0.

    Bits are numbered as in a draw for the largest batch bucket at the default state width
    (engine/draws.py), so they depend neither on B nor on the capacity's D.
    """
    layers, rows, _ = shape
    default = (layers, max(BATCH_BUCKETS[-1], rows), DEFAULT_CAPACITY.state_width)

    def draw() -> Array:
        keep = 1.0 - rate
        bits = draws.uniform(key, draws.counters(shape, default)) < keep
        return bits.astype(jnp.float32) / keep

    # Skip the random bits entirely when dropout is off: they dominate a small step's cost.
    keep: Array = lax.cond(rate > 0, draw, lambda: jnp.ones(shape, jnp.float32))
    return keep


def batch_loss(
    params: Params, hp: Hyper, x: Array, y: Array, weight: Array, keep: Array | None
) -> Array:
    """Data loss of a minibatch x (B, 2), y (B,) with row weights (B,) (0 for padding rows)."""
    logits, _ = model.forward(params, hp.arch, hp.act, x, keep)
    return losses.mean_loss(hp.head, logits, y, hp.arch.out_mask, weight)


def _normed_loss(
    trainable: tuple[Params, Affine],
    hp: Hyper,
    x: Array,
    y: Array,
    weight: Array,
    keep: Array | None,
) -> tuple[Array, tuple[Array, Array]]:
    """`batch_loss` with batch normalisation by the minibatch's statistics → (loss, (μ, σ²))."""
    params, affine = trainable
    zeros = jnp.zeros_like(affine.gamma)
    norm = model.Norm(affine.gamma, affine.beta, zeros, zeros, weight)
    feats = features.compute(x, params.w.shape[1])
    h, _, mu, var = model.hidden_stats(params, hp.arch, hp.act, feats, keep, norm=norm)
    logits = h @ params.wo + params.bo[None, :]
    return losses.mean_loss(hp.head, logits, y, hp.arch.out_mask, weight), (mu, var)


def _loss_and_grads(
    state: LaneState, hp: Hyper, x: Array, y: Array, weight: Array, keep: Array
) -> tuple[Array, Params, Affine, Array, Array]:
    """(loss, parameter grads, gamma/β grads, μ, σ²): one branch for the whole step, so a net
    without batch normalisation pays nothing for it (statistics and gamma/β grads are 0 then)."""
    affine = model.Affine(state.bn.gamma, state.bn.beta)

    def plain() -> tuple[Array, Params, Affine, Array, Array]:
        loss, grads = jax.value_and_grad(batch_loss)(state.params, hp, x, y, weight, keep)
        zero = jnp.zeros_like(affine.gamma)
        return loss, grads, model.Affine(zero, zero), zero, zero

    def normed() -> tuple[Array, Params, Affine, Array, Array]:
        (loss, (mu, var)), (grads, agrads) = jax.value_and_grad(_normed_loss, has_aux=True)(
            (state.params, affine), hp, x, y, weight, keep
        )
        return loss, grads, agrads, mu, var

    return lax.cond(hp.batch_norm, normed, plain)  # type: ignore[no-any-return]


def _bn_step(
    state: LaneState, hp: Hyper, agrads: Affine, mu: Array, var: Array
) -> tuple[BatchNorm, OptState]:
    """gamma, β one optimizer step on; running averages r ← m·r + (1 - m)·batch (active neurons)."""

    def step() -> tuple[BatchNorm, OptState]:
        affine = model.Affine(state.bn.gamma, state.bn.beta)
        updates, opt = optim.update(hp.opt, state.bn_opt, agrads, affine, state.step)
        m, on = model.BN_MOMENTUM, hp.arch.neuron_mask > 0
        bn = BatchNorm(
            gamma=affine.gamma + updates.gamma,
            beta=affine.beta + updates.beta,
            mean=jnp.where(on, m * state.bn.mean + (1.0 - m) * mu, state.bn.mean),
            var=jnp.where(on, m * state.bn.var + (1.0 - m) * var, state.bn.var),
        )
        return bn, opt

    return lax.cond(hp.batch_norm, step, lambda: (state.bn, state.bn_opt))  # type: ignore[no-any-return]


def penalty_grads(params: Params, masks: Params, l1: Array, l2: Array) -> Params:
    """Gradient of `penalty`, written out: cheaper than differentiating it every step."""
    return Params(
        w=(l1 * jnp.sign(params.w) + l2 * params.w) * masks.w,
        b=jnp.zeros_like(params.b),
        wo=(l1 * jnp.sign(params.wo) + l2 * params.wo) * masks.wo,
        bo=jnp.zeros_like(params.bo),
    )


def lane_step(
    state: LaneState, hp: Hyper, data: DataArrays, masks: Params, bucket: int
) -> tuple[LaneState, Array]:
    """One minibatch step of one lane → (new state, minibatch data loss).

    Gradients of parameters outside `masks` are exactly zero (their units output 0 or are not
    read), so only the penalty needs the masks.
    """
    key, sub = jax.random.split(state.key)
    # floor(u · n): one draw of random bits per row (randint draws two). Draw for the largest
    # bucket and keep a prefix, so a lane samples the same rows whatever bucket it runs in.
    u = jax.random.uniform(sub, (BATCH_BUCKETS[-1],))[:bucket]
    pick = jnp.floor(u * data.n_train).astype(jnp.int32)
    rows = data.train_idx[jnp.minimum(pick, data.n_train - 1)]
    weight = (jnp.arange(bucket) < hp.batch).astype(jnp.float32)
    layers, width = state.params.b.shape
    keep = dropout_keep(jax.random.fold_in(sub, 1), hp.dropout, (layers, bucket, width))
    loss, grads, agrads, mu, var = _loss_and_grads(
        state, hp, data.x[rows], data.y[rows], weight, keep
    )
    reg = penalty_grads(state.params, masks, hp.l1, hp.l2)
    grads = Params(*(g + r for g, r in zip(grads, reg, strict=True)))
    updates, opt = optim.update(hp.opt, state.opt, grads, state.params, state.step)
    params = Params(*(p + u for p, u in zip(state.params, updates, strict=True)))
    bn, bn_opt = _bn_step(state, hp, agrads, mu, var)
    return LaneState(params, opt, key, state.step + 1, bn, bn_opt), loss


def lane_chunk(
    state: LaneState, hp: Hyper, data: DataArrays, n_active: Array, bucket: int
) -> tuple[LaneState, Array]:
    """`n_active` (≤ CHUNK) steps → (state, minibatch losses (CHUNK,), NaN past n_active)."""
    masks = model.param_masks(hp.arch)

    # A while loop runs exactly `n_active` iterations: a scan over CHUNK with the tail skipped
    # by a cond paid ~1 µs per skipped iteration, a fifth of the 1-step chunks of a
    # loaded server. `n_active` is shared by all lanes, so under vmap it stays a loop.
    def body(carry: tuple[Array, LaneState, Array]) -> tuple[Array, LaneState, Array]:
        i, s, losses_ = carry
        s, loss = lane_step(s, hp, data, masks, bucket)
        return i + 1, s, losses_.at[i].set(loss)

    start = (jnp.int32(0), state, jnp.full(CHUNK, jnp.nan, jnp.float32))
    _, final, batch_losses = lax.while_loop(lambda c: c[0] < n_active, body, start)
    return final, batch_losses


@engine_jit(static_argnames=("bucket",))
def train_chunk(
    state: LaneState, hp: Hyper, data: DataArrays, n_active: Array, bucket: int
) -> tuple[LaneState, Array]:
    """K lanes x `n_active` steps → (states, minibatch losses (K, CHUNK))."""
    fn = over_lanes(partial(lane_chunk, bucket=bucket), (0, 0, 0, None))
    return fn(state, hp, data, n_active)  # type: ignore[no-any-return]


def _split_mean(values: Array, split: Array, which: int) -> Array:
    m = (split == which).astype(jnp.float32)
    n = jnp.sum(m)
    return jnp.where(n > 0, jnp.sum(values * m) / jnp.maximum(n, 1.0), jnp.nan)


def _r2(pred: Array, y: Array, split: Array, which: int) -> Array:
    m = (split == which).astype(jnp.float32)
    n = jnp.maximum(jnp.sum(m), 1.0)
    mean = jnp.sum(y * m) / n
    sse = jnp.sum((pred - y) ** 2 * m)
    sst = jnp.sum((y - mean) ** 2 * m)
    return jnp.where(jnp.sum(m) > 0, 1.0 - sse / jnp.maximum(sst, 1e-12), jnp.nan)


def _layer_norms(tree: Params, depth: Array, with_bias: bool) -> Array:
    """(L + 1,) norms: hidden layers 0..depth-1, the output layer at index `depth`, zeros after."""
    hidden = jnp.sum(tree.w**2, axis=(1, 2))
    out = jnp.sum(tree.wo**2)
    if with_bias:
        hidden = hidden + jnp.sum(tree.b**2, axis=1)
        out = out + jnp.sum(tree.bo**2)
    per = jnp.concatenate([hidden, jnp.zeros(1)])
    return jnp.sqrt(per.at[depth].set(out))


def rows_for(n_points: int, capacity_points: int) -> int:
    """The evaluation row bucket of a dataset: its points all lie in the first `rows` rows."""
    return min(next((r for r in ROW_BUCKETS if n_points <= r), capacity_points), capacity_points)


def row_buckets(capacity: Capacity) -> dict[int, int]:
    """Every evaluation row bucket of `capacity` → a dataset size that falls in it."""
    sizes: dict[int, int] = {}
    for n in range(FIELD_SPECS["num_points"]["min"], capacity.points + 1, 10):
        sizes.setdefault(rows_for(n, capacity.points), n)
    return sizes


def lane_eval(state: LaneState, hp: Hyper, data: DataArrays, rows: int) -> dict[str, Array]:
    """Full-data metrics of one lane (scalars, and (L + 1,) norm vectors) over its first `rows`
    rows, which hold all its points (the rest is padding with split 0)."""
    masks = model.param_masks(hp.arch)
    data = data._replace(x=data.x[:rows], y=data.y[:rows], split=data.split[:rows])
    train_w = (data.split == TRAIN).astype(jnp.float32)

    def objective(params: Params) -> tuple[Array, tuple[Array, Array]]:
        logits, _ = model.forward_eval(
            params, hp.arch, hp.act, data.x, hp.batch_norm, state.bn, skip=True
        )
        per = losses.per_example_loss(hp.head, logits, data.y, hp.arch.out_mask)
        data_loss = jnp.sum(per * train_w) / jnp.maximum(jnp.sum(train_w), 1.0)
        return data_loss + penalty(params, masks, hp.l1, hp.l2), (logits, per)

    (obj, (logits, per)), grads = jax.value_and_grad(objective, has_aux=True)(state.params)
    cls, _, _ = losses.predict(hp.head, logits, hp.arch.out_mask)
    regression = hp.head == losses.HEADS.index("regression")
    correct = (cls.astype(jnp.float32) == data.y).astype(jnp.float32)
    out: dict[str, Array] = {}
    for name, which in (("train", TRAIN), ("val", VAL), ("test", TEST)):
        out[f"{name}_loss"] = _split_mean(per, data.split, which)
        acc = _split_mean(correct, data.split, which)
        out[f"{name}_accuracy"] = jnp.where(
            regression, _r2(logits[:, 0], data.y, data.split, which), acc
        )
    finite = jnp.isfinite(obj) & jnp.all(
        jnp.stack([jnp.all(jnp.isfinite(p)) for p in jax.tree.leaves(state.params)])
    )
    out["diverged"] = ~finite
    out["grad_norms"] = _layer_norms(_masked(grads, masks), hp.arch.depth, with_bias=True)
    out["learning_rate"] = optim.scheduled_rate(hp.opt, jnp.maximum(state.step - 1, 0))
    out["weight_norms"] = _layer_norms(_masked(state.params, masks), hp.arch.depth, False)
    return out


@engine_jit(static_argnames=("rows",))
def evaluate(state: LaneState, hp: Hyper, data: DataArrays, rows: int) -> dict[str, Array]:
    """K lanes' full-data metrics (leading axis K) over their first `rows` rows (`rows_for`)."""
    fn = over_lanes(partial(lane_eval, rows=rows), (0, 0, 0))
    return fn(state, hp, data)  # type: ignore[no-any-return]
