"""Run a lesson record (frontend/src/lessons.json) through a real server and check its claim.

A claim is data: a time at the lesson's pace and a list of checks in a small vocabulary over what
the page is streamed — the measured metrics (losses, accuracies, `grad_norms`, `weight_norms`,
learning rate), events (`diverged`, `early_stop`), the compare block, and the last frame's
arrays (neuron maps, weights, output). Time is converted to training steps at the pace
(seconds x fps x steps per frame), so a loaded test machine checks what a student would see in
that time on an idle one. The vocabulary (docs in lessons.json's "claims" entry):

* ``{"expect": "below" | "above", "value": REF, "than": REF | number, "times": f}``:
  value < times x than (or >).
* ``{"expect": "rises_before", "metric": m, "event": e, "count": n}``: the last n+1 measured values
  of m before event e strictly increase (n rises), and the event came.
* ``{"expect": "event", "event": e}`` / ``{"expect": "no_event", "event": e}``.
* ``{"expect": "overfits", "run": r, "rising": m1, "falling": m2, "by": f}``: after m1's minimum,
  m1 ends at least f above it (relative) while m2 ends below its value at that minimum.

REF = ``{"metric": m, "at": "start" | "end" | "min" | "max" | "median" | "wiggle", "run": r,
"layer": i}``; runs are ``lesson`` (the record as opened), ``action`` (its button pressed:
config changed, Reset) and ``compare:i`` (the i-th compare lane). Metrics from the last frame:
``neuron_spread:L`` (largest difference between two maps of hidden layer L, in map units 0..1),
``neuron_range:L`` (smallest value range of a map of layer L: 0 = a flat, dead neuron),
``weights_small`` (share of weights with |w| < 0.01), ``output_unsure`` (share of output pixels
whose winning probability is below 0.7), ``diverged`` (1 when the run diverged, else 0).

A lesson that opens views (``"views": ["landscape", "warp", "inspector", "confusion"]``) has its
sessions ask for them as the page does, so frames carry them; one with ``"inspect": i`` asks the
inspector about point i before playing, then takes the claim's ``"apply"`` steps ("Apply this
step" pressed that many times). Their metrics are in viewclaims.py.
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tests.wsclient import Client, Frame

from nnplayground.engine.config import RunConfig

from . import viewclaims

ROOT = Path(__file__).resolve().parents[2]
RECORDS = ROOT / "frontend" / "src" / "lessons.json"

JsonDict = dict[str, Any]
DEFAULTS: JsonDict = asdict(RunConfig())  # what a fresh session starts from


def load() -> JsonDict:
    doc: JsonDict = json.loads(RECORDS.read_text(encoding="utf-8"))
    return doc


def steps_per_frame(doc: JsonDict, pace: str, n_train: int, batch_size: int) -> int | None:
    """The page's rule (frontend/src/pace.js): a pace is steps or epochs per frame; max = auto."""
    spec = doc["paces"][pace]
    if spec.get("steps") is None and spec.get("epochs") is None:
        return None
    if spec.get("steps") is not None:
        return int(spec["steps"])
    epoch = math.ceil(n_train / max(1, batch_size))
    return max(1, min(10_000, round(float(spec["epochs"]) * epoch)))


@dataclass
class Run:
    """What one session of a lesson streamed."""

    name: str
    series: list[tuple[int, JsonDict]] = field(default_factory=list)  # (metrics_step, metrics)
    compare: list[tuple[int, list[JsonDict]]] = field(default_factory=list)
    events: list[JsonDict] = field(default_factory=list)
    last: Frame | None = None
    error: str | None = None
    horizon: int = 0
    spf: int | None = None
    config: JsonDict = field(default_factory=dict)
    points: np.ndarray | None = None  # (N, 3) x1, x2, label of the lesson's data (frame order)
    split: np.ndarray | None = None  # (N,) the frame `split` (1 = a training point)
    inspections: list[JsonDict] = field(default_factory=list)  # the inspector's replies
    view_series: dict[str, list[float]] = field(default_factory=dict)  # per frame (viewclaims)

    def values(self, metric: str, layer: int | None = None) -> list[float]:
        out: list[float] = []
        for _, m in self.series:
            v = m.get(metric)
            if layer is not None and isinstance(v, list):
                v = v[layer] if -len(v) <= layer < len(v) else None
            if isinstance(v, int | float):
                out.append(float(v))
        return out


def run_session(
    ws_url: str, doc: JsonDict, lesson: JsonDict, name: str, changes: JsonDict, timeout: float
) -> Run:
    """Open a session as the page opens a lesson link: config, compare, reset, pace, play."""
    config = {**DEFAULTS, **lesson["config"], **changes}
    run = Run(name, config=config)
    client = Client(ws_url)
    try:
        client.send({"type": "config", **config})
        compare = lesson.get("compare")
        if compare and name == "lesson":
            variants = [{compare["field"]: v} for v in compare["values"]]
            client.send({"type": "compare", "variants": variants})
        client.send({"type": "control", "action": "reset"})
        # The lesson's data (its `split` gives the training-set size the pace needs) is the
        # last `split` seen by the first frame trained under the config (rev of its echo): a
        # frame of the session's first data comes before it, and the reset's status can too.
        n_train = None
        status = False
        rev: int | None = None
        current = False
        while not (status and current and n_train is not None):
            message = client.recv(60)
            if isinstance(message, dict) and message["type"] == "config":
                rev = int(message["rev"])
            elif isinstance(message, dict) and message["type"] == "status":
                status = True
            elif isinstance(message, Frame):
                current = current or (rev is not None and message.config_rev >= rev)
                if "split" in message.names():
                    n_train = int(np.count_nonzero(message.raw["split"] == 1))
                    run.points = message.value("points").astype(np.float64).reshape(-1, 3)
                    run.split = message.raw["split"].copy()
            elif isinstance(message, dict) and message["type"] == "error":
                raise ValueError(f"server refused the lesson: {message}")
        open_views(client, run, lesson)
        run.spf = steps_per_frame(doc, lesson["pace"], n_train, int(config["batch_size"]))
        fps = int(doc["fps"])
        run.horizon = int(lesson["claim"]["seconds"] * fps * (run.spf or 1))
        client.send({"type": "stream", "fps": fps, "steps_per_frame": run.spf})
        client.until_text("stream", timeout=60)
        client.send({"type": "control", "action": "play"})
        deadline = time.monotonic() + timeout
        seen = -1
        while time.monotonic() < deadline:
            try:
                message = client.recv(max(0.01, deadline - time.monotonic()))
            except TimeoutError:
                continue  # the while's else reports where it got to
            if isinstance(message, dict):
                if message.get("type") == "event":
                    run.events.append(message)
                if message.get("type") == "error":
                    run.error = str(message)
                    break
                if message.get("type") == "status" and not message["playing"] and run.events:
                    break
                continue
            run.last = message
            viewclaims.observe(run, message)
            h = message.header
            mstep = int(h.get("metrics_step", h["step"]))
            if mstep > seen and h.get("metrics") and mstep <= run.horizon:
                seen = mstep
                run.series.append((mstep, h["metrics"]))
                if "compare" in h:
                    run.compare.append((mstep, h["compare"]["variants"]))
            if message.step >= run.horizon:
                break
        else:
            run.error = f"timed out at step {run.last.step if run.last else 0} of {run.horizon}"
    except Exception as exc:  # reported with the lesson's name by the caller
        run.error = f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
    return run


def open_views(client: Client, run: Run, lesson: JsonDict) -> None:
    """The lesson's views, as the page opens them: frames carry them; the inspector's point is
    inspected, then "Apply this step" pressed `claim.apply` times (each reply awaited)."""
    request = viewclaims.request(lesson, run.config)
    if request is not None:
        client.send(request)
    if lesson.get("inspect") is None:
        return
    point = int(lesson["inspect"])
    if run.split is None or not 0 <= point < len(run.split) or run.split[point] != 1:
        raise ValueError(f"inspect: point {point} is not a training point of the lesson's data")
    for apply in [False] + [True] * int(lesson["claim"].get("apply", 0)):
        client.send({"type": "inspect", "point": point, "apply": apply})
        while True:
            message = client.recv(60)
            if isinstance(message, dict) and message["type"] == "error":
                raise ValueError(f"server refused the lesson's views: {message}")
            if isinstance(message, dict) and message["type"] == "inspect":
                run.inspections.append(message)
                break


def run_lesson(ws_url: str, doc: JsonDict, lesson: JsonDict, timeout: float) -> dict[str, Run]:
    """The lesson's session and, when it has a button, the session after pressing it."""
    runs: dict[str, Run] = {}
    jobs = [("lesson", {})]
    if "action" in lesson:
        jobs.append(("action", lesson["action"]["config"]))
    threads = [
        threading.Thread(
            target=lambda n=n, c=c: runs.__setitem__(
                n, run_session(ws_url, doc, lesson, n, c, timeout)
            )
        )
        for n, c in jobs
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return runs


# ---------- evaluation ----------

FRAME_METRICS = {f"{k}:{i}" for k in ("neuron_spread", "neuron_range") for i in range(6)} | {
    "weights_small",
    "output_unsure",
}


def _frame_metric(run: Run, metric: str) -> float:
    frame = run.last
    if metric == "diverged":
        return 1.0 if any(e.get("event") == "diverged" for e in run.events) else 0.0
    if frame is None:
        raise ValueError(f"{run.name}: no frame")
    if metric.startswith(("neuron_spread:", "neuron_range:")):
        layer = int(metric.split(":")[1])
        q = frame.raw["neurons"].astype(np.float64) / 255.0  # (N, H, H)
        lo_hi = frame.value("neuron_range")  # (N, 2)
        maps = lo_hi[:, :1, None] + q * (lo_hi[:, 1:, None] - lo_hi[:, :1, None])
        sizes = [int(s) for s in run.config["hidden_layers"]]
        start = sum(sizes[:layer])
        group = maps[start : start + sizes[layer]]
        if metric.startswith("neuron_range:"):
            return float(min(m.max() - m.min() for m in group))
        return float(max(np.abs(a - b).max() for a in group for b in group))
    if metric == "weights_small":
        w = frame.value("weights")
        return float(np.mean(np.abs(w) < 0.01))
    if metric == "output_unsure":
        out = frame.value("output")
        if "output_class" in frame.names():
            return float(np.mean(out < 0.7))
        return float(np.mean(np.abs(out - 0.5) < 0.2))
    raise ValueError(f"unknown metric {metric}")


def _series(runs: dict[str, Run], ref: JsonDict) -> tuple[Run, list[float]]:
    name = str(ref.get("run", "lesson"))
    if name.startswith("compare:"):
        lane = int(name.split(":")[1])
        run = runs["lesson"]
        values = [
            float(v[lane][ref["metric"]])
            for _, v in run.compare
            if isinstance(v[lane].get(ref["metric"]), int | float)
        ]
        if ref["metric"] == "diverged":
            values = [1.0 if any(v[lane]["diverged"] for _, v in run.compare) else 0.0]
        return run, values
    run = runs[name]
    if ref["metric"] in viewclaims.SERIES:
        return run, viewclaims.series(run, ref["metric"])
    return run, run.values(ref["metric"], ref.get("layer"))


def value_of(runs: dict[str, Run], ref: JsonDict | float) -> float:
    if isinstance(ref, int | float):
        return float(ref)
    metric = str(ref["metric"])
    name = str(ref.get("run", "lesson"))
    if metric in FRAME_METRICS or (metric == "diverged" and not name.startswith("compare:")):
        return _frame_metric(runs[name], metric)
    if metric in viewclaims.METRICS:
        return viewclaims.metric(runs[name], metric)
    run, values = _series(runs, ref)
    if not values:
        raise ValueError(f"{run.name}: no measured {metric}")
    at = ref.get("at", "end")
    if at == "wiggle":  # total variation over range: 1 for a steady fall, more for a zig-zag
        span = max(values) - min(values)
        return float(np.abs(np.diff(values)).sum() / span) if span > 0 else 1.0
    picks = {
        "start": values[0],
        "end": values[-1],
        "min": min(values),
        "max": max(values),
        "median": statistics.median(values),
    }
    return float(picks[at])


def check(runs: dict[str, Run], item: JsonDict) -> tuple[bool, str]:
    """One check: (holds, what was seen)."""
    kind = item["expect"]
    if kind in ("below", "above"):
        a = value_of(runs, item["value"])
        b = value_of(runs, item["than"]) * float(item.get("times", 1.0))
        ok = a < b if kind == "below" else a > b
        return ok, f"{describe(item['value'])} = {a:.4g} {'<' if kind == 'below' else '>'} {b:.4g}"
    run = runs[str(item.get("run", "lesson"))]
    if kind in ("event", "no_event"):
        hit = [e for e in run.events if e.get("event") == item["event"]]
        ok = bool(hit) == (kind == "event")
        return ok, f"{item['event']} events: {[e.get('step') for e in hit]}"
    if kind == "rises_before":
        hit = [e for e in run.events if e.get("event") == item["event"]]
        values = run.values(item["metric"])
        tail = values[-(int(item["count"]) + 1) :]
        rises = all(b > a for a, b in itertools.pairwise(tail))
        ok = bool(hit) and len(tail) == int(item["count"]) + 1 and rises
        return (
            ok,
            f"{item['event']} at {[e.get('step') for e in hit]}, last {item['metric']}: {tail}",
        )
    if kind == "overfits":
        rising = run.values(item["rising"])
        falling = run.values(item["falling"])
        if not rising or len(rising) != len(falling):
            return False, f"no {item['rising']} measured ({len(rising)} vs {len(falling)})"
        i = int(np.argmin(rising))
        ok = rising[-1] > rising[i] * (1 + float(item["by"])) and falling[-1] < falling[i]
        return ok, (
            f"{item['rising']} min {rising[i]:.4g} at measurement {i}, end {rising[-1]:.4g}; "
            f"{item['falling']} there {falling[i]:.4g}, end {falling[-1]:.4g}"
        )
    raise ValueError(f"unknown check {kind}")


def describe(ref: JsonDict | float) -> str:
    if isinstance(ref, int | float):
        return str(ref)
    layer = f"[{ref['layer']}]" if "layer" in ref else ""
    return f"{ref.get('run', 'lesson')}.{ref['metric']}{layer}@{ref.get('at', 'end')}"


def verdict(lesson: JsonDict, runs: dict[str, Run]) -> list[str]:
    """Failures, each naming the lesson and the numbers seen (empty when the claim holds)."""
    failures: list[str] = []
    for run in runs.values():
        if run.error:
            failures.append(f"{lesson['id']}: {run.name} run failed: {run.error}")
    if failures:
        return failures
    for item in lesson["claim"]["checks"]:
        try:
            ok, seen = check(runs, item)
        except (ValueError, KeyError, IndexError) as exc:
            ok, seen = False, f"cannot evaluate: {exc}"
        if not ok:
            failures.append(f"{lesson['id']} ({lesson['title']}): {json.dumps(item)} — saw {seen}")
    return failures
