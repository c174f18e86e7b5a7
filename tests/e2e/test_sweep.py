"""The Sweep panel in real Chromium (issue 16): a 4 x 4 sweep with live thumbnails (the default
server's max_lanes is 16), a seed ensemble's band, the double-descent chart, the batch norm
toggle."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import Playground, poll

if TYPE_CHECKING:
    from tests.conftest import LiveServer

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
    page = playground.open(width=1280, height=720)  # the projector an instructor demos on
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
    # A table of small multiples: the second setting's values head the columns, the first's the
    # rows, the axis names said once; every map carries its test loss as a 13 px badge.
    table = panel.get_by_role("table", name="Sweep models")
    expect(table).to_contain_text("rows: Learning rate · columns: Activation")
    for value in ("tanh", "relu", "sigmoid", "gelu"):
        expect(table.get_by_role("columnheader", name=value, exact=True)).to_be_visible()
    for value in ("0.01", "0.03", "0.1", "0.3"):
        expect(table.get_by_role("rowheader", name=value, exact=True)).to_be_visible()
    badges = page.evaluate(
        """() => [...document.querySelectorAll('#sweep-panel .sweep-badge')].map((b) =>
          [b.textContent, parseFloat(getComputedStyle(b).fontSize)])"""
    )
    assert len(badges) == 16, badges
    assert all(size >= 13 for _, size in badges), badges
    assert all(text == "diverged" or float(text) >= 0 for text, _ in badges), badges
    # The chart's legend names each line by the second setting's value.
    legend = panel.get_by_role("list", name="Key to the sweep chart")
    expect(legend.get_by_role("listitem")).to_have_text(
        ["activation tanh", "activation relu", "activation sigmoid", "activation gelu"]
    )
    # At 1280 x 720 the whole grid, its chart and the main output map are on screen at once,
    # the panel above the board, nothing overlapping.
    boxes = {
        name: box
        for name, locator in {
            "panel": panel,
            "table": table,
            "chart": panel.get_by_role("img", name="Sweep chart: final held-out loss per value"),
            "map": page.locator("#heatmap"),
            "network": page.locator("#network"),
        }.items()
        if (box := locator.bounding_box()) is not None
    }
    assert len(boxes) == 5, boxes
    for name in ("table", "chart", "map", "network"):
        b = boxes[name]
        assert b["y"] >= 0 and b["y"] + b["height"] <= 720, (name, b)
    panel_bottom = boxes["panel"]["y"] + boxes["panel"]["height"]
    assert panel_bottom <= boxes["map"]["y"] and panel_bottom <= boxes["network"]["y"], boxes
    assert boxes["map"]["height"] >= 120 and boxes["network"]["height"] >= 150, boxes
    screenshot(page, "sweep-grid")

    # At 1920 x 1080 the board keeps its curves below the network, neither on top of the other.
    page.set_viewport_size({"width": 1920, "height": 1080})
    net = page.locator(".network-col").bounding_box()
    curves = page.locator(".charts-col").bounding_box()
    sweep_box = panel.bounding_box()
    assert net is not None and curves is not None and sweep_box is not None
    assert sweep_box["y"] + sweep_box["height"] <= net["y"], (sweep_box, net)
    assert net["y"] + net["height"] <= curves["y"], (net, curves)
    assert net["height"] >= 250, net
    screenshot(page, "sweep-grid-1080")
    page.set_viewport_size({"width": 1280, "height": 720})

    # A seed ensemble: the mean test loss with its min-max band.
    panel.get_by_label("First setting").select_option("seed")
    panel.get_by_label("First values").fill("0, 1, 2, 3")
    panel.get_by_label("Second setting").select_option("")
    panel.get_by_role("button", name="Start sweep").click()
    poll(page, "() => nnplayground.store.state.frame?.header.sweep?.axes[0].field === 'seed'")
    band = panel.get_by_role("img", name="Ensemble band: mean and range of the held-out loss")
    expect(band).to_be_visible(timeout=20_000)
    expect(
        panel.get_by_role("list", name="Key to the ensemble band").get_by_role("listitem")
    ).to_have_text(["mean", "min\u2013max"])
    # One setting: a wrapped row of maps, each headed by its value.
    expect(panel.get_by_role("list", name="Sweep models").get_by_role("listitem")).to_have_count(4)
    poll(page, "() => nnplayground.store.state.step > 300", timeout=40_000)

    panel.get_by_role("button", name="Show double descent").click()
    chart = panel.get_by_role("img", name="Double descent: test error against hidden width")
    expect(chart).to_have_attribute("data-ready", "true", timeout=60_000)
    expect(
        panel.get_by_role("list", name="Key to the double-descent chart").get_by_role("listitem")
    ).to_have_text(["test error", "interpolation threshold"])
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


def test_a_width_sweep_prepares_its_wider_models_while_the_main_one_trains(
    chromium: Browser,
    server_factory: Callable[..., LiveServer],
    screenshot: Callable[[Page, str], Path],
) -> None:
    """The Hidden layers preset sweeps widths 2 to 32: past the default 8 neurons the server
    compiles a wider bucket once (a private server, so no other test shares that minute), and
    the panel says so while the main model keeps training; then the five maps train."""
    pg = Playground(chromium, server_factory())
    try:
        page = pg.open(width=1280, height=720)
        page.get_by_role("button", name="Play").click()
        page.get_by_role("button", name="Sweep", exact=True).click()
        panel = page.get_by_role("region", name="Sweep")
        panel.get_by_label("First setting").select_option("hidden_layers")
        expect(panel.get_by_label("First values")).to_have_value("2, 4, 8, 16, 32")
        panel.get_by_role("button", name="Start sweep").click()
        status = panel.get_by_role("status")
        expect(status).to_contain_text("Preparing 5 models")
        expect(status).to_contain_text("Up to 32 neurons a layer")
        step = page.evaluate("() => nnplayground.store.state.step")
        poll(page, "(s) => nnplayground.store.state.step > s + 200", step)  # it trains on
        screenshot(page, "sweep-width-preparing")
        poll(page, "() => nnplayground.store.state.frame?.header.sweep?.lanes.length === 5",
             timeout=300_000)  # fmt: skip
        expect(status).to_be_hidden()
        expect(panel.get_by_role("img", name="Decision boundary, hidden_layers 32")).to_be_visible()
        poll(page, "() => nnplayground.store.state.frame.header.sweep.lanes[4].step > 300",
             timeout=60_000)  # fmt: skip
        losses = page.evaluate(
            "() => nnplayground.store.state.frame.header.sweep.lanes.map((l) => l.test_loss)"
        )
        assert all(loss is not None and loss >= 0 for loss in losses), losses
        screenshot(page, "sweep-width")
        panel.get_by_role("button", name="Stop sweep").click()
        poll(page, "() => !nnplayground.store.state.frame?.header.sweep")
    finally:
        for watch in pg.watches:
            assert watch.errors == [], watch.errors
        for context in chromium.contexts:
            context.close()
