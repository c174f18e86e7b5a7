"""Calls that train, measure or probe a group of lanes sharing their branch-choosing settings.

`vmap` turns a `lax.switch` or `lax.cond` on a per-lane index into a select that computes every
branch (engine/lanes.py), so only lanes whose *branching* settings are equal share a call, and
those settings are passed once, unbatched: activation, head, optimizer kind, depth, dropout
rate and batch norm on/off (`branch_key`). Everything else (rates, masks, batch size, data,
state) stays per lane. Used across sessions' one-lane Trainers (engine/group.py) and across
the lanes of one Trainer (engine/lanegroups.py). Calls come in the sizes of `SIZES` only.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from functools import partial
from typing import Any, TypeVar

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array, lax

from nnplayground.engine import model, train
from nnplayground.engine.config import RunConfig
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lanes import DataArrays, Hyper, LaneState
from nnplayground.engine.losses import head_of
from nnplayground.engine.model import Arch
from nnplayground.engine.optim import OptHyper
from nnplayground.engine.probe import lane_probe

SIZES = (4, 16)  # lanes per grouped call (each size of each function is compiled once)
# Grouped chunks are compiled for the default minibatch bucket only: a chunk executable holds
# ~70 MB (every activation, optimizer and head branch), and larger batches train alone.
GROUPED_BATCH = train.BATCH_BUCKETS[0]

T = TypeVar("T")

# vmap axes of a stacked Hyper: None for the settings that choose a branch (shared by a group).
_SHARED: Any = None
_LANE: Any = 0
_HYPER_AXES = Hyper(
    act=_SHARED,
    head=_SHARED,
    init=_LANE,
    arch=Arch(feat_mask=_LANE, neuron_mask=_LANE, depth=_SHARED, out_mask=_LANE),
    opt=OptHyper(_SHARED, *[_LANE] * 7),
    batch=_LANE,
    l1=_LANE,
    l2=_LANE,
    dropout=_SHARED,
    batch_norm=_SHARED,
)


def branch_key(cfg: RunConfig) -> tuple[Any, ...]:
    """The settings behind `_HYPER_AXES`'s shared leaves (what `hyper_of` makes of them)."""
    return (cfg.activation, head_of(cfg)[0], cfg.optimizer, cfg.depth, cfg.dropout, cfg.batch_norm)


def split(items: Sequence[T], key: Callable[[T], Hashable | None]) -> list[list[T]]:
    """`items` in groups of equal key, each the length of a size in `SIZES` (after padding) or
    a single item; order within a group follows `items`."""
    by_key: dict[Hashable, list[T]] = {}
    alone: list[list[T]] = []
    for item in items:
        k = key(item)
        if k is None:
            alone.append([item])
        else:
            by_key.setdefault(k, []).append(item)
    groups: list[list[T]] = []
    for members in by_key.values():
        while members:
            size = max((s for s in SIZES if s <= len(members)), default=len(members))
            groups.append(members[:size])
            members = members[size:]
    return groups + alone


def padded(n: int) -> int:
    return next(s for s in SIZES if s >= n)


def stack(trees: Sequence[T], lanes: int) -> T:
    """Concatenate one-lane host trees along the lane axis, padded to `lanes` with the first."""
    trees = [*trees, *[trees[0]] * (lanes - len(trees))]
    return jax.tree.map(lambda *xs: np.concatenate(xs), *trees)  # type: ignore[no-any-return]


def unbatch_shared(hp: Hyper) -> Hyper:
    return jax.tree.map(  # type: ignore[no-any-return]
        lambda axis, leaf: leaf if axis == 0 else leaf[0],
        _HYPER_AXES,
        hp,
        is_leaf=lambda x: x is None,
    )


def _lane_chunk(
    state: LaneState, hp: Hyper, data: DataArrays, n_active: Array, n_lane: Array, bucket: int
) -> tuple[LaneState, Array]:
    """`train.lane_chunk` for a lane in a group: the loop runs the group's longest count and a
    lane past its own `n_lane` keeps its state (the solo chunk's while loop, masked)."""
    masks = model.param_masks(hp.arch)

    def body(carry: tuple[Array, LaneState, Array]) -> tuple[Array, LaneState, Array]:
        i, s, losses = carry
        stepped, loss = train.lane_step(s, hp, data, masks, bucket)
        live = i < n_lane
        s = jax.tree.map(lambda new, old: jnp.where(live, new, old), stepped, s)
        return i + 1, s, losses.at[i].set(jnp.where(live, loss, jnp.nan))

    start = (jnp.int32(0), state, jnp.full(train.CHUNK, jnp.nan, jnp.float32))
    _, final, losses = lax.while_loop(lambda c: c[0] < n_active, body, start)
    return final, losses


@engine_jit(static_argnames=("bucket",))
def group_chunk(
    state: LaneState, hp: Hyper, data: DataArrays, n_active: Array, n_lane: Array, bucket: int
) -> tuple[LaneState, Array]:
    """G lanes (shared settings unbatched in `hp`) x up to `n_active` steps → (states, losses)."""
    fn = jax.vmap(partial(_lane_chunk, bucket=bucket), in_axes=(0, _HYPER_AXES, 0, None, 0))
    return fn(state, hp, data, n_active, n_lane)


@engine_jit(static_argnames=("g", "h"))
def group_probe(state: LaneState, hp: Hyper, g: int, h: int) -> dict[str, Array]:
    fn = jax.vmap(partial(lane_probe, g=g, h=h), in_axes=(0, _HYPER_AXES))
    return fn(state, hp)


@engine_jit(static_argnames=("rows",))
def group_eval(state: LaneState, hp: Hyper, data: DataArrays, rows: int) -> dict[str, Array]:
    fn = jax.vmap(partial(train.lane_eval, rows=rows), in_axes=(0, _HYPER_AXES, 0))
    return fn(state, hp, data)
