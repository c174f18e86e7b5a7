"""Readable from the back row and on a phone (issue 12), in real Chromium against the real server.

Geometry from bounding boxes at 1280x720, 1920x1080 and a 390x844 touch phone, normal and
presenter, idle and playing; pixels of the output canvas (points in their class colour on a
pastel map, a grey diverged map); the divergence fix; touch drawing. One browser (the package's)
and one server (the session's) for all of it; screenshots go to artifacts/screens/ for review.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Page, expect
from tests.e2e.conftest import ROOT, Watch, poll, wait_connected

if TYPE_CHECKING:
    from tests.conftest import LiveServer

SCREENS = ROOT / "artifacts" / "screens"

# What the page looks like from outside: boxes, fonts, overflow. Text-bearing elements are every
# visible element with a text node of its own (labels, ticks in the DOM, legends, buttons).
GEOMETRY = """() => {
  const box = (sel) => { const e = document.querySelector(sel); if (!e) return null;
    const r = e.getBoundingClientRect(); return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
      width: r.width, height: r.height}; };
  const small = [];
  for (const e of document.querySelectorAll('body *')) {
    if (['SCRIPT', 'STYLE', 'OPTION', 'svg'].includes(e.tagName) || e.closest('svg, select, dialog:not([open])')) continue;
    const own = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim() !== '');
    if (!own) continue;
    const r = e.getBoundingClientRect();
    if (r.width <= 1 || r.height <= 1 || e.checkVisibility({visibilityProperty: true}) === false) continue;
    const px = parseFloat(getComputedStyle(e).fontSize);
    small.push([px, (e.id ? '#' + e.id : e.tagName + '.' + e.className) + ': ' + e.textContent.trim().slice(0, 30)]);
  }
  // A select shows its chosen option's text in full only if the box is as wide as that text
  // plus its padding and the arrow; check every option (any can be chosen).
  const ctx = document.createElement('canvas').getContext('2d');
  const clipped = [];
  for (const s of document.querySelectorAll('select')) {
    if (!s.checkVisibility()) continue;
    const cs = getComputedStyle(s);
    ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 16;
    for (const o of s.options) if (ctx.measureText(o.text).width > room + 0.5) clipped.push(`${s.id}: ${o.text}`);
  }
  return {
    inner: [innerWidth, innerHeight], scrollWidth: document.documentElement.scrollWidth,
    map: box('#heatmap'), runbar: box('.runbar'), chart: box('#chart'), play: box('#play'),
    plot: box('#chart .uplot'), tickPx: parseFloat(document.querySelector('#chart').dataset.tickPx || '0'),
    fonts: small, clipped,
    network: [document.getElementById('network').scrollHeight, document.getElementById('network').clientHeight],
  };
}"""


def inside(b: dict[str, float], width: int, height: int) -> bool:
    return (
        b["left"] >= -0.5
        and b["top"] >= -0.5
        and b["right"] <= width + 0.5
        and b["bottom"] <= height + 0.5
    )


def state(page: Page, condition: str, timeout: float = 30_000) -> None:
    poll(
        page,
        f"() => {{ const s = nnplayground.store.state; return {condition}; }}",
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def pages(chromium: Browser, live_server: LiveServer) -> Iterator[Any]:
    """Opens watched pages (desktop or phone) on the shared server; checks them at the end."""
    watches: list[Watch] = []
    contexts = []

    def open_page(
        fragment: str = "", width: int = 1280, height: int = 720, phone: bool = False
    ) -> Page:
        context = chromium.new_context(
            viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
        )
        contexts.append(context)
        page = context.new_page()
        watch = Watch()
        page.on("console", watch.on_console)
        page.on("pageerror", lambda exc: watch.errors.append(f"pageerror: {exc}"))
        page.on("request", watch.on_request)
        watches.append(watch)
        page.goto(f"{live_server.url}/{fragment}")
        wait_connected(page)
        return page

    yield open_page
    for context in contexts:
        context.close()
    for watch in watches:
        assert watch.errors == [], watch.errors
        assert watch.foreign == [], f"requests left 127.0.0.1: {watch.foreign}"


def check_geometry(page: Page, name: str, presenter: bool, phone: bool) -> None:
    page.wait_for_timeout(250)  # the ResizeObserver re-lays the canvases out in the next frame
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{name}.png"))
    g = page.evaluate(GEOMETRY)
    width, height = g["inner"]
    assert g["scrollWidth"] <= width, (
        f"{name}: page scrolls sideways ({g['scrollWidth']} > {width})"
    )
    for part in ("map", "runbar", "chart", "play"):
        assert inside(g[part], width, height), f"{name}: {part} not on the first screen: {g[part]}"
    if (width, height) == (1280, 720):
        assert g["chart"]["height"] >= 200, f"{name}: chart {g['chart']['height']:.0f} px tall"
    if not phone:  # the whole diagram, all 9 inputs included, without a scrollbar
        scroll, client = g["network"]
        assert scroll <= client, f"{name}: the network box scrolls ({scroll} > {client} px)"
    if presenter:
        assert g["chart"]["height"] >= height / 4, f"{name}: chart {g['chart']['height']:.0f} px"
    least = 20 if presenter else 13
    small = [f"{px:.1f}px {what}" for px, what in g["fonts"] if px < least - 0.05]
    assert small == [], f"{name}: type under {least} px: {small[:8]}"
    assert g["tickPx"] >= least, f"{name}: chart ticks at {g['tickPx']} px"
    assert g["clipped"] == [], f"{name}: clipped option labels: {g['clipped']}"
    if phone:
        assert g["play"]["width"] >= 44 and g["play"]["height"] >= 44, g["play"]
        assert g["map"]["width"] >= 0.85 * width, f"{name}: the map is not full width: {g['map']}"


@pytest.mark.parametrize(
    ("width", "height", "phone"), [(1280, 720, False), (1920, 1080, False), (390, 844, True)]
)
def test_first_screen_normal_and_presenter_idle_and_playing(
    pages: Any, width: int, height: int, phone: bool
) -> None:
    page: Page = pages(width=width, height=height, phone=phone)
    for presenter in (False, True):
        if presenter:
            page.get_by_role("button", name="Presenter").click()
            expect(page.locator("html")).to_have_class("presenter")
        mode = "presenter" if presenter else "normal"
        check_geometry(page, f"{width}x{height}-{mode}-idle", presenter, phone)
        page.get_by_role("button", name="Play").click()
        state(page, "s.playing && s.step > 0 && s.metrics && s.metrics.train_loss !== null")
        check_geometry(page, f"{width}x{height}-{mode}-playing", presenter, phone)
        page.get_by_role("button", name="Pause").click()
        state(page, "!s.playing")
        page.get_by_role("button", name="Reset").click()
        state(page, "s.step === 0")


# The centre pixel of every training point far enough from the others to be uncovered, and the
# map's own colour just outside it, next to each point's class colour.
POINT_PIXELS = """() => {
  const c = document.getElementById('heatmap');
  const ctx = c.getContext('2d');
  const {xy, split} = nnplayground.store.state.points;
  const toPx = (v) => (v + 6) / 12 * c.width;
  const n = split.length, out = [];
  const rPx = c.width / 60;  // ≈ 2 point radii: no other point covers this one's centre or ring
  for (let i = 0; i < n && out.length < 12; i++) {
    if (split[i] !== 1) continue;
    const x = toPx(xy[3*i]), y = c.height - toPx(xy[3*i+1]);
    if (x < rPx || y < rPx || x > c.width - rPx || y > c.height - rPx) continue;
    let alone = true;
    for (let j = 0; j < n && alone; j++) if (j !== i && Math.hypot(toPx(xy[3*j]) - x, c.height - toPx(xy[3*j+1]) - y) < 2 * rPx) alone = false;
    if (!alone) continue;  // (2 · rPx apart: the neighbour's disc ends before 1.4 · rPx)
    const centre = [...ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3)];
    const around = [...ctx.getImageData(Math.round(x + 1.4 * rPx), Math.round(y), 1, 1).data.slice(0, 3)];
    out.push({label: xy[3*i+2], centre, around});
  }
  return out;
}"""

# Okabe-Ito orange and blue (frontend/src/colors.js CLASS_COLORS[0..1]).
CLASS_RGB = {0: (230, 159, 0), 1: (0, 114, 178)}


def test_points_keep_their_class_colour_on_a_confident_map(pages: Any) -> None:
    page: Page = pages("#problem=classification&dataset=gauss&noise=0&num_points=200")
    page.get_by_role("button", name="Play").click()
    state(
        page, "s.metrics && s.metrics.train_accuracy >= 0.99 && s.metrics.train_loss < 0.1", 60_000
    )
    page.get_by_role("button", name="Pause").click()
    state(page, "!s.playing")
    page.wait_for_timeout(200)  # the last frame painted
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "confident-points.png"))
    samples = page.evaluate(POINT_PIXELS)
    assert len(samples) >= 4, samples
    for s in samples:
        want = CLASS_RGB[round(s["label"])]
        assert all(abs(a - b) <= 6 for a, b in zip(s["centre"], want, strict=True)), s
        assert min(s["centre"]) < 200, f"a point drawn white: {s}"
        # The map under the point's surroundings is pastel: lighter than the point itself.
        assert sum(s["around"]) > sum(want) + 120, s


GRID = """() => {
  const c = document.getElementById('heatmap');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const out = [];
  for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) {
    const at = (Math.floor(j * c.height / 8) * c.width + Math.floor(i * c.width / 8)) * 4;
    out.push([d[at], d[at + 1], d[at + 2]]);
  }
  return out;
}"""


def test_diverged_map_is_grey_and_the_fix_trains_in_one_click(pages: Any) -> None:
    page: Page = pages("#problem=regression&dataset=plane&learning_rate=10")
    page.get_by_role("button", name="Play").click()
    banner = page.get_by_role("alert").filter(has_text="diverged")
    expect(banner).to_be_visible(timeout=30_000)
    state(page, "!s.playing")  # the server paused at the divergence; its step is final
    status = page.locator(".heatmap-status")
    expect(status).to_have_text(
        f"Diverged at step {page.evaluate('() => nnplayground.store.state.step'):,}"
    )
    page.wait_for_timeout(200)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "diverged.png"))
    grid = page.evaluate(GRID)
    # Most samples are the flat grey (some fall on the faded points or the label).
    grey = [p for p in grid if max(p) - min(p) <= 6 and 170 <= p[0] <= 210]
    assert len(grey) >= 0.7 * len(grid), grid

    page.get_by_role("button", name="and reset").click()
    state(page, "s.config.learning_rate < 10 && s.step === 0 && s.banner === null")
    expect(status).to_be_hidden()
    page.get_by_role("button", name="Play").click()
    state(page, "s.step >= 1500 && s.metrics && s.metrics.train_loss !== null", 60_000)
    page.get_by_role("button", name="Pause").click()
    assert page.evaluate("() => nnplayground.store.state.banner") is None
    loss = page.evaluate("() => nnplayground.store.state.metrics.train_loss")
    assert loss < 0.1, f"the rate the fix chose does not train: loss {loss}"


def test_phone_tap_adds_a_point_and_long_press_removes_it(pages: Any) -> None:
    page: Page = pages(width=390, height=844, phone=True)
    page.get_by_text("Data", exact=True).click()  # the data fold starts closed on a phone
    page.get_by_role("button", name="Draw points").click()
    state(page, "s.drawMode")
    page.evaluate("() => window.scrollTo(0, 0)")  # the map is on top; the fold scrolled the page
    box = page.locator("#heatmap").bounding_box()
    assert box is not None
    # A spot at plane (2.1, -2.1), radius 3: in the empty gap between the circle data's inner
    # disc (radius < 2.5) and its outer ring (radius > 3.5), so "near" means our point only.
    x = box["x"] + box["width"] * 0.675
    y = box["y"] + box["height"] * 0.675
    rev = page.evaluate("() => nnplayground.store.state.dataRev")
    near = (
        "[...Array(s.points.split.length).keys()]"
        ".some(i => Math.hypot(s.points.xy[3*i] - 2.1, s.points.xy[3*i+1] + 2.1) < 0.3)"
    )
    assert not page.evaluate(f"() => {{ const s = nnplayground.store.state; return {near}; }}")
    page.touchscreen.tap(x, y)
    state(page, f"s.dataRev > {rev} && {near}")  # in a frame from the server, not only on screen
    # Long press: a touch held past LONG_PRESS_MS (500 ms) removes the nearest point.
    rev = page.evaluate("() => nnplayground.store.state.dataRev")
    cdp = page.context.new_cdp_session(page)
    touch = [{"x": x, "y": y}]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": touch})
    page.wait_for_timeout(700)  # a real hold: the page's own timer decides
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    state(page, f"s.dataRev > {rev} && !({near})")


def test_chart_legend_styles_hover_values_and_accuracy_tab(pages: Any) -> None:
    page: Page = pages()
    page.get_by_role("button", name="Play").click()
    state(page, "s.step > 300 && s.metrics.train_loss !== null")
    page.get_by_role("button", name="Pause").click()
    state(page, "!s.playing")
    legend = page.locator("#chart .chart-legend .item")
    expect(legend).to_have_count(2)
    swatches = page.evaluate(
        """() => [...document.querySelectorAll('#chart .chart-legend svg')].map(s =>
             [s.querySelector('line').getAttribute('stroke-dasharray'), s.lastElementChild.tagName])"""
    )
    assert len({str(d) for d, _ in swatches}) == 2 and len({m for _, m in swatches}) == 2, swatches
    latest = page.locator("#chart .chart-legend").get_attribute("data-step")
    plot = page.locator("#chart .u-over").bounding_box()
    assert plot is not None
    page.mouse.move(plot["x"] + plot["width"] * 0.2, plot["y"] + plot["height"] / 2)
    hovered = page.locator("#chart .chart-legend").get_attribute("data-step")
    assert hovered and latest and int(hovered) < int(latest), (hovered, latest)
    expect(legend.first).to_contain_text(".")  # a value, not the en dash of "no value"
    page.get_by_role("tab", name="Accuracy").click()
    expect(page.get_by_role("tab", name="Accuracy")).to_have_attribute("aria-selected", "true")
    expect(legend.first).to_contain_text("Train accuracy")
    expect(legend.first).to_contain_text("%")


def test_a_lesson_caption_and_advanced_settings_keep_the_first_screen(pages: Any) -> None:
    page: Page = pages()
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("link", name="A perceptron cannot learn XOR").click()
    expect(page.locator("#lesson-caption")).to_contain_text("straight line")
    page.get_by_text("Advanced", exact=True).click()
    expect(page.get_by_label("LR schedule")).to_be_visible()
    check_geometry(page, "1280x720-lesson-advanced", presenter=False, phone=False)


def test_every_lesson_shows_its_whole_caption_and_network_at_1280x720(pages: Any) -> None:
    """What an instructor reads aloud and what the room watches, without a scrollbar: each
    lesson's caption (with its button and Close) and its network diagram fit the projector."""
    page: Page = pages()
    page.get_by_role("button", name="Lessons").click()
    titles = [t.split("\n")[0] for t in page.locator("dialog .lesson-list a").all_inner_texts()]
    assert len(titles) >= 20, titles
    overflowing = []
    for title in titles:
        if not page.get_by_role("dialog").is_visible():
            page.get_by_role("button", name="Lessons").click()
        page.locator("dialog .lesson-list a", has_text=title).first.click()
        expect(page.locator("#lesson-title")).to_have_text(title)
        page.wait_for_timeout(300)  # the diagram is re-laid out in the next animation frame
        boxes = page.evaluate(
            """() => ['lesson-panel', 'network'].map((id) => {
                 const e = document.getElementById(id); return [e.scrollHeight, e.clientHeight]; })"""
        )
        for (scroll, client), what in zip(boxes, ("caption", "network"), strict=True):
            if scroll > client + 1:
                overflowing.append(f"{title}: {what} {scroll} > {client} px")
    assert overflowing == [], overflowing
