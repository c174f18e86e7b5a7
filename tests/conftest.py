"""Shared fixtures: strict JAX numerics and a real `nnplayground serve` on a free loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import jax
import pytest

from nnplayground.benchmark import serve
from nnplayground.benchmark.serve import ServerProcess, free_port

# Rank promotion hides shape bugs (a (K,) vector silently broadcast against (K, n)); make it fail.
jax.config.update("jax_numpy_rank_promotion", "raise")

ROOT = Path(__file__).resolve().parents[1]
__all__ = ["ROOT", "LiveServer", "free_port", "start_server"]  # what test modules import


# The tests start servers exactly as the benchmark does (one implementation of "spawn, then
# wait for /api/health"); tests also wait until the background compiles are done, so compile
# counts, thread counts and frame rates are not skewed by them.
LiveServer = ServerProcess


def start_server(
    tmp_dir: Path, env: dict[str, str] | None = None, ready_timeout: float = 120.0
) -> LiveServer:
    """Start `nnplayground serve` as a subprocess; return once it answers and is warm."""
    server = serve.start(env, ready_timeout, log_dir=tmp_dir)
    try:
        server.wait_warm(ready_timeout)
    except BaseException:
        server.stop()
        raise
    return server


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
