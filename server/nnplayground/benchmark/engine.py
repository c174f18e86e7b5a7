"""Engine throughput: the standard config trained with probes at 30 Hz, and padded vs exact nets.

Standard config (issue 2): spiral, 6 hidden layers x 8 tanh, batch 10, 250 training points, a
100 x 100 output grid and every neuron map probed 30 times per second of wall time, on one CPU
core. The padded/exact ratio times the engine's padded chunk against a plain jitted MLP of the
same architecture (2 inputs, exact shapes, tanh, SGD, batch 10) measured side by side.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from nnplayground.engine import RunConfig, Trainer, train
from nnplayground.engine.compiles import CompileCounter
from nnplayground.engine.lanes import host

STANDARD = RunConfig(
    dataset="spiral", num_points=500, train_ratio=0.5, hidden_layers=(8,) * 6, batch_size=10
)
FPS = 30.0


@contextlib.contextmanager
def one_core() -> Iterator[int]:
    """Pin this process to one CPU for the measurement (restored afterwards)."""
    if not hasattr(os, "sched_setaffinity"):
        yield -1
        return
    before = os.sched_getaffinity(0)
    core = min(before)
    os.sched_setaffinity(0, {core})
    try:
        yield core
    finally:
        os.sched_setaffinity(0, before)


def _throughput(seconds: float) -> dict[str, Any]:
    """Train in frames of 1/FPS s (steps sized to fill the frame), probing after every frame."""
    t = Trainer([STANDARD])
    t.train(64)
    t.probe().arrays(0)
    steps, frames, probe_time = 256, 0, 0.0
    start = time.perf_counter()
    trained = 0
    with CompileCounter() as counter:
        while (now := time.perf_counter()) - start < seconds:
            frame_start = now
            t.train(steps)
            trained += steps
            p0 = time.perf_counter()
            arrays = t.probe().arrays(0)
            frame_bytes = sum(a.nbytes for a, _ in arrays.values())
            probe_time += time.perf_counter() - p0
            frames += 1
            spent = time.perf_counter() - frame_start
            # Resize the next frame's step count to fill 1/FPS s, as the runtime does.
            steps = max(train.CHUNK, int(steps * (1.0 / FPS) / max(spent, 1e-6)))
            if spent < 1.0 / FPS:
                time.sleep(1.0 / FPS - spent)
    elapsed = time.perf_counter() - start
    return {
        "train_examples_per_s": trained * STANDARD.batch_size / elapsed,
        "steps": trained,
        "frames": frames,
        "frames_per_s": frames / elapsed,
        "probe_ms": 1e3 * probe_time / max(frames, 1),
        "frame_array_bytes": frame_bytes,
        "recompiles_during_run": counter.count,
        "final_train_accuracy": float(t.train(1).train_accuracy[0]),
    }


def _exact_chunk() -> tuple[Callable[[Any], Any], Any]:
    """A plain exact-shape MLP 2 → 8 x 6 → 1 with the same chunked training loop."""
    sizes = [2, *STANDARD.hidden_layers, 1]
    key = jax.random.PRNGKey(0)
    params = []
    for fan_in, fan_out in itertools.pairwise(sizes):
        key, sub = jax.random.split(key)
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        params.append((jax.random.uniform(sub, (fan_in, fan_out), minval=-limit, maxval=limit),
                       jnp.zeros(fan_out)))  # fmt: skip
    t = Trainer([STANDARD])
    data = t._dd()
    x, y, idx, n_train = data.x[0], data.y[0], data.train_idx[0], data.n_train[0]
    opt = optax.sgd(STANDARD.learning_rate)

    def loss(ps: Any, xb: jax.Array, yb: jax.Array) -> jax.Array:
        h = xb
        for w, b in ps[:-1]:
            h = jnp.tanh(h @ w + b[None, :])
        z = (h @ ps[-1][0] + ps[-1][1][None, :])[:, 0]
        return jnp.mean(jax.nn.softplus(z) - yb * z)

    def step(carry: Any, _: Any) -> tuple[Any, jax.Array]:
        ps, s, k = carry
        k, sub = jax.random.split(k)
        rows = idx[jax.random.randint(sub, (STANDARD.batch_size,), 0, n_train)]
        value, grads = jax.value_and_grad(loss)(ps, x[rows], y[rows])
        updates, s = opt.update(grads, s, ps)
        return (optax.apply_updates(ps, updates), s, k), value

    @jax.jit
    def chunk(carry: Any) -> Any:
        return jax.lax.scan(step, carry, None, length=train.CHUNK)

    return chunk, (params, opt.init(params), jax.random.PRNGKey(1))


def _padded_chunk() -> tuple[Callable[[Any], Any], Any]:
    t = Trainer([STANDARD])
    hp, data, bucket = t._hp(), t._dd(), train.bucket_for(STANDARD.batch_size)
    n = host(train.CHUNK, np.int32)

    def chunk(state: Any) -> Any:
        return train.train_chunk(state, hp, data, n, bucket)

    return chunk, t.state


def _step_time(fn: Callable[[Any], Any], carry: Any, calls: int) -> tuple[float, Any]:
    t0 = time.perf_counter()
    for _ in range(calls):
        carry, _ = fn(carry)
    jax.block_until_ready(carry)  # type: ignore[no-untyped-call]
    return (time.perf_counter() - t0) / (calls * train.CHUNK), carry


def _padded_vs_exact(repeats: int, calls: int) -> dict[str, Any]:
    exact, e_carry = _exact_chunk()
    padded, p_carry = _padded_chunk()
    e_carry, _ = exact(e_carry)
    p_carry, _ = padded(p_carry)
    exact_best, padded_best = float("inf"), float("inf")
    for _ in range(repeats):  # interleaved, best of: both see the same machine load
        e, e_carry = _step_time(exact, e_carry, calls)
        p, p_carry = _step_time(padded, p_carry, calls)
        exact_best, padded_best = min(exact_best, e), min(padded_best, p)
    return {
        "padded_step_us": padded_best * 1e6,
        "exact_step_us": exact_best * 1e6,
        "padded_vs_exact_ratio": padded_best / exact_best,
    }


def measure_engine(quick: bool) -> dict[str, Any]:
    """{"train_examples_per_s", "padded_vs_exact_ratio", ...details} on one CPU core."""
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    with one_core() as core:
        ratio = _padded_vs_exact(repeats=5 if quick else 15, calls=30 if quick else 60)
        through = _throughput(seconds=3.0 if quick else 10.0)
    # Other processes share the machine: the 1-minute load average says how much they took.
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {**through, **ratio, "cpu_core": core, "chunk_steps": train.CHUNK,
            "batch_buckets": list(train.BATCH_BUCKETS), "load_average_before": load_before,
            "load_average_after": load_after, "jax": jax.__version__}  # fmt: skip


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure_engine("--quick" in sys.argv), indent=2))
