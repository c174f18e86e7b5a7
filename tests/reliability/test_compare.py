"""Compare (issue 6 §4 "max lanes"): variants of the main model in lanes of one session.

One server with the default `max_lanes` (16): more variants than fit get a clear error and change
nothing; a variant lane trains exactly like a session of its own on that config; switching
compare on and off keeps the main model; a diverging variant is reported without pausing the
main one or putting NaN on the wire; and none of it compiles anything after warm-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import LiveServer
from nnplayground.engine.config import FIELD_SPECS

from ._client import Client

MAX_LANES = 16
LR_SWEEP = [{"learning_rate": 0.003}, {"learning_rate": 0.3}, {"learning_rate": 3.0}]


@pytest.fixture(scope="module")
def server(module_server: Callable[..., LiveServer]) -> LiveServer:
    return module_server()  # the defaults: max_lanes 16, warmed for 16 lanes


def _epochs(client: Client, n: int) -> None:
    for _ in range(n):
        client.send({"type": "control", "action": "epoch"})
        client.until_text("status")


def test_hello_states_max_lanes(server: LiveServer) -> None:
    client = Client(server.ws_url)
    assert client.hello["limits"]["max_lanes"] == MAX_LANES, client.hello["limits"]
    client.close()


def test_too_many_variants_is_an_error_and_changes_nothing(server: LiveServer) -> None:
    client = Client(server.ws_url)
    client.play(fps=30)
    seen = len(client.texts)
    too_many = [{"learning_rate": 0.01 * (i + 1)} for i in range(MAX_LANES)]
    client.send({"type": "compare", "variants": too_many})
    error = client.until_text("error")
    assert error["field"] == "variants", error
    # The message schema already caps a list at 15 (max_lanes is at most 16); a smaller
    # max_lanes names itself (tests/runtime/test_compare.py).
    assert f"at most {MAX_LANES - 1}" in error["message"], error
    # Invalid values and data fields are refused the same way, before anything changes.
    for bad, word in (
        ([{"learning_rate": 30.0}], "learning_rate"),
        ([{"noise": 10.0}], "noise"),
        ([{"hidden_layers": [9]}], "hidden_layers"),
        ([{"learning_rate": 0.1, "colour": 1}], "colour"),
    ):
        client.send({"type": "compare", "variants": bad})
        error = client.until_text("error")
        assert error["field"] == "variants" and word in error["message"], (bad, error)
    frames = client.frames_for(1.0)
    assert len(frames) >= 10, "the session stopped streaming"
    assert frames[-1].step > frames[0].step, "the session stopped training"
    assert all("compare" not in f.header for f in frames)
    assert all(f.names() == frames[0].names() for f in frames)
    assert not [t for t in client.texts[seen:] if t["type"] in ("compare", "config")]
    client.close()


def test_variant_lane_equals_a_session_of_its_own(server: LiveServer) -> None:
    """Engine lanes are independent: variant k after N steps = that config alone after N."""
    variants = [{"learning_rate": 0.3}, {"activation": "relu", "l2": 0.01}]
    together = Client(server.ws_url)
    together.send({"type": "compare", "variants": variants})
    echo = together.until_text("compare")
    assert echo["variants"] == variants and echo["lanes"] == 3, echo
    _epochs(together, 3)
    frame = together.until_frame()
    block = frame.header["compare"]["variants"]
    assert [v["changes"] for v in block] == variants
    assert frame.raw["compare_outputs"].shape[0] == 2
    main = frame.header["metrics"]
    together.close()

    alone_metrics = []
    for changes in [{}, *variants]:
        alone = Client(server.ws_url)
        if changes:
            alone.send({"type": "config", **changes})
            alone.until_text("config")
        _epochs(alone, 3)
        got = alone.until_frame()
        assert got.step == frame.step
        alone_metrics.append(got.header["metrics"])
        alone.close()

    for key in ("train_loss", "test_loss", "train_accuracy", "test_accuracy"):
        assert main[key] == pytest.approx(alone_metrics[0][key], rel=1e-4, abs=1e-6), key
        for variant, alone_m in zip(block, alone_metrics[1:], strict=True):
            assert variant["step"] == frame.step
            assert variant[key] == pytest.approx(alone_m[key], rel=1e-4, abs=1e-6), (
                key,
                variant,
                alone_m,
            )
    # The variants really differ from the main model (not three copies of lane 0).
    assert block[0]["train_loss"] != pytest.approx(main["train_loss"], rel=1e-3)


def test_switching_compare_keeps_the_main_model(server: LiveServer) -> None:
    client = Client(server.ws_url)
    _epochs(client, 2)
    before = client.until_frame()
    for variants in (LR_SWEEP, LR_SWEEP[:1], []):
        client.send({"type": "compare", "variants": variants})
        assert client.until_text("compare")["variants"] == variants
        after = client.until_frame()
        assert after.step == before.step
        np.testing.assert_array_equal(after.value("weights"), before.value("weights"))
        np.testing.assert_array_equal(after.value("biases"), before.value("biases"))
        assert ("compare" in after.header) == bool(variants)
    # Training goes on from there, identically to a session that never compared.
    _epochs(client, 1)
    resumed = client.until_frame()
    plain = Client(server.ws_url)
    _epochs(plain, 3)
    reference = plain.until_frame()
    assert resumed.step == reference.step
    np.testing.assert_allclose(
        resumed.value("weights"), reference.value("weights"), rtol=1e-4, atol=1e-5
    )
    client.close()
    plain.close()


def test_a_diverging_variant_is_reported_and_the_main_lane_plays_on(server: LiveServer) -> None:
    client = Client(server.ws_url)
    client.send({"type": "config", "problem": "regression", "dataset": "plane",
                 "activation": "sigmoid", "loss": "mse"})  # fmt: skip
    client.until_text("config")
    client.send({"type": "compare", "variants": [{"learning_rate": 10.0}, {"learning_rate": 0.1}]})
    client.until_text("compare")
    client.play(fps=30)
    frames = client.frames_for(3.0)
    last = frames[-1].header
    huge, sane = last["compare"]["variants"]
    assert huge["diverged"] is True and isinstance(huge["diverged_step"], int), huge
    assert huge["test_loss"] is None  # never NaN: headers are parsed strictly
    assert sane["diverged"] is False and sane["test_loss"] is not None, sane
    assert last["playing"] is True, "a diverged variant paused the main model"
    assert not [t for t in client.texts if t.get("event") == "diverged"]
    assert frames[-1].step > frames[0].step
    for frame in frames:
        assert np.isfinite(frame.value("compare_outputs")).all()
    # A reset restarts every lane from its own seed: the parked variant is back.
    client.send({"type": "control", "action": "pause"})
    client.until_text("status", playing=False)
    client.send({"type": "control", "action": "reset"})
    client.until_text("status", step=0)
    frame = client.until_frame()
    while frame.step != 0:
        frame = client.until_frame()
    assert [v["diverged"] for v in frame.header["compare"]["variants"]] == [False, False]
    client.close()


def test_compare_compiles_nothing_after_warm_up(server: LiveServer) -> None:
    assert server.health()["warm"] is True
    compiles = server.health()["compiles"]
    client = Client(server.ws_url)
    client.play(fps=30)
    steps = [
        {"type": "compare", "variants": LR_SWEEP},
        {"type": "config", "hidden_layers": [6, 6, 3], "optimizer": "adam"},
        {"type": "config", "batch_size": 30},
        {"type": "compare", "variants": [{"activation": "relu"}, {"dropout": 0.2}]},
        {"type": "edit_weight", "layer": 0, "source": 0, "target": 0, "value": 0.5},
        {"type": "config", "num_points": 1500},
        {"type": "control", "action": "regenerate"},
        {"type": "control", "action": "reset"},
        {"type": "compare", "variants": []},
    ]
    for message in steps:
        client.send(message)
        client.frames_for(0.5)
    assert not client.errors(), client.errors()
    assert server.health()["compiles"] == compiles, "compare compiled after warm-up"
    client.close()


variant_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-5, max_value=3000),
    st.floats(min_value=-1e3, max_value=1e3, allow_nan=False),
    st.sampled_from(["relu", "adam", "x1", "user", "spiral", "", "hinge"]),
    st.lists(st.integers(min_value=-1, max_value=10), max_size=7),
    st.lists(st.sampled_from(["x1", "x2", "sinx1", "bogus"]), max_size=3),
)
good_variants = st.sampled_from([
    {}, {"learning_rate": 0.3}, {"activation": "relu"}, {"l2": 0.01}, {"hidden_layers": [8, 8]},
    {"optimizer": "adam", "learning_rate": 0.01}, {"dropout": 0.2}, {"batch_size": 30},
    {"seed": 3}, {"features": ["x1", "x2", "sinx1"]}, {"loss": "mse"},
])  # fmt: skip
variant_lists = st.lists(
    st.one_of(
        good_variants,
        good_variants,
        st.dictionaries(st.sampled_from((*FIELD_SPECS, "bogus")), variant_values, max_size=3),
    ),
    max_size=4,
)


ANSWERS: dict[str, int] = {"compare": 0, "error": 0}


@pytest.fixture(scope="module")
def fuzzed(server: LiveServer) -> Iterator[Client]:
    client = Client(server.ws_url)
    client.play(fps=20)
    yield client
    client.close()


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(variants=variant_lists)
def test_fuzzed_variants_get_an_echo_or_an_error(
    fuzzed: Client, variants: list[dict[str, Any]]
) -> None:
    """Any list of partial configs: applied as a whole (echo) or refused as a whole (error on
    `variants`), never half; the sentinel `stream` marks the end of the answers."""
    seen = len(fuzzed.texts)
    fuzzed.send({"type": "compare", "variants": variants})
    fuzzed.send({"type": "stream", "fps": 20})
    fuzzed.until_text("stream", timeout=15)
    answers = [t for t in fuzzed.texts[seen:-1] if t["type"] in ("compare", "error")]
    assert len(answers) == 1, fuzzed.texts[seen:]
    last = answers[0]
    ANSWERS[last["type"]] += 1
    if last["type"] == "error":
        assert last["field"] == "variants" and last["message"].startswith("variants:"), last
    else:
        assert last["variants"] == variants and last["lanes"] == 1 + len(variants), last


def test_after_fuzzing_the_session_still_trains_and_frames_are_finite(fuzzed: Client) -> None:
    assert ANSWERS["compare"] >= 10 and ANSWERS["error"] >= 10, ANSWERS  # both paths ran
    frames = fuzzed.frames_for(1.5)
    assert len(frames) >= 10 and frames[-1].step > frames[0].step
    for frame in frames:
        if "compare_outputs" in frame.names():
            assert np.isfinite(frame.value("compare_outputs")).all()
