"""Lane (re)initialisation and edits that keep what can be kept, with fixed shapes.

An architecture change never changes a shape: parameters that exist before and after keep their
values (and optimizer moments), parameters that appear get the lane's init scheme, parameters that
disappear are zeroed. Output weights are kept only when the output layer still reads the same
layer into the same units (same depth and head).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
from jax import Array

from nnplayground.engine import model, optim
from nnplayground.engine.config import Capacity
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lanes import Hyper, LaneState, over_lanes
from nnplayground.engine.losses import SINGLE_UNIT_HEADS
from nnplayground.engine.model import Params

INIT_STREAM, TRAIN_STREAM, EDIT_STREAM = 0, 1, 2  # fold_in tags of a lane's seed key


def zeros(capacity: Capacity) -> Params:
    d, c = capacity.state_width, capacity.classes
    return Params(
        w=jnp.zeros((capacity.layers, d, d)),
        b=jnp.zeros((capacity.layers, d)),
        wo=jnp.zeros((d, c)),
        bo=jnp.zeros(c),
    )


def lane_fresh(seed: Array, hp: Hyper, capacity: Capacity) -> LaneState:
    """A lane at step 0: params from `seed` and the init scheme, fresh optimizer states."""
    base = jax.random.PRNGKey(seed)
    params = model.init_params(
        jax.random.fold_in(base, INIT_STREAM), hp.arch, hp.init, zeros(capacity)
    )
    bn = model.fresh_batch_norm(capacity.layers, capacity.state_width)
    return LaneState(
        params,
        optim.init_state(hp.opt.kind, params),
        jax.random.fold_in(base, TRAIN_STREAM),
        jnp.int32(0),
        bn,
        optim.init_state(hp.opt.kind, model.Affine(bn.gamma, bn.beta)),
    )


@engine_jit(static_argnames=("capacity",))
def fresh(seeds: Array, hp: Hyper, capacity: Capacity) -> LaneState:
    """K fresh lanes from seeds (K,) int32."""
    return over_lanes(partial(lane_fresh, capacity=capacity), (0, 0))(seeds, hp)  # type: ignore[no-any-return]


def _single(head: Array) -> Array:
    return jnp.any(jnp.stack([head == h for h in SINGLE_UNIT_HEADS]))


def _merge_opt(old: Any, new: Any, keep: Params) -> Any:
    """Optimizer state: moments of kept parameters survive, others take the fresh state's."""

    def pick(o: Any, n: Any) -> Any:
        if isinstance(o, Params):
            return Params(*(jnp.where(k > 0, a, b) for a, b, k in zip(o, n, keep, strict=True)))
        return o

    return jax.tree.map(pick, old, new, is_leaf=lambda x: isinstance(x, Params))


def lane_edit(state: LaneState, old: Hyper, new: Hyper, seed: Array, reset_opt: Array) -> LaneState:
    """Move a lane from architecture `old` to `new` keeping surviving parameters.

    New parameters are drawn from the lane's init with an edit key that depends on the step, so a
    replayed session makes the same edits. `reset_opt` (bool) re-initialises the optimizer states
    (a kind switch).
    """
    key = jax.random.fold_in(jax.random.fold_in(jax.random.PRNGKey(seed), EDIT_STREAM), state.step)
    drawn = model.init_params(key, new.arch, new.init, state.params)
    m_old, m_new = model.param_masks(old.arch), model.param_masks(new.arch)
    same_out = (old.arch.depth == new.arch.depth) & (_single(old.head) == _single(new.head))
    keep = Params(
        w=m_old.w * m_new.w,
        b=m_old.b * m_new.b,
        wo=m_old.wo * m_new.wo * same_out,
        bo=m_old.bo * m_new.bo * (_single(old.head) == _single(new.head)),
    )
    params = Params(
        *(
            jnp.where(k > 0, p, jnp.where(m > 0, d, 0.0))
            for p, d, k, m in zip(state.params, drawn, keep, m_new, strict=True)
        )
    )
    fresh_opt = optim.init_state(new.opt.kind, params)
    merged = _merge_opt(state.opt, fresh_opt, keep)
    opt = jax.tree.map(lambda f, m: jnp.where(reset_opt, f, m), fresh_opt, merged)
    bn, bn_opt = _edit_batch_norm(state, new, keep.b, reset_opt)
    return LaneState(params, opt, state.key, state.step, bn, bn_opt)


def _edit_batch_norm(
    state: LaneState, new: Hyper, kept: Array, reset_opt: Array
) -> tuple[model.BatchNorm, optim.OptState]:
    """Kept neurons keep gamma, β, their running statistics and moments; others start fresh."""
    layers, width = kept.shape
    fresh_bn = model.fresh_batch_norm(layers, width)
    bn = model.BatchNorm(
        *(jnp.where(kept > 0, o, f) for o, f in zip(state.bn, fresh_bn, strict=True))
    )
    affine = model.Affine(bn.gamma, bn.beta)
    fresh_opt = optim.init_state(new.opt.kind, affine)
    slots = tuple(
        model.Affine(*(jnp.where(kept > 0, o, f) for o, f in zip(old, new_, strict=True)))
        for old, new_ in zip(state.bn_opt.slots, fresh_opt.slots, strict=True)
    )
    merged = optim.OptState(state.bn_opt.counts, (slots[0], slots[1]))
    return bn, jax.tree.map(lambda f, m: jnp.where(reset_opt, f, m), fresh_opt, merged)


@engine_jit
def edit(state: LaneState, old: Hyper, new: Hyper, seeds: Array, reset_opt: Array) -> LaneState:
    """`lane_edit` on K lanes; unchanged lanes (old == new, no reset) come back unchanged."""
    fn = over_lanes(lane_edit, (0, 0, 0, 0, 0))
    return fn(state, old, new, seeds, reset_opt)  # type: ignore[no-any-return]


@engine_jit
def set_param(params: Params, which: Array, index: Array, value: Array) -> Params:
    """Set one parameter: `which` 0 w, 1 b, 2 wo, 3 bo; index (4,) int32 = lane, then the leaf's
    own indices (unused trailing entries ignored)."""
    lane, i, j, k = index[0], index[1], index[2], index[3]
    return Params(
        w=params.w.at[lane, i, j, k].set(jnp.where(which == 0, value, params.w[lane, i, j, k])),
        b=params.b.at[lane, i, j].set(jnp.where(which == 1, value, params.b[lane, i, j])),
        wo=params.wo.at[lane, i, j].set(jnp.where(which == 2, value, params.wo[lane, i, j])),
        bo=params.bo.at[lane, i].set(jnp.where(which == 3, value, params.bo[lane, i])),
    )
