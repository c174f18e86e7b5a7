"""Lessons that open issue 15's views, in real Chromium against the real server.

Picking "Backprop on one example" from the Lessons dialog opens the Backprop inspector on the
lesson's training point (and no other view), and its "Apply this step" lowers that point's loss;
the link of the momentum lesson, opened fresh, opens the loss landscape. Screenshots of the three
view lessons at 1280x720 go to artifacts/view-lessons/ for review.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT, Playground, poll

pytestmark = pytest.mark.e2e

SCREENS = ROOT / "artifacts" / "view-lessons"
LESSONS = {
    x["id"]: x for x in json.loads((ROOT / "frontend/src/lessons.json").read_text())["lessons"]
}
VIEWS = {  # lessons.json view name → its region's accessible name
    "landscape": "Loss landscape",
    "warp": "Hidden space",
    "inspector": "Backprop inspector",
    "confusion": "Confusion matrix",
}


def pick(page: Page, title: str) -> None:
    page.get_by_role("button", name="Lessons").click()
    page.get_by_role("link", name=title).click()
    expect(page.get_by_role("dialog", name="Lessons")).to_be_hidden()


def views_open(page: Page, lesson_id: str) -> None:
    """Exactly the lesson's views are open, each with its button pressed."""
    wanted = LESSONS[lesson_id]["views"]
    for name, label in VIEWS.items():
        region = page.get_by_role("region", name=label)
        button = page.get_by_role("region", name="More views").get_by_role("button", name=label)
        if name in wanted:
            expect(region).to_be_visible()
            expect(button).to_have_attribute("aria-pressed", "true")
        else:
            expect(region).to_be_hidden()
            expect(button).to_have_attribute("aria-pressed", "false")


def test_backprop_lesson_opens_the_inspector_on_its_point(playground: Playground) -> None:
    page = playground.open(width=1280, height=720)
    page.get_by_role("region", name="More views").get_by_role(
        "button", name="Loss landscape"
    ).click()
    pick(page, "Backprop on one example")
    views_open(page, "backprop-one-example")  # the landscape opened before is closed again
    point = LESSONS["backprop-one-example"]["inspect"]
    summary = page.locator("#inspect-summary")
    expect(summary).to_contain_text(f"Point {point} at")
    expect(page.get_by_label("Training point")).to_have_value(str(point))
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "backprop-one-example-top.png"))  # what opening shows
    before = float(re.findall(r"loss ([0-9]+\.[0-9]+)", summary.inner_text())[0])
    inspector = page.get_by_role("region", name="Backprop inspector")
    inspector.get_by_role("button", name="Apply this step").click()
    expect(summary).to_contain_text("loss now")
    after = float(re.findall(r"loss now ([0-9]+\.[0-9]+)", summary.inner_text())[0])
    assert after < before, (before, after)
    inspector.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENS / "backprop-one-example.png"))


@pytest.mark.parametrize(
    ("lesson_id", "steps"), [("momentum-landscape", 110), ("circle-separable", 450)]
)
def test_a_view_lessons_link_opens_its_view(
    playground: Playground, lesson_id: str, steps: int
) -> None:
    """The lesson's link in a fresh browser opens its view; playing, the view draws."""
    first = playground.open(width=1280, height=720)
    first.get_by_role("button", name="Lessons").click()
    href = first.get_by_role("link", name=LESSONS[lesson_id]["title"]).get_attribute("href")
    assert href and f"lesson={lesson_id}" in href
    page = playground.open(href, width=1280, height=720)
    views_open(page, lesson_id)
    (name,) = LESSONS[lesson_id]["views"]
    page.get_by_role("button", name="Play").click()
    poll(page, f"() => nnplayground.store.state.step > {steps}", timeout=60_000)
    poll(page, f"() => nnplayground.views.{name}.painted > 3")
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("region", name=VIEWS[name]).scroll_into_view_if_needed()
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / f"{lesson_id}.png"))
    action = LESSONS[lesson_id].get("action")
    if action:  # the lesson's button restarts with its change, the view still open
        page.get_by_role("button", name=action["label"]).click()
        poll(page, "() => nnplayground.store.state.step < 5")
        views_open(page, lesson_id)
        page.get_by_role("button", name="Play").click()
        poll(page, f"() => nnplayground.store.state.step > {steps}", timeout=60_000)
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("region", name=VIEWS[name]).scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENS / f"{lesson_id}-action.png"))
