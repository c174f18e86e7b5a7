"""One lane of a Trainer as host arrays: what the optional views (landscape, warp, backprop,
confusion) compute from.

The views evaluate a single lane at a time, un-vmapped over lanes, so every argument here has the
capacity's fixed shapes and dtypes: a config change inside the capacity never recompiles them.
"""

from __future__ import annotations

from typing import NamedTuple, TypeVar

import jax
import numpy as np

from nnplayground.engine.lanes import DataArrays, Hyper, host
from nnplayground.engine.model import Params
from nnplayground.engine.trainer import Trainer

T = TypeVar("T")


class LaneView(NamedTuple):
    params: Params  # host float32, the capacity's shapes without the lane axis
    hp: Hyper
    data: DataArrays


def lane_view(trainer: Trainer, lane: int) -> LaneView:
    """Host copies of lane `lane`'s parameters, settings and data."""
    if isinstance(lane, bool) or not 0 <= lane < trainer.lanes:
        raise ValueError(f"lane: {lane!r} is outside 0-{trainer.lanes - 1}")

    def pick(tree: T) -> T:
        return jax.tree.map(lambda a: np.asarray(a)[lane], tree)  # type: ignore[no-any-return]

    return LaneView(pick(trainer.state.params), pick(trainer.host_hyper), pick(trainer.host_data))


def param_masks(hp: Hyper) -> Params:
    """NumPy twin of `model.param_masks` for one lane (no eager device op, so no compile)."""
    arch = hp.arch
    feat = np.asarray(arch.feat_mask)
    neurons = np.asarray(arch.neuron_mask)
    depth = int(arch.depth)
    ins = np.concatenate([feat[None, :], neurons[:-1]], axis=0)
    last = neurons[depth - 1] if depth > 0 else feat
    out = np.asarray(arch.out_mask)
    return Params(
        w=host(ins[:, :, None] * neurons[:, None, :], np.float32),
        b=host(neurons, np.float32),
        wo=host(last[:, None] * out[None, :], np.float32),
        bo=host(out, np.float32),
    )


def flatten(p: Params) -> np.ndarray:
    """(n,) float64 concatenation w, b, wo, bo (the order `unflatten` reads)."""
    return np.concatenate([np.asarray(a, np.float64).ravel() for a in p])


def unflatten(v: np.ndarray, like: Params) -> Params:
    out, at = [], 0
    for a in like:
        n = int(np.prod(a.shape))
        out.append(host(np.reshape(v[at : at + n], a.shape), np.float32))
        at += n
    return Params(*out)
