"""From engine results to wire content: a frame's metrics and its arrays (architecture.md §4)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from nnplayground.engine import ChunkMetrics, Probe, RunConfig, Trainer
from nnplayground.runtime.frames import WireArray, clean_metrics, encode_frame

JsonDict = dict[str, Any]
# The wire protocol's version: `hello.protocol` and every frame header's `v` (api/protocol.py's
# models default to it; a test checks that the headers built here validate against them).
PROTOCOL_VERSION = 1
METRIC_KEYS = (
    "train_loss",
    "test_loss",
    "val_loss",
    "train_accuracy",
    "test_accuracy",
    "val_accuracy",
    "grad_norms",
    "weight_norms",
    "examples_per_s",
    "learning_rate",
)


def empty_metrics() -> JsonDict:
    """Metrics before any training (after a reset): every field present, every value null."""
    return {key: [] if key.endswith("_norms") else None for key in METRIC_KEYS}


def chunk_metrics(chunk: ChunkMetrics, config: RunConfig, steps: int, elapsed: float) -> JsonDict:
    """Lane 0's metrics after a chunk, JSON-safe (NaN/inf → null)."""
    depth = config.depth
    raw: JsonDict = {
        "train_loss": chunk.train_loss[0],
        "test_loss": chunk.test_loss[0],
        "val_loss": chunk.val_loss[0],
        "train_accuracy": chunk.train_accuracy[0],
        "test_accuracy": chunk.test_accuracy[0],
        "val_accuracy": chunk.val_accuracy[0],
        "grad_norms": np.asarray(chunk.grad_norms[0])[: depth + 1],
        "weight_norms": np.asarray(chunk.weight_norms[0])[: depth + 1],
        "examples_per_s": steps * config.batch_size / elapsed if elapsed > 0 else None,
        "learning_rate": chunk.learning_rate[0],
    }
    return clean_metrics(raw)


def frame_header(
    *,
    step: int,
    epoch: float,
    playing: bool,
    config_rev: int,
    data_rev: int,
    metrics: JsonDict,
    metrics_step: int,
    compare: JsonDict | None,
    sweep: JsonDict | None = None,
) -> JsonDict:
    """A frame's JSON header but its `arrays` (`encode_frame` adds them): the fields of
    `api.protocol.FrameHeader`, as a plain dict (a model per frame would cost more than the
    encoding; tests/api/test_protocol_models.py validates real headers against the model)."""
    header: JsonDict = {
        "v": PROTOCOL_VERSION,
        "step": step,
        "epoch": epoch,
        "playing": playing,
        "config_rev": config_rev,
        "data_rev": data_rev,
        "metrics": metrics,
        "metrics_step": metrics_step,
    }
    if compare is not None:
        header["compare"] = compare
    if sweep is not None:  # issue 16
        header["sweep"] = sweep
    return header


def frame(
    trainer: Trainer,
    header: JsonDict,
    with_points: bool,
    reduced: bool = False,
    more: Sequence[WireArray] = (),
    probe: Probe | None = None,
) -> bytes:
    """Probe lane 0 and encode one binary frame; `points`/`split` only when `with_points`;
    `reduced`: grids at half resolution; `more`: further arrays (compare's variants);
    `probe`: lane 0's probe when it was already taken (a grouped call)."""
    probe = probe or trainer.probe((0,), reduced=reduced)
    arrays = [WireArray(name, data, extra) for name, (data, extra) in probe.arrays(0).items()]
    arrays += more
    if with_points:
        _, _, split = trainer.points(0)
        arrays.append(WireArray("points", trainer.user_points(0).astype(np.float32)))
        arrays.append(WireArray("split", split.astype(np.uint8)))
    return encode_frame(header, arrays)
