"""Lessons and links in real Chromium against the real server (issue 11).

A link is a run: two fresh browsers opening one link show the same training loss and the same
output pixels after the same steps, and both equal a protocol client that sets the config,
resets and steps. Space plays and pauses after picking a lesson and after using a slider or a
dropdown. A lesson opened after a comparing lesson trains no compare lanes.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.reliability._client import Client

from .conftest import Playground, poll

pytestmark = pytest.mark.e2e

STEPS = 12
# Every pixel of the output canvas, as a data URL (PNG of the exact RGBA).
CANVAS = "() => document.getElementById('heatmap').toDataURL('image/png')"


def state(page: Page, expr: str) -> Any:
    return page.evaluate(f"() => nnplayground.store.state.{expr}")


def wait_state(page: Page, condition: str, timeout: float = 30_000) -> None:
    poll(
        page,
        f"() => {{ const s = nnplayground.store.state; return {condition}; }}",
        timeout=timeout,
    )


def step_page(page: Page, steps: int) -> tuple[float, str]:
    """Press Step `steps` times (each answered before the next), then the loss and the picture."""
    wait_state(
        page,
        "s.configRev > 0 && s.step === 0 && !s.playing && s.frame && s.frame.header.step === 0",
    )
    for i in range(1, steps + 1):
        page.get_by_role("button", name="Step").click()
        wait_state(page, f"s.step === {i} && s.frame.header.step === {i}")
    wait_state(
        page,
        f"s.metrics && s.metrics.train_loss !== null && s.frame.header.metrics_step === {steps}",
    )
    # Two animation frames: the heatmap has painted the last frame.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return float(state(page, "metrics.train_loss")), str(page.evaluate(CANVAS))


def protocol_loss(ws_url: str, config: dict[str, Any], steps: int) -> float:
    client = Client(ws_url)
    try:
        client.send({"type": "config", **config})
        client.send({"type": "control", "action": "reset"})
        for _ in range(steps):
            client.send({"type": "control", "action": "step"})
        while True:
            frame = client.until_frame(timeout=30)
            if frame.step == steps and frame.header.get("metrics_step") == steps:
                return float(frame.header["metrics"]["train_loss"])
    finally:
        client.close()


def check_link_is_a_run(playground: Playground, fragment: str) -> None:
    first = playground.open(fragment)
    second = playground.open(fragment)
    loss_a, picture_a = step_page(first, STEPS)
    loss_b, picture_b = step_page(second, STEPS)
    assert abs(loss_a - loss_b) <= 1e-6, (loss_a, loss_b)
    assert picture_a == picture_b, "the two browsers' output canvases differ"
    config = state(first, "config")
    assert json.dumps(config) == json.dumps(state(second, "config"))
    alone = protocol_loss(playground.server.ws_url, config, STEPS)
    assert abs(alone - loss_a) <= 1e-6, (alone, loss_a)


def test_a_hand_made_link_is_a_run(playground: Playground) -> None:
    check_link_is_a_run(
        playground,
        "#dataset=spiral&hidden_layers=5,3,3&init=he&activation=relu&seed=7&learning_rate=0.1",
    )


def test_a_regression_link_keeps_its_point_count(playground: Playground) -> None:
    # Switching problem makes the server pick 1,200 points unless told; the link tells it 300.
    fragment = "#problem=regression&dataset=surface&num_points=300&hidden_layers=6&seed=3"
    check_link_is_a_run(playground, fragment)
    page = playground.open(fragment)
    wait_state(page, "s.configRev > 0 && s.config.problem === 'regression'")
    assert state(page, "config.num_points") == 300


def test_a_lesson_link_is_a_run(playground: Playground) -> None:
    page = playground.open()
    page.get_by_role("button", name="Lessons").click()
    href = page.get_by_role(
        "link", name="Zero initialisation keeps neurons identical"
    ).get_attribute("href")
    assert href and href.startswith("#")
    check_link_is_a_run(playground, href)


def test_space_plays_after_a_lesson_a_slider_and_a_dropdown(playground: Playground) -> None:
    page = playground.open()
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("link", name="A hidden layer can").click()
    expect(page.get_by_role("dialog", name="Lessons")).to_be_hidden()
    wait_state(page, "s.config.dataset === 'xor' && s.lesson === 'hidden-layer-xor'")

    def space_toggles() -> None:
        page.keyboard.press("Space")
        wait_state(page, "s.playing")
        page.keyboard.press("Space")
        wait_state(page, "!s.playing")

    space_toggles()
    expect(page.get_by_role("dialog", name="Lessons")).to_be_hidden()
    noise = page.get_by_label("Noise")
    noise.focus()
    page.keyboard.press("ArrowRight")  # the slider moves (5 % a press) …
    wait_state(page, "s.config.noise === 5")
    space_toggles()  # … and Space still plays
    activation = page.get_by_label("Activation")
    activation.focus()
    page.keyboard.press("ArrowDown")  # the dropdown changes …
    wait_state(page, "s.config.activation !== 'tanh'")
    space_toggles()  # … and Space still plays
    expect(activation).to_be_focused()


def test_a_lesson_after_a_comparing_lesson_trains_no_compare_lanes(playground: Playground) -> None:
    page = playground.open()
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("link", name="Learning rates side by side").click()
    wait_state(
        page, "s.frame && s.frame.header.compare && s.frame.header.compare.variants.length === 3"
    )
    page.keyboard.press("Space")
    wait_state(page, "s.playing && s.step > 0")
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("link", name="A perceptron cannot learn XOR").click()
    wait_state(page, "s.config.dataset === 'xor' && s.step === 0")
    rev = state(page, "configRev")
    page.keyboard.press("Space")
    wait_state(page, f"s.playing && s.step > 0 && s.frame.header.config_rev >= {rev}")
    for _ in range(5):  # several frames in a row: none carries a compare block
        step = state(page, "frame.header.step")
        wait_state(page, f"s.frame.header.step > {step}")
        assert state(page, "frame.header.compare") is None
    expect(page.get_by_role("region", name="Compare")).to_be_hidden()
    assert "Compare" not in page.locator("#compare-cards").inner_text()


def test_a_lesson_button_changes_and_restarts_and_shows_gradients(playground: Playground) -> None:
    page = playground.open()
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("link", name="Deep sigmoid nets and vanishing gradients").click()
    expect(page.locator("#norm-chart")).to_be_visible()
    expect(page.get_by_label("Per-layer norms", exact=True)).to_have_value("gradients")
    expect(page.get_by_label("Speed", exact=True)).to_have_value("playground")
    page.keyboard.press("Space")
    wait_state(page, "s.step > 200")
    page.get_by_role("button", name="Switch to ReLU and restart").click()
    wait_state(page, "s.config.activation === 'relu' && s.step < 200")
    # Another lesson closes the panels this one used.
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("link", name="A perceptron cannot learn XOR").click()
    expect(page.locator("#norm-chart")).to_be_hidden()
    expect(page.get_by_role("button", name="Switch to ReLU and restart")).to_be_hidden()


def test_too_many_points_stay_out_of_the_link_and_the_page_says_so(playground: Playground) -> None:
    page = playground.open()
    rows = "\n".join(
        f"{(i % 100) / 10 - 5:.2f},{(i // 100) / 2 - 5:.2f},{i % 2}" for i in range(1200)
    )
    page.locator("#csv-file").set_input_files(
        files=[{"name": "many.csv", "mimeType": "text/csv", "buffer": rows.encode()}]
    )
    wait_state(page, "s.config.dataset === 'user' && s.points && s.points.split.length === 1200")
    expect(page.get_by_role("status").filter(has_text="leaves out")).to_be_visible()
    poll(page, "() => location.hash === '#' + nnplayground.store.hash()")
    link = page.evaluate("() => location.hash")
    assert "dataset=user" in link and not re.search(r"[#&]points=", link), link
