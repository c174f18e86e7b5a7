"""Runtime unit tests: real Trainers and real mailboxes, no server, no sockets, no sleeps.

Times are passed by hand (every scheduler-side method takes `now`); JAX loads what the server's
start-up compiled from its persistent cache, so these tests compile little.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import jax
import pytest

from nnplayground.api.settings import default_cache_dir

jax.config.update("jax_compilation_cache_dir", str(default_cache_dir()))  # type: ignore[no-untyped-call]
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # type: ignore[no-untyped-call]


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """The consumer side of mailboxes (never run but to read them)."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()
