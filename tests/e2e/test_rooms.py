"""A lecture room in real Chromium: the presenter's panel and QR code, a phone and a laptop
following, read-only controls, Fork and "Back to the lecture"."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from playwright.sync_api import Page, expect

from .conftest import Playground, poll

pytestmark = pytest.mark.e2e

# The QR image as the page shows it, as grey levels (drawn on a canvas: same origin, untainted).
QR_PIXELS = """() => {
  const img = document.getElementById('room-qr');
  const c = document.createElement('canvas');
  c.width = img.naturalWidth; c.height = img.naturalHeight;
  const g = c.getContext('2d');
  g.drawImage(img, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  const grey = [];
  for (let i = 0; i < d.length; i += 4) grey.push(d[i]);
  return {w: c.width, h: c.height, grey};
}"""


ENABLED_CONTROLS = """() => [...document.querySelectorAll('button, input, select, textarea')]
  .filter((el) => !el.disabled && !el.closest('#room-banner, #room-panel, #lesson-panel')
    && !['presenter', 'lessons-button', 'csv-file'].includes(el.id) && el.getClientRects().length)
  .map((el) => el.id || el.getAttribute('aria-label') || el.textContent)"""


def decode_qr(page: Page) -> str:
    poll(page, "() => document.getElementById('room-qr').naturalWidth > 0")
    shot = page.evaluate(QR_PIXELS)
    grey = np.asarray(shot["grey"], np.uint8).reshape(shot["h"], shot["w"])
    found = zxingcpp.read_barcodes(grey)
    assert len(found) == 1, "no QR code found in the panel's image"
    return str(found[0].text)


def test_a_hall_follows_forks_and_comes_back(
    playground: Playground, screenshot: Callable[[Page, str], Path]
) -> None:
    presenter = playground.open()
    presenter.get_by_role("button", name="Lecture room").click()
    panel = presenter.get_by_role("region", name="Lecture room")
    expect(panel).to_be_visible()
    code_el = panel.locator("#room-code")
    expect(code_el).to_have_text(re.compile(r"^[A-Z0-9]{6}$"))
    code = code_el.inner_text()
    join_url = f"{playground.server.url}/r/{code}"
    expect(panel.get_by_role("link")).to_have_text(join_url)
    assert decode_qr(presenter) == join_url

    phone = playground.open(f"r/{code}", width=390, height=844)
    laptop = playground.open(f"r/{code}", width=1280, height=720)
    for page in (phone, laptop):
        expect(page.get_by_text("Following the presenter's run")).to_be_visible()
        expect(page.get_by_role("button", name="Fork")).to_be_visible()
        # Shown, but read-only: the presenter's values, not changeable.
        expect(page.get_by_label("Learning rate")).to_be_disabled()
        expect(page.get_by_role("button", name="Play")).to_be_disabled()
        expect(page.get_by_role("button", name="Lecture room")).to_be_hidden()
    expect(panel.locator("#room-followers")).to_have_text("2", timeout=10_000)

    # The presenter's change and run show on both followers.
    presenter.get_by_label("Learning rate").select_option("0.3")
    presenter.get_by_role("button", name="Play").click()
    for page in (phone, laptop):
        poll(page, "() => nnplayground.store.state.config.learning_rate === 0.3")
        expect(page.get_by_label("Learning rate")).to_have_value("0.3")
        poll(page, "() => nnplayground.store.state.step > 0 && nnplayground.store.state.playing")
    presenter.get_by_role("button", name="Pause").click()
    poll(phone, "() => !nnplayground.store.state.playing")
    screenshot(presenter, "room-presenter-1280")
    screenshot(phone, "room-follower-390x844")
    screenshot(laptop, "room-follower-1280x720")
    # The banner fits a phone's width; every control but the banner's and the view toggles
    # is disabled.
    assert phone.evaluate(
        "() => document.getElementById('room-fork').getBoundingClientRect().right <= innerWidth"
    )
    for page in (phone, laptop):
        assert page.evaluate(ENABLED_CONTROLS) == [], page.evaluate(ENABLED_CONTROLS)

    # A challenge: the followers see it and may give a nickname with their fork.
    panel.get_by_label("Challenge: max neurons").fill("8")
    panel.get_by_role("button", name="Set challenge").click()
    expect(
        laptop.get_by_text("Challenge: best test accuracy with at most 8 neurons")
    ).to_be_visible()
    laptop.get_by_label("Nickname (optional)").fill("ada")

    # Fork: a run of one's own from the presenter's state, controls usable.
    step = laptop.evaluate("() => nnplayground.store.state.step")
    laptop.get_by_role("button", name="Fork").click()
    expect(
        laptop.get_by_text(f"Your fork of the presenter's run (from step {step})")
    ).to_be_visible()
    assert laptop.evaluate("() => nnplayground.store.state.step") == step
    expect(laptop.get_by_label("Learning rate")).to_be_enabled()
    laptop.get_by_label("Learning rate").select_option("0.01")
    poll(laptop, "() => nnplayground.store.state.config.learning_rate === 0.01")
    laptop.get_by_role("button", name="Step").click()
    poll(laptop, "(s) => nnplayground.store.state.step === s + 1", step)
    # Its result reaches the presenter's leaderboard.
    expect(panel.get_by_role("list", name="Leaderboard").get_by_role("listitem")).to_have_text(
        re.compile(r"^ada — \d+\.\d % · 6 neurons · step \d+$"), timeout=10_000
    )
    screenshot(presenter, "room-leaderboard-1280")
    assert presenter.evaluate("() => nnplayground.store.state.config.learning_rate") == 0.3
    expect(panel.locator("#room-followers")).to_have_text("1", timeout=10_000)
    screenshot(laptop, "room-fork-1280x720")

    # Back to the lecture: following again, the presenter's values, read-only.
    laptop.get_by_role("button", name="Back to the lecture").click()
    expect(laptop.get_by_text("Following the presenter's run")).to_be_visible()
    poll(laptop, "() => nnplayground.store.state.config.learning_rate === 0.3")
    expect(laptop.get_by_label("Learning rate")).to_be_disabled()
    expect(panel.locator("#room-followers")).to_have_text("2", timeout=10_000)
