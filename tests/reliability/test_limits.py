"""Issue 6 §4: every limit from settings answers with a clear error naming the field.

One server with small limits: max_sessions 3, max_points 50 (user points and CSV alike).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from conftest import LiveServer

from ._client import Client, close_code, open_ws

MAX_SESSIONS = 3
MAX_POINTS = 50


@pytest.fixture(scope="module")
def server(module_server: Callable[..., LiveServer]) -> LiveServer:
    return module_server(
        max_sessions=str(MAX_SESSIONS), max_points=str(MAX_POINTS), session_grace_s="1"
    )


@pytest.fixture(scope="module")
def client(server: LiveServer) -> Iterator[Client]:
    # One connection for every test: a closed session is held for its grace period and would
    # count against max_sessions.
    c = Client(server.ws_url)
    c.play(fps=30)
    yield c
    c.close()


def _error_for(client: Client, message: dict[str, Any]) -> dict[str, Any]:
    seen = len(client.texts)
    client.send(message)
    error = client.until_text("error")
    replies = [t for t in client.texts[seen:] if t["type"] in ("config", "stream")]
    assert not replies, f"{message} was applied: {replies}"
    return error


def _points(n: int) -> list[list[float]]:
    return [[(i % 11) - 5.0, (i % 7) - 3.0, float(i % 2)] for i in range(n)]


def test_max_points_user_data(client: Client) -> None:
    error = _error_for(client, {"type": "points", "points": _points(MAX_POINTS + 1)})
    assert error["field"] == "points" and str(MAX_POINTS) in error["message"], error
    client.send({"type": "points", "points": _points(MAX_POINTS)})
    assert client.until_text("config")["config"]["dataset"] == "user"


def test_max_points_csv(client: Client) -> None:
    rows = "\n".join(f"{x},{y},{int(c)}" for x, y, c in _points(MAX_POINTS + 1))
    error = _error_for(client, {"type": "csv", "text": "x1,x2,label\n" + rows})
    assert error["field"] in ("text", "csv", "points") and str(MAX_POINTS) in error["message"], (
        error
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hidden_layers": [9]}, "hidden_layers"),
        ({"hidden_layers": [2] * 7}, "hidden_layers"),
        ({"num_points": 2001}, "num_points"),
        ({"batch_size": 65}, "batch_size"),
        ({"num_classes": 7, "dataset": "blobs"}, "num_classes"),
    ],
)
def test_capacity_limits(client: Client, change: dict[str, Any], field: str) -> None:
    error = _error_for(client, {"type": "config", **change})
    assert error["field"] == field, error
    assert error["message"], error


@pytest.mark.parametrize(("fps", "steps"), [(61, None), (0, None), (30, 10_001), (30, 0)])
def test_stream_limits(client: Client, fps: int, steps: int | None) -> None:
    error = _error_for(client, {"type": "stream", "fps": fps, "steps_per_frame": steps})
    assert error["field"] == ("fps" if steps is None else "steps_per_frame"), error


def test_hello_states_the_limits(client: Client) -> None:
    limits = client.hello["limits"]
    assert limits["max_points"] == MAX_POINTS, limits
    assert limits["max_fps"] == 60, limits


def test_max_sessions_closes_with_a_code_and_reason(server: LiveServer, client: Client) -> None:
    held = [Client(server.ws_url) for _ in range(MAX_SESSIONS - 1)]  # with `client`: full
    try:
        code, reason = close_code(open_ws(server.ws_url))
        assert code is not None and code >= 1000 and code != 1000, code
        assert "session" in reason.lower(), reason
    finally:
        for c in held:
            c.close()
