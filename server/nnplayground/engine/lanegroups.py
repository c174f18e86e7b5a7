"""A several-lane Trainer trained and measured by groups of lanes that share their branches.

Under `vmap` a lane's `lax.switch` on a per-lane index becomes a select that computes every
branch (engine/lanes.py): 4 lanes of different activations cost about 9 times one lane's step
(~360 µs against ~40 µs). Lanes whose branch-choosing settings agree (activation, head,
optimizer kind, depth, dropout, batch norm: `group.branch_key`) need none of that: they run
as one `group.group_chunk` / `group.group_eval` call with those settings unbatched, exactly as
engine/group.py does across sessions. A Trainer of K lanes (compare, sweeps) is split into such
groups, in the sizes of `group.SIZES` (padded with copies of the group's first lane, whose
results are dropped) or alone (a one-lane call, real branches); the groups run one after
another. A 16-lane learning-rate sweep is then one 16-lane call with real branches.

Only lanes in the minibatch bucket `group.GROUPED_BATCH` train grouped (those executables are
compiled at start-up, group.warmup); a lane with a larger batch trains alone in its own
bucket, with the one-lane executables every server compiles. So no K-lane training or
evaluation executable exists and nothing here ever compiles after warm-up, whatever K.

Lanes past `Trainer.active` are padding (compare keeps `max_lanes` lanes whatever the number
of variants, runtime/compare.py): they are neither trained nor measured, so a two-model
compare costs two lanes' steps, not sixteen.

The lanes' state travels through host NumPy for the regrouping (no eager device indexing,
which would compile per shape); a 16-lane state is ~0.2 MB.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import jax
import numpy as np

from nnplayground.engine import branches as group
from nnplayground.engine import train
from nnplayground.engine.config import RunConfig
from nnplayground.engine.lanes import DataArrays, Hyper, LaneState, host
from nnplayground.engine.probe import probe_lanes

if TYPE_CHECKING:
    from nnplayground.engine.trainer import Trainer


def groupable(trainer: Trainer) -> bool:
    """Whether `advance`/`evaluate` here apply: several lanes."""
    return trainer.lanes > 1


def _key(cfg: RunConfig) -> tuple[Any, ...] | None:
    """What a lane shares a call by; None (a one-lane call) outside the grouped batch bucket."""
    if train.bucket_for(cfg.batch_size) != group.GROUPED_BATCH:
        return None
    return group.branch_key(cfg)


def lane_groups(trainer: Trainer) -> list[list[int]]:
    """The trainer's active lanes split into groups of equal `_key` (`group.split`'s sizes):
    how they train."""
    configs = trainer.configs
    return group.split(list(range(trainer.active)), lambda lane: _key(configs[lane]))


def _branch_groups(trainer: Trainer, lanes: Sequence[int]) -> list[list[int]]:
    """`lanes` split by branches alone: how they are measured and probed (no minibatch)."""
    configs = trainer.configs
    return group.split(list(lanes), lambda lane: group.branch_key(configs[lane]))


class _Inputs:
    """Device copies of one group's settings and data, stacked from the Trainer's host arrays
    (kept while those are the same objects: they are replaced whenever they change)."""

    def __init__(self, lanes: tuple[int, ...], hyper: Hyper, data: DataArrays) -> None:
        self.source = (hyper, data)
        idx = _padded_index(lanes)
        if len(lanes) == 1:  # a one-lane Trainer call: everything keeps its lane axis
            self.hp: Hyper = jax.device_put(_take(hyper, idx))
        else:
            self.hp = jax.device_put(group.unbatch_shared(_take(hyper, idx)))
        self.dd: DataArrays = jax.device_put(_take(data, idx))


_CACHE: weakref.WeakKeyDictionary[Trainer, dict[tuple[int, ...], _Inputs]] = (
    weakref.WeakKeyDictionary()
)


def _inputs(trainer: Trainer, lanes: tuple[int, ...]) -> _Inputs:
    cache = _CACHE.setdefault(trainer, {})
    hyper, data = trainer.host_hyper, trainer.host_data
    got = cache.get(lanes)
    if got is None or got.source[0] is not hyper or got.source[1] is not data:
        if got is None and len(cache) > 64:
            cache.clear()
        got = cache[lanes] = _Inputs(lanes, hyper, data)
    return got


def _padded_index(lanes: Sequence[int]) -> np.ndarray:
    size = 1 if len(lanes) == 1 else next(s for s in group.SIZES if s >= len(lanes))
    return np.asarray([*lanes, *[lanes[0]] * (size - len(lanes))], np.int64)


def _take(tree: Any, idx: np.ndarray) -> Any:
    return jax.tree.map(lambda a: np.asarray(a)[idx], tree)


def _put_back(full: Any, part: Any, lanes: Sequence[int]) -> None:
    """Write the first len(lanes) rows of each leaf of `part` into `full`'s rows `lanes`."""
    n = len(lanes)
    for dst, src in zip(jax.tree.leaves(full), jax.tree.leaves(part), strict=True):
        dst[list(lanes)] = np.asarray(src)[:n]


def advance(trainer: Trainer, n_steps: int) -> np.ndarray:
    """`Trainer.advance` by groups of lanes → batch losses (K, n_steps); a lane in no group
    (padding past `trainer.active`) keeps its state and reports NaN."""
    state_host: LaneState = jax.tree.map(lambda a: np.array(a), trainer.state)
    losses = np.full((trainer.lanes, n_steps), np.nan, np.float32)
    for lanes_list in lane_groups(trainer):
        lanes = tuple(lanes_list)
        inputs = _inputs(trainer, lanes)
        idx = _padded_index(lanes)
        state = jax.device_put(_take(state_host, idx))
        # A lane alone runs in its own batch bucket (its rows do not depend on the bucket).
        bucket = train.bucket_for(trainer.configs[lanes[0]].batch_size)
        done = 0
        while done < n_steps:
            k = min(train.CHUNK, n_steps - done)
            if len(lanes) == 1:
                state, got = train.train_chunk(
                    state, inputs.hp, inputs.dd, host(k, np.int32), bucket
                )
            else:
                n_lane = host(np.full(idx.size, k), np.int32)
                state, got = group.group_chunk(
                    state, inputs.hp, inputs.dd, host(k, np.int32), n_lane, bucket
                )
            losses[list(lanes), done : done + k] = np.asarray(got)[: len(lanes), :k]
            done += k
        _put_back(state_host, state, lanes)
    trainer.advanced(jax.device_put(state_host), n_steps)
    return losses


def evaluate(trainer: Trainer) -> dict[str, np.ndarray]:
    """`train.evaluate`'s results for every lane (leading axis K; zeros past `active`), by
    groups of lanes."""
    rows = trainer.eval_rows
    state_host = jax.tree.map(np.asarray, trainer.state)
    out: dict[str, np.ndarray] = {}
    for lanes_list in _branch_groups(trainer, range(trainer.active)):
        lanes = tuple(lanes_list)
        inputs = _inputs(trainer, lanes)
        state = jax.device_put(_take(state_host, _padded_index(lanes)))
        call: Callable[..., dict[str, Any]] = (
            train.evaluate if len(lanes) == 1 else group.group_eval
        )
        got = call(state, inputs.hp, inputs.dd, rows)
        for name, value in got.items():
            value = np.asarray(value)
            if name not in out:
                out[name] = np.zeros((trainer.lanes, *value.shape[1:]), value.dtype)
            out[name][list(lanes)] = value[: len(lanes)]
    return out


def probe(trainer: Trainer, lanes: Sequence[int], g: int, h: int) -> dict[str, np.ndarray]:
    """`probe.probe_lanes`'s grids of `lanes` (leading axis K; other lanes' rows are zeros), by
    groups of lanes; the grouped probe is compiled at half resolution only (group.warmup), so
    use g, h = grid // 2, neuron_grid // 2 (sweep thumbnails)."""
    state_host = jax.tree.map(np.asarray, trainer.state)
    out: dict[str, np.ndarray] = {}
    for members in _branch_groups(trainer, lanes):
        key = tuple(members)
        inputs = _inputs(trainer, key)
        state = jax.device_put(_take(state_host, _padded_index(key)))
        if len(key) == 1:
            got = probe_lanes(state, inputs.hp, g, h)
        else:
            got = group.group_probe(state, inputs.hp, g, h)
        for name, leaf in got.items():
            value = np.asarray(leaf)
            if name not in out:
                out[name] = np.zeros((trainer.lanes, *value.shape[1:]), value.dtype)
            out[name][list(key)] = value[: len(key)]
    return out
