"""compare.py: variants of a session's model trained side by side, validated before queueing."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from nnplayground.engine import RunConfig, group
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import commands, tick
from nnplayground.runtime.compare import check_variants
from nnplayground.runtime.pacing import Limits
from runtime.harness import read, session, watch


@pytest.mark.parametrize(
    ("variants", "text"),
    [
        ([{"learning_rate": 0.1}] * 2, "at most 1 variants"),
        ([{"noise": 10.0}], "variant 1, noise: a variant changes the model"),
        ([{"learning_rate": 99.0}], "variant 1, learning_rate: 99.0 is outside"),
    ],
)
def test_variants_that_do_not_fit_name_the_field(
    variants: list[dict[str, float]], text: str
) -> None:
    with pytest.raises(FieldError, match=text) as bad:
        check_variants(RunConfig(), variants, max_lanes=2)
    assert bad.value.field == "variants"


def test_a_variant_trains_beside_the_main_model_and_shows_in_frames(
    loop: asyncio.AbstractEventLoop,
) -> None:
    s = session(Limits(max_lanes=2))
    w = watch(s, loop)
    groups = group.Groups()
    with pytest.raises(FieldError):
        s.propose_compare([{"activation": "swish"}])  # nothing queued
    s.propose_compare([{"learning_rate": 0.3}], w)
    s.submit(lambda s: commands.control(s, "epoch"))
    tick.advance([s], 1000.0, groups)
    texts, frame = read(loop, w)
    assert texts[0] == {"type": "compare", "variants": [{"learning_rate": 0.3}], "lanes": 2}
    assert s.trainer.lanes == 2 and s.trainer.configs[1].learning_rate == 0.3
    assert int(s.trainer.step[0]) == int(s.trainer.step[1]) > 0
    assert frame is not None and frame.raw["compare_outputs"].shape == (1, 100, 100)
    (variant,) = frame.header["compare"]["variants"]
    assert variant["changes"] == {"learning_rate": 0.3} and variant["step"] == frame.step
    assert variant["train_loss"] is not None and not variant["diverged"]
    main_w, variant_w = np.asarray(s.trainer.state.params.w)[:2]
    assert not np.allclose(main_w, variant_w)  # trained at other rates

    # A main config change that the variant no longer fits drops it (and says so).
    s.propose_compare([{"loss": "hinge"}], w)
    s.propose_config({"problem": "regression"}, w)
    tick.advance([s], 1001.0, groups)
    texts, _ = read(loop, w)
    assert [t["type"] for t in texts] == ["compare", "compare", "config"]
    assert texts[1]["variants"] == [] and s.trainer.lanes == 1
