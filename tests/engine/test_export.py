"""The model file (engine/export.py): an exact round trip, and bad files refused by field."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import jax
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nnplayground.engine import RunConfig, Trainer, export
from nnplayground.engine.errors import FieldError

MODEL = RunConfig(
    dataset="user",
    val_ratio=0.2,
    features=("x1", "x2", "x1x2", "sinx1"),
    hidden_layers=(5, 3),
    activation="relu",
    optimizer="adam",
    learning_rate=0.01,
    dropout=0.1,
)
ROOTS = {"file", "format", "version", "config", "features", "activation", "head", "layers",
         "step", "epoch", "metrics", "training", "points"}  # fmt: skip


def _points(n: int = 300) -> np.ndarray:
    rng = np.random.default_rng(5)
    x = rng.uniform(-5, 5, (n, 2))
    return np.column_stack([x, (x[:, 0] * x[:, 1] > 0).astype(float)])


def _leaves(t: Trainer) -> list[np.ndarray]:
    return [np.array(a) for a in jax.tree.leaves(t.state)]


def _metrics(t: Trainer) -> dict[str, np.ndarray]:
    m = t.evaluate()
    return {k: np.asarray(getattr(m, k)) for k in ("train_loss", "val_loss", "test_loss",
            "train_accuracy", "test_accuracy", "grad_norms", "weight_norms", "learning_rate")}  # fmt: skip


@pytest.fixture(scope="module")
def trained() -> Trainer:
    t = Trainer([RunConfig(dataset="xor")])
    t.set_user_points(0, _points())
    t.apply(0, MODEL)
    t.train(150)
    return t


def test_round_trip_is_bit_identical_and_training_goes_on(trained: Trainer) -> None:
    text = export.dumps(export.document(trained, metrics={"test_loss": 0.5}))
    before, metrics = _leaves(trained), _metrics(trained)
    step, epoch = int(trained.step[0]), float(trained.epoch[0])
    best = trained.early_stopping(0)
    assert best[1] >= 0  # there is a validation split: the bookkeeping is carried too

    fresh = Trainer([RunConfig()])  # another session: default config, reset model
    assert export.load(fresh, export.loads(text)) == trained.configs[0]
    for a, b in zip(before, _leaves(fresh), strict=True):
        np.testing.assert_array_equal(a, b)  # weights, optimizer moments, PRNG key, step
    for name, value in _metrics(fresh).items():
        np.testing.assert_array_equal(value, metrics[name], err_msg=name)
    assert (int(fresh.step[0]), float(fresh.epoch[0])) == (step, epoch)
    assert fresh.early_stopping(0) == best
    np.testing.assert_array_equal(fresh.user_points(0), trained.user_points(0))

    # Training goes on from the file exactly as it does in the original (same minibatches,
    # dropout masks and Adam moments).
    copy_of = trained.select([0])
    a, b = copy_of.train(40), fresh.train(40)
    np.testing.assert_array_equal(a.batch_loss, b.batch_loss)
    np.testing.assert_array_equal(a.test_loss, b.test_loss)


def test_document_is_the_active_network(trained: Trainer) -> None:
    doc = export.document(trained)
    assert (doc["format"], doc["version"]) == ("nnplayground-model", 1)
    shapes = [
        (len(ly["weights"]), len(ly["weights"][0]), len(ly["biases"])) for ly in doc["layers"]
    ]
    assert shapes == [(4, 5, 5), (5, 3, 3), (3, 1, 1)]
    # The frame's flat weights (layer by layer, source-major) are the same numbers.
    weights = trained.probe((0,)).arrays(0)["weights"][0]
    flat = np.concatenate([np.asarray(ly["weights"], np.float32).ravel() for ly in doc["layers"]])
    np.testing.assert_array_equal(flat, weights)
    json.loads(export.dumps(doc))  # strict JSON (no NaN)


# -- bad files ---------------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):  # the first rows of long arrays are enough
            out += _paths(v, (*path, i))
    return out


@st.composite
def mutated(draw: st.DrawFn, doc: dict[str, Any]) -> tuple[Any, tuple[Any, ...]]:
    doc = copy.deepcopy(doc)
    paths = [p for p in _paths(doc) if p]
    path = draw(st.sampled_from(paths))
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    if draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(json_values)
    return doc, path


FIELD = re.compile(r"^([a-z_]+)[\w.\[\]]*: ")


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_bad_files_are_refused_by_field_and_change_nothing(
    trained: Trainer, data: st.DataObject
) -> None:
    doc = export.document(trained)
    target = trained.select([0])  # a copy to import into
    before, config, step = _leaves(target), target.configs[0], int(target.step[0])
    bad, path = data.draw(mutated(doc))
    try:
        export.load(target, bad)
    except ValueError as exc:
        event("refused")
        found = FIELD.match(str(exc))
        assert found and found.group(1) in ROOTS, (str(exc), path)
        for a, b in zip(before, _leaves(target), strict=True):
            np.testing.assert_array_equal(a, b)
        assert (target.configs[0], int(target.step[0])) == (config, step)
        return
    # Accepted (still a valid file, e.g. another number for a weight): the import took exactly
    # the file's weights.
    event("accepted")
    for got, want in zip(export.document(target)["layers"], bad["layers"], strict=True):
        for key in ("weights", "biases"):
            np.testing.assert_array_equal(
                np.asarray(got[key], np.float32), np.asarray(want[key], np.float32), str(path)
            )


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("{", "file"),
        ("[]", "file"),
        ('{"format": "other"}', "format"),
        ('{"format": "nnplayground-model", "version": 2}', "version"),
    ],
)
def test_not_a_model_file(trained: Trainer, text: str, field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: "):
        export.load(trained.select([0]), export.loads(text))


def test_named_fields(trained: Trainer) -> None:
    doc = export.document(trained)
    cases = {
        "config.learning_rate": ("config", "learning_rate", "fast"),
        "layers[1].biases": (
            "layers",
            1,
            {"weights": doc["layers"][1]["weights"], "biases": [1.0]},
        ),
        "training.optimizer.kind": ("config", "optimizer", "sgd"),
        "step": ("step", None, -3),
        "points": ("points", None, [[0.0, 0.0, 7.0], [1.0, 1.0, 0.0]]),
        "config: 'a: b'": ("config", "a: b", 1),  # a stray key: the field stays parseable
        "layers[0]: unknown field 'x'": ("layers", 0, {**doc["layers"][0], "x": 1}),
    }
    for field, (key, sub, value) in cases.items():
        bad = copy.deepcopy(doc)
        if sub is None:
            bad[key] = value
        else:
            bad[key][sub] = value
        with pytest.raises(ValueError, match=rf"^{re.escape(field)}"):
            export.parse(bad, trained.capacity)


def test_batch_norm_models_are_refused_by_name_both_ways(trained: Trainer) -> None:
    """Version 1 has no place for batch-norm statistics: exporting such a model, or importing a
    file that claims it, fails naming the field and changes nothing."""
    normed = Trainer([RunConfig(batch_norm=True)])
    with pytest.raises(FieldError) as out:
        export.document(normed)
    assert out.value.field == "batch_norm"
    doc = export.document(trained)
    doc["config"]["batch_norm"] = True
    before = jax.tree.map(np.asarray, trained.state)
    with pytest.raises(FieldError) as back:
        export.load(trained, doc)
    assert back.value.field == "config.batch_norm"
    after = jax.tree.map(np.asarray, trained.state)
    assert all(
        np.array_equal(a, b)
        for a, b in zip(jax.tree.leaves(before), jax.tree.leaves(after), strict=True)
    )
