"""K lanes trained together equal each lane alone; same seeds give bit-identical runs."""

from __future__ import annotations

import jax
import numpy as np

from nnplayground.engine import RunConfig, Trainer

LANES = [
    RunConfig(dataset="spiral", hidden_layers=[6, 4], activation="tanh", learning_rate=0.03),
    RunConfig(
        dataset="xor",
        hidden_layers=[3],
        activation="relu",
        optimizer="adam",
        learning_rate=0.01,
        l2=0.001,
        seed=4,
    ),
    RunConfig(
        dataset="blobs",
        num_classes=3,
        hidden_layers=[5, 5, 5],
        activation="elu",
        optimizer="nesterov",
        learning_rate=0.02,
        dropout=0.2,
        l1=0.001,
        batch_size=16,
        features=["x1", "x2", "sinx1"],
        schedule="exponential",
        seed=9,
    ),
]


def _state(t: Trainer, lane: int) -> list[np.ndarray]:
    return [np.asarray(x)[lane] for x in jax.tree.leaves(t.state)]


def test_lanes_together_equal_lanes_alone() -> None:
    together = Trainer(LANES)
    m = together.train(300)
    for lane, cfg in enumerate(LANES):
        alone = Trainer([cfg])
        m1 = alone.train(300)
        for a, b in zip(_state(together, lane), _state(alone, 0), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(m.batch_loss[lane], m1.batch_loss[0], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(m.test_accuracy[lane], m1.test_accuracy[0], atol=1e-6)


def test_same_seeds_give_bit_identical_runs() -> None:
    runs = []
    for _ in range(2):
        t = Trainer([LANES[2]])
        m = t.train(250)
        t.apply(0, t.configs[0].replace(hidden_layers=[5, 7]))
        m = t.train(77)
        runs.append((_state(t, 0), m.batch_loss, t.probe().arrays(0)))
    (s1, l1, a1), (s2, l2, a2) = runs
    assert all(np.array_equal(a, b) for a, b in zip(s1, s2, strict=True))
    assert np.array_equal(l1, l2)
    assert all(np.array_equal(a1[k][0], a2[k][0]) for k in a1)
    other = Trainer([LANES[2].replace(seed=10)])
    other.train(250)
    assert not np.array_equal(_state(other, 0)[0], runs[0][0][0])


def test_reset_restores_the_seeded_init_and_step_zero() -> None:
    t = Trainer([LANES[1]])
    fresh = _state(t, 0)
    t.train(120)
    t.apply(0, t.configs[0].replace(hidden_layers=[5]))
    t.apply(0, t.configs[0].replace(hidden_layers=[3]))
    t.reset()
    assert all(np.array_equal(a, b) for a, b in zip(_state(t, 0), fresh, strict=True))
    assert int(t.step[0]) == 0 and float(t.epoch[0]) == 0.0


def test_select_copies_lanes_and_keeps_the_source() -> None:
    """`Trainer.select` (compare's grow/shrink): copies are exact and independent of the source."""
    src = Trainer([RunConfig(), RunConfig(learning_rate=0.3, seed=2)])
    src.train(40)
    before = jax.tree.map(np.asarray, src.state)
    grown = src.select([1, 0, 0])
    assert grown.lanes == 3 and list(grown.step) == [40, 40, 40]
    assert [c.learning_rate for c in grown.configs] == [0.3, 0.03, 0.03]
    for leaf_src, leaf_new in zip(
        jax.tree.leaves(before), jax.tree.leaves(grown.state), strict=True
    ):
        np.testing.assert_array_equal(np.asarray(leaf_new)[[1, 0, 0]], leaf_src[[0, 1, 1]])
    grown.apply(2, grown.configs[2].replace(learning_rate=1.0))
    grown.train(10)  # trains the copies; the source is untouched
    for a, b in zip(jax.tree.leaves(before), jax.tree.leaves(src.state), strict=True):
        np.testing.assert_array_equal(a, np.asarray(b))
    # A new per-lane attribute must be sliced in `select` too: this list makes that visible.
    assert set(vars(grown)) == {
        "capacity", "grid", "neuron_grid", "_configs", "_rows", "_data", "_hyper",
        "_dev_hyper", "_dev_data", "_host_hyper", "_host_data", "_best_val",
        "_best_step", "_state", "_steps", "_epochs", "active",
    }, "Trainer grew an attribute: does Trainer.select copy it per lane?"  # fmt: skip
    assert grown.active == 3  # every lane of a selection trains
    back = grown.select([1])
    assert back.lanes == 1 and back.configs[0].learning_rate == 0.03 and back.step[0] == 50
