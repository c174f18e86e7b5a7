"""`Trainer`: the host-side facade owning one session's lanes (docs/architecture.md §3).

Host NumPy copies of every setting are the source of truth; device copies are refreshed only when
something changed, and every jitted call gets arrays of fixed shape and dtype, so no control
change recompiles. Validation happens before any mutation, so a ValueError changes nothing.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from nnplayground.engine import data as datasets
from nnplayground.engine import edits, lanegroups, train
from nnplayground.engine.config import DATA_FIELDS, DEFAULT_CAPACITY, MAX_SEED, Capacity, RunConfig
from nnplayground.engine.errors import FieldError
from nnplayground.engine.features import feature_slots
from nnplayground.engine.lanes import (
    DataArrays,
    Hyper,
    LaneState,
    data_arrays,
    host,
    hyper_of,
    stack,
)
from nnplayground.engine.losses import head_of
from nnplayground.engine.probe import Probe, probe_lanes


@dataclass(frozen=True)
class ChunkMetrics:
    """Metrics of one `train()` call; every array has a leading lane axis K.

    Losses/accuracies are over the full splits after the last step (NaN for an empty split;
    accuracy is R² for regression). `grad_norms`/`weight_norms` are (K, capacity.layers + 1):
    entries 0..depth-1 are the hidden layers, entry `depth` the output layer, the rest 0 — use
    `[:depth + 1]`. `batch_loss` (K, n) is the minibatch data loss of every step.
    """

    train_loss: np.ndarray
    val_loss: np.ndarray
    test_loss: np.ndarray
    train_accuracy: np.ndarray
    val_accuracy: np.ndarray
    test_accuracy: np.ndarray
    grad_norms: np.ndarray
    weight_norms: np.ndarray
    diverged: np.ndarray
    best_val_step: np.ndarray  # (K,) int64, -1 while there is no validation loss yet
    early_stop: np.ndarray
    batch_loss: np.ndarray
    learning_rate: np.ndarray  # (K,) the scheduled rate of the last step


class Trainer:
    """K lanes (one per config) trained together; see docs/architecture.md §3."""

    def __init__(
        self,
        configs: Sequence[RunConfig],
        capacity: Capacity = DEFAULT_CAPACITY,
        grid: int = 100,
        neuron_grid: int = 32,
    ) -> None:
        if not configs:
            raise ValueError("configs: need at least one lane")
        self.capacity = capacity
        self.grid = grid
        self.neuron_grid = neuron_grid
        self._configs = [c.validate(capacity) for c in configs]
        self._rows = [datasets.generate(c) for c in self._configs]
        self._data = [
            datasets.split_rows(r, c, capacity)
            for r, c in zip(self._rows, self._configs, strict=True)
        ]
        self._hyper = [hyper_of(c, capacity) for c in self._configs]
        self._dev_hyper: Hyper | None = None
        self._dev_data: DataArrays | None = None
        self._host_hyper: Hyper | None = None  # the stacked host copies the device ones come from
        self._host_data: DataArrays | None = None
        self._best_val = np.full(len(configs), np.inf)
        self._best_step = np.full(len(configs), -1, np.int64)
        # Lanes 0..active-1 train and are measured; the others are padding that keeps the lane
        # count (so the compiled shapes) fixed while fewer models are wanted (compare.py):
        # they keep their state and measure as zeros.
        self.active = len(configs)
        self.reset()

    # -- properties --------------------------------------------------------------------------
    @property
    def configs(self) -> tuple[RunConfig, ...]:
        return tuple(self._configs)

    @property
    def lanes(self) -> int:
        return len(self._configs)

    @property
    def step(self) -> np.ndarray:
        """(K,) int64 steps taken per lane."""
        return self._steps.copy()

    @property
    def epoch(self) -> np.ndarray:
        """(K,) float64 examples seen / training-set size."""
        return self._epochs.copy()

    @property
    def state(self) -> LaneState:
        """Device state of all lanes (for tests and benchmarks)."""
        return self._state

    def steps_per_epoch(self, lane: int) -> int:
        return math.ceil(int(self._data[lane].n_train) / self._configs[lane].batch_size)

    def points(self, lane: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x (N, 2) float32, y (N,) float32, split (N,) uint8: 1 train, 2 val, 3 test)."""
        d = self._data[lane]
        return d.x[: d.n].copy(), d.y[: d.n].copy(), d.split[: d.n].astype(np.uint8)

    def user_points(self, lane: int) -> np.ndarray:
        """(N, 3) float64 rows x1, x2, label-or-target of the lane's current data."""
        return self._rows[lane].copy()

    # -- device sync -------------------------------------------------------------------------
    @property
    def host_hyper(self) -> Hyper:
        """Every lane's settings as stacked host arrays; a new object whenever one changes
        (engine/group.py stacks many Trainers' and tells a change by identity)."""
        if self._host_hyper is None:
            self._host_hyper = stack(self._hyper)
        return self._host_hyper

    @property
    def host_data(self) -> DataArrays:
        """Every lane's data as stacked host arrays; a new object whenever it changes."""
        if self._host_data is None:
            self._host_data = stack([data_arrays(d) for d in self._data])
        return self._host_data

    def _hp(self) -> Hyper:
        if self._dev_hyper is None:
            self._dev_hyper = jax.device_put(self.host_hyper)
        return self._dev_hyper

    def _dd(self) -> DataArrays:
        if self._dev_data is None:
            self._dev_data = jax.device_put(self.host_data)
        return self._dev_data

    # -- lifecycle ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Params and optimizer state from each lane's `seed`, step 0 (same seed → same init)."""
        seeds = host([c.seed for c in self._configs], np.int32)
        self._state: LaneState = edits.fresh(seeds, self._hp(), self.capacity)
        self._steps = np.zeros(self.lanes, np.int64)
        self._epochs = np.zeros(self.lanes)
        self._best_val[:] = np.inf
        self._best_step[:] = -1

    def regenerate(self) -> None:
        """New data on every lane: data_seed + 1 (wrapping), data rebuilt, model kept."""
        for lane, cfg in enumerate(list(self._configs)):
            self.apply(
                lane, cfg.replace(self.capacity, data_seed=(cfg.data_seed + 1) % (MAX_SEED + 1))
            )

    def apply(self, lane: int, config: RunConfig) -> None:
        """Make `config` the lane's config, keeping weights, optimizer state and step."""
        self._check_lane(lane)
        new = config.validate(self.capacity)
        old = self._configs[lane]
        rows, data = self._rows[lane], self._data[lane]
        if any(getattr(old, f) != getattr(new, f) for f in DATA_FIELDS):
            if new.dataset == "user":
                rows = datasets.check_points(self._rows[lane], new, self.capacity)
            else:
                rows = datasets.generate(new)
            data = datasets.split_rows(rows, new, self.capacity)
        self._commit(lane, new, rows, data)

    def set_user_points(self, lane: int, points: Any) -> None:
        """User data (N, 3): x1, x2, label-or-target; switches the lane's dataset to `user`."""
        self._check_lane(lane)
        new = self._configs[lane].replace(self.capacity, dataset="user")
        rows = datasets.check_points(points, new, self.capacity)
        self._commit(lane, new, rows, datasets.split_rows(rows, new, self.capacity))

    def _commit(self, lane: int, new: RunConfig, rows: np.ndarray, data: datasets.Data) -> None:
        old = self._configs[lane]
        old_hyper, new_hyper = self._hyper[lane], hyper_of(new, self.capacity)
        if data is not self._data[lane]:
            self._best_val[lane], self._best_step[lane] = np.inf, -1
            self._dev_data = self._host_data = None
        self._configs[lane], self._rows[lane], self._data[lane] = new, rows, data
        self._hyper[lane] = new_hyper
        self._dev_hyper = self._host_hyper = None
        structural = (
            old.features != new.features
            or old.hidden_layers != new.hidden_layers
            or head_of(old) != head_of(new)
        )
        kind_changed = old.optimizer != new.optimizer
        if structural or kind_changed:
            olds = list(self._hyper)
            olds[lane] = old_hyper
            reset_opt = np.zeros(self.lanes, bool)
            reset_opt[lane] = kind_changed
            seeds = host([c.seed for c in self._configs], np.int32)
            self._state = edits.edit(
                self._state, jax.device_put(stack(olds)), self._hp(), seeds, host(reset_opt, bool)
            )

    def set_weight(self, lane: int, layer: int, source: int, target: int, value: float) -> None:
        """Set one weight: layer 0 = inputs → first layer (source = position in `features`)."""
        self._check_lane(lane)
        cfg = self._configs[lane]
        widths = (len(cfg.features), *cfg.hidden_layers, head_of(cfg)[1])
        _index(layer, 0, cfg.depth, "layer")
        _index(source, 0, widths[layer] - 1, "source")
        _index(target, 0, widths[layer + 1] - 1, "target")
        _finite(value)
        src = feature_slots(cfg.features)[source] if layer == 0 else source
        which = 2 if layer == cfg.depth else 0
        index = (lane, src, target, 0) if which == 2 else (lane, layer, src, target)
        self._set(which, index, value)

    def set_bias(self, lane: int, layer: int, neuron: int, value: float) -> None:
        """Set one bias: layer 1..depth for hidden layers, depth + 1 for the output units."""
        self._check_lane(lane)
        cfg = self._configs[lane]
        widths = (*cfg.hidden_layers, head_of(cfg)[1])
        _index(layer, 1, cfg.depth + 1, "layer")
        _index(neuron, 0, widths[layer - 1] - 1, "neuron")
        _finite(value)
        if layer == cfg.depth + 1:
            self._set(3, (lane, neuron, 0, 0), value)
        else:
            self._set(1, (lane, layer - 1, neuron, 0), value)

    def _set(self, which: int, index: tuple[int, ...], value: float) -> None:
        params = edits.set_param(
            self._state.params,
            host(which, np.int32),
            host(index, np.int32),
            host(value, np.float32),
        )
        self._state = self._state._replace(params=params)

    def _check_lane(self, lane: int) -> None:
        _index(lane, 0, self.lanes - 1, "lane")

    # -- training and probes -----------------------------------------------------------------
    def train(self, n_steps: int) -> ChunkMetrics:
        """Advance every lane by `n_steps` minibatch steps (any n ≥ 1; never recompiles), then
        measure the full-data metrics (`advance` + `evaluate(track=True)`)."""
        return self._metrics(self.advance(n_steps), track=True)

    def advance(self, n_steps: int) -> np.ndarray:
        """Train `n_steps` steps without the full-data metrics → batch losses (K, n_steps).

        A frame needs the model, not necessarily fresh loss curves: under load the runtime
        measures the metrics a few times a second and only advances in between.
        """
        if isinstance(n_steps, bool) or not isinstance(n_steps, int | np.integer) or n_steps < 1:
            raise ValueError(f"n_steps: must be an integer ≥ 1, got {n_steps!r}")
        if lanegroups.groupable(self):  # lanes that share their branches share a call
            return lanegroups.advance(self, int(n_steps))
        bucket = train.bucket_for(max(c.batch_size for c in self._configs))
        hp, dd = self._hp(), self._dd()
        state, pieces, left = self._state, [], int(n_steps)
        while left > 0:
            k = min(train.CHUNK, left)
            state, losses = train.train_chunk(state, hp, dd, host(k, np.int32), bucket)
            pieces.append((losses, k))
            left -= k
        self.advanced(state, n_steps)
        return np.concatenate([np.asarray(p)[:, :k] for p, k in pieces], axis=1)

    def advanced(self, state: LaneState, n_steps: int) -> None:
        """Take `state` as the model `n_steps` steps on (from `advance`, or from a call that
        trained many Trainers' lanes together: engine/group.py)."""
        self._state = state
        self._steps += n_steps
        for lane, (cfg, d) in enumerate(zip(self._configs, self._data, strict=True)):
            self._epochs[lane] += n_steps * cfg.batch_size / int(d.n_train)

    def evaluate(self, track: bool = False) -> ChunkMetrics:
        """Full-data metrics of the current model without training (`batch_loss` is (K, 0)).

        What a paused session shows after a reset, an edit or new data: the numbers must
        describe the model on screen, not the one before the change. `track=True` after
        `advance` also moves the early-stopping bookkeeping, as `train` does.
        """
        return self._metrics(np.zeros((self.lanes, 0), np.float32), track=track)

    def finite(self) -> np.ndarray:
        """(K,) bool: every parameter of the lane is finite (cheap: no pass over the data)."""
        leaves = [np.asarray(p).reshape(self.lanes, -1) for p in self._state.params]
        finite: np.ndarray = np.all(np.isfinite(np.concatenate(leaves, axis=1)), axis=1)
        return finite

    @property
    def eval_rows(self) -> int:
        """The row bucket full-data evaluation runs over (`train.rows_for`)."""
        return train.rows_for(max(d.n for d in self._data), self.capacity.points)

    def _metrics(self, batch_loss: np.ndarray, track: bool) -> ChunkMetrics:
        if lanegroups.groupable(self):
            return self.measured(lanegroups.evaluate(self), batch_loss, track)
        metrics = train.evaluate(self._state, self._hp(), self._dd(), self.eval_rows)
        return self.measured({k: np.asarray(v) for k, v in metrics.items()}, batch_loss, track)

    def measured(
        self, got: dict[str, np.ndarray], batch_loss: np.ndarray, track: bool
    ) -> ChunkMetrics:
        """`train.evaluate`'s host results for the current model → ChunkMetrics (from
        `evaluate`, or from a call that measured many Trainers' lanes: engine/group.py)."""
        val = got["val_loss"]
        if not track:  # only training moves the early-stopping bookkeeping
            return self._chunk(got, batch_loss, np.zeros(self.lanes, bool))
        better = np.isfinite(val) & (val < self._best_val)
        self._best_val = np.where(better, val, self._best_val)
        self._best_step = np.where(better, self._steps, self._best_step)
        patience = np.asarray([c.patience for c in self._configs])
        early = (
            (patience > 0) & (self._best_step >= 0) & (self._steps - self._best_step >= patience)
        )
        return self._chunk(got, batch_loss, early)

    def _chunk(
        self, got: dict[str, np.ndarray], batch_loss: np.ndarray, early: np.ndarray
    ) -> ChunkMetrics:
        return ChunkMetrics(
            train_loss=got["train_loss"],
            val_loss=got["val_loss"],
            test_loss=got["test_loss"],
            train_accuracy=got["train_accuracy"],
            val_accuracy=got["val_accuracy"],
            test_accuracy=got["test_accuracy"],
            grad_norms=got["grad_norms"],
            weight_norms=got["weight_norms"],
            diverged=got["diverged"],
            best_val_step=self._best_step.copy(),
            early_stop=early,
            batch_loss=batch_loss,
            learning_rate=got["learning_rate"],
        )

    def probe(self, lanes: Sequence[int] | None = None, reduced: bool = False) -> Probe:
        """Grids, neuron maps, weights and biases of `lanes` (default all) for drawing;
        `reduced` halves both resolutions (a quarter of the work, for a loaded server)."""
        chosen = tuple(range(self.lanes)) if lanes is None else tuple(lanes)
        for lane in chosen:
            self._check_lane(lane)
        g, h = (self.grid // 2, self.neuron_grid // 2) if reduced else (self.grid, self.neuron_grid)
        grids = probe_lanes(self._state, self._hp(), g, h)
        return Probe(grids, self._state.params, self.configs, chosen, self._state.bn)

    # -- model files (engine/export.py) --------------------------------------------------------
    def early_stopping(self, lane: int) -> tuple[float, int]:
        """(best validation loss (inf if none yet), the step it was reached at (-1))."""
        return float(self._best_val[lane]), int(self._best_step[lane])

    def restore(self, lane: int, config: RunConfig, rows: np.ndarray | None, state: LaneState,
                step: int, epoch: float, best_val: float, best_step: int) -> None:  # fmt: skip
        """Make a lane exactly a saved one: config, data (`rows` of a user dataset), one lane's
        host `state`, step, epoch and early-stopping bookkeeping (checked by export.parse)."""
        self._check_lane(lane)
        new = config.validate(self.capacity)
        rows = datasets.generate(new) if rows is None else rows
        self._commit(lane, new, rows, datasets.split_rows(rows, new, self.capacity))
        self._dev_data = self._host_data = None  # the same config may carry other user points
        host_state = jax.tree.map(lambda a: np.array(a), self._state)
        for full, one in zip(jax.tree.leaves(host_state), jax.tree.leaves(state), strict=True):
            full[lane] = one
        self._state = jax.device_put(host_state)
        self._steps[lane], self._epochs[lane] = step, epoch
        self._best_val[lane], self._best_step[lane] = best_val, best_step

    # -- lane sets ---------------------------------------------------------------------------
    def select(self, picks: Sequence[int]) -> Trainer:
        """A new Trainer whose lane i is a copy of this one's lane `picks[i]`: config, data,
        weights, optimizer state, PRNG key, step, epoch and early-stopping bookkeeping.

        How a session grows to K lanes and back to 1 (compare) without touching its model.
        Copies go through host NumPy and `device_put` (no eager device op, so no compile).
        """
        if not picks:
            raise ValueError("picks: need at least one lane")
        for lane in picks:
            self._check_lane(lane)
        idx = np.asarray(picks, np.int64)
        new = copy.copy(self)
        new._configs = [self._configs[i] for i in picks]
        new._rows = [self._rows[i] for i in picks]
        new._data = [self._data[i] for i in picks]
        new._hyper = [self._hyper[i] for i in picks]
        new._dev_hyper = new._host_hyper = None
        new._dev_data = new._host_data = None
        new._best_val = self._best_val[idx].copy()
        new._best_step = self._best_step[idx].copy()
        new._steps = self._steps[idx].copy()
        new._epochs = self._epochs[idx].copy()
        new._state = jax.device_put(jax.tree.map(lambda a: np.asarray(a)[idx], self._state))
        new.active = len(picks)
        return new

    def migrate(self, capacity: Capacity) -> Trainer:
        """This Trainer in another capacity bucket (a width sweep, issue 16): the same lanes,
        weights, optimizer state, PRNG key and step; FieldError unless every config fits.

        Slots that exist in both shapes are copied; a wider bucket's extra slots take a fresh
        state's values (zero weights and moments, batch-norm gamma and variance 1), which is
        what they hold while unused. The lanes then train on as they would have: draws do not
        depend on the bucket (engine/draws.py) and unused slots add exact zeros.
        """
        if capacity == self.capacity:
            return self
        new = copy.copy(self)
        new.capacity = capacity
        new._configs = [c.validate(capacity) for c in self._configs]
        new._data = [
            datasets.split_rows(r, c, capacity)
            for r, c in zip(self._rows, new._configs, strict=True)
        ]
        new._hyper = [hyper_of(c, capacity) for c in new._configs]
        new._dev_hyper = new._host_hyper = None
        new._dev_data = new._host_data = None
        for name in ("_best_val", "_best_step", "_steps", "_epochs"):
            setattr(new, name, getattr(self, name).copy())
        old = jax.tree.map(np.asarray, self._state)
        if capacity.width < self.capacity.width:  # narrower: slices only (a frame's lane 0)
            wide, narrow = self.capacity.state_width, capacity.state_width
            base = jax.tree.map(lambda a: np.zeros(_resized(a.shape, wide, narrow), a.dtype), old)
        else:
            seeds = host([c.seed for c in new._configs], np.int32)
            base = jax.tree.map(np.array, edits.fresh(seeds, new._hp(), capacity))
        new._state = jax.device_put(jax.tree.map(_overlay, base, old))
        return new


def _resized(shape: tuple[int, ...], old: int, new: int) -> tuple[int, ...]:
    """A state leaf's shape (lanes first) with its state-width axes `old` made `new` (the other
    axes, layers, classes and the key's 2, never equal a state width)."""
    return (shape[0], *(new if n == old else n for n in shape[1:]))


def _overlay(base: np.ndarray, old: np.ndarray) -> np.ndarray:
    """`base` with the block it shares with `old` (from index 0 on every axis) taken from it."""
    out = base.copy()
    block = tuple(slice(0, min(a, b)) for a, b in zip(base.shape, old.shape, strict=True))
    out[block] = old[block]
    return out


def _index(value: Any, lo: int, hi: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not lo <= value <= hi:
        raise FieldError(name, f"{value!r} is outside {lo}-{hi}")


def _finite(value: Any) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.floating)
        or not math.isfinite(value)
    ):
        raise FieldError("value", f"must be a finite number, got {value!r}")
