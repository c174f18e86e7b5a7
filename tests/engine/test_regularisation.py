"""Dropout (inverted, off at evaluation), L2 shrinks weights, L1 makes them sparse."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from nnplayground.engine import RunConfig, Trainer, model
from nnplayground.engine.train import dropout_keep


def test_dropout_keeps_the_expected_activation() -> None:
    keep = np.asarray(dropout_keep(jax.random.PRNGKey(0), jnp.float32(0.3), (6, 20000, 9)))
    np.testing.assert_allclose(np.unique(keep), [0.0, 1 / 0.7], rtol=1e-6)
    assert abs(np.mean(keep == 0) - 0.3) < 0.01
    off = np.asarray(dropout_keep(jax.random.PRNGKey(0), jnp.float32(0.0), (4, 16, 9)))
    assert np.all(off == 1.0)
    # Through the real model: one point repeated; the mean first-layer output under dropout
    # equals the output without dropout (inverted scaling), though single rows differ.
    t = Trainer([RunConfig(hidden_layers=[8, 4])])
    hp = jax.tree.map(lambda a: a[0], t._hp())
    params = jax.tree.map(lambda a: a[0], t.state.params)
    x = jnp.tile(jnp.asarray([[1.5, -2.0]]), (20000, 1))
    _, plain = model.forward(params, hp.arch, hp.act, x)
    _, dropped = model.forward(params, hp.arch, hp.act, x, jnp.asarray(keep))
    np.testing.assert_allclose(
        np.mean(np.asarray(dropped[0]), axis=0), np.asarray(plain[0, 0]), atol=0.02
    )
    assert np.mean(np.asarray(dropped[0][:, :8]) == 0) > 0.25


def test_dropout_is_off_at_evaluation() -> None:
    t = Trainer([RunConfig(hidden_layers=[6, 6])])
    t.train(200)
    plain = t.probe()
    metrics = t.train(1)  # one more step changes the weights; probe again after toggling
    t.apply(0, t.configs[0].replace(dropout=0.5))
    with_dropout = t.probe()
    t.apply(0, t.configs[0].replace(dropout=0.0))
    again = t.probe()
    assert np.array_equal(with_dropout.output_float(0), again.output_float(0))
    assert np.array_equal(with_dropout.neurons_float(0), again.neurons_float(0))
    assert not np.array_equal(plain.output_float(0), again.output_float(0))
    assert np.isfinite(metrics.train_loss[0])
    # Training with dropout still learns, and its reported loss is the deterministic one.
    t.apply(0, t.configs[0].replace(dropout=0.3))
    m1 = t.train(1)
    assert np.isfinite(m1.train_loss[0])


def _weights(t: Trainer) -> np.ndarray:
    w, _ = t.probe().arrays(0)["weights"]
    return w


def test_l2_shrinks_and_l1_sparsifies_weights() -> None:
    base = RunConfig(dataset="gauss", hidden_layers=[8, 8], features=["x1", "x2", "x1sq", "x2sq", "x1x2"],
                     learning_rate=0.03)  # fmt: skip
    runs = {}
    for name, changes in {"none": {}, "l2": {"l2": 0.01}, "l1": {"l1": 0.01}}.items():
        t = Trainer([base.replace(**changes)])
        m = t.train(3000)
        runs[name] = (_weights(t), m)
    w_none, m_none = runs["none"]
    w_l2, m_l2 = runs["l2"]
    w_l1, _ = runs["l1"]
    assert np.linalg.norm(w_l2) < 0.8 * np.linalg.norm(w_none)
    assert m_l2.weight_norms[0, :3].sum() < m_none.weight_norms[0, :3].sum()
    near_zero = {k: int(np.sum(np.abs(w) < 1e-2)) for k, w in (("l1", w_l1), ("l2", w_l2))}
    assert near_zero["l1"] > near_zero["l2"] + 10, near_zero
