"""A real `nnplayground serve` subprocess on a free loopback port, watched with psutil."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    started_at: float  # time.perf_counter() just before the process was spawned

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def ps(self) -> psutil.Process:
        return psutil.Process(self.process.pid)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def health(self, timeout: float = 5.0) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/api/health", timeout=timeout) as r:
            body: dict[str, Any] = json.loads(r.read())
            return body

    def compiles(self) -> int:
        """JAX compilations since the server started (the `compiles` field of /api/health)."""
        health = self.health()
        if "compiles" not in health:
            raise RuntimeError("/api/health has no 'compiles' field: cannot count recompiles")
        return int(health["compiles"])

    def wait_warm(self, timeout: float = 120.0) -> None:
        """Wait until the server's background start-up compiles are done (health "warm")."""
        deadline = time.monotonic() + timeout
        while not self.health().get("warm", True):
            if time.monotonic() > deadline:
                raise RuntimeError(f"server not warm after {timeout} s")
            time.sleep(0.1)

    def rss_mb(self) -> float:
        return float(self.ps.memory_info().rss) / 2**20

    def stop(self, timeout: float = 10.0) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)


def start(
    env: dict[str, str] | None = None, ready_timeout: float = 120.0, log_dir: Path | None = None
) -> ServerProcess:
    """Spawn the server and return once /api/health answers (the first frame's functions are
    warm by then; `wait_warm` waits for the rest)."""
    port = free_port()
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="nnplayground-bench-"))
    log_path = log_dir / f"server-{port}.log"
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    started_at = time.perf_counter()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "nnplayground.cli", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=full_env,
        )  # fmt: skip
    server = ServerProcess(process, port, log_path, started_at)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{server.log()}")
        try:
            server.health(timeout=1.0)
            return server
        except OSError:
            time.sleep(0.02)
    server.stop()
    raise RuntimeError(f"server not ready after {ready_timeout} s:\n{server.log()}")
