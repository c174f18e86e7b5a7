"""Issue 6 §7: Origin checks, security headers, no file access by client-given names, CSV is data."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest
from websockets.exceptions import InvalidStatus

from conftest import LiveServer

from ._client import Client, close_code, open_ws


def _get(server: LiveServer, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", path)  # sent as written: no client-side normalisation of ../
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://127.0.0.1.evil.example"])
def test_foreign_origin_is_rejected(live_server: LiveServer, origin: str) -> None:
    try:
        ws = open_ws(live_server.ws_url, origin=origin)
    except InvalidStatus as rejected:
        assert rejected.response.status_code in (403, 400), rejected.response.status_code
        return
    code, _ = close_code(ws)  # accepted at the HTTP level: it must be closed before any hello
    assert code == 1008, code


def test_own_origin_and_no_origin_are_accepted(live_server: LiveServer) -> None:
    for kwargs in ({"origin": f"http://127.0.0.1:{live_server.port}"}, {}):
        client = Client(live_server.ws_url, **kwargs)
        assert client.hello["protocol"] == 1
        client.close()


@pytest.mark.parametrize("path", ["/", "/api/health", "/api/options", "/no-such-page"])
def test_security_headers(live_server: LiveServer, path: str) -> None:
    _, headers, _ = _get(live_server, path)
    csp = headers.get("content-security-policy", "")
    assert "script-src" in csp or "default-src" in csp, headers
    scripts = next((d for d in csp.split(";") if d.strip().startswith("script-src")), csp)
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, csp
    assert headers.get("x-content-type-options") == "nosniff", headers
    assert headers.get("referrer-policy"), headers


@pytest.mark.parametrize(
    "path",
    [
        "/static/../pyproject.toml",
        "/static/%2e%2e/pyproject.toml",
        "/static/..%2fpyproject.toml",
        "/frontend/../../pyproject.toml",
        "/frontend/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/vendor/uplot/..%2f..%2f..%2f..%2fpackage.json",
        "/..%2f..%2f..%2fetc/passwd",
        "/static//etc/passwd",
        "/frontend/%2fetc%2fpasswd",
    ],
)
def test_no_file_outside_the_served_trees(live_server: LiveServer, path: str) -> None:
    status, _, body = _get(live_server, path)
    assert status in (400, 404, 405), (status, body[:200])
    assert b"[project]" not in body and b"root:" not in body and b'"name"' not in body


def test_csv_is_parsed_never_executed(live_server: LiveServer, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    client = Client(live_server.ws_url)
    for text in (
        f"x1,x2,label\n__import__('os').system('touch {marker}'),1,0\n",
        f"=cmd|' /C touch {marker}'!A0,1,1\n",
        f"x1,x2,label\n{{{{7*7}}}},1,0\n$(touch {marker}),2,1\n",
        "x1,x2,label\n" + "1," * 100_000 + "1\n",  # one absurd row
    ):
        client.send({"type": "csv", "text": text})
        error = client.until_text("error")
        assert error["field"] in ("text", "csv"), error
    assert not marker.exists()
    client.close()
