"""Session limits, divergence, and a graceful SIGTERM, on real servers."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import numpy as np
import pytest
from websockets.exceptions import ConnectionClosed

from conftest import LiveServer, start_server
from wsclient import Client, Frame


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Two sessions at most; a dropped session is freed at once (no grace); idle after 3 s."""
    server = start_server(
        tmp_path_factory.mktemp("small"),
        {
            "NNPLAYGROUND_MAX_SESSIONS": "2",
            "NNPLAYGROUND_SESSION_GRACE_S": "0",
            "NNPLAYGROUND_IDLE_TIMEOUT_S": "3",
        },
    )
    yield server
    server.stop()


def test_max_sessions_rejects_with_a_code_and_a_reason(small_server: LiveServer) -> None:
    first, second = Client(small_server.ws_url), Client(small_server.ws_url)
    try:
        third = Client(small_server.ws_url, expect="error")  # instead of a hello
        assert "full" in third.hello["message"]
        with pytest.raises(ConnectionClosed) as closed:
            third.recv(10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1013
        assert "full" in closed.value.rcvd.reason
    finally:
        first.close()
    time.sleep(0.3)  # the server sees the close and frees the session (grace 0)
    fourth = Client(small_server.ws_url)
    assert fourth.hello["type"] == "hello"
    fourth.close()
    second.close()


def test_divergence_pauses_with_an_event_and_never_sends_nan(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    try:
        client.until_frame()
        # A linear net at rate 10 blows up within the first chunk (sigmoid saturates instead).
        client.send({"type": "config", "learning_rate": 10, "activation": "linear"})
        client.until_text("config")
        client.send({"type": "control", "action": "play"})
        event = client.until_text("event", timeout=30)
        assert event["event"] == "diverged" and "learning rate" in event["message"]
        assert client.until_text("status")["playing"] is False
        frames: list[Frame] = []
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline:  # whatever else arrives must be NaN-free
            try:
                message = client.recv(0.2)
            except TimeoutError:
                continue
            if isinstance(message, Frame):
                frames.append(message)
        for frame in frames:  # `recv` already rejected NaN/Infinity in the JSON header
            for name, raw in frame.raw.items():
                assert np.isfinite(raw.astype(np.float64)).all(), name

        client.send({"type": "config", "learning_rate": 0.03})
        client.until_text("config")
        client.send({"type": "control", "action": "reset"})
        client.until_text("status")
        client.send({"type": "control", "action": "epoch"})
        frame = client.until_frame(min_step=1)
        assert frame.header["metrics"]["train_loss"] is not None  # recovered
    finally:
        client.close()


def test_idle_paused_session_is_closed_and_freed(small_server: LiveServer) -> None:
    idle, busy = Client(small_server.ws_url), Client(small_server.ws_url)
    try:
        busy.send({"type": "control", "action": "play"})  # playing sessions are never idle
        started = time.monotonic()
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                idle.recv(10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000
        assert 3.0 <= time.monotonic() - started < 8.0
        assert busy.until_frame(min_step=1).header["playing"] is True
        again = Client(small_server.ws_url)  # the idle session's slot is free again
        again.close()
    finally:
        busy.close()
        time.sleep(0.3)


def test_sigterm_closes_sessions_with_1001_quickly(small_server: LiveServer) -> None:
    client = Client(small_server.ws_url)
    client.send({"type": "control", "action": "play"})
    client.until_frame(min_step=1)
    started = time.monotonic()
    small_server.process.send_signal(signal.SIGTERM)
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            client.recv(10)
    assert time.monotonic() - started < 5.0
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    small_server.process.wait(10)
    log = small_server.log()
    assert "Traceback" not in log and "ERROR" not in log, log[-2000:]


def test_early_stop_pauses_with_an_event(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    try:
        client.until_frame()
        # A noisy run (rate 3, batch 1) whose validation loss soon fails to improve for 1 step.
        client.send({"type": "config", "val_ratio": 0.3, "patience": 1, "learning_rate": 3,
                     "batch_size": 1})  # fmt: skip
        client.until_text("config")
        client.send({"type": "stream", "steps_per_frame": 20})
        client.send({"type": "control", "action": "play"})
        event = client.until_text("event", timeout=60)
        assert event["event"] == "early_stop" and "1 steps" in event["message"]
        assert client.until_text("status")["playing"] is False
        frame = client.until_frame(min_step=event["step"])
        assert frame.header["metrics"]["val_loss"] is not None
    finally:
        client.close()
