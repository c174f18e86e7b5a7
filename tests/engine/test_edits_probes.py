"""Architecture edits keep surviving weights; single-weight edits; probe layout and orientation."""

from __future__ import annotations

import numpy as np
import pytest

from nnplayground.engine import RunConfig, Trainer
from nnplayground.engine.probe import grid_points


def _w(t: Trainer) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    p = t.state.params
    return np.asarray(p.w)[0], np.asarray(p.b)[0], np.asarray(p.wo)[0], np.asarray(p.bo)[0]


@pytest.fixture(scope="module")
def trainer() -> Trainer:
    t = Trainer([RunConfig(hidden_layers=[4, 3], features=["x1", "x2", "x1sq"])])
    t.train(200)
    return t


def test_width_and_depth_edits_keep_surviving_weights(trainer: Trainer) -> None:
    w, _, wo, bo = _w(trainer)
    step = int(trainer.step[0])
    trainer.apply(0, trainer.configs[0].replace(hidden_layers=[6, 3]))
    w2, b2, wo2, bo2 = _w(trainer)
    assert np.array_equal(w2[0][:3, :4], w[0][:3, :4])  # old inputs → old layer-1 units
    assert np.all(w2[0][:3, 4:6] != 0)  # two new units drawn from the Xavier init
    assert np.array_equal(w2[1][:4, :3], w[1][:4, :3])
    assert np.all(w2[1][4:6, :3] != 0) and np.all(b2[0][4:6] == 0)
    assert np.array_equal(wo2, wo) and np.array_equal(bo2, bo)  # same depth, same head
    assert int(trainer.step[0]) == step
    trainer.apply(0, trainer.configs[0].replace(hidden_layers=[6, 3, 2]))
    w3, _, wo3, bo3 = _w(trainer)
    assert np.array_equal(w3[:2], w2[:2])
    assert np.all(w3[2][:3, :2] != 0) and np.all(w3[2][3:] == 0)
    assert not np.array_equal(wo3, wo2)  # the output now reads a new layer: new weights
    assert np.array_equal(bo3, bo2)
    trainer.apply(0, trainer.configs[0].replace(features=["x1", "x2", "x1sq", "sinx2"]))
    w4, *_ = _w(trainer)
    assert np.array_equal(w4[0][[0, 1, 2]], w3[0][[0, 1, 2]])  # fixed feature slots
    assert np.all(w4[0][6, :6] != 0)  # sinx2 is slot 6
    m = trainer.train(50)
    assert np.isfinite(m.train_loss[0])


def test_set_weight_and_bias_change_exactly_one_value(trainer: Trainer) -> None:
    trainer.apply(
        0, trainer.configs[0].replace(hidden_layers=[4, 3], features=["x1", "x2", "x1sq"])
    )
    before = trainer.probe().arrays(0)
    trainer.set_weight(0, 0, 2, 1, 0.75)  # x1sq → neuron 2 of layer 1
    trainer.set_weight(0, 2, 1, 0, -1.25)  # layer 2 neuron 2 → output
    trainer.set_bias(0, 2, 2, 0.5)
    trainer.set_bias(0, 3, 0, -0.25)  # output unit
    after = trainer.probe().arrays(0)
    w0, w1 = before["weights"][0], after["weights"][0]
    # Source-major layout: layer 0 is 3 x 4, layer 1 is 4 x 3, output 3 x 1.
    changed = np.flatnonzero(w0 != w1)
    assert list(changed) == [2 * 4 + 1, 12 + 12 + 1]
    assert w1[9] == np.float32(0.75) and w1[25] == np.float32(-1.25)
    b0, b1 = before["biases"][0], after["biases"][0]
    assert list(np.flatnonzero(b0 != b1)) == [4 + 2, 7]
    assert b1[6] == np.float32(0.5) and b1[7] == np.float32(-0.25)


def test_probe_arrays_layout_and_size() -> None:
    t = Trainer([RunConfig()])
    t.train(300)
    arrays = t.probe().arrays(0)
    assert list(arrays) == ["output", "neurons", "neuron_range", "weights", "biases"]
    out, extras = arrays["output"]
    assert out.dtype == np.uint8 and out.shape == (100, 100)
    assert extras == {"scale": pytest.approx(1 / 255), "min": 0.0}
    assert arrays["neurons"][0].shape == (6, 32, 32) and arrays["neurons"][0].dtype == np.uint8
    assert arrays["neuron_range"][0].shape == (6, 2)
    assert arrays["weights"][0].shape == (2 * 4 + 4 * 2 + 2,) and arrays["biases"][0].shape == (7,)
    assert sum(a.nbytes for a, _ in arrays.values()) < 20_000  # only active neurons are sent
    probe = t.probe()
    decoded = out.astype(np.float32) * extras["scale"] + extras["min"]
    assert np.max(np.abs(decoded - probe.output_float(0))) <= 0.5 / 255 + 1e-6
    maps, ranges = probe.neurons_float(0), arrays["neuron_range"][0]
    q = arrays["neurons"][0].astype(np.float32) / 255
    dec = ranges[:, :1, None] + q * (ranges[:, 1:, None] - ranges[:, :1, None])
    assert np.max(np.abs(dec - maps)) <= np.max(ranges[:, 1] - ranges[:, 0]) / 255


def test_grid_orientation_and_multiclass_output() -> None:
    pts = np.asarray(grid_points(4))
    assert pts[0].tolist() == [-4.5, 4.5] and pts[3].tolist() == [4.5, 4.5]
    assert pts[12].tolist() == [-4.5, -4.5]
    # A linear model that only sees x1 with a positive weight: p(class 1) grows to the right.
    t = Trainer([RunConfig(hidden_layers=[], features=["x1"])])
    t.set_weight(0, 0, 0, 0, 1.0)
    out = t.probe().output_float(0)
    assert np.all(np.diff(out, axis=1) > 0) and np.all(np.diff(out, axis=0) == 0)
    t.apply(0, t.configs[0].replace(features=["x2"]))
    t.set_weight(0, 0, 0, 0, 1.0)
    out = t.probe().output_float(0)
    assert np.all(np.diff(out, axis=0) < 0)  # x2 = +6 is row 0 (image order)
    t.apply(
        0,
        t.configs[0].replace(
            dataset="blobs", num_classes=4, hidden_layers=[5], features=["x1", "x2"]
        ),
    )
    t.train(500)
    arrays = t.probe().arrays(0)
    cls = arrays["output_class"][0]
    assert set(np.unique(cls)) <= {0, 1, 2, 3} and len(np.unique(cls)) == 4
    assert arrays["biases"][0].shape == (5 + 4,)
    t.apply(0, t.configs[0].replace(problem="regression", dataset="plane"))
    m = t.train(500)
    assert m.train_accuracy[0] > 0.9  # R² of a plane
    extras = t.probe().arrays(0)["output"][1]
    assert extras["min"] == -1.0 and extras["scale"] == pytest.approx(2 / 255)
