"""Capacity buckets (issue 16): a width sweep's lanes train in the wide bucket exactly as each
model would alone, in whichever bucket it fits; draws do not depend on the bucket; a Trainer
moved between buckets trains on as if it had not moved."""

from __future__ import annotations

import jax
import numpy as np
import pytest

from nnplayground.engine import RunConfig, Trainer, draws
from nnplayground.engine.config import DEFAULT_CAPACITY, WIDE_CAPACITY, capacity_for
from nnplayground.engine.errors import FieldError

STEPS = 2 * 25  # two epochs of the default 250 training points in batches of 10
# Dropout on: its masks are the draws most tied to the padded shape (L, B, D).
BASE = RunConfig(dataset="xor", noise=10.0, dropout=0.1, learning_rate=0.1, seed=4)
METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


@pytest.mark.parametrize("shape", [(6, 9, 9), (9, 6), (6, 64, 9), (6, 10, 9)])
def test_counter_draws_are_jax_random_bit_for_bit(shape: tuple[int, ...]) -> None:
    """Inside the default shape a draw is `jax.random`'s own, so every default-capacity run
    (links, model files, the lessons' quoted numbers) keeps its numbers."""
    key = jax.random.PRNGKey(11)
    c = draws.counters(shape, shape)
    assert np.array_equal(draws.normal(key, c), jax.random.normal(key, shape))
    want = jax.random.uniform(key, shape, minval=-1.0, maxval=1.0)
    assert np.array_equal(draws.uniform(key, c, -1.0, 1.0), want)
    assert np.array_equal(draws.uniform(key, c) < 0.7, jax.random.bernoulli(key, 0.7, shape))


def test_a_wider_draw_holds_the_default_one_and_fresh_numbers_beside_it() -> None:
    key = jax.random.PRNGKey(3)
    counts = np.asarray(draws.counters((6, 32, 32), (6, 9, 9)))
    assert len(np.unique(counts)) == counts.size  # no element shares another's bits
    wide = np.asarray(draws.normal(key, jax.numpy.asarray(counts)))
    assert np.array_equal(wide[:, :9, :9], jax.random.normal(key, (6, 9, 9)))
    outside = wide[:, 9:, :].ravel()
    assert abs(outside.mean()) < 0.05 and abs(outside.std() - 1.0) < 0.05


def test_a_width_sweep_lane_trains_as_it_would_alone() -> None:
    widths = [(2,), (4, 4), (16,), (32,)]
    configs = [BASE.replace(WIDE_CAPACITY, hidden_layers=w) for w in widths]
    assert capacity_for(configs) == WIDE_CAPACITY
    sweep = Trainer(configs, WIDE_CAPACITY)
    m = sweep.train(STEPS)
    for lane, cfg in enumerate(configs):
        bucket = capacity_for([cfg])  # the narrow models alone in the default bucket
        assert bucket == (DEFAULT_CAPACITY if max(cfg.hidden_layers) <= 8 else WIDE_CAPACITY)
        alone = Trainer([cfg], bucket).train(STEPS)
        for name in METRICS:
            got, want = getattr(m, name)[lane], getattr(alone, name)[0]
            np.testing.assert_allclose(got, want, rtol=1e-4, err_msg=f"{cfg.hidden_layers} {name}")


def test_a_trainer_moved_between_buckets_trains_on_as_if_it_had_not() -> None:
    stay = Trainer([BASE])
    stay.train(2 * STEPS)
    moved = Trainer([BASE])
    moved.train(STEPS)
    wide = moved.migrate(WIDE_CAPACITY)
    assert wide.capacity == WIDE_CAPACITY and wide.state.params.w.shape[-1] == 32
    wide.train(STEPS)
    back = wide.migrate(DEFAULT_CAPACITY)
    assert back.state.params.w.shape == stay.state.params.w.shape
    assert back.step.tolist() == stay.step.tolist()
    for got, want in zip(jax.tree.leaves(back.state), jax.tree.leaves(stay.state), strict=True):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(back.evaluate().test_loss, stay.evaluate().test_loss, rtol=1e-5)


def test_a_model_wider_than_its_bucket_is_refused_by_name() -> None:
    wide = Trainer([BASE.replace(WIDE_CAPACITY, hidden_layers=(16,))], WIDE_CAPACITY)
    with pytest.raises(FieldError, match="hidden_layers"):
        wide.migrate(DEFAULT_CAPACITY)
    with pytest.raises(FieldError, match="hidden_layers: width 64 exceeds 32"):
        capacity_for(
            [BASE.replace(WIDE_CAPACITY, hidden_layers=(8,)), RunConfig(hidden_layers=(64,))]
        )
