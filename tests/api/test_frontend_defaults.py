"""The page's URL table repeats the run config's defaults (a link is parsed before /api/options
arrives, and a hash leaves defaults out); this fails when the two copies drift apart."""

from __future__ import annotations

import json
import subprocess

from conftest import ROOT
from nnplayground.engine import RunConfig, registry

SCRIPT = """
const store = await import("./src/store.js");
const controls = await import("./src/controls.js");
console.log(JSON.stringify({config: store.defaultConfig(), multi: controls.MULTI_CLASS_DATASETS}));
"""


def test_page_defaults_match_the_engine() -> None:
    out = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT],
        cwd=ROOT / "frontend", capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    page = json.loads(out.stdout)
    assert page["config"] == RunConfig().to_dict()
    assert page["multi"] == list(registry.MULTICLASS_DATASETS)
