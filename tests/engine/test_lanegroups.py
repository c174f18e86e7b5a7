"""A several-lane Trainer trains by groups of lanes that share their branches (issue 16), and
every lane still trains as it would alone: the sweeps over a continuous setting, over the
activation and over the seed of the acceptance, each lane against its own one-lane Trainer."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from nnplayground.engine import RunConfig, Trainer, lanegroups

STEPS = 2 * 25  # two epochs of the default 250 training points in batches of 10
BASE = RunConfig(dataset="xor", noise=10.0, hidden_layers=(4, 3))
SWEEPS = {
    "learning_rate": [BASE.replace(learning_rate=lr) for lr in np.geomspace(0.003, 3.0, 16)],
    "activation": [
        BASE.replace(activation=act, learning_rate=lr)
        for act in ("tanh", "relu", "sigmoid", "gelu")
        for lr in (0.01, 0.03, 0.1, 0.3)
    ],
    "seed": [BASE.replace(seed=seed, batch_norm=seed % 2 == 1) for seed in range(6)],
}


@pytest.mark.parametrize("axis", sorted(SWEEPS))
def test_every_lane_trains_as_it_would_alone(axis: str) -> None:
    configs = SWEEPS[axis]
    sweep = Trainer(configs)
    assert lanegroups.groupable(sweep)
    m = sweep.train(STEPS)
    for lane, cfg in enumerate(configs):
        alone = Trainer([cfg]).train(STEPS)
        for name in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
            got, want = getattr(m, name)[lane], getattr(alone, name)[0]
            np.testing.assert_allclose(got, want, rtol=1e-4, err_msg=f"{axis} lane {lane} {name}")
        np.testing.assert_allclose(m.batch_loss[lane], alone.batch_loss[0], rtol=1e-4, atol=1e-6)


def test_lanes_are_split_by_their_branches() -> None:
    sweep = Trainer(SWEEPS["activation"])
    groups = lanegroups.lane_groups(sweep)
    assert sorted(len(g) for g in groups) == [4, 4, 4, 4]
    for members in groups:
        assert len({sweep.configs[lane].activation for lane in members}) == 1
    assert [len(g) for g in lanegroups.lane_groups(Trainer(SWEEPS["learning_rate"]))] == [16]
    # Batch norm on/off picks a branch too: the seed sweep is two groups of three.
    assert sorted(len(g) for g in lanegroups.lane_groups(Trainer(SWEEPS["seed"]))) == [3, 3]


def test_padding_lanes_do_not_train_and_larger_batches_train_alone() -> None:
    """Compare keeps `max_lanes` lanes; the ones past `active` are padding: not trained, not
    measured. A lane outside the grouped batch bucket trains alone in its own bucket, and still
    exactly as a one-lane Trainer would."""
    configs = [BASE, BASE.replace(batch_size=32, learning_rate=0.1), BASE, BASE]
    t = Trainer(configs)
    t.active = 2
    idle_before = [np.asarray(leaf)[2:] for leaf in jax.tree.leaves(t.state)]
    m = t.train(STEPS)
    for before, leaf in zip(idle_before, jax.tree.leaves(t.state), strict=True):
        np.testing.assert_array_equal(np.asarray(leaf)[2:], before)
    assert np.isnan(m.batch_loss[2:]).all() and (m.train_loss[2:] == 0).all()
    assert [len(g) for g in lanegroups.lane_groups(t)] == [1, 1]
    for lane in (0, 1):
        alone = Trainer([configs[lane]]).train(STEPS)
        np.testing.assert_array_equal(m.batch_loss[lane], alone.batch_loss[0])
        np.testing.assert_allclose(m.test_loss[lane], alone.test_loss[0], rtol=1e-5)
