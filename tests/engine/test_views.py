"""The optional views (issue 15) against the independent NumPy MLP of `mlp_reference`: the loss
landscape, the hidden-layer warp, the backprop inspector and the confusion matrices."""

from __future__ import annotations

import itertools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import enable_x64

from engine import mlp_reference as ref
from nnplayground.engine import DEFAULT_CAPACITY, RunConfig, Trainer, registry, warmup
from nnplayground.engine.backprop import example_pass, inspect_point
from nnplayground.engine.compiles import CompileCounter
from nnplayground.engine.confusion import confusion
from nnplayground.engine.confusion import warm as warm_confusion
from nnplayground.engine.landscape import Trajectory, landscape
from nnplayground.engine.landscape import warm as warm_landscape
from nnplayground.engine.lane_view import lane_view, param_masks
from nnplayground.engine.lanes import hyper_of
from nnplayground.engine.losses import HEADS, head_of
from nnplayground.engine.model import Params
from nnplayground.engine.probe import active_weights
from nnplayground.engine.warp import LINES, SAMPLES, line_points, warp
from nnplayground.engine.warp import warm as warm_warp

BASE = RunConfig(hidden_layers=(5, 3, 4), features=("x1", "x2", "x1x2", "sinx2", "cosx1"))
HEAD_CONFIGS = {
    "binary_logistic": BASE,
    "binary_mse": BASE.replace(loss="mse"),
    "binary_hinge": BASE.replace(loss="hinge"),
    "softmax": BASE.replace(dataset="blobs", num_classes=4),
    "multi_mse": BASE.replace(dataset="blobs", num_classes=4, loss="mse"),
    "multi_hinge": BASE.replace(dataset="blobs", num_classes=4, loss="hinge"),
    "ovr_logistic": BASE.replace(dataset="blobs", num_classes=4, loss="logistic"),
    "regression": BASE.replace(problem="regression", dataset="surface"),
}


def _trained(cfg: RunConfig, steps: int = 60, snaps: int = 0) -> tuple[Trainer, Trajectory]:
    t = Trainer([cfg])
    traj = Trajectory()
    for _ in range(max(snaps, 1)):
        t.train(steps)
        if snaps:
            traj.record(lane_view(t, 0).params)
    return t, traj


def _train_split(t: Trainer) -> tuple[np.ndarray, np.ndarray]:
    x, y, split = t.points(0)
    return x[split == 1].astype(np.float64), y[split == 1].astype(np.float64)


# -- loss landscape ---------------------------------------------------------------------------
@pytest.mark.parametrize("head", ["binary_logistic", "softmax", "regression"])
@pytest.mark.parametrize("mode", ["pca", "random"])
def test_landscape_matches_numpy(head: str, mode: str) -> None:
    cfg = HEAD_CONFIGS[head].replace(optimizer="momentum", learning_rate=0.03)
    t, traj = _trained(cfg, steps=15, snaps=12)
    got = landscape(t, 0, traj, mode)
    g = got.grid.shape[0]
    assert got.grid.shape == (g, g) and g >= 31 and got.grid.dtype == np.float32
    assert got.directions == mode  # 12 distinct snapshots span a plane: PCA does not fall back
    # The centre is the current training loss, as the frames report it.
    train_loss = float(t.evaluate().train_loss[0])
    assert got.center_loss == pytest.approx(train_loss, rel=1e-5, abs=1e-6)
    assert float(got.grid[g // 2, g // 2]) == got.center_loss
    # The path is the recorded trajectory and ends at the centre.
    assert got.path.shape == (12, 2) and np.all(got.path[-1] == 0.0)
    assert np.max(np.abs(got.path)) <= got.span
    # Grid points are the NumPy loss at θ + a·d1 + b·d2 (row 0 is b = +span, column 0 a = -span).
    x, y = _train_split(t)
    params = lane_view(t, 0).params
    for i, j in [(0, 0), (0, g - 1), (g - 1, 3), (7, 22), (g // 2, g // 2)]:
        alpha = -got.span + 2 * got.span * j / (g - 1)
        beta = got.span - 2 * got.span * i / (g - 1)
        at = Params(
            *(np.asarray(p, np.float64) + alpha * np.asarray(u, np.float64)
              + beta * np.asarray(v, np.float64) for p, u, v in zip(params, got.d1, got.d2, strict=True))
        )  # fmt: skip
        expected = ref.mean_loss(ref.active_layers(at, cfg), cfg, x, y)
        assert float(got.grid[i, j]) == pytest.approx(expected, rel=2e-4, abs=1e-5), (i, j)
    # Directions stay inside the architecture: no padded parameter moves.
    masks = param_masks(lane_view(t, 0).hp)
    for d in (got.d1, got.d2):
        for leaf, m in zip(d, masks, strict=True):
            assert np.all(np.asarray(leaf)[np.asarray(m) == 0] == 0)


def test_pca_path_lies_in_the_plane() -> None:
    # Plain SGD on a net with 2 biases moving… any trajectory confined to a plane is reproduced.
    t, traj = _trained(BASE, steps=20, snaps=3)
    got = landscape(t, 0, traj, "pca")
    assert got.directions == "pca"
    current = lane_view(t, 0).params
    for snap, (a, b) in zip(traj.snapshots(), got.path, strict=True):
        flat = np.concatenate([np.asarray(p, np.float64).ravel() for p in current])
        d1 = np.concatenate([np.asarray(p, np.float64).ravel() for p in got.d1])
        d2 = np.concatenate([np.asarray(p, np.float64).ravel() for p in got.d2])
        # Three points always lie in a plane through the last: the projection is exact.
        np.testing.assert_allclose(flat + a * d1 + b * d2, snap, atol=1e-5)


def test_landscape_falls_back_to_random_without_a_path() -> None:
    t, traj = _trained(BASE, steps=5, snaps=0)
    got = landscape(t, 0, traj, "pca")
    assert got.directions == "random" and got.span == 1.0
    assert got.path.shape == (1, 2) and np.all(got.path == 0)
    with pytest.raises(ValueError, match="directions"):
        landscape(t, 0, traj, "sideways")


# -- hidden-layer warp ------------------------------------------------------------------------
@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid"])
def test_warp_equals_numpy_layer_activations(activation: str) -> None:
    cfg = BASE.replace(activation=activation)
    t, _ = _trained(cfg)
    layers = ref.active_layers(lane_view(t, 0).params, cfg)
    x, _, _ = t.points(0)
    lines = line_points()
    for layer, pair in [(1, (0, 4)), (2, (2, 1)), (3, (3, 3))]:
        got = warp(t, 0, layer, pair)
        _, acts = ref.forward(layers, cfg, lines.reshape(-1, 2))
        want = acts[layer - 1][:, list(pair)].reshape(2 * LINES, SAMPLES, 2)
        np.testing.assert_allclose(got.lines, want, rtol=1e-4, atol=1e-5)
        _, acts = ref.forward(layers, cfg, x)
        np.testing.assert_allclose(got.points, acts[layer - 1][:, list(pair)], rtol=1e-4, atol=1e-5)
        assert got.header()["neurons"] == list(pair) and got.boundary is None


def test_warp_pca_and_the_final_linear_separation() -> None:
    cfg = RunConfig(hidden_layers=(6, 2), activation="tanh", dataset="circle")
    t, _ = _trained(cfg, steps=300)
    layers = ref.active_layers(lane_view(t, 0).params, cfg)
    x, _, _ = t.points(0)
    zs, acts = ref.forward(layers, cfg, x)
    # Two neurons in the last hidden layer: the output's zero line in that plane separates the
    # points exactly as the network classifies them.
    got = warp(t, 0, 2, (0, 1))
    assert got.boundary is not None
    a, b, c = got.boundary
    side = a * got.points[:, 0] + b * got.points[:, 1] + c > 0
    np.testing.assert_array_equal(side, zs[-1][:, 0] > 0)
    # PCA of a 2-neuron layer is a rotation about the mean: distances are kept.
    pca = warp(t, 0, 2, "pca")
    assert pca.axes == "pca" and pca.neurons is None
    h = acts[1]
    np.testing.assert_allclose(pca.points.mean(axis=0), 0.0, atol=1e-4)
    for i, j in [(0, 1), (5, 77), (100, 3)]:
        assert np.linalg.norm(pca.points[i] - pca.points[j]) == pytest.approx(
            np.linalg.norm(h[i] - h[j]), rel=1e-4, abs=1e-5
        )
    for bad, field in [((0, 2), "neurons"), ((0,), "neurons"), ("pc", "neurons")]:
        with pytest.raises(ValueError, match=field):
            warp(t, 0, 2, bad)  # type: ignore[arg-type]
    for layer in (0, 3, True):
        with pytest.raises(ValueError, match="layer"):
            warp(t, 0, layer, (0, 1))


# -- backprop inspector -----------------------------------------------------------------------
def _f64(tree: Any) -> Any:
    return jax.tree.map(
        lambda a: (
            jnp.asarray(a, jnp.float64)
            if np.issubdtype(np.asarray(a).dtype, np.floating)
            else jnp.asarray(a)
        ),
        tree,
    )


@pytest.mark.parametrize("head", HEADS)
def test_inspector_matches_finite_differences(head: str) -> None:
    """δ and ∂loss/∂w, ∂loss/∂b of one example = central differences of the NumPy loss (float64),
    for every activation; random values in the padding must not matter."""
    cfg0 = HEAD_CONFIGS[head]
    assert HEADS[head_of(cfg0)[0]] == head
    rng = np.random.default_rng(HEADS.index(head))
    eps = 1e-6
    with enable_x64():
        for name in registry.ACTIVATIONS:
            cfg = cfg0.replace(activation=name)
            hp = _f64(hyper_of(cfg, DEFAULT_CAPACITY))
            shapes = Params(*(np.shape(m) for m in param_masks(hyper_of(cfg, DEFAULT_CAPACITY))))
            params = Params(*(rng.normal(0, 0.7, s) for s in shapes))
            x = rng.uniform(-6, 6, 2)
            y = rng.uniform(-1, 1) if head == "regression" else float(rng.integers(cfg.classes))
            got = jax.tree.map(
                np.asarray,
                example_pass(_f64(params), hp, jnp.asarray(x), jnp.float64(y), jnp.int32(0)),
            )
            layers = ref.active_layers(params, cfg)
            xs, ys = x[None, :], np.asarray([y])

            def loss_of(
                ls: ref.Layers,
                nudge: tuple[int, int, float] | None = None,
                cfg: RunConfig = cfg,
                xs: np.ndarray = xs,
                ys: np.ndarray = ys,
            ) -> float:
                zs, _ = ref.forward(ls, cfg, xs, nudge)
                return float(ref.per_example_loss(cfg, zs[-1], ys)[0])

            zs, acts = ref.forward(layers, cfg, xs)
            assert float(got["loss"]) == pytest.approx(loss_of(layers), rel=1e-12, abs=1e-12)
            widths = list(cfg.hidden_layers)
            n_out = head_of(cfg)[1]
            deltas = [got["dz"][i, :w] for i, w in enumerate(widths)] + [got["dlogits"][:n_out]]
            for i, (z, d) in enumerate(zip(zs, deltas, strict=True)):
                np.testing.assert_allclose(got["z"][i, : z.shape[1]] if i < len(widths)
                                           else got["logits"][:n_out], z[0], rtol=1e-12)  # fmt: skip
                numeric = [
                    (loss_of(layers, (i, u, eps)) - loss_of(layers, (i, u, -eps))) / (2 * eps)
                    for u in range(z.shape[1])
                ]
                np.testing.assert_allclose(d, numeric, rtol=1e-5, atol=1e-7, err_msg=f"{name} δ{i}")
            for i, a in enumerate(acts):
                np.testing.assert_allclose(got["a"][i, : a.shape[1]], a[0], rtol=1e-12, atol=1e-15)
            # Weight and bias gradients, every active entry, against the NumPy loss.
            slots = [registry.FEATURES.index(f) for f in cfg.features]
            sources = [np.asarray(slots)] + [np.arange(w) for w in widths]
            gw = [got["grads"].w[i][sources[i]][:, :w] for i, w in enumerate(widths)]
            gw.append(got["grads"].wo[sources[-1]][:, :n_out])
            gb = [got["grads"].b[i, :w] for i, w in enumerate(widths)] + [got["grads"].bo[:n_out]]
            for i in range(len(layers)):
                for which, analytic in ((0, gw[i]), (1, gb[i])):
                    numeric = np.zeros_like(analytic)
                    for idx in np.ndindex(analytic.shape):
                        for sign in (1.0, -1.0):
                            moved = [(w.copy(), b.copy()) for w, b in layers]
                            moved[i][which][idx] += sign * eps
                            numeric[idx] += sign * loss_of(moved) / (2 * eps)
                    np.testing.assert_allclose(
                        analytic, numeric, rtol=1e-5, atol=1e-7, err_msg=f"{name} layer {i}/{which}"
                    )


def test_inspect_lists_and_apply_is_one_sgd_step() -> None:
    cfg = HEAD_CONFIGS["softmax"].replace(learning_rate=0.1, schedule="time", decay_rate=0.01)
    t, _ = _trained(cfg, steps=40)
    x, y, _ = t.points(0)
    point = 17
    got = inspect_point(t, 0, point)
    widths = [len(cfg.features), *cfg.hidden_layers, head_of(cfg)[1]]
    assert [len(a) for a in got.activations] == widths
    assert [len(z) for z in got.preactivations] == widths[1:] == [len(d) for d in got.deltas]
    assert [len(b) for b in got.bias_grads] == widths[1:]
    assert [len(w) for w in got.weight_grads] == [a * b for a, b in itertools.pairwise(widths)]
    # Forward values are the NumPy network's; softmax outputs are probabilities.
    layers = ref.active_layers(lane_view(t, 0).params, cfg)
    zs, acts = ref.forward(layers, cfg, x[point : point + 1])
    for z, want in zip(got.preactivations, zs, strict=True):
        np.testing.assert_allclose(z, want[0], rtol=1e-5, atol=1e-6)
    for a, want in zip(got.activations[1:-1], acts, strict=True):
        np.testing.assert_allclose(a, want[0], rtol=1e-5, atol=1e-6)
    assert sum(got.activations[-1]) == pytest.approx(1.0, abs=1e-6)
    # Chain rule, source-major like frame weights: ∂loss/∂w[s → t] = a_s · δ_t.
    for i, wg in enumerate(got.weight_grads):
        outer = np.outer(got.activations[i], got.deltas[i]).ravel()
        np.testing.assert_allclose(wg, outer, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.concatenate(got.bias_grads), np.concatenate(got.deltas))
    # The learning rate is the scheduled one at the current step (time decay).
    assert got.learning_rate == pytest.approx(0.1 / (1 + 0.01 * 40), rel=1e-6)
    # Apply: weights change by exactly -lr x gradient (float32), nothing else moves.
    w0, b0 = active_weights(t.state.params, t.configs[0], 0)
    step0 = t.step.copy()
    applied = inspect_point(t, 0, point, apply=True)
    w1, b1 = active_weights(t.state.params, t.configs[0], 0)
    lr = np.float32(applied.learning_rate)
    flat_w = np.concatenate(applied.weight_grads).astype(np.float32)
    flat_b = np.concatenate(applied.bias_grads).astype(np.float32)
    np.testing.assert_array_equal(w1, w0 - lr * flat_w)
    np.testing.assert_array_equal(b1, b0 - lr * flat_b)
    assert np.array_equal(t.step, step0)
    after = ref.active_layers(lane_view(t, 0).params, cfg)
    want = ref.mean_loss(after, cfg, x[point : point + 1], y[point : point + 1])
    assert applied.loss_after == pytest.approx(want, rel=1e-5)
    assert applied.loss_after < applied.loss  # a small step downhill on its own example
    for bad in (-1, len(x), True, 2.5):
        with pytest.raises(ValueError, match="point"):
            inspect_point(t, 0, bad)  # type: ignore[arg-type]


# -- confusion --------------------------------------------------------------------------------
@pytest.mark.parametrize("head", ["binary_logistic", "binary_hinge", "softmax", "ovr_logistic"])
def test_confusion_counts_numpy_predictions(head: str) -> None:
    cfg = HEAD_CONFIGS[head].replace(val_ratio=0.2, train_ratio=0.5)
    t, _ = _trained(cfg, steps=80)
    got = confusion(t, 0)
    assert got is not None
    x, y, split = t.points(0)
    zs, _ = ref.forward(ref.active_layers(lane_view(t, 0).params, cfg), cfg, x)
    pred = ref.predict(cfg, zs[-1])
    k = cfg.classes
    for code, name in enumerate(("train", "val", "test"), start=1):
        want = np.zeros((k, k), np.int64)
        np.add.at(want, (y[split == code].astype(int), pred[split == code]), 1)
        np.testing.assert_array_equal(got[name], want, err_msg=name)
    assert confusion(Trainer([HEAD_CONFIGS["regression"]]), 0) is None


# -- compiles ---------------------------------------------------------------------------------
def test_views_never_recompile_within_the_capacity() -> None:
    warmup()  # what a server warms, the views included (the warm_* calls below add nothing)
    t = Trainer([RunConfig()])
    traj = Trajectory()
    warm_landscape(t)
    warm_warp(t)
    warm_confusion(t)
    inspect_point(t, 0, 0, apply=True)
    script: list[dict[str, Any]] = [
        {"activation": "relu"}, {"optimizer": "adam"}, {"hidden_layers": [8, 8, 8, 8, 8, 8]},
        {"hidden_layers": [2]}, {"features": ["x1", "sinx2"]}, {"num_points": 1990},
        {"num_points": 10}, {"dataset": "blobs", "num_classes": 5}, {"loss": "hinge"},
        {"problem": "regression"}, {"batch_size": 40},
    ]  # fmt: skip
    t.train(1)
    with CompileCounter() as counter:
        for changes in script:
            t.apply(0, t.configs[0].replace(**changes))
            for _ in range(3):
                t.train(5)
                traj.record(lane_view(t, 0).params)
            for mode in ("pca", "random"):
                assert landscape(t, 0, traj, mode).grid.shape == (31, 31)
            depth = t.configs[0].depth
            if depth:
                warp(t, 0, depth, (0, 0))
                warp(t, 0, depth, "pca")
            inspect_point(t, 0, 1, apply=True)
            confusion(t, 0)
    assert counter.count == 0, (counter.traces, counter.compiles)
