"""Issue 3's main acceptance flow against a real server and real websocket clients."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from conftest import LiveServer
from wsclient import Client, Frame


def _config_change(
    client: Client, after_step: int, **changes: object
) -> tuple[dict[str, Any], Frame]:
    """Send a change mid-run; return the echo and the first frame that reflects it."""
    client.send({"type": "config", **changes})
    echo = client.until_text("config")
    for name, value in changes.items():
        assert echo["config"][name] == value, (name, echo["config"][name])
    frame = client.until_frame(min_rev=echo["rev"])
    assert frame.step > after_step, "a config change must not reset the step counter"
    return echo, frame


def test_play_change_mid_run_and_reset(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    try:
        hello = client.hello
        assert hello["protocol"] == 1 and hello["resumed"] is False
        assert hello["config"]["hidden_layers"] == [4, 2] and hello["step"] == 0
        assert set(hello["limits"]) >= {"max_points", "max_fps", "max_message_bytes"}
        first = client.until_frame()
        assert first.step == 0 and "points" in first.raw  # the data is drawn before play
        assert first.raw["points"].shape == (500, 3)

        client.send({"type": "control", "action": "play"})
        assert client.until_text("status")["playing"] is True
        steps = [f.step for f in client.frames(5)]
        assert steps == sorted(steps) and steps[-1] > steps[0] > 0
        assert "points" not in client.until_frame().raw  # only when the data changes

        echo, frame = _config_change(client, steps[-1], learning_rate=0.1)
        assert abs(frame.header["metrics"]["learning_rate"] - 0.1) < 1e-6
        rev = echo["rev"]

        echo, frame = _config_change(client, frame.step, activation="relu")
        assert echo["rev"] == rev + 1

        echo, frame = _config_change(client, frame.step, hidden_layers=[3, 3, 2])
        # 3 + 3 + 2 neuron maps; 2·3 + 3·3 + 3·2 + 2·1 weights; 3 + 3 + 2 + 1 biases
        assert frame.raw["neurons"].shape == (8, 32, 32)
        assert frame.raw["weights"].shape == (6 + 9 + 6 + 2,)
        assert frame.raw["biases"].shape == (9,)
        assert len(frame.header["metrics"]["grad_norms"]) == 4

        echo, frame = _config_change(client, frame.step, dropout=0.5)
        later = client.until_frame(min_step=frame.step + 1)
        assert later.step > frame.step

        client.send({"type": "control", "action": "reset"})
        status = client.until_text("status")
        assert status["step"] == 0
        client.send({"type": "control", "action": "pause"})
        paused = client.until_text("status")
        assert paused["playing"] is False
        client.send({"type": "control", "action": "reset"})
        assert client.until_text("status")["step"] == 0
        assert client.until_frame().step == 0
        # The reset kept the changed config (it resets the model, not the settings).
        client.send({"type": "control", "action": "step"})
        assert client.until_text("status")["step"] == 1
        one = client.until_frame(min_step=1)
        assert one.step == 1 and one.raw["neurons"].shape == (8, 32, 32)
    finally:
        client.close()


def test_step_epoch_and_regenerate(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    try:
        original = client.until_frame().raw["points"]
        client.send({"type": "control", "action": "epoch"})
        status = client.until_text("status")
        # 500 points, half for training, batch 10 → 25 steps per epoch
        assert status["step"] == 25 and abs(status["epoch"] - 1.0) < 1e-9
        client.send({"type": "control", "action": "regenerate"})
        echo = client.until_text("config")
        assert echo["config"]["data_seed"] == 1
        after = client.until_frame(min_rev=echo["rev"])
        assert after.step == 25  # new data, same model
        assert after.raw["points"].shape == original.shape
        assert not np.array_equal(after.raw["points"], original)
    finally:
        client.close()


def test_resume_within_grace_keeps_session_and_step(live_server: LiveServer) -> None:
    first = Client(live_server.ws_url)
    first.until_frame()
    first.send({"type": "control", "action": "epoch"})
    step = first.until_text("status")["step"]
    first.send({"type": "config", "learning_rate": 0.2})
    first.until_text("config")
    token, session_id = first.hello["resume_token"], first.hello["session_id"]
    first.close()

    second = Client(live_server.ws_url, resume=token)
    try:
        assert second.hello["resumed"] is True
        assert second.hello["session_id"] == session_id
        assert second.hello["step"] == step
        assert second.hello["config"]["learning_rate"] == 0.2
        assert second.hello["history"]["step"][-1] == step
        frame = second.until_frame()
        assert frame.step == step and "points" in frame.raw  # a new page must redraw the data
        second.send({"type": "control", "action": "step"})
        assert second.until_text("status")["step"] == step + 1
    finally:
        second.close()

    stranger = Client(live_server.ws_url, resume="not-a-token")
    try:
        assert stranger.hello["resumed"] is False and stranger.hello["step"] == 0
    finally:
        stranger.close()


def test_edits_user_data_and_stream(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    try:
        client.until_frame()
        # Weight x2 → first hidden neuron is index 1·4 + 0 in the source-major layout.
        client.send({"type": "edit_weight", "layer": 0, "source": 1, "target": 0, "value": 2.5})
        frame = client.until_frame()
        assert frame.raw["weights"][4] == 2.5
        client.send({"type": "edit_bias", "layer": 3, "neuron": 0, "value": -0.75})  # output
        assert client.until_frame().raw["biases"][-1] == -0.75

        rows = [[-2.0, -2.0, 0.0], [2.0, 2.0, 1.0]] * 10
        client.send({"type": "points", "points": rows})
        echo = client.until_text("config")
        assert echo["config"]["dataset"] == "user"
        frame = client.until_frame(min_rev=echo["rev"])
        np.testing.assert_array_equal(frame.raw["points"], np.asarray(rows, np.float32))
        assert frame.header["data_rev"] == 1

        client.send({"type": "csv", "text": "x1;x2;label\n# two points\n1;1;1\n-1 -1 0\n" * 1})
        echo = client.until_text("config")
        frame = client.until_frame(min_rev=echo["rev"])
        np.testing.assert_array_equal(frame.raw["points"], [[1, 1, 1], [-1, -1, 0]])

        client.send({"type": "stream", "fps": 10, "steps_per_frame": 7})
        assert client.until_text("stream") == {"type": "stream", "fps": 10, "steps_per_frame": 7}
        client.send({"type": "control", "action": "play"})
        client.until_text("status")
        steps = [f.step for f in client.frames(4)]
        assert all(b - a == 7 for a, b in itertools.pairwise(steps[1:])), steps
    finally:
        client.close()
