"""Issue 6 §9: 20 sessions connect, play, change config and disconnect in a loop.

60 s in `make test`; 10 minutes with `make soak` (marker `soak`). Zero errors; server RSS and
thread count flat after warm-up (within ±10 %). The figures go to artifacts/soak-<s>s.json and
into docs/reliability.md.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from typing import Any

import numpy as np
import pytest

from conftest import ROOT, LiveServer
from nnplayground.benchmark.wire import Session

from ._client import assert_no_traceback, server_stats

WORKERS = 20
ACTIVATIONS = ("tanh", "relu", "sigmoid", "gelu")


async def _worker(server: LiveServer, seed: int, until: float, tally: dict[str, Any]) -> None:
    rng = random.Random(seed)
    token: str | None = None
    while time.monotonic() < until:
        # Most reconnects resume (a page reload); some open a new tab.
        url = f"{server.ws_url}?resume={token}" if token and rng.random() < 0.7 else server.ws_url
        try:
            session = await Session.open(url)
            token = str(session.hello["resume_token"])
            await session.send({"type": "stream", "fps": 30, "steps_per_frame": None})
            await session.send({"type": "control", "action": "play"})
            for _ in range(rng.randint(1, 4)):
                await session.send({"type": "config", "learning_rate": rng.choice((0.01, 0.03, 0.1)),
                                    "activation": rng.choice(ACTIVATIONS)})  # fmt: skip
                end = time.perf_counter() + rng.uniform(0.3, 1.5)
                while time.perf_counter() < end:
                    message = await session.recv(5.0)
                    if isinstance(message, bytes):
                        tally["frames"] += 1
            await session.close()
            tally["cycles"] += 1
            errors = [t for t in session.texts if t.get("type") == "error"]
            tally["errors"] += [json.dumps(e) for e in errors]
        except Exception as error:  # every failure is counted and reported, none may happen
            tally["errors"].append(f"{type(error).__name__}: {error}")
            await asyncio.sleep(0.5)


async def _soak(server: LiveServer, seconds: float) -> dict[str, Any]:
    tally: dict[str, Any] = {"frames": 0, "cycles": 0, "errors": []}
    until = time.monotonic() + seconds
    samples: list[tuple[float, float, int]] = []

    async def sample() -> None:
        start = time.monotonic()
        while time.monotonic() < until:
            rss, threads = server_stats(server.process.pid)
            samples.append((time.monotonic() - start, rss, threads))
            await asyncio.sleep(1.0)

    await asyncio.gather(sample(), *(_worker(server, i, until, tally) for i in range(WORKERS)))
    tally["samples"] = samples
    return tally


def _flat(values: np.ndarray) -> tuple[float, float, float]:
    """(first-third median, last-third median, relative change) of post-warm-up samples."""
    third = max(1, len(values) // 3)
    early, late = float(np.median(values[:third])), float(np.median(values[-third:]))
    return early, late, (late - early) / early


@pytest.mark.parametrize(
    "seconds",
    [pytest.param(60, marks=pytest.mark.slow, id="60s"),
     pytest.param(600, marks=[pytest.mark.soak, pytest.mark.timeout(900)], id="10min")],
)  # fmt: skip
def test_soak(server_factory: Any, seconds: int) -> None:
    # A 5 s grace keeps the detached sessions of 20 cycling clients well under max_sessions.
    server: LiveServer = server_factory(session_grace_s="5")
    tally = asyncio.run(_soak(server, seconds))
    samples = np.array(tally["samples"])
    warm = samples[samples[:, 0] >= seconds / 3]  # the first third is warm-up (caches, arenas)
    rss = _flat(warm[:, 1])
    threads = _flat(warm[:, 2])
    figures = {
        "seconds": seconds, "workers": WORKERS, "cycles": tally["cycles"], "frames": tally["frames"],
        "errors": len(tally["errors"]), "rss_mb_start": float(samples[0, 1]),
        "rss_mb_after_warmup": rss[0], "rss_mb_end": rss[1], "rss_change": rss[2],
        "rss_mb_max": float(samples[:, 1].max()), "threads_after_warmup": threads[0],
        "threads_end": threads[1], "threads_change": threads[2],
    }  # fmt: skip
    out = ROOT / "artifacts" / f"soak-{seconds}s.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures))
    assert not tally["errors"], tally["errors"][:10]
    assert tally["cycles"] >= WORKERS, figures
    assert abs(rss[2]) <= 0.10, f"RSS not flat: {figures}"
    assert abs(threads[2]) <= 0.10, f"threads not flat: {figures}"
    assert_no_traceback(server.log())
