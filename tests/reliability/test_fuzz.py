"""Issue 6 §1: protocol fuzzing. One server, one fuzzed socket reused for every example.

After each fuzzed message the test sends a sentinel (`stream` at 13, 17 or 19 fps in turn) and
reads up to its answer, so whatever the server said about the fuzzed message is exactly what came
in between. The rate cycles because a fuzzed `stream` with `fps: null` is answered with the
current rate: a fixed sentinel rate would match that answer too.
A second client streams all along; its frame rate must not suffer.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed

from conftest import LiveServer

from ._client import Client, close_code

SENTINEL_FPS = (13, 17, 19)
FUZZ = settings(
    deadline=None, database=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip
CONFIG_FIELDS = (
    "problem", "dataset", "num_classes", "num_points", "noise", "train_ratio", "val_ratio",
    "data_seed", "features", "hidden_layers", "activation", "init", "loss", "optimizer",
    "learning_rate", "momentum", "beta1", "beta2", "schedule", "decay_rate", "decay_steps",
    "batch_size", "l1", "l2", "dropout", "seed", "patience",
)  # fmt: skip
COUNTS: dict[str, int] = {}

extreme_numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**31 - 1, 2**53 + 1, 10**300]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 1e-320, 5e-324, 1e308, -1e308]),
)
json_scalars = st.one_of(
    st.none(), st.booleans(), extreme_numbers, st.text(max_size=40),
    st.sampled_from(["tanh", "relu", "spiral", "x1", "", "0.1", "NaN"]),
)  # fmt: skip
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)


class Observer(threading.Thread):
    """A second client that streams at 30 fps and records when each frame arrived."""

    def __init__(self, server: LiveServer) -> None:
        super().__init__(daemon=True)
        self.client = Client(server.ws_url)
        self.client.play(fps=30)
        self.arrivals: list[float] = []
        self.stop_event = threading.Event()
        self.failure: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop_event.is_set():
                try:
                    message = self.client.recv(0.5)
                except TimeoutError:
                    continue
                if not isinstance(message, dict):
                    self.arrivals.append(time.monotonic())
        except BaseException as error:  # reported by the test that checks the observer
            self.failure = error

    def fps(self, start: float, end: float) -> float:
        return sum(start <= t < end for t in self.arrivals) / (end - start)


@pytest.fixture(scope="module")
def server(module_server: Callable[..., LiveServer]) -> LiveServer:
    # Fuzzing sends two messages per example as fast as it can: lift the per-connection rate
    # limit here (flooding is test_flood's subject) so every example reaches the parser.
    return module_server(max_messages_per_s="1000000")


@pytest.fixture(scope="module")
def observer(server: LiveServer) -> Iterator[Observer]:
    watcher = Observer(server)
    watcher.start()
    time.sleep(2.0)  # baseline window before any fuzzing
    yield watcher
    watcher.stop_event.set()
    watcher.join(5)
    watcher.client.close()


@pytest.fixture(scope="module")
def fuzzed(server: LiveServer, observer: Observer) -> Iterator[Client]:
    client = Client(server.ws_url)
    client.play(fps=SENTINEL_FPS[0])
    yield client
    client.close()


def exchange(client: Client, payload: str | bytes, kind: str) -> list[dict[str, Any]]:
    """Send one fuzzed message, then the sentinel; the text answers in between."""
    COUNTS[kind] = COUNTS.get(kind, 0) + 1
    fps = SENTINEL_FPS[sum(COUNTS.values()) % len(SENTINEL_FPS)]
    client.ws.send(payload)
    client.send({"type": "stream", "fps": fps, "steps_per_frame": None})
    seen = len(client.texts)
    client.until_text("stream", timeout=10, fps=fps)
    return client.texts[seen:-1]


def assert_error(answers: list[dict[str, Any]], payload: Any) -> None:
    errors = [a for a in answers if a.get("type") == "error"]
    assert errors, f"no error for {payload!r:.300}; got {answers!r:.300}"
    for error in errors:
        assert isinstance(error.get("message"), str) and error["message"], error
        assert "Traceback" not in error["message"], error


@settings(FUZZ, max_examples=300)
@given(st.text(max_size=200))
def test_junk_text_gets_an_error(fuzzed: Client, text: str) -> None:
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    assume(not (isinstance(parsed, dict) and "type" in parsed))
    assert_error(exchange(fuzzed, text, "text"), text)


@settings(FUZZ, max_examples=400)
@given(json_values)
def test_json_that_is_not_a_message_gets_an_error(fuzzed: Client, value: Any) -> None:
    assume(not (isinstance(value, dict) and value.get("type") in ("config", "stream")))
    assert_error(exchange(fuzzed, json.dumps(value), "json"), value)


@settings(FUZZ, max_examples=200)
@given(st.binary(max_size=300))
def test_binary_garbage_gets_an_error(fuzzed: Client, data: bytes) -> None:
    assert_error(exchange(fuzzed, data, "binary"), data)


def _echo_is_sane(config: dict[str, Any]) -> None:
    for name in CONFIG_FIELDS:
        assert name in config, f"echoed config lacks {name}"
        value = config[name]
        if isinstance(value, float):
            assert math.isfinite(value), (name, value)
    assert 1e-5 <= config["learning_rate"] <= 10, config["learning_rate"]
    assert all(1 <= w <= 8 for w in config["hidden_layers"]) and len(config["hidden_layers"]) <= 6


@settings(FUZZ, max_examples=800)
@given(
    st.dictionaries(st.sampled_from(CONFIG_FIELDS), json_values, min_size=1, max_size=4),
    st.booleans(),
)
def test_config_with_extreme_or_wrong_values(
    fuzzed: Client, fields: dict[str, Any], extra: bool
) -> None:
    message = {"type": "config", **fields}
    if extra:
        message["no_such_field"] = 1
    answers = exchange(fuzzed, json.dumps(message), "config")
    errors = [a for a in answers if a.get("type") == "error"]
    echoes = [a for a in answers if a.get("type") == "config"]
    if extra:
        assert errors and not echoes, f"unknown field accepted: {answers!r:.300}"
    assert len(errors) + len(echoes) == 1, f"{message!r:.300} -> {answers!r:.300}"
    if errors:
        assert errors[0].get("field"), f"error names no field: {errors[0]}"
    else:
        _echo_is_sane(echoes[0]["config"])


other_messages = st.one_of(
    st.fixed_dictionaries({"type": st.just("control"), "action": json_values}),
    st.fixed_dictionaries({"type": st.just("stream"), "fps": json_values, "steps_per_frame": json_values}),
    st.fixed_dictionaries({"type": st.just("edit_weight"), "layer": extreme_numbers,
                           "source": extreme_numbers, "target": extreme_numbers, "value": json_values}),
    st.fixed_dictionaries({"type": st.just("edit_bias"), "layer": json_values,
                           "neuron": extreme_numbers, "value": extreme_numbers}),
    st.fixed_dictionaries({"type": st.just("points"), "points": st.lists(st.lists(json_scalars, max_size=4), max_size=5)}),
    st.fixed_dictionaries({"type": st.just("csv"), "text": st.text(max_size=200)}),
    st.fixed_dictionaries({"type": st.sampled_from(["control", "stream", "edit_weight", "edit_bias", "points", "csv"])}),
)  # fmt: skip


@settings(FUZZ, max_examples=600)
@given(other_messages)
def test_other_messages_with_wrong_values(fuzzed: Client, message: dict[str, Any]) -> None:
    assume(not (message["type"] == "stream" and message.get("fps") in SENTINEL_FPS))
    answers = exchange(fuzzed, json.dumps(message), "other")
    for answer in answers:
        if answer.get("type") == "error":
            assert answer.get("message"), answer
    if message["type"] == "control" and message.get("action") == "pause":
        fuzzed.send({"type": "control", "action": "play"})
        fuzzed.until_text("status")


def test_hand_picked_junk(fuzzed: Client) -> None:
    """Deep nesting, huge strings, NaN literals, invalid UTF-8 as bytes: each an error."""
    cases: list[str | bytes] = [
        "[" * 100_000 + "]" * 100_000,
        '{"type": "config", "learning_rate": ' + "[" * 50_000 + "]" * 50_000 + "}",
        json.dumps({"type": "config", "activation": "a" * 500_000}),
        '{"type": "config", "learning_rate": NaN}',
        '{"type": "config", "learning_rate": Infinity}',
        '{"type": "config", "learning_rate": 1e999}',
        b"\xff\xfe\x00{" * 1000,
        '{"type": null}',
        "",
    ]
    missing = []
    for case in cases:
        answers = exchange(fuzzed, case, "hand")
        if not any(a.get("type") == "error" for a in answers):
            missing.append((f"{case!r:.80}", answers))
    assert not missing, f"no error for: {missing}"
    # none of it changed the config (an empty change has no echo: ask with a no-op change)
    fuzzed.send({"type": "config", "patience": 0})
    echo = fuzzed.until_text("config")
    assert echo["config"]["learning_rate"] <= 10


def test_oversize_message_closes_with_1009_and_others_continue(
    server: LiveServer, fuzzed: Client
) -> None:
    big = Client(server.ws_url)
    big.send({"type": "csv", "text": "x" * (1_048_576 + 10)})
    code, _ = close_code(big.ws)
    assert code == 1009
    fuzzed.send({"type": "config", "learning_rate": 0.05})
    assert fuzzed.until_text("config")["config"]["learning_rate"] == 0.05


def test_fuzzed_session_keeps_streaming_and_observer_unaffected(
    server: LiveServer, fuzzed: Client, observer: Observer
) -> None:
    if set(COUNTS) == {"text", "json", "binary", "config", "other", "hand"}:  # whole module ran
        assert sum(COUNTS.values()) >= 2000, COUNTS
    # Fuzzed values may have left a diverging config (an edited weight of 1e308): start clean.
    fuzzed.send({"type": "config", "problem": "classification", "dataset": "circle",
                 "learning_rate": 0.03, "loss": "auto", "hidden_layers": [4, 2]})  # fmt: skip
    fuzzed.until_text("config")
    fuzzed.send({"type": "control", "action": "reset"})
    fuzzed.until_text("status")
    fuzzed.send({"type": "control", "action": "play"})
    fuzzed.until_text("status")
    before = fuzzed.until_frame(timeout=10).step
    frames = fuzzed.frames_for(1.0)
    assert frames and frames[-1].step > before, "fuzzed session stopped streaming"
    assert observer.failure is None, repr(observer.failure)
    assert observer.arrivals, "observer got no frames"
    start = observer.arrivals[0]
    baseline = observer.fps(start, start + 1.5)
    during = observer.fps(start + 2.0, time.monotonic())
    # "unaffected": within 15 % of what the observer got before the fuzzing started
    assert during >= 0.85 * baseline, (
        f"observer fps {during:.1f} during fuzzing vs {baseline:.1f} before"
    )
    try:
        observer.client.ws.ping().wait(5)
    except ConnectionClosed as closed:
        raise AssertionError("observer was disconnected") from closed
