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
from collections.abc import Hashable, Sequence
from typing import Any, NamedTuple, cast

import jax
import numpy as np
from jax import Array

from nnplayground.engine import train
from nnplayground.engine.branches import (  # re-exported: runtime/tick.py and tests use them
    GROUPED_BATCH,
    SIZES,
    branch_key,
    group_chunk,
    group_eval,
    group_probe,
    padded,
    split,
    stack,
    unbatch_shared,
)
from nnplayground.engine.config import DEFAULT_CAPACITY, Capacity, RunConfig
from nnplayground.engine.lanes import DataArrays, Hyper, LaneState, host
from nnplayground.engine.probe import Probe
from nnplayground.engine.trainer import ChunkMetrics, Trainer

__all__ = ["GROUPED_BATCH", "SIZES", "Groups", "branch_key", "split", "warmup"]


def chunk_key(trainer: Trainer, steps: int) -> Hashable | None:
    """Trainers with equal keys can train in one call; None: train alone (several lanes).

    The step count's power of two is part of it, so a lane that wants 1 step never waits for
    one that wants 1,000 (a group runs as many iterations as its longest lane).
    """
    if trainer.lanes != 1 or train.bucket_for(trainer.configs[0].batch_size) != GROUPED_BATCH:
        return None
    return ("chunk", int(steps).bit_length(), *branch_key(trainer.configs[0]))


def probe_key(trainer: Trainer, reduced: bool) -> Hashable | None:
    """Trainers with equal keys can be probed in one call; None: probe alone (several lanes,
    or full resolution, which only an unloaded server draws)."""
    if trainer.lanes != 1 or not reduced:
        return None
    return ("probe", *branch_key(trainer.configs[0]))


def eval_key(trainer: Trainer) -> Hashable | None:
    """Trainers with equal keys can be measured in one call; None: measure alone."""
    if trainer.lanes != 1:
        return None
    return ("eval", trainer.eval_rows, *branch_key(trainer.configs[0]))


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
        lanes = padded(len(trainers))
        hyper = tuple(t.host_hyper for t in trainers)
        data = tuple(t.host_data for t in trainers)
        states = tuple(t.state for t in trainers)

        def same(now: tuple[Any, ...], before: tuple[Any, ...]) -> bool:
            return all(a is b for a, b in zip(now, before, strict=True))

        if old is not None and same(hyper, old.hyper):
            hp = old.hp
        else:
            hp = jax.device_put(unbatch_shared(stack(hyper, lanes)))
        dd = (
            old.dd
            if old is not None and same(data, old.data)
            else jax.device_put(stack(data, lanes))
        )
        if old is not None and same(states, old.states):
            state = old.state
        else:
            state = stack([jax.tree.map(np.asarray, s) for s in states], lanes)
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
        left = np.zeros(padded(len(trainers)), np.int32)
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
