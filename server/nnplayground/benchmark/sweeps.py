"""Many models at once (issue 16): sweeps against one lane, lane groups, double descent.

* `sweep_16_speedup`: total training examples/s of a 16-lane learning-rate sweep of the standard
  config (engine.STANDARD) over one lane's, measured side by side (interleaved, best of) on one
  core. The sweep's lanes share every branch, so they train as one 16-lane call.
* `activation_sweep_vs_groups`: a 16-lane sweep over 8 activations x 2 learning rates, trained as
  one Trainer (split into its branch groups), against the same 8 groups as 8 Trainers run one
  after another; the detail `vmapped_all_branches_examples_per_s` is the old way (one 16-lane
  vmapped call paying every branch).
* `double_descent_s`: one double-descent curve (engine/double_descent.py), the first call in
  the process (compile included); `double_descent_warm_s` a second one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from nnplayground.benchmark.engine import STANDARD, one_core
from nnplayground.engine import RunConfig, Trainer, double_descent, train
from nnplayground.engine import registry as reg
from nnplayground.engine.lanes import host

STEPS = 256  # per timed call: 8 chunks


def _best_rate(fns: list[Callable[[], int]], repeats: int) -> list[float]:
    """Examples/s of each fn (it returns the examples it trained), interleaved, best of."""
    best = [0.0] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            examples = fn()
            best[i] = max(best[i], examples / (time.perf_counter() - t0))
    return best


def _advance(trainers: list[Trainer]) -> Callable[[], int]:
    def run() -> int:
        for t in trainers:
            t.advance(STEPS)
        return sum(t.lanes * STEPS * t.configs[0].batch_size for t in trainers)

    return run


def _all_branches(t: Trainer) -> Callable[[], int]:
    """The K-lane vmapped chunk (every lane pays every branch), as before issue 16."""
    hp, dd = t._hp(), t._dd()
    bucket = train.bucket_for(t.configs[0].batch_size)

    def run() -> int:
        state = t.state
        for _ in range(STEPS // train.CHUNK):
            state, _ = train.train_chunk(state, hp, dd, host(train.CHUNK, np.int32), bucket)
        np.asarray(state.step)
        return t.lanes * STEPS * t.configs[0].batch_size

    return run


def measure_sweeps(quick: bool) -> dict[str, Any]:
    repeats = 3 if quick else 8
    cold = time.perf_counter()
    curve = double_descent.curve()
    dd_cold = time.perf_counter() - cold
    warm = time.perf_counter()
    double_descent.curve(seed=1)
    dd_warm = time.perf_counter() - warm
    rates = [float(r) for r in np.geomspace(0.003, 3.0, 16)]
    acts = [(a, lr) for a in reg.ACTIVATIONS[:8] for lr in (0.03, 0.3)]
    with one_core() as core:
        one = Trainer([STANDARD])
        sweep = Trainer([STANDARD.replace(learning_rate=lr) for lr in rates])
        mixed = [STANDARD.replace(activation=a, learning_rate=lr) for a, lr in acts]
        together = Trainer(mixed)
        groups = [Trainer([c for c in mixed if c.activation == a]) for a in reg.ACTIVATIONS[:8]]
        vmapped = Trainer(mixed)
        fns = [_advance([one]), _advance([sweep]), _advance([together]), _advance(groups),
               _all_branches(vmapped)]  # fmt: skip
        for fn in fns:  # compile (if anything is left to) outside the timing
            fn()
        r_one, r_sweep, r_together, r_groups, r_vmapped = _best_rate(fns, repeats)
    return {
        "sweep_16_speedup": r_sweep / r_one,
        "activation_sweep_vs_groups": r_together / r_groups,
        "double_descent_s": dd_cold,
        "double_descent_warm_s": dd_warm,
        "one_lane_examples_per_s": r_one,
        "sweep_16_examples_per_s": r_sweep,
        "activation_sweep_examples_per_s": r_together,
        "activation_groups_in_turn_examples_per_s": r_groups,
        "vmapped_all_branches_examples_per_s": r_vmapped,
        "double_descent_peak_width": int(curve.widths[int(np.argmax(curve.test_error))]),
        "double_descent_n_train": curve.n_train,
        "cpu_core": core,
        "config": RunConfig.to_dict(STANDARD),
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(measure_sweeps("--quick" in sys.argv), indent=2))
