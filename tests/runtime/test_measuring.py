"""measuring.py: when a chunk measures its full-data metrics, on hand-made times."""

from __future__ import annotations

import numpy as np

from nnplayground.engine import ChunkMetrics, RunConfig
from nnplayground.runtime.measuring import Measuring, stop_event
from nnplayground.runtime.pacing import Limits


def test_playing_measures_every_interval_paused_and_stale_always() -> None:
    m = Measuring(Limits(measure_interval=0.1))
    m.record({"train_loss": 1.0}, 10, now=5.0)
    assert not m.due(5.05, playing=True, loaded=False)
    assert m.due(5.125, playing=True, loaded=False)
    assert m.due(5.05, playing=False, loaded=False)  # a step or epoch always measures
    m.stale = True  # the model changed since
    assert m.due(5.01, playing=True, loaded=False)
    m.reset()
    assert m.stale and m.step == 0 and m.metrics["train_loss"] is None


def test_a_loaded_thread_measures_on_one_grid() -> None:
    m = Measuring(Limits(measure_interval=0.1))  # 0.25 s when loaded
    m.record({}, 0, now=1.01)
    assert not m.due(1.24, playing=True, loaded=True)
    assert m.due(1.25, playing=True, loaded=True)  # every session crosses 1.25 together


def test_an_unmeasured_chunk_updates_only_its_speed() -> None:
    m = Measuring(Limits())
    m.record({"train_loss": 0.5, "examples_per_s": 1.0}, 3, now=0.0)
    m.speed(123.0)
    assert m.metrics == {"train_loss": 0.5, "examples_per_s": 123.0} and m.step == 3


def _chunk(diverged: bool, early_stop: bool) -> ChunkMetrics:
    one = np.zeros(1, np.float32)
    return ChunkMetrics(
        train_loss=one, val_loss=one, test_loss=one, train_accuracy=one, val_accuracy=one,
        test_accuracy=one, grad_norms=np.zeros((1, 7)), weight_norms=np.zeros((1, 7)),
        diverged=np.array([diverged]), best_val_step=np.array([-1]),
        early_stop=np.array([early_stop]), learning_rate=one, batch_loss=np.zeros((1, 1)),
    )  # fmt: skip


def test_stop_events() -> None:
    config = RunConfig(patience=300)
    assert stop_event(_chunk(False, False), config, playing=True) is None
    assert stop_event(_chunk(True, False), config, playing=False)["event"] == "diverged"  # type: ignore[index]
    early = stop_event(_chunk(False, True), config, playing=True)
    assert early is not None and early["event"] == "early_stop" and "300 steps" in early["message"]
    assert stop_event(_chunk(False, True), config, playing=False) is None  # paused already
