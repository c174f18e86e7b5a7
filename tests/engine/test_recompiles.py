"""After warm-up, every control change trains and probes with zero traces or compiles."""

from __future__ import annotations

import math
from typing import Any

import jax
import numpy as np
import pytest

from nnplayground.engine import RunConfig, Trainer, lanegroups, warmup
from nnplayground.engine.compiles import CompileCounter

SCRIPT: list[dict[str, Any]] = [
    {"activation": "relu"},
    {"activation": "step"},
    {"activation": "gelu"},
    {"learning_rate": 0.3},
    {"l1": 0.01},
    {"l2": 0.02},
    {"dropout": 0.4},
    {"dropout": 0.0},
    {"batch_norm": True},  # issue 16: a traced flag, toggled live
    {"hidden_layers": [3, 6, 2]},
    {"batch_norm": False},
    {"optimizer": "adam"},
    {"beta1": 0.7, "beta2": 0.95},
    {"optimizer": "momentum", "momentum": 0.5},
    {"optimizer": "nadam"},
    {"schedule": "time", "decay_rate": 0.01},
    {"schedule": "step", "decay_steps": 10, "decay_rate": 0.5},
    {"schedule": "exponential", "decay_rate": 1e-4},  # (step decay left a rate of 0: no training)
    {"batch_size": 3},
    {"batch_size": 40},
    {"batch_size": 10},
    {"hidden_layers": [8, 8, 8, 8, 8, 8]},
    {"hidden_layers": [1]},
    {"hidden_layers": []},
    {"hidden_layers": [5, 2, 7]},
    {"features": ["x1", "x2", "x1sq", "cosx2"]},
    {"features": ["sinx1"]},
    {"dataset": "spiral"},
    {"noise": 35.0},
    {"train_ratio": 0.8, "val_ratio": 0.1},
    {"num_points": 1990},
    {"num_points": 10},
    {"num_points": 700},
    {"init": "he"},
    {"dataset": "blobs", "num_classes": 5},
    {"loss": "hinge"},
    {"problem": "regression"},
    {"dataset": "surface"},
    {"seed": 3, "data_seed": 12},
]


def _scheduled(t: Trainer) -> float:
    """The rate of the last step taken (t = steps before it), docs/architecture.md §2."""
    cfg, step = t.configs[0], int(t.step[0]) - 1
    lr, k, s = cfg.learning_rate, cfg.decay_rate, cfg.decay_steps
    return {
        "constant": lr,
        "time": lr / (1 + k * step),
        "step": lr * math.exp(-k * s * (step // s)),
        "exponential": lr * math.exp(-k * step),
    }[cfg.schedule]


def test_no_recompiles_after_warmup() -> None:
    warmup()
    t = Trainer([RunConfig()])
    with CompileCounter() as counter:
        for changes in SCRIPT:
            t.apply(0, t.configs[0].replace(**changes))
            before = [np.asarray(a).copy() for a in jax.tree.leaves(t.state.params)]
            m = t.train(45)  # one full chunk and a partial one
            arrays = t.probe().arrays(0)
            # Every setting trains: none of these diverges, and the rate in force is the
            # config's, on its schedule (computed here from the formulas, not the engine's).
            assert np.isfinite(m.train_loss[0]) and not m.diverged[0], changes
            assert m.learning_rate[0] == pytest.approx(_scheduled(t), rel=1e-5, abs=1e-12)
            if m.learning_rate[0] > 1e-6:  # and it moved the parameters
                after = [np.asarray(a) for a in jax.tree.leaves(t.state.params)]
                moved = any(not np.array_equal(a, b) for a, b in zip(after, before, strict=True))
                assert moved, changes
            assert arrays["output"][0].shape == (100, 100)
            # What a loaded server does instead: train unmeasured, measure, probe at half size.
            t.advance(3)
            t.evaluate(track=True)
            assert t.probe(reduced=True).arrays(0)["output"][0].shape == (50, 50)
        t.set_weight(0, 0, 0, 2, 0.25)
        t.set_bias(0, 1, 0, -0.5)
        t.regenerate()
        t.set_user_points(0, np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, -0.2], [3.0, 3.0, 0.9]]))
        t.train(7)
        t.reset()
        t.train(1)
    assert counter.traces == 0 and counter.compiles == 0, (counter.traces, counter.compiles)


# Issue 16: sweeps (a several-lane Trainer, trained, measured and probed by branch groups).
SWEEPS: list[list[dict[str, Any]]] = [
    [{"learning_rate": lr} for lr in (0.003, 0.03, 0.3, 3.0)],
    [{"activation": a} for a in ("tanh", "relu", "relu", "sigmoid")],
    [{"hidden_layers": w} for w in ([2], [4, 2], [8, 8, 8], [4, 4])],
    [{"seed": s, "batch_norm": s % 2 == 0} for s in range(4)],
    [{"optimizer": o, "l2": 0.01} for o in ("sgd", "adam", "adam", "rmsprop")],
]


def test_sweeps_compile_nothing_after_warmup() -> None:
    warmup()
    warmup(lanes=4, part="first")  # what the server compiles for compare's lane count
    t = Trainer([RunConfig()] * 4)
    with CompileCounter() as counter:
        for sweep in SWEEPS:
            for lane, changes in enumerate(sweep):
                t.apply(lane, RunConfig().replace(**changes))
            t.reset()
            m = t.train(45)
            assert np.all(np.isfinite(m.train_loss) | m.diverged), sweep
            grids = lanegroups.probe(t, range(4), t.grid // 2, t.neuron_grid // 2)
            assert grids["output"].shape == (4, 50, 50)
            t.select([0]).probe((0,), reduced=False).arrays(0)  # lane 0's own frame
    assert counter.traces == 0 and counter.compiles == 0, (counter.traces, counter.compiles)
