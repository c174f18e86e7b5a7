"""A lane's traced state and settings, built on the host from RunConfigs, and the lane batching.

`LaneState` (params, optimizer states, PRNG key, step) lives on the device; `Hyper` and
`DataArrays` are rebuilt on the host from configs whenever a setting changes and passed to the
jitted functions as arrays of fixed dtype and shape, so no value change ever recompiles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, TypeVar, cast

import jax
import numpy as np
from jax import Array

from nnplayground.engine import registry as reg
from nnplayground.engine.config import Capacity, RunConfig
from nnplayground.engine.data import Data
from nnplayground.engine.features import feature_slots
from nnplayground.engine.losses import head_of
from nnplayground.engine.model import Arch, BatchNorm, Params
from nnplayground.engine.optim import OptHyper, OptState


class Hyper(NamedTuple):
    """Every traced setting of a lane."""

    act: Array  # int32 activation index
    head: Array  # int32 index into losses.HEADS
    init: Array  # int32 init scheme
    arch: Arch
    opt: OptHyper
    batch: Array  # int32 minibatch size ≤ the batch bucket
    l1: Array
    l2: Array
    dropout: Array
    batch_norm: Array  # bool: batch normalisation on the hidden layers (model.BatchNorm)


class LaneState(NamedTuple):
    params: Params
    opt: OptState
    key: Array  # (2,) uint32 minibatch/dropout stream
    step: Array  # () int32 steps taken
    # Batch normalisation beside the parameters (kept, unused, while `batch_norm` is off), and
    # the optimizer's state for its gamma and β (`model.Affine`), of the same kind as `opt`.
    bn: BatchNorm
    bn_opt: OptState


class DataArrays(NamedTuple):
    x: Array  # (P, 2)
    y: Array  # (P,)
    split: Array  # (P,) int32 0 pad, 1 train, 2 val, 3 test
    train_idx: Array  # (P,) int32
    n_train: Array  # () int32


def host(value: Any, dtype: Any) -> Array:
    # Host NumPy stand-ins for the traced arrays: jit accepts them wherever an Array goes.
    return cast(Array, np.asarray(value, dtype))


def arch_of(cfg: RunConfig, capacity: Capacity) -> Arch:
    """Host (NumPy) masks of a config's architecture."""
    d = capacity.state_width
    feat = np.zeros(d, np.float32)
    feat[list(feature_slots(cfg.features))] = 1.0
    neurons = np.zeros((capacity.layers, d), np.float32)
    for layer, width in enumerate(cfg.hidden_layers):
        neurons[layer, :width] = 1.0
    _, n_out = head_of(cfg)
    out = np.zeros(capacity.classes, np.float32)
    out[:n_out] = 1.0
    return Arch(host(feat, np.float32), host(neurons, np.float32), host(cfg.depth, np.int32),
                host(out, np.float32))  # fmt: skip


def hyper_of(cfg: RunConfig, capacity: Capacity) -> Hyper:
    """Host (NumPy) traced settings of one config."""
    f32, i32 = np.float32, np.int32
    head, _ = head_of(cfg)
    return Hyper(
        act=host(reg.ACTIVATIONS.index(cfg.activation), i32),
        head=host(head, i32),
        init=host(reg.INITS.index(cfg.init), i32),
        arch=arch_of(cfg, capacity),
        opt=OptHyper(
            kind=host(reg.OPTIMIZERS.index(cfg.optimizer), i32),
            learning_rate=host(cfg.learning_rate, f32),
            momentum=host(cfg.momentum, f32),
            beta1=host(cfg.beta1, f32),
            beta2=host(cfg.beta2, f32),
            schedule=host(reg.SCHEDULES.index(cfg.schedule), i32),
            decay_rate=host(cfg.decay_rate, f32),
            decay_steps=host(cfg.decay_steps, f32),
        ),
        batch=host(cfg.batch_size, i32),
        l1=host(cfg.l1, f32),
        l2=host(cfg.l2, f32),
        dropout=host(cfg.dropout, f32),
        batch_norm=host(cfg.batch_norm, np.bool_),
    )


def data_arrays(d: Data) -> DataArrays:
    return DataArrays(*(cast(Array, a) for a in (d.x, d.y, d.split, d.train_idx, d.n_train)))


T = TypeVar("T")


def stack(trees: Sequence[T]) -> T:
    """Stack host pytrees along a new leading lane axis (NumPy, no device work)."""
    return jax.tree.map(lambda *xs: np.stack(xs), *trees)  # type: ignore[no-any-return]


def over_lanes(fn: Callable[..., Any], in_axes: tuple[int | None, ...]) -> Callable[..., Any]:
    """Apply a one-lane function to a batch of lanes (leading axis K of the mapped arguments).

    With K == 1 the body runs un-vmapped, so `lax.switch`/`lax.cond` on per-lane indices stay real
    branches instead of selects over every branch (a large saving for one lane).
    """
    vmapped = jax.vmap(fn, in_axes=in_axes)

    def run(*args: Any) -> Any:
        mapped = [a for a, ax in zip(args, in_axes, strict=True) if ax is not None]
        k = jax.tree.leaves(mapped[0])[0].shape[0]
        if k != 1:
            return vmapped(*args)
        squeezed = [
            jax.tree.map(lambda x: x[0], a) if ax is not None else a
            for a, ax in zip(args, in_axes, strict=True)
        ]
        return jax.tree.map(lambda x: x[None], fn(*squeezed))

    return run
