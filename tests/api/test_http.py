"""HTTP surface: the page, modules, vendor files, health/options/schema, headers, origin check."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus

from conftest import LiveServer
from nnplayground.api.messages import message_schema
from nnplayground.api.options import options
from wsclient import Client


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def get_json(url: str) -> Any:
    status, headers, body = fetch(url)
    assert status == 200 and headers["content-type"].startswith("application/json")
    return json.loads(body)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/", "text/html"),
        ("/favicon.ico", "image/svg+xml"),
        ("/static/styles.css", "text/css"),
        ("/frontend/main.js", "text/javascript"),
        ("/frontend/frame.js", "text/javascript"),
        ("/vendor/uplot/uPlot.esm.js", "text/javascript"),
        ("/vendor/uplot/uPlot.min.css", "text/css"),
    ],
)
def test_page_assets_are_served_with_security_headers(
    live_server: LiveServer, path: str, content_type: str
) -> None:
    status, headers, body = fetch(live_server.url + path)
    assert status == 200 and body
    assert headers["content-type"].startswith(content_type)
    csp = headers["content-security-policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "default-src 'self'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_page_has_no_inline_script(live_server: LiveServer) -> None:
    _, _, body = fetch(live_server.url + "/")
    html = body.decode()
    # Every <script> loads a file (CSP forbids inline script; the page must not rely on one).
    for chunk in html.split("<script")[1:]:
        tag, _, rest = chunk.partition(">")
        assert "src=" in tag, tag
        assert rest.lstrip().startswith("</script>")


@pytest.mark.parametrize(
    "path",
    ["/nope", "/frontend/../pyproject.toml", "/static/..%2f..%2fpyproject.toml", "/api/nope"],
)
def test_unknown_and_traversal_paths_are_404(live_server: LiveServer, path: str) -> None:
    status, headers, _ = fetch(live_server.url + path)
    assert status == 404
    assert headers["x-content-type-options"] == "nosniff"


def test_health(live_server: LiveServer) -> None:
    health = get_json(live_server.url + "/api/health")
    assert health["status"] == "ok" and health["protocol"] == 1
    assert health["version"] and health["backend"] == "cpu" and health["devices"]
    assert isinstance(health["compiles"], int) and health["compiles"] > 0  # the warm-up compiled
    assert health["warm"] is True  # the fixture waits for the background compiles
    assert health["assets"] == {"static": True, "frontend": True, "uplot": True}


def test_options_are_the_engine_registries_plus_limits(live_server: LiveServer) -> None:
    served = get_json(live_server.url + "/api/options")
    engine = json.loads(json.dumps(options()))
    assert {k: served[k] for k in engine} == engine
    assert served["limits"]["max_fps"] == 60 and served["limits"]["max_points"] == 2000


def test_schema_is_message_schema(live_server: LiveServer) -> None:
    served = get_json(live_server.url + "/api/schema")
    assert served == json.loads(json.dumps(message_schema()))
    client_types = {
        d["properties"]["type"]["const"] for d in served["client"]["$defs"].values()
        if "type" in d.get("properties", {})
    }  # fmt: skip
    assert client_types == {
        "config",
        "control",
        "stream",
        "edit_weight",
        "edit_bias",
        "points",
        "csv",
        "compare",
        "export",  # issue 17
        "import",
        "train",
        "views",  # issue 15
        "inspect",
        "sweep",  # issue 16
        "room",  # lecture rooms
        "fork",
        "challenge",
    }
    assert "arrays" in served["frame_header"]["properties"]


def test_websocket_origin_check(live_server: LiveServer) -> None:
    with pytest.raises(InvalidStatus) as rejected:
        Client(live_server.ws_url, origin="http://evil.example")
    assert rejected.value.response.status_code == 403
    same = Client(live_server.ws_url, origin=live_server.url)  # the page's own origin
    same.close()
    scripted = Client(live_server.ws_url)  # no Origin: a non-browser client
    scripted.close()


def test_double_descent_curve(live_server: LiveServer) -> None:
    """Issue 16: the lesson's curve, peaked at the interpolation threshold."""
    got = get_json(f"{live_server.url}/api/double_descent")
    widths, test = got["widths"], got["test_error"]
    assert len(widths) == len(test) == len(got["train_error"]) >= 20
    peak = widths[test.index(max(test))]
    assert 0.5 * got["n_train"] <= peak <= 2 * got["n_train"]
