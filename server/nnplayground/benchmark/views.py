"""Issue 15's figure: training examples/s of one playing session with the loss-landscape view
off and on, measured side by side in one run (alternating windows, so drift in the machine's
load hits both alike). Target: the landscape costs at most 25 % of the examples/s."""

from __future__ import annotations

import statistics
import time
from typing import Any

from nnplayground.benchmark.serve import ServerProcess
from nnplayground.benchmark.sessions import _train_points
from nnplayground.benchmark.wire import Session, header_only

LANDSCAPE_ON = {"type": "views", "landscape": True}
VIEWS_OFF = {"type": "views"}


async def _window(session: Session, seconds: float, landscape: bool) -> tuple[float, int]:
    """(examples/s over the window, frames carrying a landscape) after a 0.3 s settle."""
    settle = time.perf_counter() + 0.3
    while time.perf_counter() < settle:
        await session.until_frame()
    first_at, first = await session.until_frame()
    end = first_at + seconds
    last_at, last, with_landscape = first_at, first, 0
    while last_at < end:
        last_at, last = await session.until_frame()
        head = header_only(last)
        with_landscape += "landscape" in head
        if landscape != ("landscape" in head):
            continue  # a frame made before the views message took effect
    h0, h1 = header_only(first), header_only(last)
    examples = float(h1["epoch"] - h0["epoch"]) * _train_points()
    return examples / max(last_at - first_at, 1e-9), with_landscape


async def landscape_cost(server: ServerProcess, seconds: float, rounds: int) -> dict[str, Any]:
    """Examples/s with the landscape off and on in `rounds` alternating pairs of windows."""
    session = await Session.open(server.ws_url)
    try:
        await session.send({"type": "stream", "fps": 30, "steps_per_frame": None})
        await session.until_text("stream")
        await session.send({"type": "control", "action": "play"})
        # Compile the landscape (first use in this process) before measuring anything.
        await session.send(LANDSCAPE_ON)
        while "landscape" not in header_only((await session.until_frame(timeout=60))[1]):
            pass
        off: list[float] = []
        on: list[float] = []
        grids = 0
        for _ in range(rounds):
            await session.send(VIEWS_OFF)
            off.append((await _window(session, seconds, False))[0])
            await session.send(LANDSCAPE_ON)
            rate, frames = await _window(session, seconds, True)
            on.append(rate)
            grids += frames
        await session.send({"type": "control", "action": "pause"})
    finally:
        await session.close()
    off_rate, on_rate = statistics.median(off), statistics.median(on)
    return {
        "examples_per_s_off": off_rate,
        "examples_per_s_on": on_rate,
        "drop": 1.0 - on_rate / off_rate if off_rate > 0 else 0.0,
        "windows_off": off,
        "windows_on": on,
        "window_s": seconds,
        "frames_with_landscape": grids,
    }
