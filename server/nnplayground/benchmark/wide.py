"""A width sweep's first start on a fresh server (issue 16): what a user sees while the wide
bucket compiles, measured on a real server with an empty compile cache.

`python -m nnplayground.benchmark.wide` (about 4 minutes: the cold default warm-up, then the
wide bucket): one client plays the default model at 30 fps, sends a sweep of widths 2 to 32 and
records every frame until the sweep starts. Figures: the seconds it waited (`prepare_s`),
the frame rate and the longest gap between two frames meanwhile (a stall would show there),
the training rate before and while, and the server's RSS before and after. Not part of `make
bench` (its cold compile alone takes longer than the quick plan).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import tempfile
import time
from typing import Any

import psutil

from nnplayground.benchmark import serve
from nnplayground.benchmark.wire import Session, header_only

AXES = [{"field": "hidden_layers", "values": [[2], [4], [8], [16], [32]]}]


async def _frames_for(ws: Session, seconds: float) -> list[tuple[float, int]]:
    got: list[tuple[float, int]] = []
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            message = await ws.recv(left)
        except TimeoutError:
            break
        if isinstance(message, bytes):
            got.append((time.monotonic(), int(header_only(message)["step"])))
    return got


def _rate(frames: list[tuple[float, int]]) -> float:
    (t0, s0), (t1, s1) = frames[0], frames[-1]
    return (s1 - s0) / max(t1 - t0, 1e-9)


async def _measure(url: str, pid: int) -> dict[str, Any]:
    proc = psutil.Process(pid)
    ws = await Session.open(url)
    await ws.send({"type": "stream", "fps": 30, "steps_per_frame": None})
    await ws.send({"type": "control", "action": "play"})
    before = await _frames_for(ws, 5.0)
    rss_before = proc.memory_info().rss
    started = time.monotonic()
    await ws.send({"type": "sweep", "axes": AXES})
    preparing = await ws.until_text("preparing", timeout=30)
    frames: list[tuple[float, int]] = []
    while True:
        message = await ws.recv(900)
        if isinstance(message, bytes):
            frames.append((time.monotonic(), int(header_only(message)["step"])))
        elif message.get("type") == "sweep":
            break
        elif message.get("type") == "error":
            raise RuntimeError(message)
    waited = time.monotonic() - started
    gaps = sorted(b[0] - a[0] for a, b in itertools.pairwise(frames))
    await ws.close()
    return {
        "prepare_s": waited,
        "preparing": preparing,
        "frames_while": len(frames),
        "fps_while": len(frames) / waited,
        "max_frame_gap_ms": 1e3 * gaps[-1],
        "p99_frame_gap_ms": 1e3 * gaps[int(0.99 * (len(gaps) - 1))],
        "steps_per_s_before": _rate(before),
        "steps_per_s_while": _rate(frames),
        "rss_before_mb": rss_before / 2**20,
        "rss_after_mb": proc.memory_info().rss / 2**20,
    }


def measure_wide() -> dict[str, Any]:
    cache = tempfile.mkdtemp(prefix="nnplayground-cold-")
    server = serve.start({"NNPLAYGROUND_CACHE_DIR": cache}, ready_timeout=600)
    try:
        server.wait_warm(900)
        return asyncio.run(_measure(server.ws_url, server.process.pid))
    finally:
        server.stop()


if __name__ == "__main__":
    print(json.dumps(measure_wide(), indent=2))
