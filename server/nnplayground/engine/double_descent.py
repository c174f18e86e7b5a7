"""Double descent: test error against hidden width of a one-hidden-layer net (issue 16).

The curve (Belkin et al. 2019; Nakkiran et al. 2019) rises to a peak where the model can just
interpolate its n training points (width ≈ n) and falls again beyond it. Training hundreds of
networks to convergence takes minutes, so the lesson uses the model that shows it exactly and
fast, *random ReLU features*:

* hidden layer: h_k(x) = max(0, w_k·x/6 + b_k), w_k ~ N(0, I₂), b_k ~ N(0, ½²), fixed (not
  trained); the inputs are the points scaled to [-1, 1]², the domain [-6, 6]² divided by 6;
* output layer: the minimum-norm least-squares fit a = Φ⁺y of the training targets, which is
  what gradient descent from zero converges to. Below the threshold (width p < n) it is the
  least-squares fit; at p ≈ n the fit must pass through every (noisy) point with a nearly
  singular Φ, so ‖a‖ and the test error blow up; beyond it, among many interpolating fits, the
  smallest one is ever smoother, and the test error descends again.

Every width uses a prefix of the same P = max width features (nested models), through the n x n
Gram matrix G_p = Φ_p Φ_pᵀ: a = Φ_pᵀ G_p⁺ y, so a width costs one n x n eigendecomposition; the
widths and the feature draws are one jitted, doubly vmapped call. It runs in float64
(`jax.enable_x64` around the call only): float32 would blur exactly the ill-conditioning that
makes the peak. (JAX, not NumPy: OpenBLAS's threads spin against each other on a loaded 2-core
machine, 50 ms per 40 x 40 eigendecomposition instead of 0.1 ms.) The curve is the median over
a few draws of the features (one draw is noisy near the peak). The default set (regression
`plane`, 40 training points, 10 % input noise, 500 test points) takes about a second to
compile and a tenth of a second after that.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from nnplayground.engine import data
from nnplayground.engine import registry as reg
from nnplayground.engine.config import RunConfig
from nnplayground.engine.data import DOMAIN
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lanes import host

RCOND = 1e-13  # eigenvalues below RCOND · the largest count as 0 (the pseudo-inverse's cut-off)


@dataclass(frozen=True)
class Curve:
    """Test and train error (mean squared error) per hidden width."""

    widths: np.ndarray  # (W,) int, increasing: from 2 to `max_ratio` x n_train
    test_error: np.ndarray  # (W,) float64, median over the feature draws
    train_error: np.ndarray  # (W,) float64, median over the feature draws (0 past the threshold)
    n_train: int  # the interpolation threshold: width = n_train

    def to_dict(self) -> dict[str, object]:
        return {
            "widths": self.widths.tolist(),
            "test_error": self.test_error.tolist(),
            "train_error": self.train_error.tolist(),
            "n_train": self.n_train,
        }


def widths_for(n_train: int, max_ratio: float = 10.0, count: int = 25) -> np.ndarray:
    """`count` (at most) geometrically spaced integer widths from 2 to max_ratio · n_train."""
    return np.unique(np.round(np.geomspace(2, max_ratio * n_train, count)).astype(np.int64))


def _errors(
    x_train: Array,
    y_train: Array,
    x_test: Array,
    y_test: Array,
    key: Array,
    widths: Array,
    features: int,
) -> tuple[Array, Array]:
    """(test MSE (W,), train MSE (W,)) of one feature draw at every width: the minimum-norm
    least-squares output layer on the first p features, a = Φᵀ G⁺ y with G = ΦΦᵀ."""
    k_w, k_b = jax.random.split(key)
    w = jax.random.normal(k_w, (2, features), jnp.float64)
    b = 0.5 * jax.random.normal(k_b, (features,), jnp.float64)
    f_train = jax.nn.relu(x_train @ w + b[None, :])
    f_test = jax.nn.relu(x_test @ w + b[None, :])

    def at(p: Array) -> tuple[Array, Array]:
        used = (jnp.arange(features) < p).astype(jnp.float64)
        phi = f_train * used[None, :]
        gram = phi @ phi.T
        vals, vecs = jnp.linalg.eigh(gram)
        keep = vals > vals[-1] * RCOND
        inverse = jnp.where(keep, 1.0 / jnp.where(keep, vals, 1.0), 0.0)
        alpha = vecs @ (inverse * (vecs.T @ y_train))
        test = (f_test * used[None, :]) @ (phi.T @ alpha)
        train = gram @ alpha
        return jnp.mean((test - y_test) ** 2), jnp.mean((train - y_train) ** 2)

    return jax.vmap(at)(widths)


@engine_jit(static_argnames=("features",))
def _curves(
    x_train: Array,
    y_train: Array,
    x_test: Array,
    y_test: Array,
    keys: Array,
    widths: Array,
    features: int,
) -> tuple[Array, Array]:
    """`_errors` for every key (D,): (test, train) MSE (D, W); `features` = the largest width."""
    fn = jax.vmap(partial(_errors, features=features), in_axes=(None, None, None, None, 0, None))
    return fn(x_train, y_train, x_test, y_test, keys, widths)


def curve(
    n_train: int = 40,
    n_test: int = 500,
    dataset: str = "plane",
    noise: float = 10.0,
    draws: int = 8,
    max_ratio: float = 10.0,
    seed: int = 0,
) -> Curve:
    """The double-descent curve on a playground dataset (its rows from `data.generate`)."""
    regression = dataset in reg.REGRESSION_DATASETS
    cfg = RunConfig(
        problem="regression" if regression else "classification",
        dataset=dataset,
        noise=noise,
        num_points=n_train + n_test,
        data_seed=seed,
    )
    rows = data.generate(cfg.validate())
    x = rows[:, :2] / DOMAIN
    # Classification labels {0, 1} become ±1 targets; regression targets are already in [-1, 1].
    y = rows[:, 2] if cfg.problem == "regression" else 2.0 * rows[:, 2] - 1.0
    widths = widths_for(n_train, max_ratio)
    with jax.enable_x64(True):
        keys = jax.random.split(jax.random.PRNGKey(seed), draws)
        test, train = _curves(
            host(x[:n_train], np.float64),
            host(y[:n_train], np.float64),
            host(x[n_train:], np.float64),
            host(y[n_train:], np.float64),
            keys,
            host(widths, np.int64),
            int(widths[-1]),
        )
        test_error, train_error = np.asarray(test), np.asarray(train)
    return Curve(widths, np.median(test_error, axis=0), np.median(train_error, axis=0), n_train)
