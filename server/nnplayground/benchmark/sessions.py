"""N sessions playing at once from one asyncio client process: per-session fps, server CPU, RSS."""

from __future__ import annotations

import asyncio
import time
from functools import cache
from typing import Any

import numpy as np
import psutil

from nnplayground.benchmark.serve import ServerProcess
from nnplayground.benchmark.wire import Session, header_only
from nnplayground.engine import RunConfig, Trainer


@cache
def _train_points() -> int:
    """Training points of the default config the bench sessions play (epochs → examples)."""
    _, _, split = Trainer([RunConfig()]).points(0)
    return int((split == 1).sum())


async def _count_frames(
    session: Session, until: float, counts: list[int], i: int, ends: list[list[bytes]] | None = None
) -> None:
    # Only counts: decoding headers of thousands of frames/s would load the shared cores. The
    # window's first and last frames are kept in `ends[i]` (decoded afterwards).
    while (left := until - time.perf_counter()) > 0:
        try:
            async with asyncio.timeout(left):
                message = await session.ws.recv()
        except TimeoutError:
            return
        if isinstance(message, bytes):
            counts[i] += 1
            if ends is not None:
                ends[i][min(len(ends[i]), 1) :] = [message]


def _examples_per_s(ends: list[bytes], seconds: float) -> float:
    """A session's training speed over the window, from its first and last frame's header."""
    if len(ends) < 2:
        return 0.0
    first, last = header_only(ends[0]), header_only(ends[1])
    return float(last["epoch"] - first["epoch"]) * _train_points() / seconds


async def _open_playing(server: ServerProcess, fps: int) -> Session:
    session = await Session.open(server.ws_url)
    await session.send({"type": "stream", "fps": fps, "steps_per_frame": None})
    await session.until_text("stream", timeout=60)
    await session.send({"type": "control", "action": "play"})
    return session


async def concurrent(
    server: ServerProcess, n: int, seconds: float, fps: int = 30, ramp_s: float = 2.0
) -> dict[str, Any]:
    """One row of `sessions`: N clients at a requested `fps`, measured over `seconds`."""
    ps = server.ps
    rss_before = server.rss_mb()
    threads_before = ps.num_threads()
    opened = time.perf_counter()
    # Connect in small groups: a browser room also arrives over a few seconds, not in one burst.
    sessions: list[Session] = []
    for start in range(0, n, 10):
        group = range(start, min(n, start + 10))
        sessions += await asyncio.gather(*(_open_playing(server, fps) for _ in group))
    connect_s = time.perf_counter() - opened
    try:
        # Ramp: every session's first frames (with data points) and first chunks are out.
        ramp = [0] * n
        await asyncio.gather(*(_count_frames(s, time.perf_counter() + ramp_s, ramp, i)
                               for i, s in enumerate(sessions)))  # fmt: skip
        counts = [0] * n
        ends: list[list[bytes]] = [[] for _ in range(n)]
        me = psutil.Process()
        ps.cpu_percent(None)
        me.cpu_percent(None)
        start_t = time.perf_counter()
        await asyncio.gather(*(_count_frames(s, start_t + seconds, counts, i, ends)
                               for i, s in enumerate(sessions)))  # fmt: skip
        elapsed = time.perf_counter() - start_t
        cpu = ps.cpu_percent(None)
        client_cpu = me.cpu_percent(None)
        rss_during = server.rss_mb()
        threads_during = ps.num_threads()
    finally:
        await asyncio.gather(*(s.close() for s in sessions), return_exceptions=True)
    fps_each = np.array(counts, dtype=np.float64) / elapsed
    speeds = [_examples_per_s(e, elapsed) for e in ends]
    return {
        "n": n,
        "fps_p5": float(np.percentile(fps_each, 5)),
        "fps_median": float(np.median(fps_each)),
        # Training under load: the median session's examples/s (the default config), and all
        # sessions together.
        "examples_per_s_median": float(np.median(speeds)),
        "examples_per_s_total": float(np.sum(speeds)),
        "cpu_percent": float(cpu),
        "rss_mb_per_session": (rss_during - rss_before) / n,
        "rss_mb": rss_during,
        "threads": threads_during,
        "threads_before": threads_before,
        "client_cpu_percent": float(client_cpu),
        "connect_s": connect_s,
        "requested_fps": fps,
    }


async def wait_idle(server: ServerProcess, timeout: float) -> None:
    """Wait until the server reports no live sessions (when /api/health counts them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        health = await asyncio.to_thread(server.health)
        if int(health.get("sessions", 0)) == 0:
            return
        await asyncio.sleep(0.25)
