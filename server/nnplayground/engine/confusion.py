"""Confusion matrices of a classification lane per split: rows the true class, columns the
predicted one, counts over the full split (one jitted pass over the evaluation rows)."""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
from jax import Array

from nnplayground.engine import losses, model
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lane_view import lane_view
from nnplayground.engine.lanes import DataArrays, Hyper
from nnplayground.engine.model import Params
from nnplayground.engine.train import row_buckets
from nnplayground.engine.trainer import Trainer

SPLITS = ("train", "val", "test")  # split codes 1, 2, 3


@engine_jit(static_argnames=("rows",))
def confusion_counts(params: Params, hp: Hyper, data: DataArrays, rows: int) -> Array:
    """(3, C, C) int32 counts [split, true, predicted] over the first `rows` rows of one lane."""
    x, y, split = data.x[:rows], data.y[:rows], data.split[:rows]
    logits, _ = model.forward(params, hp.arch, hp.act, x, skip=True, unrolled=True)
    cls, _, _ = losses.predict(hp.head, logits, hp.arch.out_mask)
    c = params.bo.shape[0]
    true = (y[:, None] == jnp.arange(c, dtype=y.dtype)[None, :]).astype(jnp.int32)
    pred = (cls[:, None] == jnp.arange(c)[None, :]).astype(jnp.int32)
    which = (split[:, None] == jnp.arange(1, 4)[None, :]).astype(jnp.int32)  # (R, 3)
    return jnp.einsum("rs,rt,rp->stp", which, true, pred)


def confusion(trainer: Trainer, lane: int) -> dict[str, np.ndarray] | None:
    """{"train"|"val"|"test": (K, K) int32} for a classification lane, None for regression."""
    cfg = trainer.configs[lane]
    if cfg.problem != "classification":
        return None
    view = lane_view(trainer, lane)
    counts = np.asarray(confusion_counts(view.params, view.hp, view.data, trainer.eval_rows))
    k = cfg.classes
    return {name: counts[i, :k, :k].astype(np.int32) for i, name in enumerate(SPLITS)}


def warm(trainer: Trainer) -> None:
    """Compile `confusion_counts` for every evaluation row bucket of the trainer's capacity."""
    view = lane_view(trainer, 0)
    for rows in sorted(row_buckets(trainer.capacity)):
        confusion_counts(view.params, view.hp, view.data, rows)
