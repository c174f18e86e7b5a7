"""The hidden-space warp: how one hidden layer maps the input plane (ConvNetJS's 2-D demo, Olah).

A grid of straight lines over the input square [-6, 6]² and the data points are carried through
the network up to a chosen hidden layer and drawn on two of its neurons, or on the layer's two
principal components (of the data points' activations). All rows go through one jitted forward
pass of fixed shape (lines + the capacity's points), so no config change recompiles it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from jax import Array

from nnplayground.engine import model
from nnplayground.engine.data import DOMAIN
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lane_view import lane_view
from nnplayground.engine.lanes import Hyper, host
from nnplayground.engine.losses import head_of
from nnplayground.engine.model import Params
from nnplayground.engine.trainer import Trainer

LINES = 13  # lines per direction: x = -6, -5, …, 6 (and the same for y)
SAMPLES = 49  # points along each line (a quarter unit apart)


def line_points() -> np.ndarray:
    """(2·LINES, SAMPLES, 2) float32: vertical lines x1 = c first, then horizontal x2 = c."""
    c = np.linspace(-DOMAIN, DOMAIN, LINES)
    s = np.linspace(-DOMAIN, DOMAIN, SAMPLES)
    vertical = np.stack(np.broadcast_arrays(c[:, None], s[None, :]), axis=-1)
    horizontal = np.stack(np.broadcast_arrays(s[None, :], c[:, None]), axis=-1)
    return np.concatenate([vertical, horizontal]).astype(np.float32)


@engine_jit
def layer_outputs(params: Params, hp: Hyper, x: Array) -> Array:
    """(L, R, D) every hidden layer's output at the points x (R, 2) for one lane."""
    _, outs = model.forward(params, hp.arch, hp.act, x, unrolled=True)
    return outs


@dataclass(frozen=True)
class Warp:
    layer: int  # 1..depth (hidden layers numbered as in set_bias)
    axes: str  # "neurons" | "pca"
    neurons: tuple[int, int] | None  # the two neurons drawn (axes == "neurons")
    lines: np.ndarray  # (2·LINES, SAMPLES, 2) float32 grid lines in the layer's 2-D view
    points: np.ndarray  # (N, 2) float32 the data points (frame order) in the same view
    # The output unit's zero line a·u + b·v + c = 0 in this view, when it is exact: the last
    # hidden layer with two neurons and a single output unit.
    boundary: tuple[float, float, float] | None

    def header(self) -> dict[str, object]:
        return {
            "layer": self.layer,
            "axes": self.axes,
            "neurons": list(self.neurons) if self.neurons is not None else None,
            "boundary": list(self.boundary) if self.boundary is not None else None,
        }


def warp(trainer: Trainer, lane: int, layer: int, neurons: tuple[int, int] | str) -> Warp:
    """Layer `layer` (1..depth) of lane `lane` on neurons (i, j) or `"pca"`."""
    cfg = trainer.configs[lane] if 0 <= lane < trainer.lanes else None
    if cfg is None:
        raise ValueError(f"lane: {lane!r} is outside 0-{trainer.lanes - 1}")
    if isinstance(layer, bool) or not isinstance(layer, int) or not 1 <= layer <= cfg.depth:
        raise ValueError(f"layer: {layer!r} is outside 1-{cfg.depth} (the hidden layers)")
    width = cfg.hidden_layers[layer - 1]
    if neurons != "pca":
        ok = (
            isinstance(neurons, tuple | list)
            and len(neurons) == 2
            and all(isinstance(n, int) and not isinstance(n, bool) for n in neurons)
            and all(0 <= n < width for n in neurons)
        )
        if not ok:
            raise ValueError(f"neurons: need two neuron indices in 0-{width - 1} or 'pca'")
    view = lane_view(trainer, lane)
    lines = line_points()
    n_lines = lines.shape[0] * lines.shape[1]
    x_all = np.concatenate([lines.reshape(-1, 2), np.asarray(view.data.x)])
    outs = np.asarray(layer_outputs(view.params, view.hp, host(x_all, np.float32)))[
        layer - 1, :, :width
    ]
    n = trainer.points(lane)[0].shape[0]
    line_h, point_h = outs[:n_lines], outs[n_lines : n_lines + n]
    boundary = None
    if neurons == "pca":
        centre = point_h.mean(axis=0) if n else np.zeros(width)
        _, _, vt = np.linalg.svd(point_h - centre, full_matrices=False)
        basis = np.zeros((width, 2))
        k = min(2, vt.shape[0])
        basis[:, :k] = vt[:k].T
        line_2d, point_2d = (line_h - centre) @ basis, (point_h - centre) @ basis
        pair = None
    else:
        i, j = int(neurons[0]), int(neurons[1])
        line_2d, point_2d = line_h[:, [i, j]], point_h[:, [i, j]]
        pair = (i, j)
        if layer == cfg.depth and width == 2 and head_of(cfg)[1] == 1 and i != j:
            wo, bo = np.asarray(view.params.wo), np.asarray(view.params.bo)
            boundary = (float(wo[i, 0]), float(wo[j, 0]), float(bo[0]))
    return Warp(
        layer=layer,
        axes="pca" if pair is None else "neurons",
        neurons=pair,
        lines=line_2d.reshape(lines.shape).astype(np.float32),
        points=point_2d.astype(np.float32),
        boundary=boundary,
    )


def warm(trainer: Trainer) -> None:
    view = lane_view(trainer, 0)
    x = np.zeros((LINES * 2 * SAMPLES + trainer.capacity.points, 2), np.float32)
    layer_outputs(view.params, view.hp, host(x, np.float32))


__all__ = ["Warp", "layer_outputs", "line_points", "warm", "warp"]
