"""Sweeps: one or two settings over a few values, every combination a model (issue 16).

A sweep is compare started over (runtime/compare.py): lane 0, the main model, takes the first
combination (a config change, echoed as such), lanes 1.. the others as compare variants, and
every lane restarts from its own seed, so the lanes race fairly from the same initialisation
(`same_init`; with `same_init: false` lane i takes seed + i instead, unless the seed is swept).
Lanes that share their branch-choosing settings train in one call (engine/lanegroups.py).
`"axes": []` ends the sweep; the main model keeps training.

Frames then carry a `sweep` header block (`header`) and `sweep_outputs` (V, g, g) uint8, each
lane's output grid at half resolution (thumbnails), decoded like `output`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from nnplayground.engine import ChunkMetrics, RunConfig, Trainer, lanegroups
from nnplayground.engine.config import (
    DATA_FIELDS,
    DEFAULT_CAPACITY,
    FIELD_SPECS,
    WIDE_CAPACITY,
    capacity_for,
)
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import capacity, commands
from nnplayground.runtime.frames import WireArray, clean_metrics

if TYPE_CHECKING:
    from nnplayground.runtime.session import Session

JsonDict = dict[str, Any]
MAX_AXES = 2
METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


def combinations(
    main: RunConfig, axes: Sequence[JsonDict], max_lanes: int, same_init: bool = True
) -> list[JsonDict]:
    """Every combination of the axes' values as config changes (the first axis varies slowest),
    validated on top of `main`; FieldError("axes", ...) naming the axis, value or limit.

    Layers may be up to `WIDE_CAPACITY.width` wide, except in the first combination: that is
    the main model, which stays in the default bucket (its network, views and links)."""
    if len(axes) > MAX_AXES:
        raise FieldError("axes", f"at most {MAX_AXES} axes; got {len(axes)}")
    fields = [str(a["field"]) for a in axes]
    if len(set(fields)) != len(fields):
        raise FieldError("axes", "each axis needs its own field")
    for number, (name, axis) in enumerate(zip(fields, axes, strict=True), start=1):
        if name not in FIELD_SPECS:
            raise FieldError("axes", f"axis {number}: unknown config field {name!r}")
        if name in DATA_FIELDS:
            raise FieldError(
                "axes",
                f"axis {number}, {name}: a sweep varies the model or its training, not the "
                "data (every lane trains on the main config's data)",
            )
        if not axis["values"]:
            raise FieldError("axes", f"axis {number}, {name}: needs at least one value")
    count = int(np.prod([len(a["values"]) for a in axes])) if axes else 0
    if count == 1:
        raise FieldError("axes", "a sweep needs at least two models (two values)")
    if count > max_lanes:
        raise FieldError(
            "axes",
            f"{count} models exceed max_lanes = {max_lanes} (a sweep trains at most "
            f"{max_lanes} models at once)",
        )
    combos: list[JsonDict] = []
    for lane, values in enumerate(itertools.product(*(a["values"] for a in axes))):
        changes = dict(zip(fields, values, strict=True))
        if not same_init and "seed" not in changes:
            changes["seed"] = (main.seed + lane) % (FIELD_SPECS["seed"]["max"] + 1)
        try:
            main.replace(DEFAULT_CAPACITY if lane == 0 else WIDE_CAPACITY, **changes)
        except ValueError as exc:
            why = str(exc)
            if lane == 0 and "hidden_layers" in why:
                why += (
                    " (model 1 is the main model, which keeps at most "
                    f"{DEFAULT_CAPACITY.width} neurons a layer; the others may have up to "
                    f"{WIDE_CAPACITY.width}: list a narrower value first)"
                )
            raise FieldError("axes", f"model {lane + 1} ({_describe(changes)}): {why}") from None
        combos.append(changes)
    return combos


def _describe(changes: JsonDict) -> str:
    return ", ".join(f"{k} = {v!r}" for k, v in changes.items())


@dataclass
class Sweep:
    """A running sweep: its axes and each lane's combination (lane i = combos[i])."""

    axes: list[JsonDict]
    combos: list[JsonDict]
    main_metrics: JsonDict | None = None
    main_step: int = 0
    main_diverged_step: int | None = None

    @property
    def lanes(self) -> int:
        return len(self.combos)

    def echo(self) -> JsonDict:
        return {"type": "sweep", "axes": self.axes, "lanes": self.lanes}

    def record_main(self, trainer: Trainer, chunk: ChunkMetrics) -> None:
        """Lane 0's metrics (the variants' are kept by Compare)."""
        self.main_metrics = clean_metrics({k: getattr(chunk, k)[0] for k in METRICS})
        self.main_step = int(trainer.step[0])
        if bool(chunk.diverged[0]) and self.main_diverged_step is None:
            self.main_diverged_step = self.main_step

    def header(self, variants: Sequence[JsonDict]) -> JsonDict:
        """The frame's `sweep` block from compare's variant entries (lanes 1..)."""
        fields = [a["field"] for a in self.axes]
        main = {
            "step": self.main_step,
            **{k: (self.main_metrics or {}).get(k) for k in METRICS},
            "diverged": self.main_diverged_step is not None,
            "diverged_step": self.main_diverged_step,
        }
        entries = [main, *({k: v for k, v in e.items() if k != "changes"} for e in variants)]
        lanes = [
            {"values": [combo[f] for f in fields], **entry}
            for combo, entry in zip(self.combos, entries, strict=True)
        ]
        return {"axes": self.axes, "lanes": lanes}


def thumbnails(trainer: Trainer, diverged: Sequence[bool]) -> list[WireArray]:
    """`sweep_outputs` (V, g, g) uint8 at half resolution (and `sweep_classes` for K classes)
    of lanes 0..V-1, probed by groups that share their branches; a diverged lane's grid is all
    zeros. Decoded like `output` (every lane has the main config's problem, so one scale)."""
    lanes = list(range(len(diverged)))
    grids = lanegroups.probe(trainer, lanes, trainer.grid // 2, trainer.neuron_grid // 2)
    bad = np.asarray(diverged, bool)[:, None, None]
    outputs = np.where(bad, 0, grids["output"][lanes]).astype(np.uint8)
    lo = float(grids["output_min"][0])
    out = [WireArray("sweep_outputs", outputs, {"scale": (1.0 - lo) / 255.0, "min": lo})]
    cfg = trainer.configs[0]
    if cfg.problem == "classification" and cfg.classes > 2:
        classes = np.where(bad, 0, grids["output_class"][lanes]).astype(np.uint8)
        out.append(WireArray("sweep_classes", classes))
    return out


def start(s: Session, axes: list[JsonDict], same_init: bool) -> bool:
    """The `sweep` command (validated when queued, `Session.propose_sweep`); `[]` ends it.

    A sweep wider than the default bucket waits, while the session trains on, until its bucket
    is compiled (runtime/capacity.py): the session hears `preparing`, then the usual answers."""
    s.compare.pending = None  # a newer sweep or compare replaces one still being prepared
    if not axes:
        if s.compare.sweep is not None:
            s.trainer = s.compare.set(s.trainer, [], echo=False)
        s.send({"type": "sweep", "axes": [], "lanes": 1})
        return True
    base = s.trainer.configs[0]
    combos = combinations(base, axes, s.limits.max_lanes, same_init)
    bucket = capacity_for([base.replace(WIDE_CAPACITY, **c) for c in combos])
    token = object()
    if not capacity.PREPARER.when_ready(bucket, partial(_prepared, s, token)):
        # The callback queues a command, which runs on this thread after this one: `pending`
        # is set by then however soon the bucket is ready.
        s.compare.pending = (token, axes, same_init)
        s.send({"type": "preparing", "what": "sweep", "width": bucket.width,
                "models": len(combos), "axes": axes})  # fmt: skip
        return False
    # Lane 0 is the first combination: a config change (echoed as such).
    commands.ConfigChange(combos[0], base, base.replace(**combos[0]))(s)
    s.trainer = s.compare.set(s.trainer, combos[1:], echo=False, widest=bucket)
    s.compare.sweep = Sweep([dict(a) for a in axes], combos)
    commands.control(s, "reset")  # every lane from its own seed: a fair race
    s.send(s.compare.sweep.echo())
    return True


def _prepared(s: Session, token: object, failure: str | None) -> None:
    """From the compiling thread: queue the waiting sweep (unless replaced since)."""

    def resume(s: Session) -> bool:
        pending = s.compare.pending
        if pending is None or pending[0] is not token:
            return False
        if failure is not None:
            s.compare.pending = None
            raise FieldError("axes", failure)
        return start(s, pending[1], pending[2])

    s.submit(resume)
