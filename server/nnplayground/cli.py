"""`nnplayground serve|bench`: the command line (also runs as `python -m nnplayground.cli`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import threading
import time
import webbrowser
from types import FrameType
from typing import Any

log = logging.getLogger("nnplayground")
SHUTDOWN_CLOSE_S = 3.0  # time the 1001 closes get before uvicorn's own shutdown takes over


def _configure_jax(cache_dir: str | None) -> None:
    import jax

    if cache_dir:
        # A later process loads compiled code instead of compiling (~0.3 s instead of ~1.3 s).
        jax.config.update("jax_compilation_cache_dir", cache_dir)  # type: ignore[no-untyped-call]
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # type: ignore[no-untyped-call]
        jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)  # type: ignore[no-untyped-call]


def serve(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nnplayground serve", description="Run the playground.")
    parser.add_argument("--host", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default 8000)")
    parser.add_argument("--open", action="store_true", help="open the page in a browser")
    args = parser.parse_args(argv)

    import uvicorn
    from pydantic import ValidationError

    from nnplayground.api.app import create_app
    from nnplayground.api.settings import Settings
    from nnplayground.engine.compiles import CompileCounter
    from nnplayground.engine.config import WIDE_CAPACITY
    from nnplayground.runtime import capacity

    overrides: dict[str, Any] = {}
    if args.host is not None:
        overrides["host"] = args.host
    if args.port is not None:
        overrides["port"] = args.port
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        for error in exc.errors(include_url=False):
            name = ".".join(str(part) for part in error["loc"])
            where = f"{name} (NNPLAYGROUND_{name.upper()}): " if name else ""
            print(f"nnplayground: bad setting: {where}{error['msg']}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # JAX reports at INFO each accelerator backend it did not find (libtpu on every CPU box):
    # noise in a server log that should show what this server does.
    logging.getLogger("jax._src.xla_bridge").setLevel(logging.WARNING)
    _configure_jax(str(settings.cache_dir) if settings.cache_dir else None)

    capacity.configure(settings.max_lanes)
    counter = CompileCounter().__enter__()  # counts for the whole process (health: "compiles")
    warmed = threading.Event()
    if settings.warmup:
        from nnplayground.engine import warmup

        started = time.perf_counter()
        warmup(part="first")
        log.info("warmed the first frame's functions in %.1f s", time.perf_counter() - started)

        def warm_rest() -> None:
            # The other batch buckets compile while the first user already trains (cold start
            # ≤ 5 s); /api/health says "warm": false until they are done.
            with capacity.background_compile():  # no pauses in the first users' frames
                warmup(part="rest")
                if settings.max_lanes > 1:  # compare's padded lane count (runtime/compare.py)
                    warmup(lanes=settings.max_lanes, part="all")
            warmed.set()
            log.info("warmed the default bucket in %.1f s", time.perf_counter() - started)
            if settings.warm_wide:
                capacity.PREPARER.when_ready(WIDE_CAPACITY)

        threading.Thread(target=warm_rest, name="nnplayground-warmup", daemon=True).start()
    else:
        warmed.set()

    app = create_app(settings, compile_count=lambda: counter.count, warm=warmed.is_set)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        ws="websockets-sansio",  # awaits transport drain: a non-reading client blocks only itself
        ws_max_size=settings.max_message_bytes,
        ws_ping_interval=settings.ws_ping_interval_s,
        ws_ping_timeout=settings.ws_ping_timeout_s,
        ws_per_message_deflate=settings.ws_per_message_deflate,
        timeout_graceful_shutdown=5,
        lifespan="on",
        log_level="info",
        access_log=False,
    )
    server = GracefulServer(config, app)
    url = f"http://{_display_host(settings.host)}:{settings.port}/"
    server.ready_message = f"nnplayground ready: {url}"
    if args.open:
        server.on_ready = lambda: webbrowser.open(url)
    server.run()
    return 0


def _display_host(host: str) -> str:
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


class GracefulServer:
    """uvicorn's Server, but SIGTERM first closes every websocket with 1001 (going away).

    uvicorn alone would close them with 1012 (service restart) and, for connections still
    streaming, only after its graceful timeout.
    """

    def __init__(self, config: Any, app: Any) -> None:
        import uvicorn

        class _Server(uvicorn.Server):
            def handle_exit(inner, sig: int, frame: FrameType | None) -> None:
                self._on_signal(inner, sig, frame)

        self._server = _Server(config)
        self._app = app
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False
        self.ready_message = ""
        self.on_ready: Any = None

    def _on_signal(self, server: Any, sig: int, frame: FrameType | None) -> None:
        import uvicorn

        if self._closing or self._loop is None:
            uvicorn.Server.handle_exit(server, sig, frame)
            return
        self._closing = True
        loop = self._loop
        loop.call_soon_threadsafe(lambda: loop.create_task(self._close_then_exit(sig, frame)))

    async def _close_then_exit(self, sig: int, frame: FrameType | None) -> None:
        import uvicorn

        manager = getattr(self._app.state, "manager", None)
        if manager is not None:
            manager.shutdown()
            deadline = time.monotonic() + SHUTDOWN_CLOSE_S
            while manager.attached_count and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)  # let the close frames flush
        uvicorn.Server.handle_exit(self._server, sig, frame)

    def run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            watcher = asyncio.create_task(self._announce())
            try:
                await self._server.serve()
            finally:
                watcher.cancel()

        asyncio.run(main())

    async def _announce(self) -> None:
        while not self._server.started:
            await asyncio.sleep(0.05)
        print(self.ready_message, flush=True)
        if self.on_ready is not None:
            await asyncio.to_thread(self.on_ready)


def bench(argv: list[str]) -> int:
    from nnplayground import benchmark  # written by the benchmark part; imported only when used

    result: int = benchmark.main(argv)
    return result


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    commands = {"serve": serve, "bench": bench}
    if not argv or argv[0] not in commands:
        print("usage: nnplayground serve [--host H] [--port P] [--open] | bench [args...]",
              file=sys.stderr)  # fmt: skip
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())
