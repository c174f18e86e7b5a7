"""A synchronous Python client for notebooks (docs/client.md).

    from nnplayground.client import Playground

    with Playground.start() as pg:            # or Playground("http://127.0.0.1:8000")
        pg.set(dataset="xor", hidden_layers=[4], learning_rate=0.1)
        pg.train(steps=500)
        pg.metrics["test_accuracy"], pg.output().shape      # (100, 100) NumPy array

One websocket, read only while a method waits for its answer (a session's frames are
latest-wins, so nothing piles up in between). Arrays are decoded from the self-describing binary
frame (docs/architecture.md §4). Imports only the standard library, NumPy and `websockets`.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from types import TracebackType
from typing import Any

import numpy as np
from websockets.sync.client import ClientConnection, connect

JsonDict = dict[str, Any]


class PlaygroundError(ValueError):
    """The server refused a message; `field` names what was wrong (or None)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field


def decode_frame(message: bytes) -> tuple[JsonDict, dict[str, np.ndarray]]:
    """A binary frame → (header, arrays decoded to float64 where quantised: min + q·scale)."""
    (n,) = struct.unpack_from("<I", message, 0)
    header: JsonDict = json.loads(message[4 : 4 + n])
    body = memoryview(message)[4 + n :]
    arrays: dict[str, np.ndarray] = {}
    for d in header["arrays"]:
        dtype = np.dtype(d["dtype"]).newbyteorder("<")
        count = math.prod(d["shape"])
        raw = np.frombuffer(body, dtype, count, int(d["offset"])).reshape(d["shape"])
        if d.get("scale") is not None:
            arrays[d["name"]] = float(d.get("min") or 0.0) + raw * float(d["scale"])
        else:
            arrays[d["name"]] = raw.copy()
    return header, arrays


class Playground:
    """One session on an nnplayground server (a browser tab without the page)."""

    def __init__(self, url: str = "http://127.0.0.1:8000", timeout: float = 60.0) -> None:
        ws_url = url.rstrip("/").replace("http", "ws", 1) + "/ws"
        self.timeout = timeout
        self.server: subprocess.Popen[bytes] | None = None
        # Entered by hand (websockets 17 wants a context manager); `close()` exits it.
        self._cm = connect(ws_url, open_timeout=timeout, max_size=2**26, proxy=None)
        self._ws: ClientConnection = self._cm.__enter__()
        hello: JsonDict = json.loads(self._ws.recv(timeout))
        self.hello = hello
        self.config: JsonDict = hello["config"]
        self.rev: int = hello["rev"]
        self.step: int = hello["step"]
        self.limits: JsonDict = hello["limits"]
        self.header: JsonDict = {}
        self.arrays: dict[str, np.ndarray] = {}
        self._points: dict[str, np.ndarray] = {}
        self._export: JsonDict | None = None
        self._status: JsonDict = {}  # the last status message
        self._statuses = 0  # status messages seen
        self._wait(lambda: bool(self.header))  # the first frame carries the points

    # -- a background server ---------------------------------------------------------------------
    @classmethod
    def start(cls, port: int | None = None, timeout: float = 120.0, **settings: str) -> Playground:
        """Start `nnplayground serve` on a free loopback port (settings as NNPLAYGROUND_* env
        vars, e.g. `max_lanes="2"`) and connect; `close()` stops it."""
        if port is None:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = int(s.getsockname()[1])
        env = {**os.environ, **{f"NNPLAYGROUND_{k.upper()}": v for k, v in settings.items()}}
        cmd = [sys.executable, "-m", "nnplayground.cli", "serve", "--host", "127.0.0.1",
               "--port", str(port)]  # fmt: skip
        process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/health", timeout=1.0):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    raise RuntimeError(
                        f"the server did not start (exit {process.poll()})"
                    ) from None
                time.sleep(0.05)
        try:
            pg = cls(url, timeout)
        except BaseException:
            process.kill()
            raise
        pg.server = process
        return pg

    def close(self) -> None:
        """Close the connection (and stop the server `start` began)."""
        self._cm.__exit__(None, None, None)
        if self.server is not None:
            self.server.terminate()
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
            self.server = None

    def __enter__(self) -> Playground:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- messages --------------------------------------------------------------------------------
    def _send(self, message: JsonDict) -> None:
        self._ws.send(json.dumps(message))

    def _receive(self, timeout: float) -> None:
        message = self._ws.recv(timeout)
        if isinstance(message, bytes):
            self.header, self.arrays = decode_frame(message)
            self.step = int(self.header["step"])
            if "points" in self.arrays:
                self._points = {"points": self.arrays["points"], "split": self.arrays["split"]}
            return
        text: JsonDict = json.loads(message)
        kind = text["type"]
        if kind == "error":
            raise PlaygroundError(text.get("field"), text["message"])
        if kind == "config":
            self.config, self.rev = text["config"], text["rev"]
        elif kind == "status":
            self._status = text
            self._statuses += 1
        elif kind == "export":
            self._export = text

    def _wait(self, done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + self.timeout
        while not done():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the server")
            self._receive(left)

    def _frame_after(self, rev: int, step: int | None = None) -> None:
        """Wait for a frame that reflects config `rev` and `step`, with metrics measured there."""

        def fresh() -> bool:
            h = self.header
            if not h or h["config_rev"] < rev:
                return False
            return step is None or (h["step"] == step and h["metrics_step"] == step)

        self._wait(fresh)

    # -- the session -----------------------------------------------------------------------------
    def set(self, **changes: Any) -> JsonDict:
        """Change config fields (docs/architecture.md §2); returns the applied config."""
        rev = self.rev
        self._send({"type": "config", **changes})
        self._wait(lambda: self.rev > rev)
        self._frame_after(self.rev)
        return self.config

    def reset(self) -> None:
        """Re-initialise the model from its seed (step 0)."""
        self._control({"type": "control", "action": "reset"})
        self._frame_after(self.rev, 0)

    def _control(self, message: JsonDict) -> int:
        """Send a message answered by a status; the step it reports."""
        seen = self._statuses
        self._send(message)
        self._wait(lambda: self._statuses > seen)
        return int(self._status["step"])

    def train(self, steps: int | None = None, epochs: int | None = None) -> JsonDict:
        """Train exactly `steps` minibatch steps or `epochs` epochs (paused after); returns the
        metrics measured at the new step."""
        if (steps is None) == (epochs is None):
            raise ValueError("train: give steps or epochs")
        step = self.step
        for _ in range(epochs or 0):
            step = self._control({"type": "control", "action": "epoch"})
        left = steps or 0
        limit = int(self.limits.get("max_steps_per_frame", 10_000))
        while left > 0:
            step = self._control({"type": "train", "steps": min(left, limit)})
            left -= min(left, limit)
        self._frame_after(self.rev, step)
        return self.metrics

    # -- what the page shows ---------------------------------------------------------------------
    @property
    def metrics(self) -> JsonDict:
        """The latest frame's metrics: losses, accuracies (R² for regression), norms, rate."""
        return dict(self.header.get("metrics", {}))

    def output(self) -> np.ndarray:
        """(100, 100) the output map (image order, x2 = +6 at the top): p(class 1), the winning
        class's probability, or the regression value."""
        return self.arrays["output"].copy()

    def output_class(self) -> np.ndarray:
        """(100, 100) int argmax class (K-class models only)."""
        return self.arrays["output_class"].astype(np.int64)

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(weights (in, out), biases (out,)) per layer]: hidden layers, then the output."""
        cfg = self.config
        n_out = len(self.arrays["biases"]) - sum(cfg["hidden_layers"])
        sizes = [len(cfg["features"]), *cfg["hidden_layers"], n_out]
        w, b = self.arrays["weights"], self.arrays["biases"]
        out, wi, bi = [], 0, 0
        for n_in, n in itertools.pairwise(sizes):
            out.append((w[wi : wi + n_in * n].reshape(n_in, n).copy(), b[bi : bi + n].copy()))
            wi, bi = wi + n_in * n, bi + n
        return out

    def points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x (N, 2), label-or-target (N,), split (N,): 1 train, 2 validation, 3 test)."""
        rows, split = self._points["points"], self._points["split"]
        return rows[:, :2].copy(), rows[:, 2].copy(), split.astype(np.int64)

    # -- model files (docs/model-format.md) ------------------------------------------------------
    def export(self, fmt: str = "json") -> tuple[str, str]:
        """(file name, text) of the model as "json", "python" (NumPy predict) or "jax"."""
        self._export = None
        self._send({"type": "export", "format": fmt})
        self._wait(lambda: self._export is not None)
        assert self._export is not None
        return self._export["filename"], self._export["text"]

    def load(self, text: str) -> JsonDict:
        """Import a model file's text; returns the config it brought."""
        rev = self.rev
        step = self._control({"type": "import", "text": text})  # config echo, then status
        self._wait(lambda: self.rev > rev)
        self._frame_after(self.rev, step)
        return self.config
