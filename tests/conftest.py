"""Shared fixtures: strict JAX numerics and a real `nnplayground serve` on a free loopback port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import jax
import pytest

# Rank promotion hides shape bugs (a (K,) vector silently broadcast against (K, n)); make it fail.
jax.config.update("jax_numpy_rank_promotion", "raise")

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    """A real server process; `url` is http://127.0.0.1:PORT, `ws_url` its websocket endpoint."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def start_server(
    tmp_dir: Path, env: dict[str, str] | None = None, ready_timeout: float = 120.0
) -> LiveServer:
    """Start `nnplayground serve` as a subprocess and wait until /api/health answers."""
    port = free_port()
    log_path = tmp_dir / f"server-{port}.log"
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "nnplayground.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=full_env, cwd=ROOT,
        )  # fmt: skip
    server = LiveServer(process, port, log_path)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            with urllib.request.urlopen(f"{server.url}/api/health", timeout=1) as r:
                # Ready for a test means warm: background compiles would skew compile counts,
                # thread counts and frame rates.
                if r.status == 200 and json.loads(r.read()).get("warm", True):
                    return server
                time.sleep(0.1)
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server not ready after {ready_timeout} s:\n{server.log()}")


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server shared by the tests that don't need a private one."""
    server = start_server(tmp_path_factory.mktemp("live"))
    yield server
    server.stop()
    # Whatever the tests sent, the server must not have logged a traceback (issue 6).
    assert "Traceback" not in server.log(), server.log()[-4000:]


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    """A private server with its own settings (env vars NNPLAYGROUND_*); stopped after the test."""
    started: list[LiveServer] = []

    def make(**env: str) -> LiveServer:
        server = start_server(tmp_path, {f"NNPLAYGROUND_{k.upper()}": v for k, v in env.items()})
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
