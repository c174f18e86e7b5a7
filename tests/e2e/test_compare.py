"""The Compare panel in real Chromium: a learning-rate sweep side by side, with a diverged badge."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import Playground, poll

pytestmark = pytest.mark.e2e

# A cheap fingerprint of every compare thumbnail's pixels.
THUMB_PRINTS = """() => [...document.querySelectorAll('#compare-cards canvas.compare-map')].map((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 4 * 5) h = (h * 31 + d[i] + 3 * d[i + 2]) >>> 0;
  return h;
})"""


def _sweep(page: Page) -> None:
    """Regression (its linear output blows up at a huge rate), then a learning-rate sweep."""
    page.get_by_label("Problem type").select_option("regression")
    poll(page, "() => nnplayground.store.state.config.problem === 'regression'")
    page.get_by_role("button", name="Compare", exact=True).click()
    panel = page.get_by_role("region", name="Compare")
    expect(panel).to_be_visible()
    expect(panel.get_by_label("Setting to compare")).to_have_value("learning_rate")
    for value in ("0.3", "3", "10"):
        panel.get_by_label(value, exact=True).check()
    expect(panel.get_by_label("1", exact=True)).to_be_disabled()  # the panel: 4 models at most


def test_learning_rate_sweep_side_by_side(playground: Playground) -> None:
    page = playground.open()
    _sweep(page)
    cards = page.locator("#compare-cards figure")
    expect(cards).to_have_count(4)
    expect(cards.nth(0)).to_contain_text("0.03 (main)")
    expect(cards.nth(3).get_by_role("img")).to_have_accessible_name(
        "Decision boundary, learning rate 10"
    )
    page.get_by_role("button", name="Play").click()
    poll(page, "() => nnplayground.store.state.step > 200")
    first = page.evaluate(THUMB_PRINTS)
    poll(page, "() => nnplayground.store.state.step > 1000", timeout=40_000)
    # The lr-10 variant diverges; its card says so, the main model keeps playing.
    expect(cards.nth(3).get_by_text("Diverged", exact=True)).to_be_visible(timeout=20_000)
    expect(cards.nth(3)).to_contain_text("diverged at step")
    expect(cards.nth(0).get_by_text("Diverged", exact=True)).to_be_hidden()
    expect(cards.nth(1)).to_contain_text("Test loss 0.")
    assert page.evaluate("() => nnplayground.store.state.playing") is True
    later = page.evaluate(THUMB_PRINTS)
    assert later[0] != first[0] or later[1] != first[1], "thumbnails did not update"
    # Keyboard: untick a value with Space from its checkbox; the card goes away.
    box = page.get_by_role("region", name="Compare").get_by_label("0.3", exact=True)
    box.focus()
    page.keyboard.press("Space")
    expect(cards).to_have_count(3)
    page.get_by_role("button", name="Close compare").click()
    expect(page.get_by_role("region", name="Compare")).to_be_hidden()
    poll(
        page,
        "() => { const f = nnplayground.store.state.frame; return f && !f.header.compare; }",
    )


@pytest.mark.parametrize(
    ("width", "height", "presenter"),
    [(1280, 720, False), (1920, 1080, False), (1280, 720, True), (1920, 1080, True)],
)
def test_compare_screenshots(
    playground: Playground,
    screenshot: Callable[[Page, str], Path],
    width: int,
    height: int,
    presenter: bool,
) -> None:
    page = playground.open(width=width, height=height)
    _sweep(page)
    if presenter:
        page.get_by_role("button", name="Presenter").click()
    page.get_by_role("button", name="Play").click()
    poll(page, "() => nnplayground.store.state.step > 1000", timeout=40_000)
    page.get_by_role("button", name="Pause").click()
    # Everything of the panel is inside the window (no horizontal overflow, cards not clipped).
    box = page.locator("#compare-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
    last = page.locator("#compare-cards figure").nth(3).bounding_box()
    assert last is not None and last["x"] + last["width"] <= width, last
    screenshot(page, f"compare-{width}x{height}{'-presenter' if presenter else ''}")


def test_lesson_opens_the_comparison(playground: Playground) -> None:
    page = playground.open()
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("link", name="Learning rates side by side").click()
    panel = page.get_by_role("region", name="Compare")
    expect(panel).to_be_visible()
    for value in ("0.003", "0.3", "3"):
        expect(panel.get_by_label(value, exact=True)).to_be_checked()
    expect(panel.get_by_label("0.03 (main)", exact=True)).to_be_disabled()
    cards = page.locator("#compare-cards figure")
    expect(cards).to_have_count(4)
    page.get_by_role("button", name="Play").click()
    expect(cards.nth(3).get_by_text("Diverged", exact=True)).to_be_visible(timeout=30_000)
    expect(cards.nth(2).get_by_text("Diverged", exact=True)).to_be_hidden()
