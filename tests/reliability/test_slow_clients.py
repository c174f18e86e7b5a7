"""Issue 6 §3: a client that never reads for 30 s and one that vanishes without a close frame.

Server RSS grows < 20 MB, both sessions are reaped after the grace period (a resume with their
token then starts a new session), the thread count returns to its baseline and another client's
frame rate holds throughout.
"""

from __future__ import annotations

import json
import time
from typing import Any

from conftest import LiveServer

from ._client import Client, RawSocket, assert_no_traceback, server_stats

GRACE_S = 2.0
NEVER_READS_S = 30.0


def _raw_playing(server: LiveServer, rcvbuf: int | None = None) -> tuple[RawSocket, str]:
    raw = RawSocket(server.port, rcvbuf=rcvbuf)
    assert raw.status == 101
    opcode, payload = raw.read_frame()
    hello = json.loads(payload)
    assert opcode == 0x1 and hello["type"] == "hello", hello
    raw.send_json({"type": "stream", "fps": 60, "steps_per_frame": None})
    raw.send_json({"type": "control", "action": "play"})
    return raw, str(hello["resume_token"])


def test_never_reading_and_vanished_clients_are_reaped(server_factory: Any) -> None:
    # Pings every 5 s with a 5 s timeout: a client that never reads never answers one either.
    server: LiveServer = server_factory(
        session_grace_s=str(GRACE_S), ws_ping_interval_s="5", ws_ping_timeout_s="5"
    )
    pid = server.process.pid
    watcher = Client(server.ws_url)
    watcher.play(fps=30)
    baseline_frames = watcher.frames_for(2.0)
    rss0, threads0 = server_stats(pid)

    stalled, stalled_token = _raw_playing(server, rcvbuf=4096)
    vanished, vanished_token = _raw_playing(server)
    time.sleep(1.0)
    vanished.vanish()

    rss_peak = rss0
    frames = 0
    start = time.monotonic()
    while time.monotonic() - start < NEVER_READS_S:
        frames += len(watcher.frames_for(1.0))
        rss_peak = max(rss_peak, server_stats(pid)[0])
    stalled.vanish()

    # Both sessions gone: a resume with their tokens starts afresh.
    time.sleep(GRACE_S + 2.0)
    for token in (stalled_token, vanished_token):
        probe = Client(server.ws_url, resume=token)
        assert probe.hello["resumed"] is False, (
            f"session {token[:6]}… still held after the grace period"
        )
        probe.close()

    deadline = time.monotonic() + 10
    while (threads := server_stats(pid)[1]) > threads0 and time.monotonic() < deadline:
        time.sleep(0.25)
    assert threads <= threads0, f"{threads} threads after reaping vs {threads0} before"
    assert rss_peak - rss0 < 20, f"RSS grew {rss_peak - rss0:.1f} MB"
    fps_before = len(baseline_frames) / 2.0
    fps_during = frames / NEVER_READS_S
    assert fps_during >= 0.85 * fps_before, f"watcher fps {fps_during:.1f} vs {fps_before:.1f}"
    watcher.close()
    assert_no_traceback(server.log())
