"""Seeded 2-D datasets in the square [-6, 6]², their train/val/test split and padded arrays.

Pure NumPy on the host: data changes rarely and must be bit-reproducible from `data_seed`.
Generators follow the TensorFlow Playground's shapes (radius 5 circle, 2-arm spiral, …) so a
student's intuition transfers; noise is a percentage 0-50 that jitters the inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from nnplayground.engine import registry as reg
from nnplayground.engine.config import Capacity, RunConfig
from nnplayground.engine.errors import FieldError

DOMAIN = 6.0
Rows = tuple[np.ndarray, np.ndarray]  # x (N, 2) float64, y (N,) float64


class Data(NamedTuple):
    """One lane's data padded to `Capacity.points` (P); pad rows have split 0."""

    x: np.ndarray  # (P, 2) float32
    y: np.ndarray  # (P,) float32: class index or regression target in [-1, 1]
    split: np.ndarray  # (P,) int32: 0 pad, 1 train, 2 val, 3 test
    train_idx: np.ndarray  # (P,) int32: row indices of the training points first
    n_train: np.ndarray  # () int32
    n: int  # real rows


def _circle(rng: np.random.Generator, n: int, noise: float, _k: int) -> Rows:
    radius = 5.0
    half = n // 2
    r = np.concatenate(
        [rng.uniform(0, radius * 0.5, half), rng.uniform(radius * 0.7, radius, n - half)]
    )
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    jitter = rng.uniform(-radius, radius, (n, 2)) * noise
    # Label from the jittered position, as the TF Playground does: noise blurs the boundary.
    inside = np.hypot(x[:, 0] + jitter[:, 0], x[:, 1] + jitter[:, 1]) < radius * 0.5
    return x, inside.astype(np.float64)


def _xor(rng: np.random.Generator, n: int, noise: float, _k: int) -> Rows:
    pad = 0.3  # keep points off the axes so the classes are separable without noise
    x = rng.uniform(-5, 5, (n, 2))
    x = x + np.where(x > 0, pad, -pad)
    jitter = rng.uniform(-5, 5, (n, 2)) * noise
    label = (x[:, 0] + jitter[:, 0]) * (x[:, 1] + jitter[:, 1]) >= 0
    return x, label.astype(np.float64)


def _gauss(rng: np.random.Generator, n: int, noise: float, _k: int) -> Rows:
    std = np.sqrt(0.5 + 3.5 * noise / 0.5)  # variance grows from 0.5 to 4 with noise
    half = n // 2
    y = np.concatenate([np.ones(half), np.zeros(n - half)])
    centre = np.where(y[:, None] > 0, 2.0, -2.0)
    x = centre + rng.normal(0, std, (n, 2))
    return x, y


def _spiral_arms(rng: np.random.Generator, n: int, noise: float, k: int) -> Rows:
    counts = [n // k + (1 if c < n % k else 0) for c in range(k)]
    xs, ys = [], []
    for c, m in enumerate(counts):
        # Random positions along the arm, so that "Regenerate" gives new points even at noise 0.
        t_frac = np.sort(rng.uniform(0, 1, m))
        r = t_frac * 5.0
        t = 1.75 * t_frac * 2 * np.pi + 2 * np.pi * c / k
        pts = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        xs.append(pts + rng.uniform(-1, 1, (m, 2)) * noise * 2)
        ys.append(np.full(m, float(c)))
    return np.concatenate(xs), np.concatenate(ys)


def _spiral(rng: np.random.Generator, n: int, noise: float, _k: int) -> Rows:
    x, y = _spiral_arms(rng, n, noise, 2)
    return x, 1.0 - y  # arm 0 is the positive class, as in the TF Playground


def _moons(rng: np.random.Generator, n: int, noise: float, _k: int) -> Rows:
    half = n // 2
    t0 = rng.uniform(0, np.pi, half)
    t1 = rng.uniform(0, np.pi, n - half)
    upper = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    lower = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    x = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 3.0
    x = x + rng.normal(0, 0.1 + 2.0 * noise, (n, 2))
    return x, np.concatenate([np.ones(half), np.zeros(n - half)])


def _checkerboard(rng: np.random.Generator, n: int, noise: float, _k: int) -> Rows:
    x = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    jitter = rng.uniform(-3, 3, (n, 2)) * noise
    cells = np.floor((x + jitter) / 3.0).astype(np.int64)  # a 4 x 4 board of 3 x 3 cells
    return x, ((cells[:, 0] + cells[:, 1]) % 2 == 0).astype(np.float64)


def _blobs(rng: np.random.Generator, n: int, noise: float, k: int) -> Rows:
    angle = 2 * np.pi * np.arange(k) / k + np.pi / 4
    centres = 3.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    y = np.arange(n) % k
    std = 0.6 + 4.0 * noise
    return centres[y] + rng.normal(0, std, (n, 2)), y.astype(np.float64)


def _plane(rng: np.random.Generator, n: int, noise: float, _k: int) -> Rows:
    x = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    jitter = rng.uniform(-DOMAIN, DOMAIN, (n, 2)) * noise
    return x, (x[:, 0] + jitter[:, 0] + x[:, 1] + jitter[:, 1]) / (2 * DOMAIN)


_BUMPS = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]]
)


def _multi_gauss(rng: np.random.Generator, n: int, noise: float, _k: int) -> Rows:
    x = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    p = x + rng.uniform(-DOMAIN, DOMAIN, (n, 2)) * noise
    d2 = (p[:, None, 0] - _BUMPS[None, :, 0]) ** 2 + (p[:, None, 1] - _BUMPS[None, :, 1]) ** 2
    y = np.sum(_BUMPS[None, :, 2] * np.exp(-d2 / (2 * 1.5**2)), axis=1)
    return x, y


def _surface(rng: np.random.Generator, n: int, noise: float, _k: int) -> Rows:
    x = rng.uniform(-DOMAIN, DOMAIN, (n, 2))
    p = x + rng.uniform(-DOMAIN, DOMAIN, (n, 2)) * noise
    # A smooth, non-separable surface with a ridge and a bump: a fair "universal approximation" target.
    y = 0.6 * np.sin(0.7 * p[:, 0]) * np.cos(0.45 * p[:, 1]) + 0.4 * np.exp(
        -((p[:, 0] - 1.5) ** 2 + (p[:, 1] + 1.5) ** 2) / 4.0
    )
    return x, y


Generator = Callable[[np.random.Generator, int, float, int], Rows]
GENERATORS: dict[str, Generator] = {
    "circle": _circle,
    "xor": _xor,
    "gauss": _gauss,
    "spiral": _spiral,
    "moons": _moons,
    "checkerboard": _checkerboard,
    "multi_spiral": _spiral_arms,
    "blobs": _blobs,
    "plane": _plane,
    "multi_gauss": _multi_gauss,
    "surface": _surface,
}


def generate(cfg: RunConfig) -> np.ndarray:
    """The dataset's rows (N, 3): x1, x2, label-or-target; deterministic in `data_seed`."""
    names = reg.CLASSIFICATION_DATASETS + reg.REGRESSION_DATASETS
    rng = np.random.default_rng([cfg.data_seed, names.index(cfg.dataset)])
    x, y = GENERATORS[cfg.dataset](rng, cfg.num_points, cfg.noise / 100.0, cfg.classes)
    x = np.clip(x, -DOMAIN, DOMAIN)
    if cfg.problem == "regression":
        y = np.clip(y, -1.0, 1.0)
    return np.concatenate([x, y[:, None]], axis=1)


def check_points(points: object, cfg: RunConfig, capacity: Capacity) -> np.ndarray:
    """User points validated into (N, 3) float64, or ValueError naming `points`."""
    try:
        arr = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise FieldError("points", "must be rows of three numbers (x1, x2, label)") from exc
    if arr.ndim != 2 or arr.shape[1] != 3:
        raise FieldError("points", f"must have shape (N, 3), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise FieldError("points", "contains NaN or infinite values")
    limit = min(capacity.points, 2000)
    if not 2 <= arr.shape[0] <= limit:
        raise FieldError("points", f"need 2-{limit} points, got {arr.shape[0]}")
    if cfg.problem == "classification":
        labels = arr[:, 2]
        k = cfg.num_classes
        if np.any(labels != np.round(labels)) or np.any(labels < 0) or np.any(labels >= k):
            raise FieldError("points", f"labels must be integers 0-{k - 1} (num_classes = {k})")
        counts = np.bincount(labels.astype(np.int64), minlength=k)
        empty = np.flatnonzero(counts == 0)
        if empty.size:
            raise FieldError("points", f"class {int(empty[0])} has no points")
    elif np.any(np.abs(arr[:, 2]) > 1.0):
        raise FieldError("points", "regression targets must lie in [-1, 1]")
    return arr


def split_rows(rows: np.ndarray, cfg: RunConfig, capacity: Capacity) -> Data:
    """Shuffle rows into train/val/test by the ratios and pad to the capacity."""
    n = rows.shape[0]
    rng = np.random.default_rng([cfg.data_seed, 7919])  # 7919: a split stream apart from data
    order = rng.permutation(n)
    n_train = max(1, round(cfg.train_ratio * n))
    n_val = min(round(cfg.val_ratio * n), n - n_train)
    split = np.zeros(capacity.points, np.int32)
    split[order[:n_train]] = 1
    split[order[n_train : n_train + n_val]] = 2
    split[order[n_train + n_val :]] = 3
    x = np.zeros((capacity.points, 2), np.float32)
    y = np.zeros(capacity.points, np.float32)
    x[:n] = rows[:, :2]
    y[:n] = rows[:, 2]
    train_idx = np.zeros(capacity.points, np.int32)
    train_idx[:n_train] = np.sort(order[:n_train])
    return Data(x, y, split, train_idx, np.asarray(n_train, np.int32), n)
