"""`nnplayground bench rooms`: one presenter playing at 30 fps, N followers of its room.

Per N: each follower's frame rate (5th percentile), bytes per follower per second, the
presenter → follower latency of a frame (the same step received by the presenter's client and
by a follower's, on one clock: loopback, one client process), the presenter's training
examples/s against the same run with no followers, and the server's CPU and RSS. The clients
share the machine with the server: on a small machine they cost it cores (reported).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import psutil

from nnplayground.benchmark import schema, serve
from nnplayground.benchmark.serve import ServerProcess
from nnplayground.benchmark.wire import Session, header_only
from nnplayground.runtime.watchers import DEFLATED

TARGETS = {"fps_p5": 15.0, "bytes_per_s_max": 65_536.0, "latency_ms_p95": 150.0,
           "presenter_vs_solo": 0.8}  # fmt: skip


async def _read(session: Session, until: float, log: list[tuple[int, float, int]]) -> None:
    """(step, receive time, bytes) of every frame until `until` (perf_counter seconds)."""
    while (left := until - time.perf_counter()) > 0:
        try:
            async with asyncio.timeout(left):
                message = await session.ws.recv()
        except TimeoutError:
            return
        if isinstance(message, bytes):
            plain = zlib.decompress(message[4:]) if message[:4] == DEFLATED else message
            log.append((int(header_only(plain)["step"]), time.perf_counter(), len(message)))


def _examples_per_s(log: list[tuple[int, float, int]]) -> float:
    # The default config's batch of 10: steps over the window → examples.
    if len(log) < 2:
        return 0.0
    (s0, t0, _), (s1, t1, _) = log[0], log[-1]
    return (s1 - s0) * 10 / (t1 - t0) if t1 > t0 else 0.0


async def _presenter(server: ServerProcess) -> tuple[Session, str]:
    presenter = await Session.open(server.ws_url)
    await presenter.send({"type": "stream", "fps": 30, "steps_per_frame": None})
    await presenter.until_text("stream", timeout=60)
    await presenter.send({"type": "room", "action": "open"})
    room = await presenter.until_text("room", timeout=30)
    return presenter, str(room["code"])


async def measure(server: ServerProcess, n: int, seconds: float) -> dict[str, Any]:
    presenter, code = await _presenter(server)
    followers: list[Session] = []
    try:
        for start in range(0, n, 25):  # a hall arrives over a few seconds
            group = range(start, min(n, start + 25))
            url = f"{server.ws_url}?room={code}&deflate=1"  # as the page asks
            followers += await asyncio.gather(*(Session.open(url) for _ in group))
        await presenter.send({"type": "control", "action": "play"})
        ramp = time.perf_counter() + 2.0
        sink: list[tuple[int, float, int]] = []
        await asyncio.gather(*(_read(s, ramp, sink) for s in [presenter, *followers]))
        ps, me = server.ps, psutil.Process()
        ps.cpu_percent(None)
        me.cpu_percent(None)
        start_t = time.perf_counter()
        logs: list[list[tuple[int, float, int]]] = [[] for _ in range(n + 1)]
        await asyncio.gather(*(_read(s, start_t + seconds, logs[i])
                               for i, s in enumerate([presenter, *followers])))  # fmt: skip
        elapsed = time.perf_counter() - start_t
        cpu, client_cpu, rss = ps.cpu_percent(None), me.cpu_percent(None), server.rss_mb()
    finally:
        await asyncio.gather(*(s.close() for s in [presenter, *followers]), return_exceptions=True)
    seen = {step: t for step, t, _ in logs[0]}
    latencies = [1000 * (t - seen[step]) for log in logs[1:] for step, t, _ in log if step in seen]
    fps = np.array([len(log) for log in logs[1:]], np.float64) / elapsed
    rates = np.array([sum(b for _, _, b in log) for log in logs[1:]], np.float64) / elapsed
    return {
        "n": n,
        "follower_fps_p5": float(np.percentile(fps, 5)) if n else 0.0,
        "follower_fps_median": float(np.median(fps)) if n else 0.0,
        "bytes_per_follower_per_s_median": float(np.median(rates)) if n else 0.0,
        "bytes_per_follower_per_s_max": float(rates.max()) if n else 0.0,
        "latency_ms_p50": float(np.percentile(latencies, 50)) if latencies else None,
        "latency_ms_p95": float(np.percentile(latencies, 95)) if latencies else None,
        "presenter_fps": len(logs[0]) / elapsed,
        "presenter_examples_per_s": _examples_per_s(logs[0]),
        "server_cpu_percent": float(cpu),
        "server_rss_mb": rss,
        "client_cpu_percent": float(client_cpu),
    }


async def run(ns: list[int], seconds: float) -> dict[str, Any]:
    env = {"NNPLAYGROUND_MAX_FOLLOWERS": str(max(ns) + 10), "NNPLAYGROUND_SESSION_GRACE_S": "1"}
    load_before = os.getloadavg()[0]
    server = await asyncio.to_thread(serve.start, env)
    try:
        await asyncio.to_thread(server.wait_warm)
        solo = await measure(server, 0, seconds)
        rows = []
        for n in ns:
            await asyncio.sleep(1.5)  # the last run's sessions go (grace 1 s)
            row = await measure(server, n, seconds)
            row["presenter_vs_solo"] = (
                row["presenter_examples_per_s"] / solo["presenter_examples_per_s"]
                if solo["presenter_examples_per_s"]
                else None
            )
            rows.append(row)
    finally:
        await asyncio.to_thread(server.stop)
    return {
        "solo": solo,
        "rows": rows,
        "targets": TARGETS,
        "machine": {
            **schema.machine(),
            "load_avg_1m_start": load_before,
            "load_avg_1m_end": os.getloadavg()[0],
        },
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nnplayground bench rooms", description=__doc__)
    parser.add_argument("--followers", default="100,300", help="comma-separated N")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    ns = [int(x) for x in args.followers.split(",") if x]
    result = asyncio.run(run(ns, args.seconds))
    solo = result["solo"]
    print(f"solo presenter: {solo['presenter_fps']:.1f} fps, "
          f"{solo['presenter_examples_per_s']:.0f} examples/s")  # fmt: skip
    print("  N  fps_p5  fps_med  KB/s_med  KB/s_max  lat_p50  lat_p95  vs_solo  cpu%  rss_MB")
    for r in result["rows"]:
        lat50, lat95 = r["latency_ms_p50"] or float("nan"), r["latency_ms_p95"] or float("nan")
        print(f"{r['n']:>3}  {r['follower_fps_p5']:6.1f}  {r['follower_fps_median']:7.1f}  "
              f"{r['bytes_per_follower_per_s_median'] / 1000:8.1f}  "
              f"{r['bytes_per_follower_per_s_max'] / 1000:8.1f}  {lat50:7.0f}  {lat95:7.0f}  "
              f"{r['presenter_vs_solo'] or 0:7.2f}  {r['server_cpu_percent']:4.0f}  "
              f"{r['server_rss_mb']:6.0f}")  # fmt: skip
    print(f"targets: {TARGETS}; load average {result['machine']['load_avg_1m_start']:.1f} → "
          f"{result['machine']['load_avg_1m_end']:.1f}")  # fmt: skip
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, default=str) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
