"""RunConfig defaults, JSON round trip, options(), and bad input that names the field."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from nnplayground.api.options import options
from nnplayground.engine import RunConfig, Trainer, registry
from nnplayground.engine.config import FIELD_SPECS


def test_defaults_round_trip_and_options() -> None:
    cfg = RunConfig()
    d = cfg.to_dict()
    assert d["features"] == ["x1", "x2"] and d["hidden_layers"] == [4, 2]
    assert RunConfig.from_dict(json.loads(json.dumps(d))) == cfg
    assert RunConfig.from_dict({"hidden_layers": [3]}).hidden_layers == (3,)
    assert list(d) == list(FIELD_SPECS)
    opts = json.loads(json.dumps(options()))
    assert opts["fields"]["learning_rate"] == {**opts["fields"]["learning_rate"], "default": 0.03,
                                              "min": 1e-5, "max": 10.0}  # fmt: skip
    assert [a["name"] for a in opts["registries"]["activations"]] == list(registry.ACTIVATIONS)
    assert all(a["label"] for a in opts["registries"]["optimizers"])
    assert set(opts["fields"]) == set(FIELD_SPECS)


def test_problem_switch_picks_valid_defaults() -> None:
    reg = RunConfig().replace(problem="regression")
    assert (reg.dataset, reg.num_points, reg.resolved_loss) == ("plane", 1200, "mse")
    back = reg.replace(problem="classification")
    assert (back.dataset, back.num_points) == ("circle", 500)
    assert RunConfig(dataset="circle", num_classes=5).classes == 2  # binary datasets force 2
    assert RunConfig(dataset="blobs", num_classes=5).resolved_loss == "softmax"


BAD: list[tuple[dict[str, Any], str]] = [
    ({"problem": "clustering"}, "problem"),
    ({"dataset": "spirals"}, "dataset"),
    ({"dataset": "plane"}, "dataset"),
    ({"activation": "swish"}, "activation"),
    ({"init": "orthogonal"}, "init"),
    ({"loss": "huber"}, "loss"),
    ({"optimizer": "lbfgs"}, "optimizer"),
    ({"schedule": "cosine"}, "schedule"),
    ({"features": ["x3"]}, "features"),
    ({"features": []}, "features"),
    ({"features": ["x1", "x1"]}, "features"),
    ({"hidden_layers": [4, 0]}, "hidden_layers"),
    ({"hidden_layers": [9]}, "hidden_layers"),
    ({"hidden_layers": [2] * 7}, "hidden_layers"),
    ({"train_ratio": 1.5}, "train_ratio"),
    ({"train_ratio": -0.1}, "train_ratio"),
    ({"val_ratio": 0.6}, "val_ratio"),
    ({"train_ratio": 0.9, "val_ratio": 0.3}, "val_ratio"),
    ({"num_points": 5000}, "num_points"),
    ({"num_classes": 7}, "num_classes"),
    ({"noise": 51.0}, "noise"),
    ({"learning_rate": math.nan}, "learning_rate"),
    ({"learning_rate": 0.0}, "learning_rate"),
    ({"momentum": 1.0}, "momentum"),
    ({"beta2": math.inf}, "beta2"),
    ({"batch_size": 0}, "batch_size"),
    ({"batch_size": 65}, "batch_size"),
    ({"batch_size": 2.5}, "batch_size"),
    ({"l1": -1.0}, "l1"),
    ({"l2": 11.0}, "l2"),
    ({"dropout": 0.95}, "dropout"),
    ({"seed": -1}, "seed"),
    ({"decay_steps": 0}, "decay_steps"),
    ({"patience": True}, "patience"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("changes", "field"), BAD)
def test_bad_config_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: "):
        RunConfig().replace(**changes)
    with pytest.raises(ValueError, match=rf"^{field}: "):
        RunConfig.from_dict(changes)


def test_width_message_names_the_layer() -> None:
    with pytest.raises(ValueError, match=r"^hidden_layers: width 0 at layer 2 must be 1-8"):
        RunConfig().replace(hidden_layers=[3, 0])
    with pytest.raises(ValueError, match=r"^loss: regression"):
        RunConfig().replace(problem="regression", loss="hinge")


@pytest.fixture(scope="module")
def trainer() -> Trainer:
    t = Trainer([RunConfig(dataset="blobs", num_classes=3)])
    t.train(5)
    return t


BAD_POINTS: list[tuple[Any, str]] = [
    ([[0.0, 1.0, 0.0], [np.nan, 1.0, 1.0], [1.0, 1.0, 2.0]], "NaN"),
    ([[0.0, 1.0, 0.0], [np.inf, 1.0, 1.0], [1.0, 1.0, 2.0]], "NaN or infinite"),
    (np.zeros((3000, 3)), "need 2-2000 points"),
    ([[0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [2.0, 2.0, 2.0]], "class 1 has no points"),
    ([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [2.0, 2.0, 3.0]], "labels must be integers 0-2"),
    ([[0.0, 1.0, 0.0], [1.0, 1.0, 1.5], [2.0, 2.0, 2.0]], "labels must be integers"),
    ([[0.0, 1.0], [1.0, 1.0]], "shape"),
    ("x1,x2", "rows of three numbers"),
]


@pytest.mark.parametrize(("points", "message"), BAD_POINTS)
def test_bad_user_points_change_nothing(trainer: Trainer, points: Any, message: str) -> None:
    before = (trainer.configs, trainer.user_points(0), np.asarray(trainer.state.params.w))
    with pytest.raises(ValueError, match=rf"^points: .*{message}"):
        trainer.set_user_points(0, points)
    assert trainer.configs == before[0]
    assert np.array_equal(trainer.user_points(0), before[1])
    assert np.array_equal(np.asarray(trainer.state.params.w), before[2])


def test_bad_trainer_calls_name_the_field(trainer: Trainer) -> None:
    cfg = trainer.configs[0]
    cases = [
        (lambda: trainer.apply(0, RunConfig(hidden_layers=(0,))), "hidden_layers"),
        (lambda: trainer.apply(3, cfg), "lane"),
        (lambda: trainer.set_weight(0, 5, 0, 0, 1.0), "layer"),
        (lambda: trainer.set_weight(0, 0, 2, 0, 1.0), "source"),
        (lambda: trainer.set_weight(0, 2, 0, 3, 1.0), "target"),
        (lambda: trainer.set_weight(0, 0, 0, 0, math.nan), "value"),
        (lambda: trainer.set_bias(0, 0, 0, 1.0), "layer"),
        (lambda: trainer.set_bias(0, 3, 3, 1.0), "neuron"),
        (lambda: trainer.train(0), "n_steps"),
        (lambda: trainer.probe([2]), "lane"),
    ]
    before = np.asarray(trainer.state.params.w)
    for call, field in cases:
        with pytest.raises(ValueError, match=rf"^{field}: "):
            call()
    assert np.array_equal(np.asarray(trainer.state.params.w), before)
    assert trainer.configs == (cfg,)
