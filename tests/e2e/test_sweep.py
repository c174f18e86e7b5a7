"""The Sweep panel in real Chromium (issue 16): a 4 x 4 sweep with live thumbnails (the default
server's max_lanes is 16), a seed ensemble's band, the double-descent chart, the batch norm
toggle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import Playground, poll

pytestmark = pytest.mark.e2e

PRINTS = """() => [...document.querySelectorAll('#sweep-panel canvas.sweep-map')].map((c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0;
  for (let i = 0; i < d.length; i += 4 * 3) h = (h * 31 + d[i] + 3 * d[i + 2]) >>> 0;
  return h;
})"""


def test_sweep_grid_band_and_double_descent(
    playground: Playground, screenshot: Callable[[Page, str], Path]
) -> None:
    page = playground.open()
    page.get_by_role("button", name="Sweep", exact=True).click()
    panel = page.get_by_role("region", name="Sweep")
    expect(panel).to_be_visible()
    panel.get_by_label("First setting").select_option("learning_rate")
    panel.get_by_label("First values").fill("0.01, 0.03, 0.1, 0.3")
    panel.get_by_label("Second setting").select_option("activation")
    panel.get_by_label("Second values").fill("tanh, relu, sigmoid, gelu")
    panel.get_by_role("button", name="Start sweep").click()
    poll(page, "() => nnplayground.store.state.frame?.header.sweep?.lanes.length === 16")
    thumbs = panel.get_by_role("img", name="Decision boundary, learning_rate 0.3, activation relu")
    expect(thumbs).to_be_visible()
    page.get_by_role("button", name="Play").click()
    poll(page, "() => nnplayground.store.state.step > 100")
    first = page.evaluate(PRINTS)
    poll(page, "() => nnplayground.store.state.step > 600", timeout=40_000)
    later = page.evaluate(PRINTS)
    assert len(first) == 16, first
    changed = sum(a != b for a, b in zip(first, later, strict=True))
    assert changed >= 12, f"only {changed} of 16 thumbnails updated"
    expect(
        panel.get_by_role("img", name="Sweep chart: final held-out loss per value")
    ).to_be_visible()
    screenshot(page, "sweep-grid")

    # A seed ensemble: the mean test loss with its min-max band.
    panel.get_by_label("First setting").select_option("seed")
    panel.get_by_label("First values").fill("0, 1, 2, 3")
    panel.get_by_label("Second setting").select_option("")
    panel.get_by_role("button", name="Start sweep").click()
    poll(page, "() => nnplayground.store.state.frame?.header.sweep?.axes[0].field === 'seed'")
    band = panel.get_by_role("img", name="Ensemble band: mean and range of the held-out loss")
    expect(band).to_be_visible(timeout=20_000)
    poll(page, "() => nnplayground.store.state.step > 300", timeout=40_000)

    panel.get_by_role("button", name="Show double descent").click()
    chart = panel.get_by_role("img", name="Double descent: test error against hidden width")
    expect(chart).to_have_attribute("data-ready", "true", timeout=60_000)
    screenshot(page, "sweep-ensemble-double-descent")

    panel.get_by_role("button", name="Stop sweep").click()
    poll(page, "() => !nnplayground.store.state.frame?.header.sweep")


def test_batch_norm_toggle(playground: Playground, screenshot: Callable[[Page, str], Path]) -> None:
    page = playground.open()
    page.locator("details.advanced > summary").click()  # the toggle lives under Advanced
    box = page.get_by_label("Batch normalization", exact=True)
    expect(box).not_to_be_checked()
    box.focus()
    page.keyboard.press("Space")
    poll(page, "() => nnplayground.store.state.config.batch_norm === true")
    poll(page, "() => nnplayground.store.state.frame?.arrays.has('bn_gamma')")
    # The network view marks it on every hidden layer's head.
    mark = """() => [...document.querySelectorAll('#network .layer-head > span:last-child')]
      .map((s) => getComputedStyle(s, '::after').content)"""
    poll(page, f"() => ({mark})().length === 2 && ({mark})().every((c) => c.includes('BN'))")
    screenshot(page, "batch-norm-on")
