"""sweep.py (issue 16): every combination of one or two settings trained from scratch side by
side, each lane as it would train alone; frames carry the `sweep` block and thumbnails."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from nnplayground.engine import RunConfig, Trainer, group
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import commands, tick
from nnplayground.runtime.pacing import Limits
from nnplayground.runtime.sweep import combinations
from runtime.harness import read, session, watch

LIMITS = Limits(max_lanes=16)


@pytest.mark.parametrize(
    ("axes", "text"),
    [
        ([{"field": "learning_rate", "values": [0.1] * 17}], "17 models exceed max_lanes = 16"),
        (
            [
                {"field": "l2", "values": [0, 0.1, 0.2, 0.3, 0.4]},
                {"field": "seed", "values": [1, 2, 3, 4]},
            ],
            "20 models exceed max_lanes = 16",
        ),
        ([{"field": "noise", "values": [0.0, 10.0]}], "axis 1, noise: a sweep varies the model"),
        ([{"field": "learning_rate", "values": [0.1, 99.0]}], "model 2 (learning_rate = 99.0)"),
        ([{"field": "activation", "values": ["tanh", "swish"]}], "model 2 (activation = 'swish')"),
        ([{"field": "seed", "values": [1]}], "at least two models"),
        ([{"field": "seed", "values": [1, 2]}] * 2, "each axis needs its own field"),
    ],
)
def test_sweeps_that_do_not_fit_name_the_field_and_limit(
    axes: list[dict[str, Any]], text: str
) -> None:
    with pytest.raises(FieldError, match=text.replace("(", r"\(").replace(")", r"\)")) as bad:
        combinations(RunConfig(), axes, max_lanes=16)
    assert bad.value.field == "axes"


def test_combinations_and_same_init() -> None:
    axes = [{"field": "activation", "values": ["tanh", "relu"]},
            {"field": "learning_rate", "values": [0.01, 0.1]}]  # fmt: skip
    combos = combinations(RunConfig(seed=7), axes, 16)
    assert combos == [
        {"activation": "tanh", "learning_rate": 0.01},
        {"activation": "tanh", "learning_rate": 0.1},
        {"activation": "relu", "learning_rate": 0.01},
        {"activation": "relu", "learning_rate": 0.1},
    ]
    seeds = [c["seed"] for c in combinations(RunConfig(seed=7), axes, 16, same_init=False)]
    assert seeds == [7, 8, 9, 10]


def _epochs(s: Any, n: int, loop: asyncio.AbstractEventLoop, groups: group.Groups) -> None:
    for _ in range(n):
        s.submit(lambda s: commands.control(s, "epoch"))
    tick.advance([s], 1000.0, groups)


@pytest.mark.parametrize(
    "axes",
    [
        [{"field": "learning_rate", "values": [0.003, 0.03, 0.3, 1.0]}],
        [
            {"field": "activation", "values": ["tanh", "relu", "sigmoid"]},
            {"field": "learning_rate", "values": [0.03, 0.3]},
        ],
        [{"field": "seed", "values": [0, 1, 2, 3, 4]}],
        [
            {"field": "learning_rate", "values": [0.01, 0.03, 0.1, 0.3]},
            {"field": "l2", "values": [0.0, 0.001, 0.01, 0.1]},
        ],
    ],
    ids=["learning_rate", "activation x learning_rate", "seed", "4x4"],
)
def test_every_lane_trains_as_it_would_alone(
    axes: list[dict[str, Any]], loop: asyncio.AbstractEventLoop
) -> None:
    s = session(LIMITS, dataset="xor", hidden_layers=[4, 3], noise=10.0)
    w = watch(s, loop)
    groups = group.Groups()
    _epochs(s, 1, loop, groups)  # the main model has trained: the sweep starts from scratch
    read(loop, w)
    s.propose_sweep(axes, True, w)
    _epochs(s, 3, loop, groups)
    texts, frame = read(loop, w)
    combos = combinations(RunConfig(), axes, 16)
    assert [t["type"] for t in texts][:3] == ["config", "status", "sweep"]
    assert texts[2] == {"type": "sweep", "axes": axes, "lanes": len(combos)}
    steps = 3 * s.trainer.steps_per_epoch(0)
    assert list(s.trainer.step[: len(combos)]) == [steps] * len(combos)
    got = s.trainer.evaluate()
    base = RunConfig(dataset="xor", hidden_layers=(4, 3), noise=10.0)
    for lane, changes in enumerate(combos):
        alone = Trainer([base.replace(**changes)]).train(steps)
        for name in ("train_loss", "test_loss", "test_accuracy"):
            np.testing.assert_allclose(
                getattr(got, name)[lane], getattr(alone, name)[0], rtol=1e-4, err_msg=str(changes)
            )
    assert frame is not None and "compare" not in frame.header
    block = frame.header["sweep"]
    assert block["axes"] == axes
    assert [lane["values"] for lane in block["lanes"]] == [
        [c[a["field"]] for a in axes] for c in combos
    ]
    assert all(lane["step"] == steps and lane["test_loss"] is not None for lane in block["lanes"])
    thumbs = frame.raw["sweep_outputs"]
    assert thumbs.shape == (len(combos), 50, 50) and thumbs.dtype == np.uint8
    # Lane 0's thumbnail is the main output at half resolution.
    main = s.trainer.select([0]).probe((0,), reduced=True).arrays(0)["output"][0]
    np.testing.assert_array_equal(thumbs[0], main)

    # `"axes": []` ends it; the main model (the first combination) keeps its weights.
    w0 = np.asarray(s.trainer.state.params.w)[0].copy()
    s.propose_sweep([], True, w)
    tick.advance([s], 1001.0, groups)
    texts, frame = read(loop, w)
    assert {"type": "sweep", "axes": [], "lanes": 1} in texts
    assert s.trainer.lanes == 1 and s.compare.sweep is None
    np.testing.assert_array_equal(np.asarray(s.trainer.state.params.w)[0], w0)
    assert frame is not None and "sweep" not in frame.header


def test_a_compare_message_ends_a_sweep(loop: asyncio.AbstractEventLoop) -> None:
    s = session(LIMITS)
    w = watch(s, loop)
    groups = group.Groups()
    s.propose_sweep([{"field": "l2", "values": [0.0, 0.01, 0.1]}], True, w)
    tick.advance([s], 1000.0, groups)
    with pytest.raises(FieldError, match="max_lanes = 16"):
        s.propose_sweep([{"field": "seed", "values": list(range(17))}], True, w)
    s.propose_compare([{"learning_rate": 0.3}], w)
    tick.advance([s], 1001.0, groups)
    texts, frame = read(loop, w)
    assert texts[-1] == {"type": "compare", "variants": [{"learning_rate": 0.3}], "lanes": 2}
    assert s.compare.sweep is None
    assert frame is not None and "sweep" not in frame.header and "compare" in frame.header
