"""Take it with you (issue 17) in real Chromium: pictures, model files, and the embed page."""

from __future__ import annotations

import base64
import functools
import http.server
import json
import struct
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.conftest import LiveServer, free_port

from .conftest import ROOT, Playground, poll, wait_connected

pytestmark = pytest.mark.e2e
PICTURES = ROOT / "artifacts" / "pictures"
SCALE, TITLE_BAND, LEGEND_BAND = 2, 28, 36  # frontend/src/export.js


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert data[-8:-4] == b"IEND"
    return width, height


# The browser's own PNG decoder reads the file back: how many distinct colours, and whether the
# classes' orange and blue are there.
COLOURS = """async (b64) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const bmp = await createImageBitmap(new Blob([bytes], {type: 'image/png'}));
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  const ctx = c.getContext('2d');
  ctx.drawImage(bmp, 0, 0);
  const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
  const seen = new Set();
  let orange = 0, blue = 0;
  for (let i = 0; i < d.length; i += 4) {
    seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
    if (d[i] > 200 && d[i + 1] > 100 && d[i + 1] < 190 && d[i + 2] < 120) orange++;
    if (d[i] < 90 && d[i + 1] > 80 && d[i + 1] < 160 && d[i + 2] > 150) blue++;
  }
  return {colours: seen.size, orange, blue, width: bmp.width, height: bmp.height};
}"""


def _download(page: Page, button: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("button", name=button, exact=True).click()
    download = info.value
    path = download.path()
    assert path is not None
    return download.suggested_filename, Path(path).read_bytes()


def test_save_pictures_gives_pngs_at_twice_the_screen_size(playground: Playground) -> None:
    page = playground.open("#dataset=xor&hidden_layers=4,2")
    poll(page, "() => nnplayground.store.state.config.dataset === 'xor'")
    page.get_by_role("button", name="Step", exact=True).click()
    poll(page, "() => nnplayground.store.state.step === 1")
    PICTURES.mkdir(parents=True, exist_ok=True)

    name, data = _download(page, "Save output picture")
    assert name == "xor_x1-x2_4-2_step1_output.png"
    (PICTURES / name).write_bytes(data)
    w = page.evaluate("() => document.getElementById('heatmap').clientWidth")
    assert _png_size(data) == (SCALE * w, SCALE * (w + TITLE_BAND + LEGEND_BAND))
    seen = page.evaluate(COLOURS, base64.b64encode(data).decode())
    assert seen["colours"] > 50 and seen["orange"] > 500 and seen["blue"] > 500, seen

    name, data = _download(page, "Save network picture")
    assert name == "xor_x1-x2_4-2_step1_network.png"
    (PICTURES / name).write_bytes(data)
    box = page.evaluate(
        "() => { const r = document.getElementById('network').getBoundingClientRect();"
        " return [Math.ceil(r.width), Math.ceil(r.height)]; }"
    )
    assert _png_size(data) == (SCALE * box[0], SCALE * (box[1] + TITLE_BAND))
    seen = page.evaluate(COLOURS, base64.b64encode(data).decode())
    assert seen["colours"] > 50 and seen["orange"] > 100 and seen["blue"] > 100, seen


def test_export_json_then_import_restores_the_model(playground: Playground) -> None:
    page = playground.open("#dataset=circle&hidden_layers=3&learning_rate=0.1")
    poll(page, "() => nnplayground.store.state.config.hidden_layers.length === 1")
    for _ in range(3):
        page.get_by_role("button", name="Step", exact=True).click()
    poll(page, "() => nnplayground.store.state.step === 3")
    name, data = _download(page, "Export as JSON")
    assert name == "circle_x1-x2_3_step3.json"
    doc = json.loads(data)
    assert doc["format"] == "nnplayground-model" and doc["step"] == 3
    weights = page.evaluate(
        "() => Array.from(nnplayground.store.state.frame.arrays.get('weights').data)"
    )

    name, script = _download(page, "Export as Python")
    assert name == "circle_x1-x2_3_step3_predict.py" and b"def predict(points)" in script
    name, script = _download(page, "Export as JAX")
    assert name == "circle_x1-x2_3_step3_train_jax.py" and b"import optax" in script

    page.get_by_role("button", name="Reset", exact=True).click()
    page.get_by_label("Activation").select_option("relu")
    poll(
        page,
        "() => nnplayground.store.state.config.activation === 'relu' && nnplayground.store.state.step === 0",
    )
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import model", exact=True).click()
    chooser.value.set_files({"name": "model.json", "mimeType": "application/json", "buffer": data})
    poll(
        page,
        "() => nnplayground.store.state.step === 3 && nnplayground.store.state.config.activation === 'tanh'",
    )
    poll(page, "(w) => { const f = nnplayground.store.state.frame; return f.header.step === 3"
         " && JSON.stringify(Array.from(f.arrays.get('weights').data)) === JSON.stringify(w); }", weights)  # fmt: skip

    # A bad file: an error naming the field, and the model stays.
    bad = json.dumps({**doc, "layers": doc["layers"][:1]}).encode()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import model", exact=True).click()
    chooser.value.set_files({"name": "bad.json", "mimeType": "application/json", "buffer": bad})
    expect(page.locator("#toasts")).to_contain_text("layers: must be a list of 2 layers")
    assert page.evaluate("() => nnplayground.store.state.step") == 3


# -- embed -------------------------------------------------------------------------------------
@pytest.fixture
def slides(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """A 'slide deck' on another local port: a page with an iframe of the given URL."""
    port = free_port()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def deck(src: str) -> str:
        (tmp_path / "deck.html").write_text(
            f'<!doctype html><title>deck</title><iframe src="{src}" width="1000" height="600"></iframe>'
        )
        return f"http://127.0.0.1:{port}/deck.html"

    yield deck
    httpd.shutdown()
    httpd.server_close()


def _open_deck(browser: Browser, url: str) -> Page:
    page = browser.new_context(viewport={"width": 1100, "height": 700}).new_page()
    page.goto(url)
    return page


def test_embed_can_be_framed_where_configured(
    chromium: Browser, server_factory: Callable[..., LiveServer], slides: Callable[[str], str]
) -> None:
    deck = slides("")  # pick the deck's port first: the server allows exactly that origin
    origin = deck.rsplit("/", 1)[0]
    server = server_factory(frame_ancestors=origin)
    deck = slides(f"{server.url}/?embed=1&caption=One+hidden+layer#dataset=xor")
    page = _open_deck(chromium, deck)
    frame = next(f for f in page.frames if f.url.startswith(server.url))
    wait_connected(frame)  # type: ignore[arg-type]
    inner = page.frame_locator("iframe")
    expect(inner.locator("#heatmap")).to_be_visible()
    expect(inner.locator("#network")).to_be_visible()
    expect(inner.get_by_role("button", name="Play", exact=True)).to_be_visible()
    expect(inner.get_by_text("One hidden layer", exact=True)).to_be_visible()
    for hidden in ("Data", "Learning rate", "Export as JSON", "Lessons"):
        expect(inner.get_by_text(hidden, exact=True).first).to_be_hidden()
    inner.get_by_role("button", name="Play", exact=True).click()
    poll(frame, "() => nnplayground.store.state.step > 0")  # type: ignore[arg-type]
    page.screenshot(path=str(ROOT / "artifacts" / "screenshots" / "embed.png"))
    page.context.close()


def test_embed_cannot_be_framed_by_default(
    chromium: Browser, live_server: LiveServer, slides: Callable[[str], str]
) -> None:
    page = _open_deck(chromium, slides(f"{live_server.url}/?embed=1"))
    page.wait_for_timeout(1500)
    urls = [f.url for f in page.frames]
    assert not any(u.startswith(live_server.url) for u in urls[1:]), urls
    page.context.close()
