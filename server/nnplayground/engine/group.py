"""Many one-lane Trainers trained, measured or probed in one jitted call (a loaded server).

A small net's call is mostly fixed cost (XLA runs a few hundred tiny ops whatever the rows), so
sixteen sessions in one call cost little more than one. But `vmap` turns a `lax.switch` or
`lax.cond` on a per-lane index into a select that computes every branch (engine/lanes.py), so
only lanes whose *branching* settings are equal share a call, and those settings are passed
once, unbatched: activation, head, optimizer kind, depth, dropout rate and batch norm on/off. Everything else
(rates, masks, batch size, data, state) stays per lane.

`Groups` makes the calls for one training thread and keeps the stacked inputs of its recent
groups. Calls come in the sizes of `SIZES` only, so a group never compiles: `split` takes the
largest size that fits first, a remainder of two or three is padded to four with copies of its
first lane (their results are dropped), and a single one is left to the Trainer's own call.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from functools import partial
from typing import Any, NamedTuple, TypeVar, cast

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array, lax

from nnplayground.engine import model, train
from nnplayground.engine.config import DEFAULT_CAPACITY, Capacity, RunConfig
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lanes import DataArrays, Hyper, LaneState, host
from nnplayground.engine.losses import head_of
from nnplayground.engine.model import Arch
from nnplayground.engine.optim import OptHyper
from nnplayground.engine.probe import Probe, lane_probe
from nnplayground.engine.trainer import ChunkMetrics, Trainer

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


def _shared(cfg: RunConfig) -> tuple[Any, ...]:
    """The settings behind `_HYPER_AXES`'s shared leaves (what `hyper_of` makes of them)."""
    return (cfg.activation, head_of(cfg)[0], cfg.optimizer, cfg.depth, cfg.dropout, cfg.batch_norm)


def chunk_key(trainer: Trainer, steps: int) -> Hashable | None:
    """Trainers with equal keys can train in one call; None: train alone (several lanes).

    The step count's power of two is part of it, so a lane that wants 1 step never waits for
    one that wants 1,000 (a group runs as many iterations as its longest lane).
    """
    if trainer.lanes != 1 or train.bucket_for(trainer.configs[0].batch_size) != GROUPED_BATCH:
        return None
    return ("chunk", int(steps).bit_length(), *_shared(trainer.configs[0]))


def probe_key(trainer: Trainer, reduced: bool) -> Hashable | None:
    """Trainers with equal keys can be probed in one call; None: probe alone (several lanes,
    or full resolution, which only an unloaded server draws)."""
    if trainer.lanes != 1 or not reduced:
        return None
    return ("probe", *_shared(trainer.configs[0]))


def eval_key(trainer: Trainer) -> Hashable | None:
    """Trainers with equal keys can be measured in one call; None: measure alone."""
    if trainer.lanes != 1:
        return None
    return ("eval", trainer.eval_rows, *_shared(trainer.configs[0]))


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


def _padded(n: int) -> int:
    return next(s for s in SIZES if s >= n)


def _stack(trees: Sequence[T], lanes: int) -> T:
    """Concatenate one-lane host trees along the lane axis, padded to `lanes` with the first."""
    trees = [*trees, *[trees[0]] * (lanes - len(trees))]
    return jax.tree.map(lambda *xs: np.concatenate(xs), *trees)  # type: ignore[no-any-return]


def _unbatch_shared(hp: Hyper) -> Hyper:
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


class _Stacked(NamedTuple):
    """A group's inputs on the device, and what each was stacked from (by identity)."""

    hyper: tuple[Hyper, ...]
    data: tuple[DataArrays, ...]
    states: tuple[LaneState, ...]
    hp: Hyper
    dd: DataArrays
    state: LaneState


class Groups:
    """Grouped calls for one training thread, keeping the stacked inputs of its recent groups.

    Under load the same sessions fall due together frame after frame, so a group usually meets
    again with the same settings and data, and with the very state its last call returned:
    those are reused instead of stacked again (which cost more than the call). A Trainer's
    settings, data and state objects are replaced whenever they change, so identity tells.
    """

    def __init__(self, keep: int = 16) -> None:
        self._keep = keep
        self._recent: OrderedDict[tuple[int, ...], tuple[tuple[Trainer, ...], _Stacked]] = (
            OrderedDict()
        )

    def _inputs(self, trainers: Sequence[Trainer]) -> _Stacked:
        key = tuple(id(t) for t in trainers)
        hit = self._recent.get(key)
        old = hit[1] if hit is not None and all(
            a is b for a, b in zip(hit[0], trainers, strict=True)
        ) else None  # fmt: skip
        lanes = _padded(len(trainers))
        hyper = tuple(t.host_hyper for t in trainers)
        data = tuple(t.host_data for t in trainers)
        states = tuple(t.state for t in trainers)

        def same(now: tuple[Any, ...], before: tuple[Any, ...]) -> bool:
            return all(a is b for a, b in zip(now, before, strict=True))

        if old is not None and same(hyper, old.hyper):
            hp = old.hp
        else:
            hp = jax.device_put(_unbatch_shared(_stack(hyper, lanes)))
        dd = (
            old.dd
            if old is not None and same(data, old.data)
            else jax.device_put(_stack(data, lanes))
        )
        if old is not None and same(states, old.states):
            state = old.state
        else:
            state = _stack([jax.tree.map(np.asarray, s) for s in states], lanes)
        stacked = _Stacked(hyper, data, states, hp, dd, state)
        self._remember(trainers, stacked)
        return stacked

    def _remember(self, trainers: Sequence[Trainer], stacked: _Stacked) -> None:
        key = tuple(id(t) for t in trainers)
        self._recent[key] = (tuple(trainers), stacked)
        self._recent.move_to_end(key)
        while len(self._recent) > self._keep:
            self._recent.popitem(last=False)

    def advance(self, trainers: Sequence[Trainer], steps: Sequence[int]) -> list[np.ndarray]:
        """Train each Trainer `steps[i]` steps → each one's batch losses (1, n), as
        `Trainer.advance` would. The Trainers must share a `chunk_key`."""
        if len(trainers) == 1:
            return [trainers[0].advance(int(steps[0]))]
        stacked = self._inputs(trainers)
        state = stacked.state
        bucket = train.bucket_for(max(t.configs[0].batch_size for t in trainers))
        left = np.zeros(_padded(len(trainers)), np.int32)
        left[: len(trainers)] = steps
        pieces: list[tuple[np.ndarray, np.ndarray]] = []  # (losses (G, CHUNK), steps per lane)
        while left.max() > 0:
            n_lane = np.minimum(left, train.CHUNK).astype(np.int32)
            state, losses = group_chunk(
                state,
                stacked.hp,
                stacked.dd,
                host(n_lane.max(), np.int32),
                host(n_lane, np.int32),
                bucket,
            )
            pieces.append((np.asarray(losses), n_lane))
            left -= n_lane
        host_state = jax.tree.map(np.asarray, state)
        out = []
        for i, (t, n) in enumerate(zip(trainers, steps, strict=True)):
            t.advanced(jax.tree.map(lambda a, i=i: a[i : i + 1], host_state), int(n))
            out.append(np.concatenate([losses[i : i + 1, : k[i]] for losses, k in pieces], axis=1))
        states = tuple(t.state for t in trainers)
        self._remember(trainers, stacked._replace(states=states, state=state))
        return out

    def probe(self, trainers: Sequence[Trainer], reduced: bool) -> list[Probe]:
        """Each Trainer's lane-0 probe, as `Trainer.probe((0,), reduced)`. The Trainers must
        share a `probe_key`."""
        if len(trainers) == 1:
            return [trainers[0].probe((0,), reduced=reduced)]
        stacked = self._inputs(trainers)
        t0 = trainers[0]
        g, h = (t0.grid // 2, t0.neuron_grid // 2) if reduced else (t0.grid, t0.neuron_grid)
        grids = {k: np.asarray(v) for k, v in group_probe(stacked.state, stacked.hp, g, h).items()}
        return [
            Probe(
                {k: cast(Array, v[i : i + 1]) for k, v in grids.items()},
                s.params,
                t.configs,
                (0,),
                s.bn,
            )
            for i, (t, s) in enumerate(zip(trainers, stacked.states, strict=True))
        ]

    def evaluate(self, trainers: Sequence[Trainer], track: bool) -> list[ChunkMetrics]:
        """Each Trainer's full-data metrics, as `Trainer.evaluate(track)`. The Trainers must
        share an `eval_key`."""
        if len(trainers) == 1:
            return [trainers[0].evaluate(track=track)]
        stacked = self._inputs(trainers)
        rows = trainers[0].eval_rows
        got = {
            k: np.asarray(v)
            for k, v in group_eval(stacked.state, stacked.hp, stacked.dd, rows).items()
        }
        empty = np.zeros((1, 0), np.float32)
        return [
            t.measured({k: v[i : i + 1] for k, v in got.items()}, empty, track)
            for i, t in enumerate(trainers)
        ]


def warmup(capacity: Capacity = DEFAULT_CAPACITY) -> None:
    """Compile every grouped call a loaded server makes, in each size of `SIZES`: chunks (of
    `GROUPED_BATCH`), the half-resolution probe, and each evaluation row bucket."""
    for size in SIZES:
        trainers = [Trainer([RunConfig(seed=i)], capacity) for i in range(size)]
        groups = Groups()
        assert train.bucket_for(trainers[0].configs[0].batch_size) == GROUPED_BATCH
        groups.advance(trainers, [1] * size)
        groups.probe(trainers, reduced=True)
        for rows, points in train.row_buckets(capacity).items():
            for t in trainers:
                t.apply(0, t.configs[0].replace(capacity, num_points=points))
            assert trainers[0].eval_rows == rows
            groups.evaluate(trainers, track=True)
