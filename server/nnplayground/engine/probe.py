"""Probes: what the page draws, computed on the device and quantised for the wire.

The output grid is GxG pixel centres over [-6, 6]² in image order (row 0 at the top, x2 = +6);
neuron maps are HxH. Grids are uint8 with their decoding (`min + q·scale`; neurons per map by
`neuron_range`), weights and biases float32 — docs/architecture.md §4.
"""

from __future__ import annotations

from functools import lru_cache, partial

import jax.numpy as jnp
import numpy as np
from jax import Array

from nnplayground.engine import losses, model
from nnplayground.engine.config import RunConfig
from nnplayground.engine.data import DOMAIN
from nnplayground.engine.features import feature_slots
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lanes import Hyper, LaneState, over_lanes
from nnplayground.engine.losses import head_of

Extras = dict[str, float]
# Frame arrays of a net with batch normalisation: `model.BatchNorm`'s leaves, active neurons.
BN_ARRAYS = ("bn_gamma", "bn_beta", "bn_mean", "bn_var")


def grid_points(g: int) -> Array:
    """(g·g, 2) pixel centres, row-major in image order: x1 = -6 + (j + ½)·12/g, x2 = 6 - (i + ½)·12/g."""
    centres = -DOMAIN + (jnp.arange(g) + 0.5) * (2 * DOMAIN / g)
    x1 = jnp.tile(centres, g)
    x2 = jnp.repeat(centres[::-1], g)
    return jnp.stack([x1, x2], axis=1)


def _quantise(v: Array, lo: Array, hi: Array) -> Array:
    span = jnp.maximum(hi - lo, 1e-12)
    return jnp.round(jnp.clip((v - lo) / span, 0.0, 1.0) * 255.0).astype(jnp.uint8)


def lane_probe(state: LaneState, hp: Hyper, g: int, h: int) -> dict[str, Array]:
    """One lane's grids: output (g, g) uint8 + float, class (g, g), neuron maps (L, D, h, h)."""
    logits, _ = model.forward_eval(
        state.params, hp.arch, hp.act, grid_points(g), hp.batch_norm, state.bn, True, True
    )
    cls, shown, _ = losses.predict(hp.head, logits, hp.arch.out_mask)
    regression = hp.head == losses.HEADS.index("regression")
    shown = jnp.where(regression, jnp.clip(shown, -1.0, 1.0), shown)
    lo = jnp.where(regression, -1.0, 0.0)
    _, hidden = model.forward_eval(
        state.params, hp.arch, hp.act, grid_points(h), hp.batch_norm, state.bn, True, True
    )
    maps = jnp.transpose(hidden, (0, 2, 1))  # (L, D, h·h)
    mn, mx = jnp.min(maps, axis=2), jnp.max(maps, axis=2)
    q = _quantise(maps, mn[:, :, None], mx[:, :, None])
    layers, width = mn.shape
    return {
        "output": _quantise(shown, lo, jnp.float32(1.0)).reshape(g, g),
        "output_float": shown.reshape(g, g),
        "output_min": lo,
        "output_class": cls.astype(jnp.uint8).reshape(g, g),
        "neurons": q.reshape(layers, width, h, h),
        "neurons_float": maps.reshape(layers, width, h, h),
        "neuron_range": jnp.stack([mn, mx], axis=2),
    }


@engine_jit(static_argnames=("g", "h"))
def probe_lanes(state: LaneState, hp: Hyper, g: int, h: int) -> dict[str, Array]:
    return over_lanes(partial(lane_probe, g=g, h=h), (0, 0))(state, hp)  # type: ignore[no-any-return]


@lru_cache(maxsize=256)
def _active_index(
    features: tuple[str, ...], widths: tuple[int, ...], n_out: int, shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flat indices of an architecture's weights in w and wo and its biases in b and bo."""
    _, d, c = shape
    sources = np.asarray(feature_slots(features))
    w_idx, b_idx = [], []
    for layer, width in enumerate(widths):
        w_idx.append((layer * d * d + sources[:, None] * d + np.arange(width)[None, :]).ravel())
        b_idx.append(layer * d + np.arange(width))
        sources = np.arange(width)
    wo_idx = (sources[:, None] * c + np.arange(n_out)[None, :]).ravel()
    empty = np.zeros(0, np.int64)
    return (np.concatenate([empty, *w_idx]), np.concatenate([empty, *b_idx]), wo_idx,
            np.arange(n_out))  # fmt: skip


def active_weights(
    params: model.Params, cfg: RunConfig, lane: int
) -> tuple[np.ndarray, np.ndarray]:
    """(weights (M,), biases (B,)) float32 of one lane, layer by layer, source-major."""
    # NumPy first, then index: indexing a device array is an eager op that compiles per shape.
    w, b = np.asarray(params.w)[lane], np.asarray(params.b)[lane]
    wo, bo = np.asarray(params.wo)[lane], np.asarray(params.bo)[lane]
    shape = (w.shape[0], w.shape[1], wo.shape[1])
    w_idx, b_idx, wo_idx, bo_idx = _active_index(
        tuple(cfg.features), tuple(cfg.hidden_layers), head_of(cfg)[1], shape
    )
    weights = np.concatenate([w.ravel()[w_idx], wo.ravel()[wo_idx]])
    biases = np.concatenate([b.ravel()[b_idx], bo[bo_idx]])
    return weights.astype(np.float32), biases.astype(np.float32)


class Probe:
    """Probed grids of some lanes (host side); `arrays(lane)` gives one lane's frame arrays."""

    def __init__(
        self,
        grids: dict[str, Array],
        params: model.Params,
        configs: tuple[RunConfig, ...],
        lanes: tuple[int, ...],
        bn: model.BatchNorm | None = None,
    ) -> None:
        self._grids = grids
        self._params = params
        self._bn = bn
        self.configs = configs
        self.lanes = lanes
        self._cache: dict[str, np.ndarray] = {}

    def _host(self, name: str) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = np.asarray(self._grids[name])
        return self._cache[name]

    def _check(self, lane: int) -> None:
        if lane not in self.lanes:
            raise ValueError(f"lane: {lane} was not probed (probed {list(self.lanes)})")

    def _neuron_rows(self, lane: int) -> tuple[np.ndarray, np.ndarray]:
        widths = self.configs[lane].hidden_layers
        layers = np.repeat(np.arange(len(widths)), widths)
        units = np.concatenate([np.arange(w) for w in widths]) if widths else np.zeros(0, int)
        return layers, units.astype(np.int64)

    def arrays(self, lane: int) -> dict[str, tuple[np.ndarray, Extras]]:
        """The frame arrays of §4 (except points/split) with their descriptor extras."""
        self._check(lane)
        cfg = self.configs[lane]
        lo = float(self._host("output_min")[lane])
        out: dict[str, tuple[np.ndarray, Extras]] = {
            "output": (self._host("output")[lane], {"scale": (1.0 - lo) / 255.0, "min": lo}),
        }
        if cfg.problem == "classification" and cfg.classes > 2:
            out["output_class"] = (self._host("output_class")[lane], {})
        layers, units = self._neuron_rows(lane)
        out["neurons"] = (self._host("neurons")[lane][layers, units], {})
        out["neuron_range"] = (self._host("neuron_range")[lane][layers, units], {})
        weights, biases = active_weights(self._params, cfg, lane)
        out["weights"] = (weights, {})
        out["biases"] = (biases, {})
        if cfg.batch_norm and self._bn is not None:
            for name, leaf in zip(BN_ARRAYS, self._bn, strict=True):
                out[name] = (np.asarray(leaf)[lane][layers, units].astype(np.float32), {})
        return out

    def output_float(self, lane: int) -> np.ndarray:
        """(G, G) float32: p(class 1), the winning class's p, or the regression prediction."""
        self._check(lane)
        out: np.ndarray = self._host("output_float")[lane]
        return out

    def output_class(self, lane: int) -> np.ndarray:
        """(G, G) uint8 argmax class (also for binary heads)."""
        self._check(lane)
        out: np.ndarray = self._host("output_class")[lane]
        return out

    def neurons_float(self, lane: int) -> np.ndarray:
        """(N, H, H) float32 maps of the active hidden neurons, layer by layer."""
        self._check(lane)
        layers, units = self._neuron_rows(lane)
        out: np.ndarray = self._host("neurons_float")[lane][layers, units]
        return out
