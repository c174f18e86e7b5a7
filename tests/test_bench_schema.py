"""The bench's JSON keeps every key of issue 5 with a sane type (other parts read them).

`nnplayground bench --smoke` runs every section once at its smallest size against a real server,
through the real JSON writer; the figures are not judged here (benchmarks are never timed tests).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from nnplayground.benchmark import main, schema

# Spelled out here, not taken from schema.py, so that renaming a key there fails this test.
ISSUE_5_KEYS = (
    "train_examples_per_s", "padded_vs_exact_ratio", "recompiles_after_warmup", "frame_fps_30",
    "frame_fps_60", "frame_bytes", "control_latency_ms_p50", "control_latency_ms_p95",
    "cold_start_s",
)  # fmt: skip
SESSION_KEYS = ("n", "fps_p5", "cpu_percent", "rss_mb_per_session")


@pytest.fixture(scope="module")
def smoke_result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("bench") / "out.json"
    code = main(["--smoke", "--json", str(path)])
    result: dict[str, Any] = json.loads(path.read_text())
    assert code == 0, result.get("errors")
    return result


def test_smoke_run_fills_every_key(smoke_result: dict[str, Any]) -> None:
    for key in ISSUE_5_KEYS:
        value = smoke_result[key]
        assert isinstance(value, int | float) and not isinstance(value, bool), (key, value)
        assert value >= 0, (key, value)
    assert isinstance(smoke_result["recompiles_after_warmup"], int)
    assert isinstance(smoke_result["frame_bytes"], int) and smoke_result["frame_bytes"] > 0
    assert smoke_result["train_examples_per_s"] > 0 and smoke_result["padded_vs_exact_ratio"] > 0
    rows = smoke_result["sessions"]
    assert rows and all(set(SESSION_KEYS) <= set(row) for row in rows), rows
    assert all(isinstance(row["n"], int) and row["n"] >= 1 for row in rows)
    assert isinstance(smoke_result["machine"], dict) and smoke_result["machine"]["cores"] >= 1
    assert schema.validate(smoke_result) == []


@pytest.mark.parametrize("key", [*ISSUE_5_KEYS, "sessions", "machine"])
def test_validator_rejects_a_missing_key(smoke_result: dict[str, Any], key: str) -> None:
    broken = copy.deepcopy(smoke_result)
    del broken[key]
    assert any(p.startswith(key) for p in schema.validate(broken)), key


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("frame_fps_30",), "30"),
        (("recompiles_after_warmup",), 0.5),
        (("recompiles_after_warmup",), True),
        (("cold_start_s",), float("nan")),
        (("train_examples_per_s",), -1.0),
        (("sessions", 0, "fps_p5"), None),
        (("sessions", 0, "n"), 0),
    ],
)
def test_validator_rejects_bad_types(
    smoke_result: dict[str, Any], path: tuple[Any, ...], bad: Any
) -> None:
    broken = copy.deepcopy(smoke_result)
    target: Any = broken
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = bad
    assert schema.validate(broken), (path, bad)


def test_table_names_every_figure(smoke_result: dict[str, Any]) -> None:
    text = schema.table(smoke_result)
    for key in ISSUE_5_KEYS:
        assert key in text
    assert "sessions n=2" in text


def test_written_json_is_strict(tmp_path: Path, smoke_result: dict[str, Any]) -> None:
    """No NaN/Infinity tokens: the JSON must load in a browser or jq as well."""
    text = json.dumps(smoke_result, allow_nan=False)
    assert json.loads(text) == smoke_result
