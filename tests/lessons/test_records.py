"""The lesson records themselves: enough of them, well formed, and the README lists them."""

from __future__ import annotations

import re
from dataclasses import fields

import numpy as np

from nnplayground.engine.config import RunConfig

from . import claims, readme, viewclaims

DOC = claims.load()
LESSONS = DOC["lessons"]
CHECKS = {"below", "above", "rises_before", "event", "no_event", "overfits"}
PANELS = {"gradients", "weights", "validation"}
VIEWS = {"landscape", "warp", "inspector", "confusion"}  # More views (issue 15)


def test_at_least_twenty_lessons_each_with_two_sentences_and_a_claim() -> None:
    assert len(LESSONS) >= 20
    assert len({x["id"] for x in LESSONS}) == len(LESSONS)
    names = {f.name for f in fields(RunConfig)}
    for lesson in LESSONS:
        sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", lesson["caption"]) if s]
        assert len(sentences) == 2, (lesson["id"], sentences)
        assert set(lesson["config"]) <= names, lesson["id"]
        RunConfig(**{**claims.DEFAULTS, **lesson["config"]}).validate()  # a link the server takes
        assert lesson["pace"] in DOC["paces"], lesson["id"]
        assert set(lesson.get("show", [])) <= PANELS, lesson["id"]
        check_views(lesson)
        claim = lesson["claim"]
        assert 0 < claim["seconds"] <= 30, lesson["id"]
        assert claim["checks"] and all(c["expect"] in CHECKS for c in claim["checks"]), lesson["id"]
        if "action" in lesson:
            RunConfig(
                **{**claims.DEFAULTS, **lesson["config"], **lesson["action"]["config"]}
            ).validate()
            # The caption tells the student about the button by its label.
            assert lesson["action"]["label"] in lesson["caption"], lesson["id"]


def check_views(lesson: dict[str, object]) -> None:
    """The views a lesson opens exist and fit its model (the page and the server take them)."""
    views = lesson.get("views", [])
    assert isinstance(views, list) and set(views) <= VIEWS, (lesson["id"], views)
    config = RunConfig(**{**claims.DEFAULTS, **lesson["config"]})  # type: ignore[arg-type]
    if "warp" in views:
        assert config.depth > 0, (lesson["id"], "the warp needs a hidden layer")
    if "confusion" in views:
        assert config.problem == "classification", (lesson["id"], "confusion needs classes")
    point = lesson.get("inspect")
    if point is not None:
        assert "inspector" in views, (lesson["id"], "inspect without the inspector open")
        assert isinstance(point, int) and 0 <= point < config.num_points, (lesson["id"], point)
    claim = lesson["claim"]
    assert isinstance(claim, dict)
    apply = claim.get("apply", 0)
    assert isinstance(apply, int) and apply >= 0 and (apply == 0 or point is not None), lesson["id"]


def test_view_names_are_checked() -> None:
    bad = {"id": "x", "config": {}, "views": ["landscape", "hessian"], "claim": {}}
    try:
        check_views(bad)
    except AssertionError as exc:
        assert "hessian" in str(exc)
    else:
        raise AssertionError("an unknown view passed")


def test_a_broken_caption_fails_with_the_lessons_name_and_the_numbers() -> None:
    """The evaluator against hand-made streams: a claim that does not hold is reported."""
    lesson = {
        "id": "demo",
        "title": "Demo",
        "claim": {"checks": [{"expect": "below", "value": {"metric": "train_loss"}, "than": 0.1}]},
    }
    run = claims.Run("lesson", series=[(10, {"train_loss": 0.5}), (20, {"train_loss": 0.4})])
    failures = claims.verdict(lesson, {"lesson": run})
    assert len(failures) == 1 and failures[0].startswith("demo (Demo)") and "0.4" in failures[0]
    rising = claims.Run(
        "lesson",
        series=[(i, {"train_loss": v}) for i, v in enumerate([1, 2, 3, 4, 5, 6])],
        events=[{"type": "event", "event": "diverged", "step": 7}],
    )
    check = {"expect": "rises_before", "metric": "train_loss", "event": "diverged", "count": 5}
    assert claims.check({"lesson": rising}, check)[0]
    rising.series[2] = (2, {"train_loss": 9})
    assert not claims.check({"lesson": rising}, check)[0]


def test_the_readme_lists_every_lesson() -> None:
    text = readme.README.read_text(encoding="utf-8")
    assert readme.current(text) == readme.block(DOC), "run `python -m tests.lessons.readme`"


def test_view_metrics_on_hand_made_numbers() -> None:
    """The views' metrics see what they claim: a ring is not linearly separable, a wrong gradient
    or output error is caught."""
    angle = np.linspace(0, 2 * np.pi, 200, endpoint=False)
    radius = np.where(np.arange(200) % 2 == 0, 1.0, 4.0)
    ring = np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1)
    labels = (radius < 2).astype(np.float64)
    assert viewclaims.separability(ring, labels) < 0.8
    assert viewclaims.separability(np.stack([radius, angle], 1), labels) == 1.0
    run = claims.Run("lesson", points=np.array([[0.0, 0.0, 1.0]]))
    reply = {
        "point": 0,
        "activations": [[0.5, -1.0], [0.2], [0.7]],
        "deltas": [[0.1], [-0.3]],
        "weight_grads": [[0.05, -0.1], [-0.06]],
        "applied": True,
        "loss": 0.5,
        "loss_after": 0.4,
    }
    run.inspections = [reply]
    assert viewclaims.metric(run, "inspect_weight_rule") < 1e-12
    assert abs(viewclaims.metric(run, "inspect_output_rule") - 0.0) < 1e-12  # 0.7 - 1 = -0.3
    assert viewclaims.series(run, "inspect_loss") == [0.4]
    reply["weight_grads"] = [[0.05, -0.1], [-0.07]]
    reply["deltas"] = [[0.1], [-0.2]]
    assert viewclaims.metric(run, "inspect_weight_rule") > 0.1
    assert viewclaims.metric(run, "inspect_output_rule") > 0.09
