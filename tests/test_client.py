"""The notebook client (nnplayground.client) and its documented example, against a real server."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, LiveServer
from nnplayground.client import Playground, PlaygroundError


def test_the_documented_example_runs_and_its_numbers_hold(live_server: LiveServer) -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "client_example.py"), live_server.url],
        capture_output=True, text=True, check=True, timeout=300,
    )  # fmt: skip
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["shapes"] == [[[2, 4], [4]], [[4, 1], [1]]]
    assert got["points"] == 500 and got["train_points"] == 250
    assert got["test_accuracy"] >= 0.9
    # The client's numbers agree with each other: accuracy recomputed from the weights and the
    # points, the map recomputed from the weights (within the uint8 quantisation).
    assert abs(got["own_test_accuracy"] - got["test_accuracy"]) <= 0.004
    assert got["map_error"] <= 0.5 / 255 + 1e-4
    assert got["steps_after_epochs"] == 1000 + 2 * 25  # 250 training points / batch 10
    assert got["reloaded_step"] == got["steps_after_epochs"]
    assert got["reloaded_test_loss"] == got["epoch_test_loss"]
    assert got["file"] == "xor_x1-x2_4_step1050.json"


def test_errors_name_the_field(live_server: LiveServer) -> None:
    with Playground(live_server.url) as pg:
        with pytest.raises(PlaygroundError) as err:
            pg.set(learning_rate=50)
        assert err.value.field == "learning_rate"
        with pytest.raises(PlaygroundError) as err:
            pg.load('{"format": "something else"}')
        assert err.value.field == "format"
        assert pg.config["learning_rate"] == 0.03
        pg.train(steps=3)
        assert pg.step == 3 and np.isfinite(pg.metrics["train_loss"])


def test_start_runs_a_background_server() -> None:
    with Playground.start(warmup="false") as pg:
        assert pg.server is not None
        process = pg.server
        metrics = pg.train(steps=5)
        assert pg.step == 5 and metrics["train_loss"] is not None
        assert pg.output().shape == (100, 100)
    assert process.poll() is not None  # stopped with the client
