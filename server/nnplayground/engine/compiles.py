"""Count JAX traces and XLA compiles, for the no-recompile tests and the benchmarks.

A jit cache miss always re-traces (even when the persistent cache then spares the XLA compile),
so `traces` is the strict measure of "something recompiled".
"""

from __future__ import annotations

import threading
from types import TracebackType

import jax.monitoring

TRACE_EVENT = "/jax/core/compile/jaxpr_trace_duration"
COMPILE_EVENT = "/jax/core/compile/backend_compile_duration"


class CompileCounter:
    """Context manager: `with CompileCounter() as c: ...; c.traces, c.compiles`."""

    def __init__(self) -> None:
        self.traces = 0
        self.compiles = 0
        self._lock = threading.Lock()

    def _listen(self, event: str, duration_secs: float, **kwargs: str | int) -> None:
        with self._lock:
            if event == TRACE_EVENT:
                self.traces += 1
            elif event == COMPILE_EVENT:
                self.compiles += 1

    @property
    def count(self) -> int:
        """Traces + compiles: 0 means nothing was (re)compiled."""
        return self.traces + self.compiles

    def __enter__(self) -> CompileCounter:
        jax.monitoring.register_event_duration_secs_listener(self._listen)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        jax.monitoring.unregister_event_duration_listener(self._listen)
