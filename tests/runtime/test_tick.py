"""tick.py and scheduler.py: a group of sessions advances in grouped engine calls, each as if alone."""

from __future__ import annotations

import asyncio

import numpy as np

from nnplayground.engine import group
from nnplayground.runtime import commands, tick
from nnplayground.runtime.pacing import Limits
from nnplayground.runtime.scheduler import Scheduler
from runtime.harness import read, session, watch

T = 1000.0


def test_a_loaded_group_trains_measures_and_draws_together_each_as_if_alone(
    loop: asyncio.AbstractEventLoop,
) -> None:
    limits = Limits(full_res_sessions=2)
    rates = (0.01, 0.03, 0.1, 0.3)
    sessions = [session(limits, learning_rate=r, seed=i) for i, r in enumerate(rates)]
    alone = [session(limits, learning_rate=r, seed=i) for i, r in enumerate(rates)]
    watchers = [watch(s, loop) for s in sessions]
    groups = group.Groups()
    for s in sessions:
        s.submit(lambda s: commands.control(s, "play"))
        s.scheduler_share = len(sessions)  # the scheduler sets it: sessions playing on a thread
        s.clock.auto_steps = 20
    tick.advance(sessions, T, groups)
    assert groups._recent, "the four sessions did not share a call"
    for s, w, lone in zip(sessions, watchers, alone, strict=True):
        _, frame = read(loop, w)
        assert frame is not None and frame.step == 20 and frame.header["playing"]
        assert frame.raw["output"].shape == (50, 50)  # a loaded thread draws at half size
        lone.trainer.advance(20)  # the same chunk in the session's own call
        np.testing.assert_allclose(
            np.asarray(s.trainer.state.params.w), np.asarray(lone.trainer.state.params.w),
            rtol=1e-5, atol=1e-6,
        )  # fmt: skip
        measured = lone.trainer.evaluate()
        assert frame.header["metrics"]["train_loss"] == np.float32(measured.train_loss[0])
    # One frame clock for the thread: they all come due together.
    assert len({s.clock.next_due for s in sessions}) == 1


def test_the_scheduler_spreads_sessions_over_its_threads() -> None:
    scheduler = Scheduler(threads=2)
    try:
        sessions = [session() for _ in range(3)]
        for s in sessions:
            scheduler.add(s)
        sizes = sorted(len(w) for w in scheduler._workers)
        assert sizes == [1, 2]
        scheduler.remove(sessions[0])
        assert sum(len(w) for w in scheduler._workers) == 2
    finally:
        scheduler.stop()
