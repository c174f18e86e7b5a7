"""Private servers for the reliability suite: each module gets one with the settings it tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conftest import LiveServer, start_server

from ._client import assert_no_traceback


@pytest.fixture(scope="module")
def module_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., LiveServer]]:
    """`module_server(**settings)` starts a server shared by one module; checks its log at the end."""
    started: list[LiveServer] = []

    def make(**env: str) -> LiveServer:
        tmp = tmp_path_factory.mktemp("reliability")
        server = start_server(tmp, {f"NNPLAYGROUND_{k.upper()}": v for k, v in env.items()})
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()
        assert_no_traceback(server.log())
