"""frontend/src/protocol.d.ts is generated from the server's message schema and must not drift."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from nnplayground.api.messages import message_schema

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"
REGENERATE = (
    ".venv/bin/python -c 'import json; from nnplayground.api.messages import message_schema; "
    "print(json.dumps(message_schema()))' | (cd frontend && node scripts/gen-protocol.mjs) "
    "> frontend/src/protocol.d.ts"
)


def generate(schema: object) -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is required to generate the frontend's protocol types")
    result = subprocess.run(
        [node, "scripts/gen-protocol.mjs"],
        input=json.dumps(schema),
        capture_output=True,
        text=True,
        cwd=FRONTEND,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_committed_protocol_types_match_the_schema() -> None:
    committed = (FRONTEND / "src" / "protocol.d.ts").read_text()
    assert generate(message_schema()) == committed, (
        f"frontend/src/protocol.d.ts is stale; regenerate it with:\n{REGENERATE}"
    )


def test_generator_sees_schema_changes() -> None:
    """The comparison above can fail: a changed field changes the generated types."""
    schema = message_schema()
    header = schema["frame_header"]
    header["properties"]["extra_field_for_test"] = {"type": "integer", "title": "Extra"}
    assert "extra_field_for_test" in generate(schema)
    assert "extra_field_for_test" not in (FRONTEND / "src" / "protocol.d.ts").read_text()
