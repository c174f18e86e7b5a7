"""The cheaper paths a loaded server takes give the same numbers as the full ones.

Skipping layers past the depth, evaluating only the rows a dataset fills, training without
measuring, and probing at half resolution are optimisations: each is checked here against the
path it replaces or against an independent NumPy forward pass.
"""

from __future__ import annotations

import jax
import numpy as np
import pytest

from nnplayground.engine import DEFAULT_CAPACITY, RunConfig, Trainer, model, train
from nnplayground.engine.probe import grid_points


@pytest.mark.parametrize("hidden", [(), (4, 2), (8, 8, 8, 8, 8, 8)])
def test_skipping_layers_past_the_depth_changes_no_output(hidden: tuple[int, ...]) -> None:
    t = Trainer([RunConfig(hidden_layers=hidden, activation="relu")])
    t.train(50)
    params = jax.tree.map(lambda a: a[0], t.state.params)
    hp = jax.tree.map(lambda a: a[0], t._hp())
    x = np.asarray(grid_points(20))
    full = jax.jit(lambda p: model.forward(p, hp.arch, hp.act, x))(params)
    skip = jax.jit(lambda p: model.forward(p, hp.arch, hp.act, x, skip=True))(params)
    np.testing.assert_array_equal(np.asarray(full[0]), np.asarray(skip[0]))
    depth = len(hidden)
    np.testing.assert_array_equal(np.asarray(full[1])[:depth], np.asarray(skip[1])[:depth])
    assert not np.asarray(skip[1])[depth:].any()  # skipped layers output nothing


@pytest.mark.parametrize("points", [10, 300, 500, 1000, 2000])
def test_evaluating_the_filled_rows_equals_evaluating_the_padded_capacity(points: int) -> None:
    t = Trainer([RunConfig(num_points=points, hidden_layers=(5, 3), l2=0.01)])
    t.train(40)
    rows = train.rows_for(points, DEFAULT_CAPACITY.points)
    assert points <= rows <= DEFAULT_CAPACITY.points
    if points <= 1000:
        assert rows < DEFAULT_CAPACITY.points
    bucket = train.evaluate(t.state, t._hp(), t._dd(), rows)
    padded = train.evaluate(t.state, t._hp(), t._dd(), DEFAULT_CAPACITY.points)
    for name in bucket:
        np.testing.assert_allclose(
            np.asarray(bucket[name]), np.asarray(padded[name]), rtol=1e-5, atol=1e-7, err_msg=name
        )


def test_advance_then_measure_equals_train() -> None:
    config = RunConfig(dataset="spiral", optimizer="adam", patience=30, val_ratio=0.2)
    a, b = Trainer([config]), Trainer([config])
    for steps in (37, 5, 64):
        chunk = a.train(steps)
        losses = b.advance(steps)
        measured = b.evaluate(track=True)
        np.testing.assert_array_equal(chunk.batch_loss, losses)
        for field in ("train_loss", "val_loss", "test_accuracy", "grad_norms", "best_val_step"):
            np.testing.assert_array_equal(getattr(chunk, field), getattr(measured, field))
        np.testing.assert_array_equal(chunk.early_stop, measured.early_stop)
    assert a.step[0] == b.step[0] == 106 and a.epoch[0] == b.epoch[0]
    for x, y in zip(jax.tree.leaves(a.state), jax.tree.leaves(b.state), strict=True):
        np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
    assert b.finite()[0]


def test_finite_flags_a_diverged_lane_without_a_full_data_pass() -> None:
    t = Trainer([RunConfig(problem="regression", dataset="surface", learning_rate=10.0)])
    for _ in range(100):
        losses = t.advance(10)
        if not t.finite()[0]:
            break
    assert not t.finite()[0]
    assert not np.isfinite(losses).all() or not np.isfinite(t.advance(1)).all()
    assert t.evaluate().diverged[0]  # the full pass the runtime then makes agrees


def _numpy_probability(t: Trainer, g: int) -> np.ndarray:
    """p(class 1) over the g x g grid by a plain NumPy tanh net on x1, x2 (independent of JAX)."""
    config = t.configs[0]
    w, b = np.asarray(t.state.params.w)[0], np.asarray(t.state.params.b)[0]
    wo, bo = np.asarray(t.state.params.wo)[0], np.asarray(t.state.params.bo)[0]
    centres = -6 + (np.arange(g) + 0.5) * 12 / g
    x1, x2 = np.meshgrid(centres, centres[::-1])  # row 0 is the top (x2 = +6)
    h = np.stack([x1.ravel(), x2.ravel()], axis=1).astype(np.float64)
    sources = 2
    for layer, width in enumerate(config.hidden_layers):
        h = np.tanh(h @ w[layer][:sources, :width] + b[layer][:width])
        sources = width
    logit = h @ wo[:sources, 0] + bo[0]
    return (1 / (1 + np.exp(-logit))).reshape(g, g)


def test_half_resolution_probe_matches_a_numpy_forward_pass() -> None:
    t = Trainer([RunConfig(hidden_layers=(4, 2))])
    t.train(300)
    full, half = t.probe(), t.probe(reduced=True)
    assert full.output_float(0).shape == (100, 100)
    arrays = half.arrays(0)
    assert arrays["output"][0].shape == (50, 50)
    assert arrays["neurons"][0].shape == (6, 16, 16)
    np.testing.assert_allclose(half.output_float(0), _numpy_probability(t, 50), atol=2e-5)
    np.testing.assert_allclose(full.output_float(0), _numpy_probability(t, 100), atol=2e-5)
    # The weights and biases a frame carries do not depend on the resolution.
    for name in ("weights", "biases"):
        np.testing.assert_array_equal(arrays[name][0], full.arrays(0)[name][0])
