"""The claims vocabulary's metrics over the optional views (issue 15): what a lesson that opens the
loss landscape, the hidden-space warp or the backprop inspector can check.

Each is computed here, in NumPy, from the numbers the server streamed — never taken from the code
that made them:

* ``landscape_path_length``: the length of the optimizer's path in the last frame's landscape
  header (sum of the segments between its (a, b) points, in weight units for PCA directions).
* ``landscape_center_loss``: that header's loss at the current weights.
* ``separability:input``: the share of the data points a straight line classifies correctly at
  best along Fisher's discriminant direction (0.5 = a coin for two even classes, 1 = linearly
  separable), in the input plane (the frame's `points`).
* ``separability:warp`` (a series, one value per frame that carries the warp): the same for the
  points as the warp's layer sees them (`warp_points`), so ``at: start`` is before training.
* ``inspect_loss`` (a series, one value per inspector reply: the point's loss as shown, after the
  step when the reply applied one).
* ``inspect_weight_rule``: the largest |∂loss/∂w - a·δ| over every link of every reply (a the
  link's source activation, δ its target's), relative to the largest |∂loss/∂w|: backprop's
  rule that a weight's gradient is its input times the next layer's δ.
* ``inspect_output_rule``: the largest |δ - (a - y)| over the output units of every reply (a the
  output's probability, y the point's one-hot label): the output error of a sigmoid or softmax
  head with cross-entropy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tests.wsclient import Frame

    from .claims import Run

JsonDict = dict[str, Any]
METRICS = {
    "landscape_path_length",
    "landscape_center_loss",
    "separability:input",
    "inspect_weight_rule",
    "inspect_output_rule",
}
SERIES = {"inspect_loss", "separability:warp"}


def request(lesson: JsonDict, config: JsonDict) -> JsonDict | None:
    """The `views` message the page sends for a lesson's views (main.js `sendViews` with the
    panels' defaults: PCA directions; the warp on the last hidden layer's neurons 1 and 2)."""
    names = set(lesson.get("views", []))
    if not names:
        return None
    depth = len(config["hidden_layers"])
    return {
        "type": "views",
        "landscape": "landscape" in names,
        "directions": "pca",
        "warp": {"layer": depth, "neurons": [0, 1]} if "warp" in names and depth else None,
        "confusion": "confusion" in names and config["problem"] == "classification",
    }


def observe(run: Run, frame: Frame) -> None:
    """Per-frame view values (the series above), from every frame the lesson's session gets."""
    if "warp_points" in frame.names() and run.points is not None:
        warped = frame.value("warp_points").astype(np.float64)
        if len(warped) == len(run.points):  # the lesson's data (not a frame from before it)
            value = separability(warped, run.points[:, 2])
            run.view_series.setdefault("separability:warp", []).append(value)


def series(run: Run, metric: str) -> list[float]:
    if metric == "inspect_loss":
        return [
            float(r["loss_after"] if r.get("applied") else r["loss"])
            for r in run.inspections
            if isinstance(r.get("loss_after") if r.get("applied") else r.get("loss"), int | float)
        ]
    if metric in SERIES:
        return run.view_series.get(metric, [])
    raise ValueError(f"unknown series {metric}")


def metric(run: Run, name: str) -> float:
    if name.startswith("landscape_"):
        if run.last is None or "landscape" not in run.last.header:
            raise ValueError(f"{run.name}: no landscape in the last frame")
        block = run.last.header["landscape"]
        if name == "landscape_center_loss":
            return float(block["center_loss"])
        path = np.asarray(block["path"], np.float64).reshape(-1, 2)
        return float(np.linalg.norm(np.diff(path, axis=0), axis=1).sum())
    if name == "separability:input":
        if run.points is None:
            raise ValueError(f"{run.name}: no points")
        return separability(run.points[:, :2], run.points[:, 2])
    if name in ("inspect_weight_rule", "inspect_output_rule"):
        if not run.inspections:
            raise ValueError(f"{run.name}: no inspector reply")
        rule = weight_rule if name == "inspect_weight_rule" else output_rule
        return max(rule(r, run) for r in run.inspections)
    raise ValueError(f"unknown metric {name}")


def separability(xy: np.ndarray, labels: np.ndarray) -> float:
    """Best accuracy of a straight line along Fisher's direction (two classes, labels 0/1)."""
    a, b = xy[labels == 0], xy[labels == 1]
    if len(a) == 0 or len(b) == 0:
        raise ValueError("separability needs two classes")
    within = np.cov(a, rowvar=False) * (len(a) - 1) + np.cov(b, rowvar=False) * (len(b) - 1)
    scale = float(np.trace(within)) / 2 or 1.0
    direction = np.linalg.solve(within + 1e-9 * scale * np.eye(2), b.mean(0) - a.mean(0))
    proj = xy @ direction
    order = np.argsort(proj, kind="stable")
    y = labels[order]
    # Threshold after the k-th smallest projection: class 0 below, class 1 above (or the other
    # way round); k = 0..N.
    zeros_below = np.concatenate([[0], np.cumsum(y == 0)])
    ones_above = (y == 1).sum() - np.concatenate([[0], np.cumsum(y == 1)])
    right = (zeros_below + ones_above) / len(y)
    return float(np.max(np.maximum(right, 1 - right)))


def _layers(reply: JsonDict) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    def arrays(key: str) -> list[np.ndarray]:
        return [np.asarray(v, np.float64) for v in reply[key]]

    return arrays("activations"), arrays("deltas"), arrays("weight_grads")


def weight_rule(reply: JsonDict, run: Run) -> float:
    acts, deltas, grads = _layers(reply)
    worst, top = 0.0, 0.0
    for layer, g in enumerate(grads):
        expected = np.outer(acts[layer], deltas[layer]).ravel()  # source-major, like the reply
        if g.shape != expected.shape:
            raise ValueError(f"layer {layer + 1}: {g.size} gradients for {expected.size} links")
        worst = max(worst, float(np.abs(g - expected).max(initial=0.0)))
        top = max(top, float(np.abs(g).max(initial=0.0)))
    return worst / top if top > 0 else worst


def output_rule(reply: JsonDict, run: Run) -> float:
    if run.points is None:
        raise ValueError(f"{run.name}: no points")
    acts, deltas, _ = _layers(reply)
    label = int(run.points[int(reply["point"]), 2])
    out = acts[-1]
    target = np.array([float(label)]) if len(out) == 1 else np.eye(len(out))[label]
    return float(np.abs(deltas[-1] - (out - target)).max())
