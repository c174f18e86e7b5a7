"""`nnplayground bench`: issue 5's figures, end to end against a real server and real clients.

`main(argv)` runs every measurement, prints a table against the targets and writes JSON whose
keys are fixed by `schema.NUMBERS` (other parts of the project read them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from nnplayground.benchmark import frames, recompiles, schema, serve, sessions
from nnplayground.benchmark import views as views_bench  # issue 15

QUICK = {"seconds": 1.5, "latency_changes": 40, "sessions": (5, 20), "session_seconds": 2.0,
         "ramp_s": 1.0, "passes": 1, "script": None}  # fmt: skip
FULL = {"seconds": 6.0, "latency_changes": 200, "sessions": (10, 50, 100),
        "session_seconds": 8.0, "ramp_s": 3.0, "passes": 2, "script": None}  # fmt: skip
# Every section once at the smallest size (20 script messages): for tests of the JSON only.
SMOKE = {"seconds": 0.5, "latency_changes": 3, "sessions": (2,), "session_seconds": 0.5,
         "ramp_s": 0.3, "passes": 1, "script": 20}  # fmt: skip
PLANS: dict[str, dict[str, Any]] = {"quick": QUICK, "full": FULL, "smoke": SMOKE}


class _Sections:
    """Runs each measurement; one that fails is reported without losing the others."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    async def run(self, name: str, fn: Callable[[], Awaitable[Any]]) -> Any:
        started = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            value = await fn()
        except Exception as error:  # a broken section must not hide the figures of the others
            self.errors[name] = "".join(traceback.format_exception_only(error)).strip()
            traceback.print_exc(file=sys.stderr)
            return None
        print(f"[bench] {name} done in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        return value


async def _server_figures(plan: dict[str, Any], out: dict[str, Any], sections: _Sections) -> None:
    # Room for the largest N; a short grace so that closed sessions of one N don't run into the next.
    env = {"NNPLAYGROUND_MAX_SESSIONS": str(max(plan["sessions"]) + 20),
           "NNPLAYGROUND_SESSION_GRACE_S": "1"}  # fmt: skip
    server = serve.start(env)
    try:
        cold = await sections.run("cold start", lambda: frames.cold_start(server))
        if cold is not None:
            out["cold_start_s"] = cold
        # The other batch buckets compile in the background after the first frame; every
        # later figure (compile counts above all) is taken on a fully warm server.
        await asyncio.to_thread(server.wait_warm)
        rec = await sections.run(
            "recompiles", lambda: recompiles.recompiles(server, plan["passes"], plan["script"])
        )
        if rec is not None:
            out["recompiles_after_warmup"] = rec["recompiles_after_warmup"]
            out["details"]["recompiles"] = rec
        for fps in (30, 60):
            got = await sections.run(f"frames at {fps}", lambda f=fps: frames.frame_rate(server, f, plan["seconds"]))  # type: ignore[misc]  # fmt: skip
            if got is not None:
                out[f"frame_fps_{fps}"] = got["fps"]
                out["details"][f"frames_{fps}"] = got
                if fps == 30:
                    out["frame_bytes"] = got["median_bytes"]
        lat = await sections.run("control latency", lambda: frames.control_latency(server, plan["latency_changes"]))  # fmt: skip
        if lat is not None:
            out["control_latency_ms_p50"] = lat["p50"]
            out["control_latency_ms_p95"] = lat["p95"]
            out["details"]["latency"] = lat
        # issue 15: the loss-landscape view's cost, off vs on side by side in this run.
        land = await sections.run("landscape on vs off", lambda: views_bench.landscape_cost(server, plan["seconds"] / 2, plan["passes"] + 2))  # fmt: skip
        if land is not None:
            out["landscape_examples_per_s_off"] = land["examples_per_s_off"]
            out["landscape_examples_per_s_on"] = land["examples_per_s_on"]
            out["landscape_drop"] = land["drop"]
            out["details"]["landscape"] = land
        rows = []
        for n in plan["sessions"]:
            await sessions.wait_idle(server, timeout=10)
            row = await sections.run(f"{n} sessions", lambda n=n: sessions.concurrent(server, n, plan["session_seconds"], ramp_s=plan["ramp_s"]))  # type: ignore[misc]  # fmt: skip
            if row is not None:
                rows.append(row)
        out["sessions"] = rows
    finally:
        code = server.stop()
        out["details"]["server_exit_code"] = code
        if "Traceback" in server.log():
            sections.errors["server log"] = f"traceback in {server.log_path}"


async def _engine_figures(quick: bool, out: dict[str, Any], sections: _Sections) -> None:
    async def measure() -> dict[str, Any]:
        from nnplayground.benchmark.engine import measure_engine

        return dict(measure_engine(quick))

    got = await sections.run("engine", measure)
    if got is not None:
        out["train_examples_per_s"] = float(got["train_examples_per_s"])
        out["padded_vs_exact_ratio"] = float(got["padded_vs_exact_ratio"])
        out["details"]["engine"] = got

    async def sweeps() -> dict[str, Any]:  # issue 16: many models at once
        from nnplayground.benchmark.sweeps import measure_sweeps

        return dict(measure_sweeps(quick))

    got = await sections.run("sweeps", sweeps)
    if got is not None:
        for key in ("sweep_16_speedup", "activation_sweep_vs_groups", "double_descent_s"):
            out[key] = float(got[key])
        out["details"]["sweeps"] = got


def run(plan_name: str) -> dict[str, Any]:
    """Every figure of issue 5 (keys that could not be measured are absent; see `errors`)."""
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    out: dict[str, Any] = {"plan": plan_name, "quick": plan_name != "full", "details": {}}
    sections = _Sections()
    asyncio.run(_server_figures(PLANS[plan_name], out, sections))
    # The engine runs in this process after the server has gone, so both get the cores alone.
    asyncio.run(_engine_figures(plan_name != "full", out, sections))
    # Other work on the machine skews every figure: record how busy it was.
    out["machine"] = {**schema.machine(), "load_avg_1m_start": load_before,
                      "load_avg_1m_end": os.getloadavg()[0]}  # fmt: skip
    out["errors"] = sections.errors
    out["duration_s"] = time.perf_counter() - started
    return out


def _json_safe(value: Any) -> Any:
    """NaN/inf become null (strict JSON; the validator then reports the key)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    if argv and argv[0] == "rooms":  # lecture rooms: a presenter and N followers (rooms.py)
        from nnplayground.benchmark import rooms

        return rooms.main(argv[1:])
    parser = argparse.ArgumentParser(prog="nnplayground bench", description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="smaller N and shorter windows (< 60 s)"
    )
    parser.add_argument("--json", type=Path, help="write the result as JSON to this path")
    parser.add_argument("--smoke", action="store_true", help=argparse.SUPPRESS)  # for tests
    args = parser.parse_args(argv)
    result = run("smoke" if args.smoke else "quick" if args.quick else "full")
    print(schema.table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(_json_safe(result), indent=2, default=str, allow_nan=False)
        args.json.write_text(text + "\n")
        print(f"wrote {args.json}")
    problems = schema.validate(result)
    for problem in problems + [f"{k}: {v}" for k, v in result["errors"].items()]:
        print(f"error: {problem}", file=sys.stderr)
    return 1 if problems or result["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
