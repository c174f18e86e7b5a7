"""nnplayground from Python (docs/client.md): train a network, read what the page shows as NumPy.

    python docs/client_example.py                          # starts a server in the background
    python docs/client_example.py http://127.0.0.1:8000    # or uses a running one

Prints a few lines for people and, last, one JSON line of numbers (tests/test_client.py runs this
file against a real server and checks them).
"""

from __future__ import annotations

import json
import sys

import numpy as np

from nnplayground.client import Playground


def forward(layers: list[tuple[np.ndarray, np.ndarray]], points: np.ndarray) -> np.ndarray:
    """p(class 1) of a tanh network with inputs x1, x2, computed here from its weights."""
    h = points
    for w, b in layers[:-1]:
        h = np.tanh(h @ w + b)
    w, b = layers[-1]
    p: np.ndarray = 1.0 / (1.0 + np.exp(-(h @ w + b)[:, 0]))
    return p


def main(url: str | None) -> dict[str, object]:
    with Playground(url) if url else Playground.start() as pg:
        pg.set(dataset="xor", features=["x1", "x2"], hidden_layers=[4], activation="tanh",
               optimizer="adam", learning_rate=0.03, seed=1)  # fmt: skip
        pg.reset()
        metrics = pg.train(steps=1000)
        print(f"step {pg.step}: test accuracy {metrics['test_accuracy']:.3f}")

        x, y, split = pg.points()  # (N, 2), (N,), (N,): 1 train, 2 validation, 3 test
        layers = pg.weights()  # [(W (in, out), b (out,)), ...]
        output = pg.output()  # (100, 100), row 0 at x2 = +6

        # The map is the network: recompute it from the weights on the same grid.
        g = 100
        c = -6 + (np.arange(g) + 0.5) * 12 / g
        grid = np.stack([np.tile(c, g), np.repeat(c[::-1], g)], axis=1)
        map_error = float(np.abs(forward(layers, grid).reshape(g, g) - output).max())
        test = split == 3
        own_accuracy = float(np.mean((forward(layers, x[test]) > 0.5) == (y[test] > 0.5)))
        print(f"map recomputed from the weights: max difference {map_error:.4f}")

        epoch_metrics = pg.train(epochs=2)
        steps_after_epochs = pg.step

        # Save the model, start over, load it back: the same model, the same numbers.
        name, text = pg.export("json")
        pg.reset()
        pg.load(text)
        print(f"saved and reloaded {name}")
        return {
            "step": 1000,
            "test_accuracy": metrics["test_accuracy"],
            "own_test_accuracy": own_accuracy,
            "map_error": map_error,
            "shapes": [[list(w.shape), list(b.shape)] for w, b in layers],
            "points": len(x),
            "train_points": int(np.sum(split == 1)),
            "steps_after_epochs": steps_after_epochs,
            "epoch_test_loss": epoch_metrics["test_loss"],
            "reloaded_step": pg.step,
            "reloaded_test_loss": pg.metrics["test_loss"],
            "file": name,
        }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else None)))
