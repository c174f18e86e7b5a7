"""The bench result's keys (issue 5; other parts read them), its validator, targets and table."""

from __future__ import annotations

import math
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

# key -> (type, lower bound, upper bound). Bounds only reject impossible values (a rate below 0,
# a ratio of 0); they are not targets.
NUMBERS: dict[str, tuple[type, float, float]] = {
    "train_examples_per_s": (float, 1.0, 1e10),
    "padded_vs_exact_ratio": (float, 0.01, 1e3),
    "recompiles_after_warmup": (int, 0, 1e6),
    "frame_fps_30": (float, 0.0, 1e3),
    "frame_fps_60": (float, 0.0, 1e3),
    "frame_bytes": (int, 1, 1e9),
    "control_latency_ms_p50": (float, 0.0, 1e6),
    "control_latency_ms_p95": (float, 0.0, 1e6),
    "cold_start_s": (float, 0.0, 1e4),
    # issue 16 (benchmark/sweeps.py)
    "sweep_16_speedup": (float, 0.01, 1e3),
    "activation_sweep_vs_groups": (float, 0.01, 1e3),
    "double_descent_s": (float, 0.0, 1e4),
}
SESSION_NUMBERS: dict[str, tuple[type, float, float]] = {
    "n": (int, 1, 1e6),
    "fps_p5": (float, 0.0, 1e3),
    "cpu_percent": (float, 0.0, 1e5),
    "rss_mb_per_session": (float, -1e6, 1e6),  # may dip below 0 when the allocator returns memory
}
MACHINE_KEYS = ("cpu", "cores", "memory_gb", "python", "platform", "date")

# (key, comparison, target) from issue 5, for the table's last column.
TARGETS: dict[str, tuple[str, float]] = {
    "train_examples_per_s": (">=", 300_000),
    "padded_vs_exact_ratio": ("<=", 2.0),
    "recompiles_after_warmup": ("<=", 0),
    "frame_fps_30": (">=", 29),
    "frame_fps_60": (">=", 55),
    "frame_bytes": ("<=", 64 * 1024),
    "control_latency_ms_p95": ("<=", 50),
    "cold_start_s": ("<=", 5),
    "sweep_16_speedup": (">=", 4),  # issue 16
    "activation_sweep_vs_groups": (">=", 1),
    "double_descent_s": ("<=", 5),
}
TF_PLAYGROUND_EXAMPLES_PER_S = 6_100.0  # DESIGN.md §9: spiral 6x8 tanh batch 10, this machine


def _check_number(where: str, value: Any, kind: type, low: float, high: float) -> list[str]:
    # bool is an int subclass; a True where a count belongs is a bug, not a count.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [f"{where}: expected a number, got {type(value).__name__}"]
    if kind is int and not isinstance(value, int):
        return [f"{where}: expected an integer, got {value!r}"]
    if not math.isfinite(value) or not low <= value <= high:
        return [f"{where}: {value!r} outside [{low}, {high}]"]
    return []


def validate(result: Any) -> list[str]:
    """Every problem with a bench result (an empty list means every key is there and sane)."""
    if not isinstance(result, dict):
        return ["result: expected an object"]
    problems: list[str] = []
    for key, (kind, low, high) in NUMBERS.items():
        if key not in result:
            problems.append(f"{key}: missing")
        else:
            problems += _check_number(key, result[key], kind, low, high)
    sessions = result.get("sessions")
    if not isinstance(sessions, list) or not sessions:
        problems.append("sessions: expected a non-empty list")
    else:
        for i, row in enumerate(sessions):
            if not isinstance(row, dict):
                problems.append(f"sessions[{i}]: expected an object")
                continue
            for key, (kind, low, high) in SESSION_NUMBERS.items():
                if key not in row:
                    problems.append(f"sessions[{i}].{key}: missing")
                else:
                    problems += _check_number(f"sessions[{i}].{key}", row[key], kind, low, high)
    machine = result.get("machine")
    if not isinstance(machine, dict):
        problems.append("machine: expected an object")
    else:
        problems += [f"machine.{k}: missing" for k in MACHINE_KEYS if k not in machine]
    return problems


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import jax
    import psutil

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5,
            cwd=Path(__file__).parent,
        ).stdout.strip()  # fmt: skip
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "jax": jax.__version__,
        "backend": jax.default_backend(),
        "git_commit": commit,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def table(result: dict[str, Any]) -> str:
    """A readable table of the figures against issue 5's targets."""
    rows = [("figure", "value", "target", "")]
    machine = result.get("machine") or {}
    if "load_avg_1m_start" in machine:
        rows.append(("machine load (1 min avg)",
                     f"{machine['load_avg_1m_start']:.1f} -> {machine['load_avg_1m_end']:.1f}",
                     f"< {machine.get('cores', '?')} cores = quiet", ""))  # fmt: skip
    for key in NUMBERS:
        value = result.get(key)
        target = TARGETS.get(key)
        if target is None:
            rows.append((key, _fmt(value), "", ""))
            continue
        op, goal = target
        ok = isinstance(value, int | float) and (value >= goal if op == ">=" else value <= goal)
        rows.append((key, _fmt(value), f"{op} {_fmt(goal)}", "ok" if ok else "MISSED"))
    for row in result.get("sessions") or []:
        n = row.get("n")
        ok = row.get("fps_p5", 0) >= 20 and row.get("rss_mb_per_session", 1e9) <= 10
        rows.append(
            (f"sessions n={n}",
             f"fps_p5 {_fmt(row.get('fps_p5'))}, cpu {_fmt(row.get('cpu_percent'))}%, "
             f"{_fmt(row.get('rss_mb_per_session'))} MB/session",
             "fps_p5 >= 20, <= 10 MB", "ok" if ok else "MISSED")
        )  # fmt: skip
    drop = result.get("landscape_drop")  # issue 15: the loss-landscape view's cost
    if isinstance(drop, int | float):
        rows.append(
            ("landscape view: examples/s drop",
             f"{100 * drop:.1f} % ({_fmt(result.get('landscape_examples_per_s_off'))} -> "
             f"{_fmt(result.get('landscape_examples_per_s_on'))})",
             "<= 25 %", "ok" if drop <= 0.25 else "MISSED")
        )  # fmt: skip
    ratio = result.get("train_examples_per_s")
    if isinstance(ratio, int | float):
        rows.append(
            ("vs TF Playground", f"{ratio / TF_PLAYGROUND_EXAMPLES_PER_S:,.0f}x", ">= 50x", "")
        )
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )
