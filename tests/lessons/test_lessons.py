"""Every lesson's claim, checked through the real server at the lesson's own pace.

All lessons run at once on the shared server (each as the page opens its link: config, compare,
reset, pace, play; plus a second session with its button pressed when it has one), so the whole
file takes about as long as the slowest lesson. A failure names the lesson and the numbers seen.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import LiveServer

from . import claims

DOC = claims.load()
LESSONS: list[dict[str, Any]] = DOC["lessons"]
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def outcomes(live_server: LiveServer) -> dict[str, list[str]]:
    """lesson id → failures (empty: the claim held), from one concurrent run of every lesson."""
    results: dict[str, dict[str, claims.Run]] = {}
    started = time.monotonic()

    def one(lesson: dict[str, Any]) -> None:
        results[lesson["id"]] = claims.run_lesson(live_server.ws_url, DOC, lesson, timeout=240)

    threads = [threading.Thread(target=one, args=(lesson,)) for lesson in LESSONS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"\n{len(LESSONS)} lessons in {time.monotonic() - started:.0f} s")
    for lid, runs in results.items():  # every check's numbers, for `pytest -s`
        lesson = next(x for x in LESSONS if x["id"] == lid)
        for item in lesson["claim"]["checks"]:
            try:
                print(lid, *claims.check(runs, item))
            except (ValueError, KeyError, IndexError) as exc:
                print(lid, "cannot evaluate", exc)
    return {
        lid: claims.verdict(next(x for x in LESSONS if x["id"] == lid), runs)
        for lid, runs in results.items()
    }


@pytest.mark.parametrize("lesson", LESSONS, ids=[x["id"] for x in LESSONS])
def test_claim_holds(outcomes: dict[str, list[str]], lesson: dict[str, Any]) -> None:
    assert outcomes[lesson["id"]] == [], "\n".join(outcomes[lesson["id"]])
