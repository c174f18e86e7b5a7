"""The loss landscape: the training loss on a 2-D plane through the current weights, with the
optimizer's recent path projected onto it (Li et al. 2018, "Visualizing the Loss Landscape").

The plane is θ(a, b) = θ* + a·d1 + b·d2 through the current weights θ*. Directions are either the
top two principal directions of the recent trajectory (`"pca"`: the path then lies in the plane
as far as two dimensions can hold it) or two filter-normalised random directions (`"random"`:
each neuron's incoming weights scaled to that neuron's weight norm, biases 0). The GxG grid is
one jitted call vmapped over the plane's points; row 0 is b = +span (image order, like the
probes), column 0 is a = -span, and with odd G the centre pixel is exactly θ*.
The loss is the data loss over the training split (no penalty), the same number as the
frames' `train_loss`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array, lax

from nnplayground.engine import losses, model
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lane_view import flatten, lane_view, param_masks, unflatten
from nnplayground.engine.lanes import DataArrays, Hyper, host
from nnplayground.engine.model import Params
from nnplayground.engine.train import rows_for
from nnplayground.engine.trainer import Trainer

GRID = 31  # odd, so the centre pixel is the current weights
HISTORY = 120  # trajectory snapshots kept for the PCA directions and the path
MODES = ("pca", "random")


def _train_rows(data: DataArrays, rows: int) -> tuple[Array, Array, Array]:
    """The first `rows` training rows (x, y, weight 1 for real rows, 0 past n_train)."""
    idx = data.train_idx[:rows]
    weight = (jnp.arange(rows) < data.n_train).astype(jnp.float32)
    return data.x[idx], data.y[idx], weight


def train_loss_at(params: Params, hp: Hyper, x: Array, y: Array, weight: Array) -> Array:
    logits, _ = model.forward(params, hp.arch, hp.act, x, skip=True, unrolled=True)
    per = losses.per_example_loss(hp.head, logits, y, hp.arch.out_mask)
    return jnp.sum(per * weight) / jnp.maximum(jnp.sum(weight), 1.0)


@engine_jit(static_argnames=("g", "rows"))
def loss_grid(
    params: Params, hp: Hyper, data: DataArrays, d1: Params, d2: Params, span: Array, g: int,
    rows: int,
) -> Array:  # fmt: skip
    """(g, g) training loss at θ + a·d1 + b·d2; a along columns (left -span), b along rows (top
    +span). One lane: a `lax.map` over the rows of a vmap over the columns.

    Row by row because it is faster on the CPU than one g²-wide vmap (40 vs 52 ms for 31², less
    memory), and because the flat g²-wide version (alpha = tile(steps), beta = repeat(steps))
    returned values shifted by 12 places for a softmax head at g = 31 on jax 0.10.2's CPU backend
    (correct at g = 7): the tests compare every grid point with NumPy.
    """
    x, y, weight = _train_rows(data, rows)
    steps = jnp.linspace(-1.0, 1.0, g) * span

    def at(a: Array, b: Array) -> Array:
        p = Params(*(t + a * u + b * v for t, u, v in zip(params, d1, d2, strict=True)))
        return train_loss_at(p, hp, x, y, weight)

    out: Array = lax.map(lambda b: jax.vmap(lambda a: at(a, b))(steps), steps[::-1])
    return out


class Trajectory:
    """Recent flattened weights of one lane (host float64), oldest first."""

    def __init__(self, maxlen: int = HISTORY) -> None:
        self._snaps: deque[np.ndarray] = deque(maxlen=maxlen)

    def __len__(self) -> int:
        return len(self._snaps)

    def clear(self) -> None:
        self._snaps.clear()

    def record(self, params: Params) -> None:
        """Append one lane's parameters (no lane axis) unless equal to the last snapshot."""
        flat = flatten(params)
        if self._snaps and (
            self._snaps[-1].shape != flat.shape or np.array_equal(self._snaps[-1], flat)
        ):
            if self._snaps[-1].shape != flat.shape:
                self._snaps.clear()
            else:
                return
        self._snaps.append(flat)

    def snapshots(self) -> list[np.ndarray]:
        return list(self._snaps)


@dataclass(frozen=True)
class Landscape:
    grid: np.ndarray  # (G, G) float32 training loss, image order
    directions: str  # "pca" | "random" (what was actually used; pca falls back to random)
    span: float  # a, b run over [-span, span]
    path: np.ndarray  # (n, 2) float32 (a, b) of the trajectory, oldest first; last is (0, 0)
    center_loss: float  # the loss at the current weights (the centre pixel)
    d1: Params  # the plane's directions (host float32, padded like the lane's parameters)
    d2: Params

    def header(self) -> dict[str, object]:
        return {
            "directions": self.directions,
            "span": self.span,
            "path": [[float(a), float(b)] for a, b in self.path],
            "center_loss": self.center_loss,
        }


def random_directions(params: Params, masks: Params, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two filter-normalised random directions (flat float64): every neuron's incoming weights
    get the norm of that neuron's weights (a zero neuron keeps a unit direction); biases 0."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(2):
        parts = []
        for name, axis in (("w", 1), ("wo", 0)):
            w = np.asarray(getattr(params, name), np.float64)
            m = np.asarray(getattr(masks, name), np.float64)
            d = rng.standard_normal(w.shape) * m
            wn = np.linalg.norm(w * m, axis=axis, keepdims=True)
            dn = np.linalg.norm(d, axis=axis, keepdims=True)
            scale = np.where(wn > 0, wn, 1.0) / np.maximum(dn, 1e-12)
            parts.append(d * scale)
        zeros_b = host(np.zeros(np.shape(params.b)), np.float64)
        zeros_bo = host(np.zeros(np.shape(params.bo)), np.float64)
        w_dir, wo_dir = host(parts[0], np.float64), host(parts[1], np.float64)
        out.append(flatten(Params(w_dir, zeros_b, wo_dir, zeros_bo)))
    return out[0], out[1]


@engine_jit
def _top2(m: Array) -> tuple[Array, Array]:
    """Top two eigenpairs of m·mᵀ for m (n, P) (zero rows allowed): (values (2,) descending,
    unit right singular vectors (2, P)), by subspace iteration and a 2x2 Rayleigh-Ritz step.

    In XLA rather than NumPy: LAPACK's SVD through the multi-threaded OpenBLAS took 0.05-2.7 s
    for a 120 x 600 matrix on the loaded 2-core machine (threads spinning against XLA's), which
    starved training; this takes well under a millisecond.
    """
    gram = m @ m.T  # (n, n)
    n = gram.shape[0]

    def orthonormal(v: Array) -> Array:
        a = v[:, 0] / jnp.maximum(jnp.linalg.norm(v[:, 0]), 1e-30)
        b = v[:, 1] - jnp.dot(a, v[:, 1]) * a
        b = b / jnp.maximum(jnp.linalg.norm(b), 1e-30)
        return jnp.stack([a, b], axis=1)

    start = jnp.stack([jnp.ones(n), jnp.cos(jnp.arange(n) * 1.3)], axis=1)
    v = lax.fori_loop(0, 200, lambda _, v: orthonormal(gram @ v), orthonormal(start))
    small = v.T @ gram @ v  # (2, 2) symmetric: rotate v onto its eigenvectors
    half = 0.5 * (small[0, 0] - small[1, 1])
    root = jnp.sqrt(half**2 + small[0, 1] ** 2)
    angle = 0.5 * jnp.arctan2(small[0, 1], half)
    c, s_ = jnp.cos(angle), jnp.sin(angle)
    rot = jnp.stack([jnp.stack([c, -s_]), jnp.stack([s_, c])])  # columns: eigenvectors
    u = v @ rot
    mean = 0.5 * (small[0, 0] + small[1, 1])
    values = jnp.stack([mean + root, mean - root])
    dirs = (m.T @ u) / jnp.sqrt(jnp.maximum(values, 1e-30))[None, :]
    return values, dirs.T


def pca_directions(
    snaps: list[np.ndarray], current: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Top two principal directions (unit, orthogonal) of the trajectory about the current
    weights, or None when the path does not span two dimensions yet."""
    if len(snaps) < 3:
        return None
    m = np.zeros((HISTORY, current.shape[0]), np.float32)  # fixed shape: one compile
    m[: len(snaps)] = (np.stack(snaps[-HISTORY:]) - current[None, :]) * mask[None, :]
    values, dirs = (np.asarray(a, np.float64) for a in _top2(host(m, np.float32)))
    if not values[0] > 0 or values[1] <= 1e-10 * values[0]:
        return None
    # Exactly zero on padded parameters (a float32 product can leave dust there).
    d1, d2 = dirs[0] * mask, dirs[1] * mask
    return d1 / np.linalg.norm(d1), d2 / np.linalg.norm(d2)


def project(
    snaps: list[np.ndarray], current: np.ndarray, d1: np.ndarray, d2: np.ndarray
) -> np.ndarray:
    """(n, 2) least-squares (a, b) of each snapshot's offset from `current` in span(d1, d2);
    the current weights are appended last, at exactly (0, 0). Written with einsum and a 2x2
    solve: no (threaded) BLAS or LAPACK call (see `_top2`)."""
    offsets = np.stack([*snaps, current]) - current[None, :]
    rhs = np.einsum("np,kp->nk", offsets, np.stack([d1, d2]))  # (n, 2) dot products
    g11, g12, g22 = np.einsum("p,p", d1, d1), np.einsum("p,p", d1, d2), np.einsum("p,p", d2, d2)
    det = g11 * g22 - g12 * g12
    path = np.stack([g22 * rhs[:, 0] - g12 * rhs[:, 1], g11 * rhs[:, 1] - g12 * rhs[:, 0]], 1)
    path = path / (det if det > 0 else 1.0)
    path[-1] = 0.0
    if len(snaps) and np.array_equal(snaps[-1], current):
        path = path[:-1]
    out: np.ndarray = path.astype(np.float32)
    return out


def landscape(
    trainer: Trainer, lane: int, trajectory: Trajectory, mode: str = "pca", g: int = GRID
) -> Landscape:
    """The lane's loss landscape now (see the module docstring)."""
    if mode not in MODES:
        raise ValueError(f"directions: must be one of {', '.join(MODES)}, got {mode!r}")
    view = lane_view(trainer, lane)
    masks = param_masks(view.hp)
    mask = flatten(masks)
    current = flatten(view.params)
    snaps = trajectory.snapshots()
    dirs = pca_directions(snaps, current, mask) if mode == "pca" else None
    used = "pca" if dirs is not None else "random"
    if dirs is None:
        dirs = random_directions(view.params, masks, trainer.configs[lane].seed)
    d1, d2 = dirs
    path = project(snaps, current, d1, d2)
    reach = float(np.max(np.abs(path))) if len(path) else 0.0
    # PCA directions are unit vectors, so their span is in weight units: fit the path with a
    # margin. Random directions are neuron-scaled: [-1, 1] is Li et al.'s view, wider if the
    # path needs it.
    span = 1.25 * reach if used == "pca" else max(1.0, 1.25 * reach)
    span = max(span, 1e-3)
    n_train = int(view.data.n_train)
    rows = rows_for(n_train, trainer.capacity.points)
    u, v = unflatten(d1, view.params), unflatten(d2, view.params)
    grid = np.asarray(
        loss_grid(view.params, view.hp, view.data, u, v, host(span, np.float32), g, rows)
    )
    return Landscape(grid, used, span, path, float(grid[g // 2, g // 2]), u, v)


def warm(trainer: Trainer, g: int = GRID) -> None:
    """Compile `loss_grid` for every training-row bucket of the trainer's capacity."""
    view = lane_view(trainer, 0)
    zero = jax.tree.map(np.zeros_like, view.params)
    sizes = {rows_for(n, trainer.capacity.points) for n in range(1, trainer.capacity.points + 1)}
    for rows in sorted(sizes):
        loss_grid(view.params, view.hp, view.data, zero, zero, host(1.0, np.float32), g, rows)
    _top2(host(np.zeros((HISTORY, flatten(view.params).shape[0])), np.float32))


__all__ = ["GRID", "Landscape", "Trajectory", "landscape", "loss_grid", "warm"]
