"""Batch normalisation (issue 16) against an independent NumPy forward pass.

The NumPy net below is written from the definition: z = h·w + b, ẑ = gamma·(z - μ)/√(σ² + ε) + β
before the activation, μ and σ² (biased) from the minibatch's real rows in training and from
the running averages at evaluation; running averages r ← m·r + (1 - m)·batch statistic.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from nnplayground.engine import RunConfig, Trainer, model, train
from nnplayground.engine.features import feature_slots

EPS = 1e-5
MOMENTUM = 0.9  # the documented momentum (docs/architecture.md §3)


def _lane(tree: object, lane: int = 0) -> list[np.ndarray]:
    return [np.asarray(a, np.float64)[lane] for a in jax.tree.leaves(tree)]


def _numpy_forward(
    t: Trainer, x: np.ndarray, weight: np.ndarray | None, lane: int = 0
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Logits (B,) of a tanh net with one output unit, and each layer's μ, σ² (active units)."""
    cfg = t.configs[lane]
    w, b, wo, bo = _lane(t.state.params, lane)
    gamma, beta, mean, var = _lane(t.state.bn, lane)
    x1, x2 = x[:, 0].astype(np.float64), x[:, 1].astype(np.float64)
    every = np.stack([x1, x2, x1 * x1, x2 * x2, x1 * x2, np.sin(x1), np.sin(x2),
                      np.cos(x1), np.cos(x2)], axis=1)  # fmt: skip
    slots = list(feature_slots(cfg.features))
    h, w_in = every[:, slots], w[0][slots]
    mus, vars_ = [], []
    for layer, width in enumerate(cfg.hidden_layers):
        w_l = w_in if layer == 0 else w[layer][: h.shape[1]]
        z = h @ w_l[:, :width] + b[layer][:width]
        if weight is not None:
            mu = (weight[:, None] * z).sum(0) / weight.sum()
            var_b = (weight[:, None] * (z - mu) ** 2).sum(0) / weight.sum()
        else:
            mu, var_b = mean[layer][:width], var[layer][:width]
        mus.append(mu)
        vars_.append(var_b)
        h = np.tanh(gamma[layer][:width] * (z - mu) / np.sqrt(var_b + EPS) + beta[layer][:width])
    return h @ wo[: h.shape[1], 0] + bo[0], mus, vars_


def _trained(steps: int = 60, **changes: object) -> Trainer:
    cfg = RunConfig(batch_norm=True, hidden_layers=(5, 3), dataset="xor", noise=10.0,
                    optimizer="adam", learning_rate=0.02, **changes)  # type: ignore[arg-type]  # fmt: skip
    t = Trainer([cfg])
    t.train(steps)
    return t


def test_training_forward_uses_the_batch_statistics_of_real_rows() -> None:
    t = _trained()
    gamma, beta = _lane(t.state.bn)[:2]
    assert np.abs(gamma - 1).max() > 1e-3 and np.abs(beta).max() > 1e-3  # gamma, β are learned
    rng = np.random.default_rng(0)
    x = rng.uniform(-6, 6, (12, 2)).astype(np.float32)
    weight = np.ones(12, np.float32)
    weight[9:] = 0.0  # padding rows of a minibatch bucket: outside the statistics
    params = jax.tree.map(lambda a: a[0], t.state.params)
    bn = jax.tree.map(lambda a: a[0], t.state.bn)
    hp = jax.tree.map(lambda a: a[0], t.host_hyper)
    norm = model.Norm(bn.gamma, bn.beta, bn.mean, bn.var, jnp.asarray(weight))
    logits, _ = model.forward(params, hp.arch, hp.act, jnp.asarray(x), norm=norm)
    expected, _, _ = _numpy_forward(t, x, weight.astype(np.float64))
    np.testing.assert_allclose(np.asarray(logits)[:9, 0], expected[:9], rtol=1e-4, atol=1e-5)


def test_evaluation_uses_the_running_averages() -> None:
    t = _trained()
    x, y, split = t.points(0)
    logits, _, _ = _numpy_forward(t, x, None)
    bce = np.logaddexp(0.0, logits) - y * logits  # sigmoid + binary cross-entropy
    m = t.evaluate()
    np.testing.assert_allclose(m.test_loss[0], bce[split == 3].mean(), rtol=1e-4)
    np.testing.assert_allclose(m.train_loss[0], bce[split == 1].mean(), rtol=1e-4)
    # The drawn output too: p(class 1) at the probe's pixel centres (docs/architecture.md §4).
    g = t.grid
    centres = -6 + (np.arange(g) + 0.5) * 12 / g
    grid = np.stack([np.tile(centres, g), np.repeat(centres[::-1], g)], axis=1)
    p = 1 / (1 + np.exp(-_numpy_forward(t, grid, None)[0]))
    np.testing.assert_allclose(t.probe().output_float(0).ravel(), p, atol=1e-4)
    # And without batch normalisation the same weights give another output (it is applied).
    t.apply(0, t.configs[0].replace(batch_norm=False))
    assert np.abs(t.probe().output_float(0).ravel() - p).max() > 1e-2


def test_running_averages_follow_the_momentum() -> None:
    t = _trained(steps=5, batch_size=7)
    bucket = train.bucket_for(7)
    data = t.host_data
    for _ in range(3):
        before = t.state
        mean0, var0 = _lane(before.bn)[2:]
        # The rows the next step samples (train.lane_step's rule), with the pre-step model.
        _, sub = jax.random.split(before.key[0])
        u = np.asarray(jax.random.uniform(sub, (train.BATCH_BUCKETS[-1],)))[:bucket]
        n_train = int(data.n_train[0])
        rows = np.asarray(data.train_idx[0])[np.minimum(np.floor(u * n_train).astype(int),
                                                        n_train - 1)][:7]  # fmt: skip
        _, mus, vars_ = _numpy_forward(t, np.asarray(data.x[0])[rows], np.ones(7))
        t.advance(1)
        mean1, var1 = _lane(t.state.bn)[2:]
        for layer, width in enumerate(t.configs[0].hidden_layers):
            np.testing.assert_allclose(
                mean1[layer][:width],
                MOMENTUM * mean0[layer][:width] + (1 - MOMENTUM) * mus[layer],
                rtol=1e-4, atol=1e-5,
            )  # fmt: skip
            np.testing.assert_allclose(
                var1[layer][:width],
                MOMENTUM * var0[layer][:width] + (1 - MOMENTUM) * vars_[layer],
                rtol=1e-4, atol=1e-5,
            )  # fmt: skip
        # Unused slots (past the width or the depth) keep their initial statistics.
        np.testing.assert_array_equal(mean1[0][5:], 0.0)
        np.testing.assert_array_equal(var1[2:], 1.0)


def test_off_is_the_plain_net_and_frames_carry_the_state_only_when_on() -> None:
    on, off = Trainer([RunConfig(batch_norm=True)]), Trainer([RunConfig()])
    off_b = Trainer([RunConfig(batch_norm=False)])
    off.train(40)
    off_b.train(40)
    np.testing.assert_array_equal(np.asarray(off.state.params.w), np.asarray(off_b.state.params.w))
    assert "bn_gamma" not in off.probe().arrays(0)
    on.train(40)
    arrays = on.probe().arrays(0)
    widths = on.configs[0].hidden_layers
    for name in ("bn_gamma", "bn_beta", "bn_mean", "bn_var"):
        values, _ = arrays[name]
        assert values.dtype == np.float32 and values.shape == (sum(widths),), name
    gamma = np.asarray(on.state.bn.gamma)[0]
    np.testing.assert_array_equal(
        arrays["bn_gamma"][0], np.concatenate([gamma[i, :w] for i, w in enumerate(widths)])
    )


def test_batch_norm_trains_a_deep_sigmoid_net_that_stalls_without() -> None:
    """The lesson's claim: six sigmoid layers barely move without it, and learn with it."""
    cfg = RunConfig(dataset="circle", hidden_layers=(8, 8, 8, 8, 8, 8), activation="sigmoid",
                    learning_rate=0.1, batch_size=10)  # fmt: skip
    plain, normed = Trainer([cfg]), Trainer([cfg.replace(batch_norm=True)])
    loss_plain = plain.train(1500).test_loss[0]
    loss_normed = normed.train(1500).test_loss[0]
    assert loss_normed < 0.5 * loss_plain, (loss_normed, loss_plain)
