"""End-to-end figures seen by one websocket client: cold start, frame rate, bytes, latency."""

from __future__ import annotations

import random
import statistics
import time
from typing import Any

import numpy as np

from nnplayground.benchmark.serve import ServerProcess
from nnplayground.benchmark.wire import Session


async def cold_start(server: ServerProcess) -> float:
    """Seconds from spawning the server process to the first frame a client receives."""
    session = await Session.open(server.ws_url)
    try:
        await session.send({"type": "control", "action": "play"})
        arrived, _ = await session.until_frame(timeout=60)
    finally:
        await session.close()
    return arrived - server.started_at


async def frame_rate(server: ServerProcess, fps: int, seconds: float) -> dict[str, Any]:
    """Frames/s received at a requested rate, and the sizes of the frames (default config)."""
    session = await Session.open(server.ws_url)
    try:
        await session.send({"type": "stream", "fps": fps, "steps_per_frame": None})
        await session.until_text("stream")
        await session.send({"type": "control", "action": "play"})
        # The first frames carry the data points and may wait on the first chunk: skip 0.5 s.
        settle = time.perf_counter() + 0.5
        while time.perf_counter() < settle:
            await session.until_frame()
        times: list[float] = []
        sizes: list[int] = []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            arrived, message = await session.until_frame()
            times.append(arrived)
            sizes.append(len(message))
        await session.send({"type": "control", "action": "pause"})
    finally:
        await session.close()
    measured = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    return {"fps": measured, "frames": len(times), "median_bytes": int(statistics.median(sizes)),
            "max_bytes": max(sizes)}  # fmt: skip


async def control_latency(server: ServerProcess, changes: int) -> dict[str, Any]:
    """Config change sent -> first frame whose header's config_rev reflects it, in ms.

    Changes are spaced by a random pause within one frame interval so that they land at every
    phase of the server's frame clock, as a user's slider moves do.
    """
    session = await Session.open(server.ws_url)
    rng = random.Random(0)
    latencies: list[float] = []
    try:
        await session.send({"type": "control", "action": "play"})
        await session.until_frame(timeout=30)
        interval = 1.0 / float(session.hello.get("fps") or 30)
        for i in range(changes):
            rate = 0.03 if i % 2 else 0.031  # alternate so that every message is a real change
            sent = time.perf_counter()
            await session.send({"type": "config", "learning_rate": rate})
            rev = int((await session.until_text("config"))["rev"])
            arrived, _ = await session.until_frame(min_rev=rev)
            latencies.append((arrived - sent) * 1000)
            # random phase; sleep() is an await, so frames keep being received meanwhile
            await _drain_for(session, rng.uniform(0, interval))
        await session.send({"type": "control", "action": "pause"})
    finally:
        await session.close()
    values = np.array(latencies)
    return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95)),
            "max": float(values.max()), "changes": len(latencies),
            "fps": float(session.hello.get("fps") or 30)}  # fmt: skip


async def _drain_for(session: Session, seconds: float) -> None:
    """Keep reading (frames are latest-wins on the server anyway) for `seconds`."""
    end = time.perf_counter() + seconds
    while (left := end - time.perf_counter()) > 0:
        try:
            await session.recv(left)
        except TimeoutError:
            return
