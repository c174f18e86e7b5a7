"""Bad client input: an `error` naming the field, nothing changes, streaming goes on, others unaffected."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed

from conftest import LiveServer
from wsclient import Client

# (message, field the error must name)
BAD_MESSAGES: list[tuple[str, str | None]] = [
    ("{not json", None),
    ("[1, 2, 3]", None),
    ('"just a string"', None),
    (json.dumps({"action": "play"}), "type"),
    (json.dumps({"type": "teleport"}), "type"),
    (json.dumps({"type": "config", "learning_rate": "0.1"}), "learning_rate"),
    (json.dumps({"type": "config", "learning_rate": 11}), "learning_rate"),
    (json.dumps({"type": "config", "learning_rate": -1}), "learning_rate"),
    (json.dumps({"type": "config", "activation": "swish"}), "activation"),
    (json.dumps({"type": "config", "hidden_layers": [4, 9]}), "hidden_layers"),
    (json.dumps({"type": "config", "hidden_layers": [1, 1, 1, 1, 1, 1, 1]}), "hidden_layers"),
    (json.dumps({"type": "config", "hidden_layers": "4,2"}), "hidden_layers"),
    (json.dumps({"type": "config", "features": []}), "features"),
    (json.dumps({"type": "config", "features": ["x1", "x1"]}), "features"),
    (json.dumps({"type": "config", "dropout": True}), "dropout"),
    (json.dumps({"type": "config", "seed": 1.5}), "seed"),
    (json.dumps({"type": "config", "batch_size": None}), "batch_size"),
    (json.dumps({"type": "config", "warp_drive": 1}), "warp_drive"),
    (json.dumps({"type": "config", "dataset": "plane"}), "dataset"),  # a regression set
    (json.dumps({"type": "config", "train_ratio": 0.9, "val_ratio": 0.5}), "val_ratio"),
    (json.dumps({"type": "control", "action": "explode"}), "action"),
    (json.dumps({"type": "stream", "fps": 0}), "fps"),
    (json.dumps({"type": "stream", "fps": 61}), "fps"),
    (json.dumps({"type": "stream", "steps_per_frame": 0}), "steps_per_frame"),
    (
        json.dumps({"type": "edit_weight", "layer": 0, "source": 0, "target": 7, "value": 1}),
        "target",
    ),
    (json.dumps({"type": "edit_weight", "layer": 0, "source": 0, "target": 0}), "value"),
    (json.dumps({"type": "edit_bias", "layer": 0, "neuron": 0, "value": 1.0}), "layer"),
    (json.dumps({"type": "points", "points": [[0, 0]]}), "points"),
    (
        json.dumps({"type": "points", "points": [[0, 0, 7]] * 20}),
        "points",
    ),  # label 7 with 2 classes
    (json.dumps({"type": "csv", "text": "x1,x2,label\n1,2\n"}), "text"),
    (json.dumps({"type": "csv", "text": "1,2,0\n__import__('os')\n"}), "text"),
    (json.dumps({"type": "csv", "text": "1,2,0\n" * 2001}), "text"),
    # issue 16: sweeps (a data field, more models than max_lanes, a value out of range)
    (json.dumps({"type": "sweep", "axes": [{"field": "noise", "values": [0, 1]}]}), "axes"),
    (json.dumps({"type": "sweep", "axes": [{"field": "seed", "values": list(range(17))}]}), "axes"),
    (json.dumps({"type": "sweep", "axes": [{"field": "l2", "values": [0.1, 99]}]}), "axes"),
]


@pytest.fixture
def playing_pair(live_server: LiveServer):  # type: ignore[no-untyped-def]
    victim, bystander = Client(live_server.ws_url), Client(live_server.ws_url)
    for client in (victim, bystander):
        client.until_frame()
        client.send({"type": "control", "action": "play"})
        client.until_text("status")
    yield victim, bystander
    victim.close()
    bystander.close()


def test_every_bad_message_gets_an_error_naming_the_field(
    playing_pair: tuple[Client, Client],
) -> None:
    victim, bystander = playing_pair
    before = victim.until_frame()
    config_before = victim.hello["config"]
    for text, field in BAD_MESSAGES:
        victim.send(text)
        error = victim.until_text("error")
        assert error["field"] == field, (text[:60], error)
        assert error["message"] and (field is None or error["message"].startswith(field))
    # Nothing changed: no config echo was sent, and the session still streams with rising steps.
    assert not [t for t in victim.texts if t["type"] == "config"]
    after = victim.until_frame(min_step=before.step + 1)
    assert after.header["config_rev"] == before.header["config_rev"] == 0
    victim.send({"type": "control", "action": "pause"})
    assert victim.until_text("status")["playing"] is False
    # The config is as before: a resume's hello shows it (the echo of a good change does too).
    victim.send({"type": "config", "noise": 10})
    echo = victim.until_text("config")
    assert {**config_before, "noise": 10} == echo["config"]
    # The bystander kept training throughout.
    steps = [f.step for f in bystander.frames(3)]
    assert steps[0] < steps[-1]
    assert not [t for t in bystander.texts if t["type"] == "error"]


def test_binary_message_is_an_error_not_a_crash(playing_pair: tuple[Client, Client]) -> None:
    victim, _ = playing_pair
    victim.ws.send(b"\x00\xffgarbage")
    assert victim.until_text("error")["field"] is None
    victim.until_frame()


def test_oversized_message_closes_with_1009(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    limit = client.hello["limits"]["max_message_bytes"]
    client.send(json.dumps({"type": "csv", "text": "x" * limit}))
    with pytest.raises(ConnectionClosed) as closed:
        for _ in range(1000):
            client.recv(10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
    # The server itself is fine.
    other = Client(live_server.ws_url)
    other.until_frame()
    other.close()
