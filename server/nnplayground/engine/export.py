"""The model file (docs/model-format.md): one lane as a documented, versioned JSON document.

A document holds the config, the network in its *active* layout (one `{"weights", "biases"}`
per layer; `weights[i][j]` connects source i to target j; layer 0's sources are the config's
`features` in order, the last layer's targets the output units), the step, epoch and metrics,
and what training needs to go on exactly: the optimizer's packed state in the same layout, the
PRNG key and the early-stopping bookkeeping (and the points of a `user` dataset; a generated
dataset is rebuilt from the config). `parse` validates everything before anything changes and
raises FieldError(field, reason), the field a dotted path such as `layers[1].biases`.

float32 values are written as the shortest decimal of their float64 value, which reads back to
the same float32: a round trip is bit-exact.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import jax
import numpy as np

from nnplayground.engine import data as datasets
from nnplayground.engine import optim
from nnplayground.engine import registry as reg
from nnplayground.engine.config import Capacity, RunConfig
from nnplayground.engine.errors import FieldError
from nnplayground.engine.features import feature_slots
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lanes import LaneState, host
from nnplayground.engine.losses import HEADS, head_of
from nnplayground.engine.model import Affine, Params, fresh_batch_norm
from nnplayground.engine.optim import OptState
from nnplayground.engine.trainer import Trainer

FORMAT = "nnplayground-model"
VERSION = 1
INT32_MAX = 2**31 - 1
Layers = list[tuple[np.ndarray, np.ndarray]]  # per layer: weights (in, out), biases (out,)


@dataclass(frozen=True)
class Restore:
    """A parsed, validated document: everything `Trainer.restore` needs for one lane."""

    config: RunConfig
    rows: np.ndarray | None  # (N, 3) points of a `user` dataset, else None
    state: LaneState  # one lane, host NumPy, padded to the capacity
    step: int
    epoch: float
    best_val: float  # inf while there is no validation loss
    best_step: int


# -- the active layout ---------------------------------------------------------------------------
def widths(cfg: RunConfig) -> list[int]:
    """Units per layer, inputs first: [len(features), *hidden_layers, outputs]."""
    return [len(cfg.features), *cfg.hidden_layers, head_of(cfg)[1]]


def _rows_of(cfg: RunConfig, layer: int) -> np.ndarray:
    """Padded row index of each source of `layer` (feature slots for the inputs)."""
    if layer == 0:
        return np.asarray(feature_slots(cfg.features), np.int64)
    return np.arange(cfg.hidden_layers[layer - 1])


def unpad(params: Params, cfg: RunConfig) -> Layers:
    """One lane's padded host params → [(weights (in, out), biases (out,)) per layer]."""
    w, b, wo, bo = (np.asarray(p) for p in params)
    out: Layers = []
    sizes = widths(cfg)
    for layer in range(cfg.depth + 1):
        rows, n = _rows_of(cfg, layer), sizes[layer + 1]
        if layer < cfg.depth:
            out.append((w[layer][rows, :n], b[layer][:n]))
        else:
            out.append((wo[rows, :n], bo[:n]))
    return out


def pad(layers: Layers, cfg: RunConfig, base: Params) -> Params:
    """Write the active `layers` into copies of the padded host `base` (one lane)."""
    w, b, wo, bo = (np.array(p, np.float32) for p in base)
    for layer, (lw, lb) in enumerate(layers):
        rows, n = _rows_of(cfg, layer), lb.shape[0]
        if layer < cfg.depth:
            w[layer][np.ix_(rows, np.arange(n))] = lw
            b[layer][:n] = lb
        else:
            wo[np.ix_(rows, np.arange(n))] = lw
            bo[:n] = lb
    return Params(*(host(a, np.float32) for a in (w, b, wo, bo)))


def _layers_json(layers: Layers) -> list[dict[str, Any]]:
    return [{"weights": w.astype(np.float32).tolist(), "biases": b.astype(np.float32).tolist()}
            for w, b in layers]  # fmt: skip


# -- export --------------------------------------------------------------------------------------
def document(
    trainer: Trainer, lane: int = 0, metrics: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The model file of `lane` as a JSON-ready dict (FieldError `model` when it has diverged)."""
    cfg = trainer.configs[lane]
    if cfg.batch_norm:  # version 1 has no place for its statistics (docs/model-format.md)
        raise FieldError(
            "batch_norm",
            "model files (version 1) do not carry batch normalization yet; turn it off to export",
        )
    state = jax.tree.map(lambda a: np.asarray(a)[lane], trainer.state)
    layers = unpad(state.params, cfg)
    if not all(np.isfinite(w).all() and np.isfinite(b).all() for w, b in layers):
        raise FieldError("model", "the weights are not finite (training diverged); reset first")
    best_val, best_step = trainer.early_stopping(lane)
    doc: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "config": cfg.to_dict(),
        "features": list(cfg.features),
        "activation": cfg.activation,
        "head": HEADS[head_of(cfg)[0]],
        "layers": _layers_json(layers),
        "step": int(trainer.step[lane]),
        "epoch": float(trainer.epoch[lane]),
        "metrics": metrics or {},
        "training": {
            "rng_key": [int(k) for k in np.asarray(state.key, np.uint32)],
            "optimizer": {
                "kind": cfg.optimizer,
                "counts": [int(c) for c in state.opt.counts],
                "slots": [_layers_json(unpad(s, cfg)) for s in state.opt.slots],
            },
            "best_val_loss": best_val if math.isfinite(best_val) else None,
            "best_val_step": best_step,
        },
    }
    if cfg.dataset == "user":
        doc["points"] = trainer.user_points(lane).tolist()
    return doc


def dumps(doc: dict[str, Any]) -> str:
    """The document as text: one line per top-level key (diffable, still compact)."""
    lines = [f"  {json.dumps(k)}: {json.dumps(v, allow_nan=False)}" for k, v in doc.items()]
    return "{\n" + ",\n".join(lines) + "\n}\n"


# -- import --------------------------------------------------------------------------------------
def loads(text: str) -> Any:
    """A model file's text → its JSON value (FieldError `file` when it is not JSON)."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        where = (
            f" (line {exc.lineno}, column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise FieldError("file", f"not valid JSON{where}") from None


def _get(obj: dict[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        raise FieldError(f"{path}{key}", "missing")
    return obj[key]


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FieldError(path, "must be an object")
    return value


def _int(value: Any, path: str, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise FieldError(path, f"must be an integer {lo}-{hi}, got {value!r}")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FieldError(path, f"must be a finite number, got {value!r}")
    return float(value)


def _array(value: Any, shape: tuple[int, ...], path: str) -> np.ndarray:
    """Finite float32 numbers of exactly `shape` (nested lists)."""

    def check(v: Any, depth: int, where: str) -> None:
        if depth == len(shape):
            _number(v, where)
            if abs(v) > float(np.finfo(np.float32).max):
                raise FieldError(where, f"{v!r} is outside float32's range")
            return
        if not isinstance(v, list) or len(v) != shape[depth]:
            got = f"{len(v)} entries" if isinstance(v, list) else type(v).__name__
            raise FieldError(where, f"must be a list of {shape[depth]} entries, got {got}")
        for i, item in enumerate(v):
            check(item, depth + 1, f"{where}[{i}]")

    check(value, 0, path)
    return np.asarray(value, np.float32).reshape(shape)


def _layers(value: Any, cfg: RunConfig, path: str) -> Layers:
    sizes = widths(cfg)
    if not isinstance(value, list) or len(value) != cfg.depth + 1:
        raise FieldError(path, f"must be a list of {cfg.depth + 1} layers (hidden + output)")
    out: Layers = []
    for i, layer in enumerate(value):
        where = f"{path}[{i}]"
        layer = _object(layer, where)
        extra = set(layer) - {"weights", "biases"}
        if extra:
            raise FieldError(where, f"unknown field {sorted(extra)[0]!r}")
        w = _array(
            _get(layer, "weights", f"{where}."), (sizes[i], sizes[i + 1]), f"{where}.weights"
        )
        b = _array(_get(layer, "biases", f"{where}."), (sizes[i + 1],), f"{where}.biases")
        out.append((w, b))
    return out


@engine_jit
def _fresh_opt(kind: jax.Array, params: Params | Affine) -> OptState:
    # The packed state of a fresh optimizer: what every inactive parameter's slots hold.
    return optim.init_state(kind, params)


def parse(doc: Any, capacity: Capacity) -> Restore:
    """Validate a model document (a parsed JSON value) completely; a FieldError names the field."""
    doc = _object(doc, "file")
    if doc.get("format") != FORMAT:
        raise FieldError("format", f"must be {FORMAT!r}, got {doc.get('format')!r}")
    version = _get(doc, "version", "")
    if version != VERSION or isinstance(version, bool):
        raise FieldError("version", f"this server reads version {VERSION}, got {version!r}")
    try:
        cfg = RunConfig.from_dict(_object(_get(doc, "config", ""), "config"), capacity)
    except FieldError as exc:
        if exc.field and exc.field.isidentifier():  # a config field (else a stray key's name)
            raise FieldError(f"config.{exc.field}", exc.reason) from None
        raise FieldError("config", f"{exc.field!r}: {exc.reason}") from None
    for key, want in (("features", list(cfg.features)), ("activation", cfg.activation),
                      ("head", HEADS[head_of(cfg)[0]])):  # fmt: skip
        if key in doc and doc[key] != want:
            raise FieldError(key, f"{doc[key]!r} disagrees with the config ({want!r})")
    layers = _layers(_get(doc, "layers", ""), cfg, "layers")
    step = _int(_get(doc, "step", ""), "step", 0, INT32_MAX)
    epoch = _number(_get(doc, "epoch", ""), "epoch")
    if epoch < 0:
        raise FieldError("epoch", f"must be ≥ 0, got {epoch}")
    if "metrics" in doc:
        _object(doc["metrics"], "metrics")  # informational: what the model scored when saved
    train = _object(_get(doc, "training", ""), "training")
    key = _get(train, "rng_key", "training.")
    if not isinstance(key, list) or len(key) != 2:
        raise FieldError("training.rng_key", "must be a list of two integers")
    for i, k in enumerate(key):
        _int(k, f"training.rng_key[{i}]", 0, 2**32 - 1)
    opt = _object(_get(train, "optimizer", "training."), "training.optimizer")
    if opt.get("kind") != cfg.optimizer:
        raise FieldError(
            "training.optimizer.kind", f"{opt.get('kind')!r} disagrees with config.optimizer"
        )
    counts = _get(opt, "counts", "training.optimizer.")
    if not isinstance(counts, list) or len(counts) != 2:
        raise FieldError("training.optimizer.counts", "must be a list of two integers")
    for i, c in enumerate(counts):
        _int(c, f"training.optimizer.counts[{i}]", 0, INT32_MAX)
    slots = _get(opt, "slots", "training.optimizer.")
    if not isinstance(slots, list) or len(slots) != 2:
        raise FieldError("training.optimizer.slots", "must be a list of two layer lists")
    slot_layers = [_layers(s, cfg, f"training.optimizer.slots[{i}]") for i, s in enumerate(slots)]
    best = _get(train, "best_val_loss", "training.")
    best_val = math.inf if best is None else _number(best, "training.best_val_loss")
    best_step = _int(_get(train, "best_val_step", "training."), "training.best_val_step", -1, step)
    rows = None
    if cfg.dataset == "user":
        rows = datasets.check_points(_get(doc, "points", ""), cfg, capacity)
    elif "points" in doc:
        raise FieldError("points", "only a 'user' dataset carries its points")

    if cfg.batch_norm:
        raise FieldError(
            "config.batch_norm", "model files (version 1) do not carry batch normalization yet"
        )
    d, c = capacity.state_width, capacity.classes
    zeros = Params(*(host(np.zeros(shape), np.float32) for shape in
                     ((capacity.layers, d, d), (capacity.layers, d), (d, c), (c,))))  # fmt: skip
    params = pad(layers, cfg, zeros)
    kind = host(reg.OPTIMIZERS.index(cfg.optimizer), np.int32)
    fresh = jax.tree.map(np.asarray, _fresh_opt(kind, zeros))
    bn = jax.tree.map(np.asarray, fresh_batch_norm(capacity.layers, d))
    state = LaneState(
        params=params,
        opt=OptState(
            counts=np.asarray(counts, np.int32),  # type: ignore[arg-type]
            slots=(
                pad(slot_layers[0], cfg, fresh.slots[0]),
                pad(slot_layers[1], cfg, fresh.slots[1]),
            ),
        ),
        key=np.asarray(key, np.uint32),  # type: ignore[arg-type]
        step=np.asarray(step, np.int32),  # type: ignore[arg-type]
        # Batch normalisation is off in a version-1 file: its state starts fresh, as at a reset.
        bn=bn,
        bn_opt=jax.tree.map(np.asarray, _fresh_opt(kind, Affine(bn.gamma, bn.beta))),
    )
    return Restore(cfg, rows, state, step, epoch, best_val, best_step)


def load(trainer: Trainer, doc: Any, lane: int = 0) -> RunConfig:
    """Validate `doc` and make it lane `lane`'s model; nothing changes on a FieldError."""
    r = parse(doc, trainer.capacity)
    trainer.restore(lane, r.config, r.rows, r.state, r.step, r.epoch, r.best_val, r.best_step)
    return r.config
