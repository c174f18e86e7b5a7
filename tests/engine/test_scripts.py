"""The generated scripts (engine/scripts.py), run for real in fresh processes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnplayground.engine import RunConfig, Trainer, export, scripts

# Run `model.py` with nothing but the interpreter (-I: no PYTHONPATH, no user site), predict on
# the frame's 100 x 100 grid (architecture.md §4) and prove that only NumPy was imported.
DRIVER = """
import runpy, sys
import numpy as np
model = runpy.run_path(sys.argv[1], run_name="model")
g = 100
c = -6 + (np.arange(g) + 0.5) * 12 / g
grid = np.stack([np.tile(c, g), np.repeat(c[::-1], g)], axis=1)
np.save(sys.argv[2], np.asarray(model["predict"](grid), np.float64))
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("jax", "jaxlib", "optax", "nnplayground"))
assert not heavy, heavy
"""

MODELS = {
    "binary": RunConfig(dataset="xor", features=("x1", "x2", "x1x2", "sinx1"),
                        hidden_layers=(5, 3), activation="relu", optimizer="adam",
                        learning_rate=0.01),
    "3-class": RunConfig(dataset="blobs", num_classes=3, noise=20.0,
                         features=("x1", "x2", "x1sq", "cosx2"), hidden_layers=(6,),
                         activation="gelu", learning_rate=0.1),
    "regression": RunConfig(problem="regression", dataset="surface", num_points=1200,
                            features=("x1", "x2", "sinx2", "x2sq"), hidden_layers=(4, 4),
                            activation="elu", optimizer="rmsprop", learning_rate=0.003),
}  # fmt: skip


@pytest.mark.parametrize("name", list(MODELS))
def test_numpy_script_predicts_the_frame_output(name: str, tmp_path: Path) -> None:
    t = Trainer([MODELS[name]])
    t.train(400)
    path = tmp_path / "model.py"
    path.write_text(scripts.numpy_script(export.document(t)))
    subprocess.run([sys.executable, "-I", "-c", DRIVER, str(path), str(tmp_path / "p.npy")],
                   check=True, timeout=60)  # fmt: skip
    got = np.load(tmp_path / "p.npy")

    arrays = t.probe((0,)).arrays(0)
    q, extra = arrays["output"]
    shown = extra["min"] + q.astype(np.float64) * extra["scale"]  # what the map draws
    if name == "3-class":
        assert got.shape == (10_000, 3)
        np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=1e-9)
        top = np.sort(got, axis=1)
        clear = top[:, -1] - top[:, -2] > 1e-3  # not on a class boundary
        np.testing.assert_array_equal(
            np.argmax(got, axis=1)[clear], arrays["output_class"][0].ravel()[clear]
        )
        got = got.max(axis=1)
    elif name == "regression":
        got = np.clip(got, -1.0, 1.0)
    assert got.shape == (10_000,)
    # Within the frame's quantisation: half a step of rounding, plus float32-vs-float64 slack.
    err = np.abs(got - shown.ravel())
    assert err.max() <= 0.5 * extra["scale"] + 1e-4, err.max()
    assert np.ptp(shown) > 0.5  # a real boundary, not a constant map

    # Run as a script, it prints the decision boundary on a 60 x 30 grid.
    out = subprocess.run([sys.executable, "-I", str(path)], capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()  # fmt: skip
    assert len(out) == 30 and {len(line) for line in out} == {60}
    assert len(set("".join(out))) >= 2


@pytest.mark.parametrize(
    "cfg",
    [
        RunConfig(dataset="moons", noise=20.0, hidden_layers=(6, 4), optimizer="adam",
                  learning_rate=0.01, seed=3),
        RunConfig(dataset="circle", noise=30.0, features=("x1", "x2", "x1sq", "x2sq"),
                  hidden_layers=(3,), optimizer="momentum", schedule="time", decay_rate=0.001,
                  l2=0.001, seed=1),
        RunConfig(dataset="spiral", noise=10.0, features=("x1", "x2", "sinx1", "sinx2"),
                  hidden_layers=(8, 6), activation="relu", init="he", dropout=0.1,
                  optimizer="nadam", learning_rate=0.01, seed=2),
    ],
    ids=["moons-adam", "circle-momentum-l2", "spiral-relu-dropout"],
)  # fmt: skip
def test_jax_script_trains_to_the_playground_accuracy(cfg: RunConfig, tmp_path: Path) -> None:
    t = Trainer([cfg])
    got = t.train(1500)
    x, y, split = t.points(0)
    path = tmp_path / "train.py"
    path.write_text(scripts.jax_script(export.document(t), x, y, split, t.capacity))
    run = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True,
                         timeout=300)  # fmt: skip
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["steps"] == 1500
    playground = float(got.test_accuracy[0])
    assert playground > 0.75
    assert abs(result["test_accuracy"] - playground) <= 0.02, (result, playground)
