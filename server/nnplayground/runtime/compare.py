"""Compare: variants of a session's main model trained side by side, one engine lane each.

Lane 0 is the main model, the only one the rest of the runtime knows. A variant is the main
config with a few fields changed (`{"learning_rate": 3}`); while compare is on the Trainer has
exactly `max_lanes` lanes whatever the number of variants, because every jitted function
compiles once per lane count: lanes without a variant are copies of lane 0 that nobody sees
and that do not train (`Trainer.active`), and the `max_lanes` shapes are compiled at start-up
(cli.py), so a Compare click compiles nothing. Switching compare on, changing the variants or
switching it off keeps lane 0's weights, optimizer state and step (`Trainer.select`); the
variants fork from the main model as it is at that moment (a reset then restarts every lane
from its own seed, for a fair race).

A diverged variant is reported (`diverged`, the step) and parked: its lane becomes a copy of
lane 0 again, so NaN never reaches a frame or stops the main model; a reset or a new compare
message brings it back.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnplayground.engine import ChunkMetrics, Probe, RunConfig, Trainer
from nnplayground.engine.config import DATA_FIELDS, DEFAULT_CAPACITY, Capacity, capacity_for
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import sweep as sweeps
from nnplayground.runtime.frames import WireArray, clean_metrics

JsonDict = dict[str, Any]
_METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


def check_variants(
    main: RunConfig,
    variants: Sequence[JsonDict],
    max_lanes: int,
    widest: Capacity = DEFAULT_CAPACITY,
) -> None:
    """Raise FieldError("variants", ...) unless every variant fits on top of `main` in `widest`
    (the default bucket; a width sweep's variants may go up to the wide one)."""
    if 1 + len(variants) > max_lanes:
        raise FieldError(
            "variants",
            f"at most {max_lanes - 1} variants (max_lanes = {max_lanes}: the main "
            f"model plus {max_lanes - 1}); got {len(variants)}",
        )
    for number, changes in enumerate(variants, start=1):
        data = sorted(set(changes) & DATA_FIELDS)
        if data:
            raise FieldError(
                "variants",
                f"variant {number}, {data[0]}: a variant changes the model or its "
                "training, not the data (all lanes train on the main config's data)",
            )
        try:
            main.replace(widest, **changes)
        except ValueError as exc:
            raise FieldError("variants", f"variant {number}, {exc}") from None


@dataclass
class Variant:
    changes: JsonDict
    lane: int
    metrics: JsonDict = field(default_factory=dict)  # JSON-safe, measured at `step`
    step: int = 0
    diverged_step: int | None = None


class Compare:
    """The compare state of one session; every method runs on the session's scheduler thread.

    Methods that may rebuild the Trainer take the current one and return the one to use.
    """

    def __init__(self, max_lanes: int, send: Callable[[JsonDict], None]) -> None:
        self.max_lanes = max_lanes
        self.variants: list[Variant] = []
        self._send = send
        self._stale = False  # variant metrics no longer describe the variant models
        self.sweep: sweeps.Sweep | None = None  # a sweep is compare from scratch (sweep.py)
        # A sweep waiting for its capacity bucket to compile: (token, axes, same_init).
        self.pending: tuple[object, list[JsonDict], bool] | None = None

    @property
    def on(self) -> bool:
        return bool(self.variants)

    def changes(self) -> list[JsonDict]:
        return [dict(v.changes) for v in self.variants]

    # -- commands ------------------------------------------------------------------------------
    def set(
        self,
        trainer: Trainer,
        variants: Sequence[JsonDict],
        echo: bool = True,
        widest: Capacity = DEFAULT_CAPACITY,
    ) -> Trainer:
        """Replace the variants (`[]`: compare off); validated first, ValueError changes nothing.
        `echo`: answer with a `compare` message (a sweep answers with its own). `widest`: the
        widest bucket the variants may need (a width sweep's, sweep.py)."""
        main = trainer.configs[0]
        check_variants(main, variants, self.max_lanes, widest)
        configs = [main.replace(widest, **changes) for changes in variants]
        lanes = self.max_lanes if variants else 1
        bucket = capacity_for([main, *configs])  # wide only for a width sweep (sweep.py)
        if bucket != trainer.capacity:
            trainer = trainer.select([0]).migrate(bucket)
        self.pending = None
        new = trainer.select([0] * lanes)  # lane 0 as it is, and forks of it
        for lane, config in enumerate(configs, start=1):
            new.apply(lane, config)
        new.active = 1 + len(configs)  # the padding lanes past the variants never train
        self.variants = [Variant(dict(c), lane) for lane, c in enumerate(variants, start=1)]
        self._stale = True
        self.sweep = None  # a compare message ends a sweep; the sweep command sets it after
        if echo:
            self._echo()
        return new

    def follow(self, trainer: Trainer) -> Trainer:
        """After lane 0's config or data changed: every variant lane = new main + its changes.

        A variant that no longer fits (say a loss the new problem lacks) is dropped, and the
        compare echo says so.
        """
        if not self.on:
            return trainer
        main = trainer.configs[0]
        user = main.dataset == "user"
        kept: list[Variant] = []
        for lane in range(1, trainer.lanes):
            variant = next((v for v in self.variants if v.lane == lane), None)
            try:
                config = main
                if variant is not None:
                    config = main.replace(trainer.capacity, **variant.changes)
                if variant is not None and variant.diverged_step is not None:
                    config = main  # parked: a copy of the main model until a reset
                if user and not np.array_equal(trainer.user_points(lane), trainer.user_points(0)):
                    trainer.set_user_points(lane, trainer.user_points(0))
                trainer.apply(lane, config)
            except ValueError:
                trainer.apply(lane, main)
                continue
            if variant is not None:
                kept.append(variant)
        dropped = len(kept) != len(self.variants)
        self.variants = kept
        self._stale = True
        if dropped and self.sweep is not None:  # a sweep with a hole is no sweep: it ends
            self.sweep = None
            self.variants = []
            self._send({"type": "sweep", "axes": [], "lanes": 1})
            return trainer.select([0]).migrate(DEFAULT_CAPACITY)
        if dropped:
            self._echo()
            if not self.on:
                return trainer.select([0]).migrate(DEFAULT_CAPACITY)
        return trainer

    def reset(self, trainer: Trainer) -> None:
        """Before `Trainer.reset()`: parked variants get their own config back."""
        main = trainer.configs[0]
        for variant in self.variants:
            if variant.diverged_step is not None:
                trainer.apply(variant.lane, main.replace(trainer.capacity, **variant.changes))
            variant.diverged_step = None
            variant.metrics = {}
            variant.step = 0
        if self.sweep is not None:
            self.sweep = sweeps.Sweep(self.sweep.axes, self.sweep.combos)
        self._stale = False

    # -- training ------------------------------------------------------------------------------
    def after_chunk(self, trainer: Trainer, chunk: ChunkMetrics | None) -> Trainer:
        """Record the variants' metrics of a measured chunk; park the ones that diverged."""
        if not self.on or chunk is None:
            return trainer
        self._record(trainer, chunk)
        parked = [v for v in self.variants if v.diverged_step is None and chunk.diverged[v.lane]]
        if not parked:
            return trainer
        picks = list(range(trainer.lanes))
        for variant in parked:
            variant.diverged_step = int(trainer.step[variant.lane])
            variant.metrics = {}
            picks[variant.lane] = 0
        new = trainer.select(picks)
        new.active = trainer.active
        return new

    def _record(self, trainer: Trainer, chunk: ChunkMetrics) -> None:
        if self.sweep is not None:
            self.sweep.record_main(trainer, chunk)
        for variant in self.variants:
            if variant.diverged_step is None:
                lane = variant.lane
                variant.metrics = clean_metrics({k: getattr(chunk, k)[lane] for k in _METRICS})
                variant.step = int(trainer.step[lane])
        self._stale = False

    # -- frames --------------------------------------------------------------------------------
    def header(self, trainer: Trainer) -> JsonDict | None:
        """The frame header's `compare` block (None while compare is off)."""
        if not self.on or self.sweep is not None:
            return None
        if self._stale:  # paused after a change: measure what the thumbnails will show
            self._record(trainer, trainer.evaluate())
        return {"variants": [_variant_json(v) for v in self.variants]}

    def sweep_header(self, trainer: Trainer) -> JsonDict | None:
        """The frame header's `sweep` block (None unless a sweep runs)."""
        if self.sweep is None:
            return None
        if self._stale:
            self._record(trainer, trainer.evaluate())
        return self.sweep.header([_variant_json(v) for v in self.variants])

    def frame_parts(self, trainer: Trainer, reduced: bool) -> tuple[Trainer, list[WireArray]]:
        """What `wire.frame` draws: lane 0 alone, and the variants' grids.

        Every lane is probed on its own (`Trainer.select`, a one-lane probe): the vmapped
        K-lane probe turns each `lax.switch` into a select over every branch and measured
        ~60 ms for 4 lanes on 2 cores, against ~8 ms for four one-lane probes.
        """
        if self.sweep is not None:  # every lane's thumbnail, lane 0 included
            diverged = [self.sweep.main_diverged_step is not None]
            diverged += [v.diverged_step is not None for v in self.variants]
            return alone(trainer), sweeps.thumbnails(trainer, diverged)
        if not self.on:
            return trainer, []
        probes = {
            v.lane: trainer.select([v.lane]).probe((0,), reduced=reduced) for v in self.variants
        }
        return trainer.select([0]), self.arrays(probes)

    def arrays(self, probes: Mapping[int, Probe]) -> list[WireArray]:
        """`compare_outputs` (V, G, G) uint8 (and `compare_classes` for K classes) from each
        variant lane's one-lane probe; a diverged variant's grid is all zeros."""
        outputs: list[np.ndarray] = []
        classes: list[np.ndarray] = []
        extra: Mapping[str, float] = {}
        for variant in self.variants:
            got = probes[variant.lane].arrays(0)
            grid, extra = got["output"]
            keep = variant.diverged_step is None
            outputs.append(grid if keep else np.zeros_like(grid))
            if "output_class" in got:
                cls = got["output_class"][0]
                classes.append(cls if keep else np.zeros_like(cls))
        out = [WireArray("compare_outputs", np.stack(outputs).astype(np.uint8), extra)]
        if classes:
            out.append(WireArray("compare_classes", np.stack(classes).astype(np.uint8)))
        return out

    def _echo(self) -> None:
        lanes = 1 + len(self.variants)
        self._send({"type": "compare", "variants": self.changes(), "lanes": lanes})


def alone(trainer: Trainer) -> Trainer:
    """Lane 0 alone in the default bucket, to read (frames, exports), where their functions are
    compiled: the Trainer itself when it is that already, else a copy of lane 0 (a fork, which
    must own its copy, takes `select([0])` itself)."""
    if trainer.lanes == 1 and trainer.capacity == DEFAULT_CAPACITY:
        return trainer
    return trainer.select([0]).migrate(DEFAULT_CAPACITY)


def in_default_bucket(trainer: Trainer) -> Trainer:
    """The Trainer, or during a width sweep lane 0 alone in the default bucket: what the lane-0
    views read (their functions are compiled for that bucket only; runtime/views.py)."""
    return trainer if trainer.capacity == DEFAULT_CAPACITY else alone(trainer)


def _variant_json(variant: Variant) -> JsonDict:
    metrics = {k: variant.metrics.get(k) for k in _METRICS}
    diverged = variant.diverged_step is not None
    return {
        "changes": dict(variant.changes),
        "step": variant.step,
        **metrics,
        "diverged": diverged,
        "diverged_step": variant.diverged_step,
    }
