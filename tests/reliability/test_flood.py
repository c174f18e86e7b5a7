"""Issue 6 §2: one client sends 1,000 config messages per second for 10 s.

The server coalesces config floods (settings: `max_messages_per_s`), stays responsive
(`/api/health` within 100 ms) and the other clients hold their frame rate.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from typing import Any

import numpy as np

from conftest import LiveServer

from ._client import Client, assert_no_traceback, server_stats

RATE = 1000  # messages per second
SECONDS = 10.0


# Probing from a separate process: a probe thread beside the flooding threads would measure this
# process's GIL, not the server.
PROBE = """
import json, sys, time, urllib.request
url, seconds = sys.argv[1], float(sys.argv[2])
out, end = [], time.monotonic() + seconds
while time.monotonic() < end:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=5) as r:
        r.read()
    out.append((time.perf_counter() - started) * 1000)
    time.sleep(0.1)
print(json.dumps(out))
"""


def _flood(client: Client, rates: list[float]) -> int:
    sent = 0
    start = time.perf_counter()
    while (now := time.perf_counter()) - start < SECONDS:
        due = int((now - start) * RATE)
        while sent < due:
            rate = 0.01 + (sent % 997) * 1e-5
            rates.append(rate)
            client.ws.send(json.dumps({"type": "config", "learning_rate": rate}))
            sent += 1
        time.sleep(0.001)
    return sent


def test_flood_is_coalesced_and_nobody_else_suffers(server_factory: Any) -> None:
    server: LiveServer = server_factory()
    watcher = Client(server.ws_url)
    watcher.play(fps=30)
    baseline = watcher.frames_for(2.0)
    flooder = Client(server.ws_url)
    flooder.play(fps=30)
    rss0, _ = server_stats(server.process.pid)

    stop = threading.Event()
    prober = subprocess.Popen(
        [sys.executable, "-c", PROBE, f"{server.url}/api/health", str(SECONDS)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    rates: list[float] = []
    result: dict[str, Any] = {}
    sender = threading.Thread(target=lambda: result.update(sent=_flood(flooder, rates)))
    # The flooder reads as it sends (a browser would): this test is about the flood, not about
    # a client that stops reading (test_slow_clients).
    received: list[Any] = []
    reader = threading.Thread(target=lambda: received.extend(_drain(flooder, stop)))
    sender.start()
    reader.start()
    during = watcher.frames_for(SECONDS)
    sender.join()
    time.sleep(0.5)
    stop.set()
    latencies: list[float] = json.loads(prober.communicate(timeout=30)[0])
    reader.join()

    answers = [m for m in received if isinstance(m, dict)]
    echoes = [a for a in answers if a["type"] == "config"]
    errors = [a for a in answers if a["type"] == "error"]
    assert result["sent"] >= 0.9 * RATE * SECONDS
    assert len(echoes) < result["sent"], "a 1,000 msg/s flood was neither coalesced nor limited"
    # Config changes over the rate coalesce, they are never refused: no error, and the value
    # in force is the last one sent. A marker change (a field the flood never touches) tells
    # its echo from the flood's late ones.
    assert echoes and not errors, errors[:3]
    flooder.send({"type": "config", "decay_steps": 999})
    while (echo := flooder.until_text("config"))["config"]["decay_steps"] != 999:
        pass
    assert echo["config"]["learning_rate"] == rates[-1], (echo["config"], rates[-1])
    # The session still trains.
    step = flooder.until_frame(timeout=10).step
    assert flooder.until_frame(timeout=10).step > step

    fps_before = len(baseline) / 2.0
    fps_during = len(during) / SECONDS
    flooder_frames = sum(1 for m in received if not isinstance(m, dict))
    assert fps_during >= 0.85 * fps_before, (
        f"watcher fps {fps_during:.1f} vs {fps_before:.1f} before; the flooder got "
        f"{len(echoes)} echoes, {len(errors)} errors and {flooder_frames} frames "
        f"for {result['sent']} messages"
    )
    slow = [round(x) for x in latencies if x > 100]
    assert latencies and not slow, (
        f"/api/health p50 {np.median(latencies):.1f} ms; over 100 ms: {slow} of {len(latencies)}"
    )
    rss1, _ = server_stats(server.process.pid)
    assert rss1 - rss0 < 20, f"RSS grew {rss1 - rss0:.1f} MB during the flood"
    flooder.close()
    watcher.close()
    assert_no_traceback(server.log())


def _drain(client: Client, stop: threading.Event) -> list[Any]:
    out = []
    while not stop.is_set():
        try:
            out.append(client.recv(0.2))
        except TimeoutError:
            continue
    return out
