"""Datasets: seeded, in the domain, balanced; splits by ratio; early stopping and divergence."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.engine import DEFAULT_CAPACITY, RunConfig, Trainer, registry
from nnplayground.engine.data import generate, split_rows

CASES = [RunConfig(dataset=d) for d in registry.CLASSIFICATION_DATASETS if d != "user"] + [
    RunConfig(problem="regression", dataset=d, num_points=1200)
    for d in registry.REGRESSION_DATASETS
    if d != "user"
]


@pytest.mark.parametrize("cfg", CASES, ids=lambda c: c.dataset)
def test_datasets_are_seeded_and_in_range(cfg: RunConfig) -> None:
    for noise in (0.0, 50.0):
        c = cfg.replace(noise=noise, num_classes=4)
        rows = generate(c)
        assert rows.shape == (c.num_points, 3)
        assert np.all(np.abs(rows[:, :2]) <= 6.0)
        assert np.array_equal(rows, generate(c))  # same seed, same data
        assert not np.array_equal(rows, generate(c.replace(data_seed=1)))
        if c.problem == "regression":
            assert np.all(np.abs(rows[:, 2]) <= 1.0) and np.std(rows[:, 2]) > 0.1
        else:
            counts = np.bincount(rows[:, 2].astype(int))
            # Roughly balanced (noise relabels points near a boundary, as in the TF Playground).
            assert len(counts) == c.classes and counts.min() >= 0.25 * c.num_points / c.classes


def test_split_ratios_and_padding() -> None:
    cfg = RunConfig(num_points=400, train_ratio=0.6, val_ratio=0.15)
    d = split_rows(generate(cfg), cfg, DEFAULT_CAPACITY)
    assert (np.sum(d.split == 1), np.sum(d.split == 2), np.sum(d.split == 3)) == (240, 60, 100)
    assert np.all(d.split[400:] == 0) and int(d.n_train) == 240
    assert np.all(d.split[d.train_idx[:240]] == 1)
    t = Trainer([cfg])
    x, _, split = t.points(0)
    assert x.shape == (400, 2) and split.dtype == np.uint8 and t.steps_per_epoch(0) == 24
    t.train(48)
    assert float(t.epoch[0]) == pytest.approx(2.0)


def test_early_stopping_and_divergence() -> None:
    # Overlapping classes and a large rate: the validation loss stops improving quickly.
    cfg = RunConfig(dataset="gauss", noise=50.0, num_points=200, val_ratio=0.3, patience=100,
                    learning_rate=1.0, hidden_layers=[2])  # fmt: skip
    lanes = [cfg, cfg.replace(patience=0, seed=1), cfg.replace(val_ratio=0.0, seed=2)]
    t = Trainer(lanes)  # three lanes: shares the compiled K = 3 code of other tests
    stopped = False
    for _ in range(40):
        m = t.train(50)
        assert m.best_val_step[0] >= 0 and not m.early_stop[1]
        assert m.best_val_step[2] == -1 and np.isnan(m.val_loss[2]) and not m.early_stop[2]
        if m.early_stop[0]:
            stopped = True
            assert int(t.step[0]) - m.best_val_step[0] >= 100
            break
    assert stopped
    t.apply(1, t.configs[1].replace(learning_rate=10.0, optimizer="momentum", momentum=0.99,
                                    activation="linear", features=["x1", "x2", "x1sq", "x2sq"]))  # fmt: skip
    m = t.train(400)
    assert bool(m.diverged[1]) and not bool(m.diverged[0])
