"""More views (issue 15) in real Chromium: the loss landscape, hidden space, backprop inspector
and confusion matrix open from labelled buttons (mouse and keyboard), draw, and keep drawing
while training plays; screenshots at 1280x720 and 1920x1080 under artifacts/screens/."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT, Playground, poll

pytestmark = pytest.mark.e2e
SCREENS = ROOT / "artifacts" / "screens"

# A fingerprint of a canvas's pixels: tells whether it was redrawn with a new picture.
PRINT = """(id) => {
  const c = document.getElementById(id);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 4 * 7) h = (h * 31 + d[i] + 3 * d[i + 1] + 7 * d[i + 2]) >>> 0;
  return h;
}"""
PAINTED = "(name) => nnplayground.views[name].painted"


def _open_all(page: Page) -> None:
    views = page.get_by_role("region", name="More views")
    # Mouse for two, keyboard (Enter, Space) for the others: every button is reachable both ways.
    views.get_by_role("button", name="Loss landscape").click()
    expect(page.get_by_role("region", name="Loss landscape")).to_be_visible()
    hidden_space = views.get_by_role("button", name="Hidden space")
    hidden_space.focus()
    page.keyboard.press("Enter")
    expect(hidden_space).to_have_attribute("aria-pressed", "true")
    confusion = views.get_by_role("button", name="Confusion matrix")
    confusion.focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("region", name="Confusion matrix")).to_be_visible()
    views.get_by_role("button", name="Backprop inspector").click()
    expect(page.get_by_role("region", name="Backprop inspector")).to_be_visible()


def test_more_views_open_draw_and_keep_up(playground: Playground) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1280, 720), (1920, 1080)):
        page = playground.open(width=width, height=height)
        _open_all(page)
        for name in ("landscape", "warp", "confusion"):
            poll(page, f"() => ({PAINTED})('{name}') > 0")
        label = page.locator("#landscape-canvas").get_attribute("aria-label") or ""
        assert label.startswith("Loss landscape: training loss"), label
        expect(page.locator("#warp-caption")).to_contain_text("Layer 2 on neurons 1 and 2")
        expect(page.locator("#confusion-tables caption").first).to_contain_text("% correct of")

        # The inspector: a random training point, then one SGD step on it.
        inspector = page.get_by_role("region", name="Backprop inspector")
        inspector.get_by_role("button", name="Random training point").click()
        expect(page.locator("#inspect-summary")).to_contain_text("loss")
        poll(page, "() => document.querySelectorAll('#inspect-svg circle').length >= 7")
        expect(page.locator("#inspect-rows tr")).to_have_count(4 + 2 + 1)
        inspector.get_by_role("button", name="Apply this step").click()
        expect(page.locator("#inspect-summary")).to_contain_text("loss now")
        # Keyboard: the warp's layer select changes the drawing.
        page.get_by_label("Layer", exact=True).select_option("1")
        expect(page.locator("#warp-caption")).to_contain_text("Layer 1")

        # Playing: the views keep drawing new pictures from the new frames.
        before = {n: page.evaluate(PAINTED, n) for n in ("landscape", "warp", "confusion")}
        prints = page.evaluate(PRINT, "landscape-canvas")
        page.get_by_role("button", name="Play").click()
        start, step0 = time.monotonic(), page.evaluate("() => nnplayground.store.state.step")
        poll(page, "(s) => nnplayground.store.state.step > s + 500", step0, timeout=30_000)
        poll(page, f"() => ({PAINTED})('landscape') >= {before['landscape'] + 3}", timeout=15_000)
        seconds = time.monotonic() - start
        for name in ("warp", "confusion"):
            assert page.evaluate(PAINTED, name) > before[name] + 3, name
        assert page.evaluate(PRINT, "landscape-canvas") != prints
        path = page.evaluate("() => nnplayground.store.state.frame.header.landscape.path.length")
        assert path >= 3, path  # the optimizer's path grows while training
        page.locator("#more-views").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENS / f"views-{width}x{height}.png"))
        page.get_by_role("button", name="Pause").click()
        assert seconds < 30
        page.context.close()
