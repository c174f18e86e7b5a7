"""Compiling a capacity bucket off the training threads (issue 16): the wide bucket of width sweeps.

The default bucket is compiled at start-up (cli.py). A sweep with layers wider than it trains
in `WIDE_CAPACITY`, whose functions take 1.5-2 minutes to compile on two cores: far too long
to stall a training thread, where every session it carries would freeze. So the first sweep
that needs the bucket asks `PREPARER.when_ready`, which compiles it in a background thread
(once per process); the session answers `preparing`, keeps training, and starts the sweep
when the callback queues it (runtime/sweep.py). With the setting `warm_wide` the server
starts that compile itself after its own warm-up, so no lecture waits for it.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator

from nnplayground.engine.config import DEFAULT_CAPACITY, Capacity

log = logging.getLogger(__name__)

Done = Callable[[str | None], None]  # called with None when ready, else the failure's text


class Preparer:
    """Compiles buckets in the background, one at a time, each once; thread-safe."""

    def __init__(self, warm: Callable[[Capacity], None]) -> None:
        self._warm = warm
        self._lock = threading.Lock()
        self._ready: set[Capacity] = {DEFAULT_CAPACITY}  # compiled at start-up (cli.py)
        self._failed: dict[Capacity, str] = {}
        self._waiting: dict[Capacity, list[Done]] = {}
        self.started_at: dict[Capacity, float] = {}  # under way (or done) since

    def ready(self, capacity: Capacity) -> bool:
        with self._lock:
            return capacity in self._ready

    def when_ready(self, capacity: Capacity, done: Done | None = None) -> bool:
        """True if `capacity` is compiled; else start compiling it (unless under way) and call
        `done` from the compiling thread when it is, and False. A failed bucket fails again
        at once (`done` with its text) rather than compile in a loop."""
        with self._lock:
            if capacity in self._ready:
                return True
            failed = self._failed.get(capacity)
            if failed is None:
                if done is not None:
                    self._waiting.setdefault(capacity, []).append(done)
                if capacity in self.started_at:
                    return False
                self.started_at[capacity] = time.monotonic()
        if failed is not None:
            if done is not None:
                done(failed)
            return False
        threading.Thread(
            target=self._compile, args=(capacity,), name="nnplayground-capacity", daemon=True
        ).start()
        return False

    def wait(self, capacity: Capacity, timeout: float) -> bool:
        """Block until `capacity` is compiled or `timeout` passed (tests); True if it is."""
        event = threading.Event()
        if self.when_ready(capacity, lambda _: event.set()):
            return True
        event.wait(timeout)
        return self.ready(capacity)

    def _compile(self, capacity: Capacity) -> None:
        started = time.perf_counter()
        failure: str | None = None
        try:
            with background_compile():
                self._warm(capacity)
        except Exception as exc:  # a bug or out of memory: tell the waiting sessions, not crash
            log.exception("compiling capacity %s failed", capacity)
            failure = f"could not prepare models {capacity.width} wide: {exc}"
        with self._lock:
            if failure is None:
                self._ready.add(capacity)
            else:
                self._failed[capacity] = failure
            waiting = self._waiting.pop(capacity, [])
        log.info(
            "capacity %s %s in %.1f s", capacity, failure or "ready", time.perf_counter() - started
        )
        for done in waiting:
            done(failure)


@contextlib.contextmanager
def background_compile() -> Iterator[None]:
    """While compiling in a background thread: no full garbage collections, short GIL turns;
    afterwards the survivors are frozen out of later collections.

    Measured with a training loop beside the wide bucket's compile (in one process): its
    longest pause between two chunks was 0.57 s, from full collections (each walks the whole
    heap holding the GIL; tracing allocates millions of long-lived objects). Without them,
    0.27 s, now from the tracing thread keeping the GIL for its 5 ms turns while the training
    loop needs it dozens of times a chunk; with 0.5 ms turns, 0.09 s and no fewer chunks. A
    full collection afterwards found no garbage (0 objects), so freezing the rest loses nothing.
    """
    global _compiling
    with _compiling_lock:  # compiles may overlap (start-up's and a bucket's): the last restores
        _compiling += 1
        if _compiling == 1:
            _saved[:] = [*gc.get_threshold(), sys.getswitchinterval()]
            gc.set_threshold(int(_saved[0]), int(_saved[1]), 1_000_000_000)
            sys.setswitchinterval(0.0005)
    try:
        yield
    finally:
        with _compiling_lock:
            _compiling -= 1
            if _compiling == 0:
                gc.set_threshold(int(_saved[0]), int(_saved[1]), int(_saved[2]))
                sys.setswitchinterval(_saved[3])
                gc.collect(1)
                gc.freeze()


_compiling_lock = threading.Lock()
_compiling = 0
_saved: list[float] = []


def _warm_sweeps(lanes: int) -> Callable[[Capacity], None]:
    def warm(capacity: Capacity) -> None:
        from nnplayground.engine.warmup import warmup_sweeps

        warmup_sweeps(capacity, lanes)

    return warm


PREPARER = Preparer(_warm_sweeps(16))


def configure(max_lanes: int) -> None:
    """The process's preparer compiles for `max_lanes` (the settings'); before any sweep."""
    global PREPARER
    PREPARER = Preparer(_warm_sweeps(max_lanes))
