"""Optimizers from optax with live hyperparameters, kept side by side and picked by a traced kind.

Each kind is wrapped in `optax.inject_hyperparams`, so the learning rate (after the schedule),
momentum and betas are written into the state every step: a slider move changes a traced value
and keeps the moments. One compact state serves every kind: optax's state of the selected kind is packed into two
parameter-shaped slots and two counters (the most any kind needs), so the per-step switch moves
two buffers instead of seven states. Switching the kind re-initialises this state only.
"""

from __future__ import annotations

from typing import Any, NamedTuple, TypeVar

import jax
import jax.numpy as jnp
import optax
from jax import Array, lax

from nnplayground.engine.model import Affine, Params

_HYPER = 0.01  # placeholder initial values; the real ones are written in every step
KINDS: tuple[optax.GradientTransformation, ...] = (
    optax.inject_hyperparams(optax.sgd)(learning_rate=_HYPER),
    optax.inject_hyperparams(optax.sgd)(learning_rate=_HYPER, momentum=0.9),
    optax.inject_hyperparams(optax.sgd, static_args=("nesterov",))(
        learning_rate=_HYPER, momentum=0.9, nesterov=True
    ),
    optax.inject_hyperparams(optax.adagrad)(learning_rate=_HYPER),
    optax.inject_hyperparams(optax.rmsprop)(learning_rate=_HYPER, decay=0.9),
    optax.inject_hyperparams(optax.adam)(learning_rate=_HYPER, b1=0.9, b2=0.999),
    optax.inject_hyperparams(optax.nadam)(learning_rate=_HYPER, b1=0.9, b2=0.999),
)


class OptHyper(NamedTuple):
    """Traced optimizer settings of one lane (scalars)."""

    kind: Array  # int32 index into KINDS
    learning_rate: Array  # base rate lr₀
    momentum: Array  # momentum / Nesterov momentum / RMSprop decay
    beta1: Array
    beta2: Array
    schedule: Array  # int32 index into registry.SCHEDULES
    decay_rate: Array
    decay_steps: Array  # float32


class OptState(NamedTuple):
    """Any kind's optax state, packed: its int leaves and its parameter-shaped leaves."""

    counts: Array  # (2,) int32: step counters of the kind (optax's `count` fields)
    # First/second moment-like buffers (trace, mu, nu, sums) shaped like what is optimised:
    # `Params`, or batch normalisation's `Affine` (its own state, LaneState.bn_opt).
    slots: tuple[Any, Any]


# What the optimizer updates: the parameters, or batch normalisation's gamma and β.
Tree = TypeVar("Tree", Params, Affine)


def _is_params(x: Any) -> bool:
    return isinstance(x, Params | Affine)


def _pack(state: Any, params: Any) -> OptState:
    counts, slots = [], []
    for leaf in jax.tree.leaves(state, is_leaf=_is_params):
        if _is_params(leaf):
            slots.append(leaf)
        elif jnp.issubdtype(leaf.dtype, jnp.integer):
            counts.append(leaf.astype(jnp.int32))
        # float scalars are hyperparameters: rewritten from `OptHyper` every step
    zeros = jax.tree.map(jnp.zeros_like, params)
    counts += [jnp.int32(0)] * (2 - len(counts))
    slots += [zeros] * (2 - len(slots))
    return OptState(jnp.stack(counts), (slots[0], slots[1]))


def _unpack(kind: int, packed: OptState, params: Any) -> Any:
    template = KINDS[kind].init(params)
    leaves, treedef = jax.tree.flatten(template, is_leaf=_is_params)
    n_count = n_slot = 0
    out: list[Any] = []
    for leaf in leaves:
        if _is_params(leaf):
            out.append(packed.slots[n_slot])
            n_slot += 1
        elif jnp.issubdtype(leaf.dtype, jnp.integer):
            out.append(packed.counts[n_count].astype(leaf.dtype))
            n_count += 1
        else:
            out.append(leaf)
    return jax.tree.unflatten(treedef, out)


def init_state(kind: Array, params: Params | Affine) -> OptState:
    """Fresh packed state of optimizer `kind` (traced index)."""
    branches = [lambda p, i=i: _pack(KINDS[i].init(p), p) for i in range(len(KINDS))]
    return lax.switch(kind, branches, params)  # type: ignore[no-any-return]


def scheduled_rate(h: OptHyper, step: Array) -> Array:
    """lr_t for the update at `step`: constant, time-based, step or exponential decay."""
    t = step.astype(jnp.float32)
    lr = h.learning_rate
    rates = [
        lr,
        lr / (1.0 + h.decay_rate * t),
        # Step decay is the exponential schedule in stairs: the same k means the same
        # overall decay, dropped once every `decay_steps` (k = 0.001, 1000 steps: times 1/e).
        lr * jnp.exp(-h.decay_rate * h.decay_steps * jnp.floor(t / h.decay_steps)),
        lr * jnp.exp(-h.decay_rate * t),
    ]
    return jnp.select([h.schedule == i for i in range(len(rates))], rates)


def _with_hyper(state: Any, h: OptHyper, lr: Array) -> Any:
    values = {"learning_rate": lr, "momentum": h.momentum, "decay": h.momentum,
              "b1": h.beta1, "b2": h.beta2}  # fmt: skip
    hyper = dict(state.hyperparams)
    for name in hyper:
        if name in values:  # eps etc. keep optax's defaults
            hyper[name] = values[name].astype(hyper[name].dtype)
    return state._replace(hyperparams=hyper)


def update(
    h: OptHyper, state: OptState, grads: Tree, params: Tree, step: Array
) -> tuple[Tree, OptState]:
    """Updates of the selected kind at the scheduled rate lr_t, and its new packed state."""
    lr = scheduled_rate(h, step)

    def branch(i: int) -> Any:
        def run(state: OptState) -> tuple[Tree, OptState]:
            inner = _with_hyper(_unpack(i, state, params), h, lr)
            updates, new_inner = KINDS[i].update(grads, inner, params)
            return updates, _pack(new_inner, params)

        return run

    return lax.switch(h.kind, [branch(i) for i in range(len(KINDS))], state)  # type: ignore[no-any-return]
