"""Optimizers from optax with live hyperparameters, kept side by side and picked by a traced kind.

Each kind is wrapped in `optax.inject_hyperparams`, so the learning rate (after the schedule),
momentum and betas are written into the state every step: a slider move changes a traced value
and keeps the moments. All kinds' states live together; switching kind selects another state, which
the trainer re-initialises on a switch so that "switching resets only the optimizer state".
"""

from __future__ import annotations

from typing import Any, NamedTuple

import jax.numpy as jnp
import optax
from jax import Array, lax

from nnplayground.engine.model import Params

OptStates = tuple[Any, ...]  # one optax state per kind, in registry.OPTIMIZERS order

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


def init_states(params: Params) -> OptStates:
    return tuple(kind.init(params) for kind in KINDS)


def scheduled_rate(h: OptHyper, step: Array) -> Array:
    """lr_t for the update at `step`: constant, time-based, step or exponential decay."""
    t = step.astype(jnp.float32)
    lr = h.learning_rate
    rates = [
        lr,
        lr / (1.0 + h.decay_rate * t),
        lr * h.decay_rate ** jnp.floor(t / h.decay_steps),
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
    h: OptHyper, states: OptStates, grads: Params, params: Params, step: Array
) -> tuple[Params, OptStates]:
    """Updates of the selected kind at lr_t; only that kind's state advances."""
    lr = scheduled_rate(h, step)

    def branch(i: int) -> Any:
        def run(states: OptStates) -> tuple[Params, OptStates]:
            state = _with_hyper(states[i], h, lr)
            updates, new_state = KINDS[i].update(grads, state, params)
            return updates, (*states[:i], new_state, *states[i + 1 :])

        return run

    return lax.switch(h.kind, [branch(i) for i in range(len(KINDS))], states)  # type: ignore[no-any-return]
