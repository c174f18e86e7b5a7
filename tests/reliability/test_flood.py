"""Issue 6 §2: one client sends 1,000 config messages per second for 10 s.

The server coalesces config floods (settings: `max_messages_per_s`), stays responsive
(`/api/health` within 100 ms) and the other clients hold their frame rate.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from typing import Any

import numpy as np

from conftest import LiveServer

from ._client import Client, assert_no_traceback, server_stats

RATE = 1000  # messages per second
SECONDS = 10.0


def _health_latencies(server: LiveServer, stop: threading.Event, out: list[float]) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        with urllib.request.urlopen(f"{server.url}/api/health", timeout=5) as r:
            r.read()
        out.append((time.perf_counter() - started) * 1000)
        time.sleep(0.1)


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
    latencies: list[float] = []
    prober = threading.Thread(target=_health_latencies, args=(server, stop, latencies))
    prober.start()
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
    prober.join()
    reader.join()

    answers = [m for m in received if isinstance(m, dict)]
    echoes = [a for a in answers if a["type"] == "config"]
    errors = [a for a in answers if a["type"] == "error"]
    assert result["sent"] >= 0.9 * RATE * SECONDS
    assert len(echoes) < result["sent"], "a 1,000 msg/s flood was neither coalesced nor limited"
    assert echoes or errors
    # Coalescing keeps the latest: the final applied rate is the last one sent.
    flooder.send({"type": "config"})
    final = flooder.until_text("config")["config"]["learning_rate"]
    assert final == rates[-1] or errors, (final, rates[-1])
    # The session still trains.
    step = flooder.until_frame(timeout=10).step
    assert flooder.until_frame(timeout=10).step > step

    fps_before = len(baseline) / 2.0
    fps_during = len(during) / SECONDS
    assert fps_during >= 0.85 * fps_before, (
        f"watcher fps {fps_during:.1f} vs {fps_before:.1f} before"
    )
    assert latencies and max(latencies) <= 100, (
        f"/api/health p50 {np.median(latencies):.1f} ms, max {max(latencies):.1f} ms"
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
