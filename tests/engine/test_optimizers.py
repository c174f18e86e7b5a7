"""Optimizers equal optax's reference; rates are live state; a kind switch resets only that state."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from nnplayground.engine import RunConfig, Trainer, registry
from nnplayground.engine.config import DEFAULT_CAPACITY
from nnplayground.engine.lanes import hyper_of
from nnplayground.engine.model import Params
from nnplayground.engine.optim import init_state, scheduled_rate, update

CFG = RunConfig(learning_rate=0.05, momentum=0.8, beta1=0.85, beta2=0.99)
REFERENCE = {
    "sgd": optax.sgd(0.05),
    "momentum": optax.sgd(0.05, momentum=0.8),
    "nesterov": optax.sgd(0.05, momentum=0.8, nesterov=True),
    "adagrad": optax.adagrad(0.05),
    "rmsprop": optax.rmsprop(0.05, decay=0.8),
    "adam": optax.adam(0.05, b1=0.85, b2=0.99),
    "nadam": optax.nadam(0.05, b1=0.85, b2=0.99),
}


@jax.jit
def _engine_steps(hp_opt, params, grads):  # type: ignore[no-untyped-def]
    state = init_state(hp_opt.kind, params)
    out = []
    for step, g in enumerate(grads):
        updates, state = update(hp_opt, state, g, params, jnp.int32(step))
        params = optax.apply_updates(params, updates)
        out.append(params)
    return out


@pytest.mark.parametrize("kind", registry.OPTIMIZERS)
def test_steps_equal_optax_reference(kind: str) -> None:
    assert set(REFERENCE) == set(registry.OPTIMIZERS)
    rng = np.random.default_rng(0)
    shapes = Params(w=(6, 9, 9), b=(6, 9), wo=(9, 6), bo=(6,))
    params = Params(*(jnp.asarray(rng.normal(size=s), jnp.float32) for s in shapes))
    grads = [
        Params(*(jnp.asarray(rng.normal(size=s), jnp.float32) for s in shapes)) for _ in range(3)
    ]
    hp = hyper_of(CFG.replace(optimizer=kind), DEFAULT_CAPACITY).opt
    ours = _engine_steps(jax.tree.map(jnp.asarray, hp), params, grads)
    ref_opt = REFERENCE[kind]
    state, ref = ref_opt.init(params), params
    for step, g in enumerate(grads):  # three steps: the packed state carries the moments
        updates, state = ref_opt.update(g, state, ref)
        ref = optax.apply_updates(ref, updates)
        for a, b in zip(ours[step], ref, strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=2e-6, atol=2e-7)


def test_schedules() -> None:
    hp = hyper_of(CFG.replace(decay_rate=0.5, decay_steps=10), DEFAULT_CAPACITY).opt
    lr0, k = 0.05, 0.5
    stairs = optax.exponential_decay(lr0, 10, float(np.exp(-k * 10)), staircase=True)
    expected = {
        "constant": lambda t: lr0,
        "time": lambda t: lr0 / (1 + k * t),
        # optax's staircase exponential decay, the same k per step dropped every 10 steps
        "step": lambda t: float(stairs(t)),
        "exponential": lambda t: lr0 * np.exp(-k * t),
    }
    for i, name in enumerate(registry.SCHEDULES):
        h = jax.tree.map(jnp.asarray, hp._replace(schedule=np.int32(i)))
        for t in (0, 3, 10, 25):
            got = float(scheduled_rate(h, jnp.int32(t)))
            assert got == pytest.approx(expected[name](t), rel=1e-5), (name, t)


def test_rate_change_keeps_adam_moments_and_kind_switch_resets_them() -> None:
    t = Trainer([RunConfig(optimizer="adam", learning_rate=0.01)])
    t.train(50)
    before = jax.tree.map(np.asarray, t.state.opt)
    t.apply(0, t.configs[0].replace(learning_rate=0.1, beta1=0.5))
    after = jax.tree.map(np.asarray, t.state.opt)
    for a, b in zip(jax.tree.leaves(before), jax.tree.leaves(after), strict=True):
        assert np.array_equal(a, b)
    assert list(after.counts[0]) == [50, 50]  # Adam's bias-correction count survives
    params = jax.tree.map(np.asarray, t.state.params)
    t.apply(0, t.configs[0].replace(optimizer="rmsprop"))
    switched = t.state
    assert not np.any(np.asarray(switched.opt.counts))
    assert all(np.all(np.asarray(s) == 0) for s in jax.tree.leaves(switched.opt.slots[0]))
    for a, b in zip(jax.tree.leaves(params), jax.tree.leaves(switched.params), strict=True):
        assert np.array_equal(a, np.asarray(b))  # the model itself is untouched
    assert int(t.step[0]) == 50
