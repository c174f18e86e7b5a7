"""A width sweep past the default bucket (issue 16): the session hears `preparing` and trains
on while the wide bucket compiles off its thread; the sweep then starts by itself, every lane
training as it would alone, and compiles nothing more; ending it puts the main model back in
the default bucket, weights intact. Plus the preparer's bookkeeping, with an injected compile."""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from typing import Any

import numpy as np
import pytest

from nnplayground.engine import RunConfig, Trainer, group, warmup
from nnplayground.engine.compiles import CompileCounter
from nnplayground.engine.config import DEFAULT_CAPACITY, WIDE_CAPACITY, Capacity, capacity_for
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import capacity, commands, fork, tick
from nnplayground.runtime.pacing import Limits
from nnplayground.runtime.sweep import combinations
from runtime.harness import read, session, watch

LIMITS = Limits(max_lanes=16)
BASE: dict[str, Any] = {"dataset": "xor", "noise": 10.0, "hidden_layers": [4]}
AXES = [{"field": "hidden_layers", "values": [[2], [4, 4], [16], [32]]}]


def test_a_width_sweep_waits_for_its_bucket_then_runs_as_alone(
    loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(capacity, "PREPARER", capacity.Preparer(capacity._warm_sweeps(16)))
    warmup(part="first")  # what a server compiles before it serves (the sweep's config change)
    s = session(LIMITS, **BASE)
    w = watch(s, loop)
    groups = group.Groups()
    s.submit(lambda s: commands.control(s, "play"))
    s.propose_sweep(AXES, True, w)
    now = 1000.0
    tick.advance([s], now, groups)
    texts, _ = read(loop, w)
    assert texts[-1] == {"type": "preparing", "what": "sweep", "width": 32, "models": 4,
                         "axes": AXES}  # fmt: skip
    # The session trains on (and frames go out) while the bucket compiles on another thread.
    before, frames = int(s.trainer.step[0]), 0
    while not capacity.PREPARER.ready(WIDE_CAPACITY):
        now += 0.05
        tick.advance([s], now, groups)
        frames += read(loop, w)[1] is not None
        assert s.trainer.lanes == 1 and s.compare.sweep is None
        threading.Event().wait(0.02)
    assert int(s.trainer.step[0]) > before and frames > 0
    # Ready: the queued sweep starts at the next tick and trains; nothing compiles any more.
    with CompileCounter() as compiles:
        now += 0.05
        tick.advance([s], now, groups)
        texts, _ = read(loop, w)
        assert [t["type"] for t in texts if t["type"] != "status"][-2:] == ["config", "sweep"]
        assert s.trainer.capacity == WIDE_CAPACITY and s.trainer.active == 4
        s.submit(lambda s: commands.control(s, "pause"))
        for _ in range(3):
            s.submit(lambda s: commands.control(s, "epoch"))
        now += 1.0
        tick.advance([s], now, groups)
        _, frame = read(loop, w)
        assert frame is not None and frame.raw["sweep_outputs"].shape == (4, 50, 50)
        # A fork (a lecture room's student) takes lane 0 in the default bucket, its own copy.
        forked = fork.capture(s)
        assert forked.trainer.capacity == DEFAULT_CAPACITY and forked.trainer.lanes == 1
        assert forked.trainer is not s.trainer and forked.step == int(s.trainer.step[0])
        w0 = np.asarray(s.trainer.state.params.w)[0, :, :9, :9].copy()
        s.propose_sweep([], True, w)
        now += 1.0
        tick.advance([s], now, groups)
        texts, frame = read(loop, w)
    assert compiles.count == 0
    assert {"type": "sweep", "axes": [], "lanes": 1} in texts
    assert s.trainer.lanes == 1 and s.trainer.capacity == DEFAULT_CAPACITY
    np.testing.assert_array_equal(np.asarray(s.trainer.state.params.w)[0], w0)
    assert frame is not None and "sweep" not in frame.header


def test_every_lane_of_a_width_sweep_trains_as_it_would_alone(
    loop: asyncio.AbstractEventLoop,
) -> None:
    """Through the session (capacity.PREPARER compiles, from the persistent cache after the
    test above): three epochs of each lane against a Trainer alone in its own bucket."""
    assert capacity.PREPARER.wait(WIDE_CAPACITY, timeout=600)
    s = session(LIMITS, **BASE)
    w = watch(s, loop)
    groups = group.Groups()
    s.propose_sweep(AXES, True, w)
    for _ in range(3):
        s.submit(lambda s: commands.control(s, "epoch"))
    tick.advance([s], 1000.0, groups)
    steps = 3 * s.trainer.steps_per_epoch(0)
    got = s.trainer.evaluate()
    base = RunConfig(**BASE)
    for lane, changes in enumerate(combinations(base, AXES, 16)):
        config = base.replace(WIDE_CAPACITY, **changes)
        alone = Trainer([config], capacity_for([config])).train(steps)
        for name in ("train_loss", "test_loss", "test_accuracy"):
            np.testing.assert_allclose(
                getattr(got, name)[lane], getattr(alone, name)[0], rtol=1e-4, err_msg=str(changes)
            )


@pytest.mark.parametrize(
    ("values", "text"),
    [
        ([[16], [4]], r"model 1 \(hidden_layers = \[16\]\): .* the main model"),
        ([[4], [64]], r"model 2 \(hidden_layers = \[64\]\): hidden_layers: width 64"),
    ],
)
def test_width_sweeps_that_do_not_fit_say_why(values: list[list[int]], text: str) -> None:
    with pytest.raises(FieldError, match=text) as bad:
        combinations(RunConfig(), [{"field": "hidden_layers", "values": values}], 16)
    assert bad.value.field == "axes"


def test_the_preparer_compiles_each_bucket_once_off_the_caller_and_reports_failure() -> None:
    gate, calls = threading.Event(), []
    bucket, broken = Capacity(width=16), Capacity(width=24)

    def warm(c: Capacity) -> None:
        calls.append(c)
        gate.wait(10)
        if c == broken:
            raise MemoryError("out of memory")

    p = capacity.Preparer(warm)
    assert p.when_ready(DEFAULT_CAPACITY)  # compiled at start-up
    done: list[str | None] = []
    assert not p.when_ready(bucket, done.append)
    assert not p.when_ready(bucket, done.append)  # under way: no second compile
    assert not p.ready(bucket) and done == []
    gate.set()
    assert p.wait(bucket, timeout=10)
    assert done == [None, None] and calls == [bucket]
    assert p.when_ready(bucket, done.append) and done == [None, None]  # ready: no callback
    assert not p.wait(broken, timeout=10)
    failed: list[str | None] = []
    assert not p.when_ready(broken, failed.append)  # fails again at once, no recompile
    assert failed == ["could not prepare models 24 wide: out of memory"]
    assert calls == [bucket, broken]


def test_compiling_aside_holds_full_collections_and_long_gil_turns_until_the_last_ends() -> None:
    """Full collections walk the whole heap holding the GIL, and a tracing thread keeps it for
    whole turns: while a bucket compiles in the background either would freeze every training
    thread (runtime/capacity.background_compile)."""
    before, turn = gc.get_threshold(), sys.getswitchinterval()
    with capacity.background_compile():
        assert gc.get_threshold()[2] >= 10**9 and gc.get_threshold()[:2] == before[:2]
        assert sys.getswitchinterval() < turn
        with capacity.background_compile():  # start-up's warm-up and a bucket's may overlap
            pass
        assert gc.get_threshold()[2] >= 10**9 and sys.getswitchinterval() < turn
    assert gc.get_threshold() == before and sys.getswitchinterval() == turn
    assert gc.get_freeze_count() > 0  # the compiled survivors sit out later collections
