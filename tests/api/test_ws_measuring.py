"""While playing, full-data metrics are measured every `measure_interval_s`, not every frame,
and a frame never pairs a new config with metrics measured under the old one."""

from __future__ import annotations

from collections.abc import Callable

from conftest import LiveServer
from wsclient import Client


def test_metrics_are_measured_between_frames_and_after_every_change(
    server_factory: Callable[..., LiveServer],
) -> None:
    server = server_factory(measure_interval_s="0.5")
    client = Client(server.ws_url)
    try:
        client.until_frame()
        client.send({"type": "stream", "fps": 60, "steps_per_frame": 5})
        client.until_text("stream")
        client.send({"type": "control", "action": "play"})
        frames = [f for f in client.frames(40) if f.header["playing"]]
        assert len(frames) >= 30
        for f in frames:
            assert f.header["metrics_step"] <= f.step
        # 5 steps a frame, measured at most twice a second: many frames show older metrics,
        # and the loss curve point of each measurement is one of the frames' steps.
        older = [f for f in frames if f.header["metrics_step"] < f.step]
        assert len(older) >= len(frames) // 2
        measured = {f.header["metrics_step"] for f in frames}
        assert measured <= {f.step for f in frames} | {frames[0].header["metrics_step"]}
        assert all(f.header["metrics"]["train_loss"] is not None for f in frames)

        client.send({"type": "config", "learning_rate": 0.1})
        rev = client.until_text("config")["rev"]
        changed = client.until_frame(min_rev=rev)
        # The first frame under the new config carries metrics measured under it.
        assert changed.header["metrics_step"] == changed.step
    finally:
        client.close()
