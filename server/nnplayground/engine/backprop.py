"""The backprop inspector: one example's forward and backward pass, number by number.

For training point i of a lane: every neuron's pre-activation z and activation a, every δ =
∂loss/∂z (hidden neurons and output units), and ∂loss/∂w, ∂loss/∂b of every active link and
bias, for the single-example data loss (no penalty, no dropout). `apply` then takes exactly one
plain SGD step on that example, θ ← θ - lr·∇θ loss, with the lane's current scheduled learning
rate, leaving the optimizer's state and step count alone.

The per-layer lists follow the frames (docs/protocol.md): activations run inputs (the active
features, in `features` order), hidden layers, outputs; pre-activations, deltas and bias grads
run hidden layers then outputs; weight grads are flattened source-major like frame weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array

from nnplayground.engine import features, losses, model, optim
from nnplayground.engine.features import feature_slots
from nnplayground.engine.jit import engine_jit
from nnplayground.engine.lane_view import lane_view
from nnplayground.engine.lanes import Hyper, host
from nnplayground.engine.losses import head_of
from nnplayground.engine.model import Params
from nnplayground.engine.trainer import Trainer


def output_activation(head: Array, logits: Array, out_mask: Array) -> Array:
    """What each output unit shows: a probability for sigmoid/softmax heads, else the score."""
    masked = jnp.where(out_mask > 0, logits, losses.NEG)
    soft = jax.nn.softmax(masked)
    sig = jax.nn.sigmoid(logits)
    return jnp.where(
        (head == 0) | (head == 1) | (head == 6),
        sig,
        jnp.where((head == 3) | (head == 4), soft, logits),
    )


@engine_jit
def example_pass(params: Params, hp: Hyper, x: Array, y: Array, step: Array) -> dict[str, Array]:
    """One lane, one example x (2,), target y (): the forward values, deltas and gradients."""
    layers, width = params.b.shape
    feats = features.compute(x[None, :], width) * hp.arch.feat_mask[None, :]  # (1, D)

    def run(p: Params, ez: Array, eo: Array) -> tuple[Array, tuple[Array, Array, Array]]:
        # ez (L, D), eo (C,): zero offsets added to the pre-activations; their gradients are δ.
        h, zs, acts = feats, [], []
        for layer in range(layers):
            z = h @ p.w[layer] + p.b[layer][None, :] + ez[layer][None, :]
            a = model.activate(hp.act, z) * hp.arch.neuron_mask[layer][None, :]
            h = jnp.where(layer < hp.arch.depth, a, h)  # a layer past the depth passes h on
            zs.append(z[0])
            acts.append(a[0])
        logits = h @ p.wo + p.bo[None, :] + eo[None, :]
        loss = losses.per_example_loss(hp.head, logits, y[None], hp.arch.out_mask)[0]
        return loss, (jnp.stack(zs), jnp.stack(acts), logits[0])

    zeros_z = jnp.zeros((layers, width), params.b.dtype)
    zeros_o = jnp.zeros(params.bo.shape, params.bo.dtype)
    (loss, (z, a, logits)), (gp, gz, go) = jax.value_and_grad(run, (0, 1, 2), has_aux=True)(
        params, zeros_z, zeros_o
    )
    return {
        "loss": loss,
        "features": feats[0],
        "z": z,
        "a": a,
        "logits": logits,
        "out": output_activation(hp.head, logits, hp.arch.out_mask),
        "dz": gz,
        "dlogits": go,
        "grads": gp,
        "lr": optim.scheduled_rate(hp.opt, step),
    }


@dataclass(frozen=True)
class Inspection:
    point: int
    loss: float
    activations: list[list[float]]
    preactivations: list[list[float]]
    deltas: list[list[float]]
    weight_grads: list[list[float]]
    bias_grads: list[list[float]]
    learning_rate: float
    loss_after: float | None = None  # after "apply": the point's loss after the step

    def message(self) -> dict[str, object]:
        out: dict[str, object] = {
            "point": self.point,
            "loss": self.loss,
            "activations": self.activations,
            "preactivations": self.preactivations,
            "deltas": self.deltas,
            "weight_grads": self.weight_grads,
            "bias_grads": self.bias_grads,
            "learning_rate": self.learning_rate,
        }
        if self.loss_after is not None:
            out["applied"] = True
            out["loss_after"] = self.loss_after
        return out


def _lists(rows: Sequence[Any]) -> list[list[float]]:
    return [np.asarray(r, np.float64).ravel().tolist() for r in rows]


def _run(trainer: Trainer, lane: int, point: int) -> tuple[dict[str, Any], Params]:
    view = lane_view(trainer, lane)
    n = trainer.points(lane)[0].shape[0]
    if isinstance(point, bool) or not isinstance(point, int | np.integer) or not 0 <= point < n:
        raise ValueError(f"point: {point!r} is outside 0-{n - 1}")
    x = host(np.asarray(view.data.x)[point], np.float32)
    y = host(np.asarray(view.data.y)[point], np.float32)
    step = host(np.asarray(trainer.state.step)[lane], np.int32)
    got = example_pass(view.params, view.hp, x, y, step)
    return jax.tree.map(np.asarray, got), view.params


def inspect_point(trainer: Trainer, lane: int, point: int, apply: bool = False) -> Inspection:
    """Point `point` (an index into the frame's points) of lane `lane`; `apply`: one SGD step on
    it (see the module docstring)."""
    got, params = _run(trainer, lane, point)
    cfg = trainer.configs[lane]
    widths = list(cfg.hidden_layers)
    n_out = head_of(cfg)[1]
    slots = np.asarray(feature_slots(cfg.features))
    sources = [slots] + [np.arange(w) for w in widths]
    g: Params = got["grads"]
    weight_grads = [g.w[i][sources[i]][:, :w] for i, w in enumerate(widths)]
    weight_grads.append(g.wo[sources[len(widths)]][:, :n_out])
    result = Inspection(
        point=int(point),
        loss=float(got["loss"]),
        activations=_lists(
            [
                got["features"][slots],
                *(got["a"][i, :w] for i, w in enumerate(widths)),
                got["out"][:n_out],
            ]
        ),
        preactivations=_lists(
            [*(got["z"][i, :w] for i, w in enumerate(widths)), got["logits"][:n_out]]
        ),
        deltas=_lists([*(got["dz"][i, :w] for i, w in enumerate(widths)), got["dlogits"][:n_out]]),
        weight_grads=_lists(weight_grads),
        bias_grads=_lists([*(g.b[i, :w] for i, w in enumerate(widths)), g.bo[:n_out]]),
        learning_rate=float(got["lr"]),
    )
    if not apply:
        return result
    lr = np.float32(got["lr"])
    new = [
        np.asarray(p, np.float32) - lr * np.asarray(d, np.float32)
        for p, d in zip(params, g, strict=True)
    ]
    stacked = jax.tree.map(np.array, trainer.state.params)
    for leaf, value in zip(stacked, new, strict=True):
        leaf[lane] = value
    trainer.advanced(trainer.state._replace(params=jax.device_put(stacked)), 0)
    after, _ = _run(trainer, lane, point)
    return Inspection(**{**result.__dict__, "loss_after": float(after["loss"])})


def warm(trainer: Trainer) -> None:
    inspect_point(trainer, 0, 0)
