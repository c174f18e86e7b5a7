"""A loaded training thread (more playing sessions than `full_res_sessions`) trains, measures
and draws its sessions in grouped engine calls on one frame clock. Each session must still
behave as if alone: its own settings, edits and divergence, nothing leaking to the others,
and no compile after warm-up (every grouped call was compiled at start-up)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from conftest import LiveServer
from wsclient import Client, Frame


def _playing_frame(client: Client, after: int) -> Frame:
    frame = client.until_frame(min_step=after + 1, timeout=30)
    assert frame.header["playing"], frame.header
    return frame


def test_sessions_on_a_loaded_thread_each_behave_as_if_alone(
    server_factory: Callable[..., LiveServer],
) -> None:
    server = server_factory(full_res_sessions="2", train_threads="1")
    compiles = server.compiles()
    clients = [Client(server.ws_url) for _ in range(7)]
    try:
        # Two groups: tanh (0-3) and linear (4-6); session 6 will diverge.
        for client in clients[4:]:
            client.send({"type": "config", "activation": "linear", "learning_rate": 0.01})
            client.until_text("config")
        for client in clients:
            client.send({"type": "control", "action": "play"})
        started = [_playing_frame(c, 0) for c in clients]  # some before the thread was loaded
        first = [_playing_frame(c, f.step) for c, f in zip(clients, started, strict=True)]
        for frame in first:
            # A loaded thread draws at half resolution.
            assert frame.raw["output"].shape == (50, 50)
            assert frame.raw["neurons"].shape[1:] == (16, 16)

        # One session's setting: its frames show it, measured under it; the others keep theirs.
        clients[0].send({"type": "config", "learning_rate": 0.1})
        rev = clients[0].until_text("config")["rev"]
        changed = clients[0].until_frame(min_rev=rev, timeout=30)
        assert changed.header["metrics"]["learning_rate"] == np.float32(0.1)
        assert changed.header["metrics_step"] == changed.step
        other = _playing_frame(clients[1], first[1].step)
        assert other.header["metrics"]["learning_rate"] == np.float32(0.03)

        # One session diverges: it is paused and told; its group's other members play on.
        clients[6].send({"type": "config", "learning_rate": 10})
        clients[6].until_text("config")
        event = clients[6].until_text("event", timeout=30)
        assert event["event"] == "diverged"
        assert clients[6].until_text("status")["playing"] is False
        for client, before in zip(clients[4:6], first[4:6], strict=True):
            later = _playing_frame(client, before.step)
            loss = later.header["metrics"]["train_loss"]
            assert loss is not None and np.isfinite(loss)

        # An edit while paused: the paused session's frame shows it (at full resolution).
        clients[2].send({"type": "control", "action": "pause"})
        clients[2].until_text("status")
        clients[2].send({"type": "edit_weight", "layer": 0, "source": 0, "target": 0, "value": 2.5})
        edited = clients[2].until_frame(timeout=30)
        while edited.raw["weights"][0] != np.float32(2.5):
            edited = clients[2].until_frame(timeout=30)
        assert edited.raw["output"].shape == (100, 100)

        # Every session still advances, and nothing compiled since the server was warm.
        for client, before in zip([*clients[:2], clients[3]], [*first[:2], first[3]], strict=True):
            assert _playing_frame(client, before.step).step > before.step
        assert server.compiles() == compiles
    finally:
        for client in clients:
            client.close()
