"""Double descent (issue 16): the curve's shape, and its fits against NumPy's least squares."""

from __future__ import annotations

import jax
import numpy as np

from nnplayground.engine import double_descent as dd


def test_the_peak_sits_at_the_interpolation_threshold_and_both_ends_are_lower() -> None:
    for seed in (0, 1):
        c = dd.curve(seed=seed)
        n = c.n_train
        assert c.widths[0] <= 4 and c.widths[-1] >= 9.5 * n  # a few units to ~10 x n
        peak = int(np.argmax(c.test_error))
        assert 0.5 * n <= c.widths[peak] <= 2 * n, (c.widths[peak], n)
        assert c.test_error[peak] >= 2 * c.test_error[0], c.test_error
        assert c.test_error[peak] >= 2 * c.test_error[-1], c.test_error
        # Past the threshold every width interpolates its training points.
        assert np.all(c.train_error[c.widths >= 2 * n] < 1e-8)
        assert c.train_error[0] > 1e-3


def test_each_fit_is_numpys_minimum_norm_least_squares() -> None:
    rng = np.random.default_rng(3)
    n, m, features = 12, 30, 40
    x_train, x_test = rng.uniform(-1, 1, (n, 2)), rng.uniform(-1, 1, (m, 2))
    y_train, y_test = rng.normal(size=n), rng.normal(size=m)
    widths = np.array([3, 11, 12, 13, 40])
    key = jax.random.PRNGKey(5)
    with jax.enable_x64(True):
        test, train = dd._errors(x_train, y_train, x_test, y_test, key, widths, features)
        k_w, k_b = jax.random.split(key)
        w = np.asarray(jax.random.normal(k_w, (2, features), np.float64))
        b = 0.5 * np.asarray(jax.random.normal(k_b, (features,), np.float64))
    f_train = np.maximum(x_train @ w + b, 0.0)
    f_test = np.maximum(x_test @ w + b, 0.0)
    for j, p in enumerate(widths):
        a, *_ = np.linalg.lstsq(f_train[:, :p], y_train, rcond=None)  # minimum-norm solution
        np.testing.assert_allclose(test[j], np.mean((f_test[:, :p] @ a - y_test) ** 2), rtol=1e-6)
        np.testing.assert_allclose(
            train[j], np.mean((f_train[:, :p] @ a - y_train) ** 2), rtol=1e-6, atol=1e-12
        )
