"""Code generation from a model document (engine/export.py): a NumPy-only `predict` script and a
readable JAX + optax script that trains the same config from scratch on the same data.

Both are plain text built from small templates; every number is written with `repr` (the
shortest decimal that reads back to the same float), so the NumPy script holds the exact weights.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nnplayground.engine.config import Capacity
from nnplayground.engine.features import feature_slots

FEATURE_CODE = {
    "x1": "x1",
    "x2": "x2",
    "x1sq": "x1 * x1",
    "x2sq": "x2 * x2",
    "x1x2": "x1 * x2",
    "sinx1": "np.sin(x1)",
    "sinx2": "np.sin(x2)",
    "cosx1": "np.cos(x1)",
    "cosx2": "np.cos(x2)",
}  # registry.FEATURES; the same formulas as engine/features.py

# NumPy twins of engine/model.ACTIVATION_FNS (jax.nn's definitions, e.g. gelu's tanh form).
ACTIVATION_CODE = {
    "tanh": "np.tanh(z)",
    "relu": "np.maximum(z, 0.0)",
    "sigmoid": "1.0 / (1.0 + np.exp(-z))",
    "linear": "z",
    "leaky_relu": "np.where(z >= 0, z, 0.01 * z)",
    "elu": "np.where(z > 0, z, np.expm1(np.minimum(z, 0.0)))",
    "gelu": "0.5 * z * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (z + 0.044715 * z**3)))",
    "softplus": "np.logaddexp(0.0, z)",
    "sin": "np.sin(z)",
    "step": "np.where(z > 0, 1.0, 0.0)",
}

SINGLE_UNIT = ("binary_logistic", "binary_mse", "binary_hinge")


def _array(values: Any) -> str:
    return f"np.array({values!r})"


def _title(doc: dict[str, Any]) -> str:
    cfg = doc["config"]
    arch = "-".join(str(w) for w in cfg["hidden_layers"]) or "no hidden layer"
    return (
        f"{cfg['dataset']} {cfg['problem']}, inputs {', '.join(cfg['features'])}, "
        f"hidden {arch}, {cfg['activation']}, step {doc['step']}"
    )


def _head_code(head: str, classes: int) -> tuple[str, str]:
    """(the body of `predict` after `z` (N, outputs) is known, what it returns in words)."""
    if head == "regression":
        return "return z[:, 0]", "the regression prediction (N,) (the map clips it to [-1, 1])"
    if head in SINGLE_UNIT:
        return "return 1.0 / (1.0 + np.exp(-z[:, 0]))", "p(class 1) (N,)"
    if head == "ovr_logistic":
        probs = "probs = 1.0 / (1.0 + np.exp(-z))  # one-vs-rest sigmoids"
    else:
        probs = "e = np.exp(z - z.max(axis=1, keepdims=True))\n    probs = e / e.sum(axis=1, keepdims=True)"
    if classes == 2:
        return f"{probs}\n    return probs[:, 1]", "p(class 1) (N,)"
    return f"{probs}\n    return probs", f"the {classes} class probabilities (N, {classes})"


def numpy_script(doc: dict[str, Any]) -> str:
    """A self-contained Python + NumPy file: the trained network and `predict(points)`."""
    cfg = doc["config"]
    head = doc["head"]
    # Single-unit heads are binary; K-logit heads have K classes (2 with a softmax head too).
    classes = 2 if head in SINGLE_UNIT else len(doc["layers"][-1]["biases"])
    body, returns = _head_code(head, classes)
    feats = ",\n        ".join(FEATURE_CODE[f] for f in cfg["features"])
    layers = ",\n    ".join(
        f"({_array(layer['weights'])}, {_array(layer['biases'])})" for layer in doc["layers"]
    )
    if head == "regression":
        show = "'+' if v > 0 else '-'"
        legend = "+ prediction > 0, - prediction ≤ 0"
    elif classes > 2:
        show = "str(int(np.argmax(v)))"
        legend = "the predicted class"
    else:
        show = "'#' if v > 0.5 else '.'"
        legend = "# class 1, . class 0"
    return f'''"""A network trained in nnplayground: {_title(doc)}.

Needs only Python 3 and NumPy. `predict(points)` returns what the playground's output map shows:
{returns}. Run as a script, it prints the decision boundary on a grid over [-6, 6]².
Head: {head}; every layer computes activation(h @ W + b), the output layer h @ W + b.
"""

import numpy as np

FEATURES = {list(cfg["features"])!r}
ACTIVATION = {cfg["activation"]!r}
# (weights (inputs, outputs), biases (outputs,)) per layer, hidden layers then the output layer;
# weights[i][j] connects input i to unit j.
LAYERS = [
    {layers},
]


def features(points):
    """points (N, 2) x1, x2 → the network's inputs (N, {len(cfg["features"])}), in FEATURES order."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([
        {feats},
    ], axis=1)


def activation(z):
    return {ACTIVATION_CODE[cfg["activation"]]}


def predict(points):
    """points (N, 2) → {returns}."""
    h = features(np.asarray(points, dtype=np.float64))
    for w, b in LAYERS[:-1]:
        h = activation(h @ w + b)
    w, b = LAYERS[-1]
    z = h @ w + b
    {body}


if __name__ == "__main__":
    # The decision boundary on a 60 x 30 grid (rows from x2 = 6 down to -6): {legend}.
    cols, rows = 60, 30
    x1 = -6 + (np.arange(cols) + 0.5) * 12 / cols
    x2 = 6 - (np.arange(rows) + 0.5) * 12 / rows
    grid = np.stack([np.tile(x1, rows), np.repeat(x2, cols)], axis=1)
    values = predict(grid)
    for r in range(rows):
        print("".join({show} for v in values[r * cols:(r + 1) * cols]))
'''


# -- the JAX + optax training script -------------------------------------------------------------
JAX_ACTIVATION = {
    "tanh": "jnp.tanh", "relu": "jax.nn.relu", "sigmoid": "jax.nn.sigmoid",
    "linear": "lambda z: z", "leaky_relu": "lambda z: jax.nn.leaky_relu(z, 0.01)",
    "elu": "jax.nn.elu", "gelu": "jax.nn.gelu", "softplus": "jax.nn.softplus",
    "sin": "jnp.sin", "step": "lambda z: jnp.where(z > 0, 1.0, 0.0)",
}  # fmt: skip

JAX_LOSS = {
    "binary_logistic": "optax.sigmoid_binary_cross_entropy(z[:, 0], y)",
    "binary_mse": "(jax.nn.sigmoid(z[:, 0]) - y) ** 2",
    "binary_hinge": "jax.nn.relu(1.0 - (2.0 * y - 1.0) * z[:, 0])",
    "softmax": "optax.softmax_cross_entropy_with_integer_labels(z, y.astype(jnp.int32))",
    "multi_mse": "jnp.mean((jax.nn.softmax(z) - jax.nn.one_hot(y, z.shape[1])) ** 2, axis=1)",
    "multi_hinge": "jnp.sum(jax.nn.relu(1.0 + z - jnp.take_along_axis(z, y.astype(jnp.int32)[:, None], 1))"
    " * (1.0 - jax.nn.one_hot(y, z.shape[1])), axis=1)",
    "ovr_logistic": "jnp.sum(optax.sigmoid_binary_cross_entropy(z, jax.nn.one_hot(y, z.shape[1])), axis=1)",
    "regression": "(z[:, 0] - y) ** 2",
}

JAX_OPTIMIZER = {
    "sgd": "optax.sgd(schedule)",
    "momentum": "optax.sgd(schedule, momentum={momentum!r})",
    "nesterov": "optax.sgd(schedule, momentum={momentum!r}, nesterov=True)",
    "adagrad": "optax.adagrad(schedule)",
    "rmsprop": "optax.rmsprop(schedule, decay={momentum!r})",
    "adam": "optax.adam(schedule, b1={beta1!r}, b2={beta2!r})",
    "nadam": "optax.nadam(schedule, b1={beta1!r}, b2={beta2!r})",
}

JAX_SCHEDULE = {
    "constant": "LEARNING_RATE",
    "time": "LEARNING_RATE / (1.0 + {decay_rate!r} * t)",
    "exponential": "LEARNING_RATE * jnp.exp(-{decay_rate!r} * t)",
    "step": "LEARNING_RATE * jnp.exp(-{decay_rate!r} * {decay_steps!r} * jnp.floor(t / {decay_steps!r}))",
}

JAX_INIT = {
    "xavier": "uniform * jnp.sqrt(6.0 / (n_in + n_out))",  # Glorot uniform
    "he": "normal * jnp.sqrt(2.0 / n_in)",
    "zero": "jnp.zeros_like(normal)",
    "small": "normal * 0.01",
    "uniform": "uniform * 0.5",
}


def jax_script(
    doc: dict[str, Any], x: np.ndarray, y: np.ndarray, split: np.ndarray, capacity: Capacity
) -> str:
    """A readable JAX + optax script that trains `doc`'s config from scratch for `doc['step']`
    steps on the data x (N, 2), y (N,), split (N,) (1 train, 2 validation, 3 test).

    It draws its random numbers as the engine does (engine/edits.lane_fresh, train.lane_step:
    padded draws, the same keys), so the same seed starts from the same weights and sees the
    same minibatches and dropout masks."""
    cfg = doc["config"]
    head = doc["head"]
    rows = np.column_stack([x, y, split]).astype(np.float64).tolist()
    data = ",\n    ".join(repr(r) for r in rows)
    feats = ", ".join(FEATURE_CODE[f].replace("np.", "jnp.") for f in cfg["features"])
    sizes = [len(cfg["features"]), *cfg["hidden_layers"], len(doc["layers"][-1]["biases"])]
    sources = [list(feature_slots(tuple(cfg["features"])))]
    sources += [list(range(w)) for w in cfg["hidden_layers"]]
    regression = head == "regression"
    single = head in SINGLE_UNIT
    if regression:
        score = (
            "1.0 - jnp.sum((z[:, 0] - y) ** 2) / jnp.maximum(jnp.sum((y - y.mean()) ** 2), 1e-12)"
        )
    elif single:
        score = "jnp.mean((z[:, 0] > 0) == (y > 0.5))"
    else:
        score = "jnp.mean(jnp.argmax(z, axis=1) == y)"
    return f'''"""Train the nnplayground network "{_title(doc)}" from scratch with JAX and optax.

The same config as in the playground (CONFIG below), on the same data (DATA: x1, x2, label or
target, split 1 train / 2 validation / 3 test), for the same number of steps: change anything and
see what happens. Run: python this_file.py  (needs jax, optax, numpy).
"""

import json

import jax
import jax.numpy as jnp
import numpy as np
import optax

CONFIG = {cfg!r}
STEPS = {max(int(doc["step"]), 1)}
SIZES = {sizes!r}  # units per layer: inputs, hidden layers, outputs
LEARNING_RATE = {cfg["learning_rate"]!r}
BATCH_SIZE = {cfg["batch_size"]}
L1, L2, DROPOUT = {cfg["l1"]!r}, {cfg["l2"]!r}, {cfg["dropout"]!r}

DATA = np.array([
    {data},
])
X, Y, SPLIT = jnp.asarray(DATA[:, :2]), jnp.asarray(DATA[:, 2]), DATA[:, 3]
TRAIN = jnp.asarray(np.flatnonzero(SPLIT == 1))
TEST = jnp.asarray(np.flatnonzero(SPLIT == 3))


def features(x):
    """x (N, 2) → inputs (N, {sizes[0]}): {", ".join(cfg["features"])}."""
    x1, x2 = x[:, 0], x[:, 1]
    return jnp.stack([{feats}], axis=1)


activation = {JAX_ACTIVATION[cfg["activation"]]}


# The playground draws each weight array at its padded size and keeps the entries this network
# uses (SOURCES: the padded row of each layer's inputs), so one seed gives the same start here.
PAD_LAYERS, PAD_WIDTH, PAD_OUTPUTS, PAD_BATCH = {capacity.layers}, {capacity.state_width}, {capacity.classes}, 64
SOURCES = {sources!r}


def scaled(normal, uniform, n_in, n_out):
    """{cfg["init"]} initialisation from a standard normal and a uniform(-1, 1) draw."""
    return {JAX_INIT[cfg["init"]]}


def init_params(seed):
    """[(weights (in, out), biases (out,)) per layer]; biases start at 0."""
    k1, k2, k3, k4 = jax.random.split(jax.random.fold_in(jax.random.PRNGKey(seed), 0), 4)
    shapes = [(k1, k2, (PAD_LAYERS, PAD_WIDTH, PAD_WIDTH))] * (len(SIZES) - 2)
    shapes.append((k3, k4, (PAD_WIDTH, PAD_OUTPUTS)))
    params = []
    for layer, (ka, kb, shape) in enumerate(shapes):
        normal = jax.random.normal(ka, shape)
        uniform = jax.random.uniform(kb, shape, minval=-1.0, maxval=1.0)
        if len(shape) == 3:  # hidden layers share one padded draw
            normal, uniform = normal[layer], uniform[layer]
        n_in, n_out = SIZES[layer], SIZES[layer + 1]
        rows = jnp.asarray(SOURCES[layer])
        w = scaled(normal[rows, :n_out], uniform[rows, :n_out], n_in, n_out)
        params.append((w, jnp.zeros(n_out)))
    return params


def forward(params, x, key=None):
    """Logits (N, {sizes[-1]}); with a key, inverted dropout on the hidden layers."""
    h = features(x)
    if key is not None and DROPOUT > 0:
        keep = jax.random.bernoulli(key, 1.0 - DROPOUT, (PAD_LAYERS, PAD_BATCH, PAD_WIDTH))
    for layer, (w, b) in enumerate(params[:-1]):
        h = activation(h @ w + b)
        if key is not None and DROPOUT > 0:
            h = h * keep[layer, : h.shape[0], : h.shape[1]] / (1.0 - DROPOUT)
    w, b = params[-1]
    return h @ w + b


def loss_fn(params, x, y, key):
    z = forward(params, x, key)
    data_loss = jnp.mean({JAX_LOSS[head]})  # head: {head}
    weights = [w for w, _ in params]  # L1/L2 on weights only, never biases
    penalty = L1 * sum(jnp.sum(jnp.abs(w)) for w in weights)
    penalty += 0.5 * L2 * sum(jnp.sum(w * w) for w in weights)
    return data_loss + penalty


def schedule(t):
    return {JAX_SCHEDULE[cfg["schedule"]].format(**cfg)}


optimizer = {JAX_OPTIMIZER[cfg["optimizer"]].format(**cfg)}


@jax.jit
def train_step(params, opt_state, key):
    """One minibatch step: BATCH_SIZE training rows drawn with replacement."""
    key, sub = jax.random.split(key)
    u = jax.random.uniform(sub, (PAD_BATCH,))[:BATCH_SIZE]
    rows = TRAIN[jnp.minimum(jnp.floor(u * TRAIN.shape[0]).astype(jnp.int32), TRAIN.shape[0] - 1)]
    loss, grads = jax.value_and_grad(loss_fn)(params, X[rows], Y[rows], jax.random.fold_in(sub, 1))
    updates, opt_state = optimizer.update(grads, opt_state, params)
    return optax.apply_updates(params, updates), opt_state, key, loss


def score(params, rows):
    """{"R² of the predictions" if regression else "Accuracy"} on the given rows."""
    z, y = forward(params, X[rows]), Y[rows]
    return float({score})


def main():
    params = init_params(CONFIG["seed"])
    opt_state = optimizer.init(params)
    key = jax.random.fold_in(jax.random.PRNGKey(CONFIG["seed"]), 1)  # the minibatch stream
    for step in range(1, STEPS + 1):
        params, opt_state, key, loss = train_step(params, opt_state, key)
        if step % max(STEPS // 10, 1) == 0:
            print(f"step {{step}}: minibatch loss {{float(loss):.4f}}")
    result = {{"steps": STEPS, "train_accuracy": score(params, TRAIN),
              "test_accuracy": score(params, TEST)}}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
'''
