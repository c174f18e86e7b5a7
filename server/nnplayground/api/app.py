"""`create_app(settings)`: wires routes, static files, the websocket and the session manager."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import jax
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.staticfiles import StaticFiles

import nnplayground
from nnplayground.api.assets import Assets, locate_assets
from nnplayground.api.messages import message_schema
from nnplayground.api.options import options
from nnplayground.api.qr import qr_svg
from nnplayground.api.security import SecurityHeaders
from nnplayground.api.settings import Settings, runtime_limits
from nnplayground.api.ws import serve_socket
from nnplayground.engine import Trainer, double_descent
from nnplayground.engine.config import WIDE_CAPACITY
from nnplayground.runtime import capacity
from nnplayground.runtime.manager import ManagerSettings, SessionManager
from nnplayground.runtime.rooms import RoomLimits, Rooms
from nnplayground.runtime.wire import PROTOCOL_VERSION

REAP_INTERVAL_S = 1.0


def default_trainer() -> Trainer:
    from nnplayground.engine import DEFAULT_CAPACITY, RunConfig

    return Trainer([RunConfig()], capacity=DEFAULT_CAPACITY)


def make_manager(
    settings: Settings, factory: Callable[[], Trainer] = default_trainer
) -> SessionManager:
    return SessionManager(
        ManagerSettings(
            max_sessions=settings.max_sessions,
            grace_s=settings.session_grace_s,
            idle_timeout_s=settings.idle_timeout_s,
            threads=settings.train_threads,
        ),
        runtime_limits(settings),
        factory,
    )


def make_rooms(settings: Settings) -> Rooms:
    loop = asyncio.get_running_loop()
    return Rooms(
        RoomLimits(max_rooms=settings.max_rooms, max_followers=settings.max_followers),
        later=loop.call_later,
    )


def create_app(
    settings: Settings | None = None,
    compile_count: Callable[[], int] | None = None,
    warm: Callable[[], bool] | None = None,
) -> FastAPI:
    """The ASGI app. `compile_count` reports JAX compilations and `warm` whether the start-up
    compiles are all done (both for /api/health)."""
    settings = settings or Settings()
    assets = locate_assets()
    started = time.monotonic()
    backend, devices = jax.default_backend(), [str(d) for d in jax.devices()]

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        manager = make_manager(settings)
        app.state.manager = manager
        rooms = app.state.rooms = make_rooms(settings)

        async def reaper() -> None:
            while True:
                await asyncio.sleep(REAP_INTERVAL_S)
                manager.reap()
                rooms.reap()  # rooms whose presenter's grace ran out
                rooms.score()  # challenges' leaderboards

        task = asyncio.create_task(reaper())
        try:
            yield
        finally:
            task.cancel()
            rooms.shutdown()
            manager.shutdown()

    app = FastAPI(title="nnplayground", version=nnplayground.__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)  # fmt: skip
    app.add_middleware(SecurityHeaders, frame_ancestors=settings.frame_ancestors)  # issue 17

    # Async on purpose: these are cheap, and a sync route would hop through the thread pool,
    # where it queues behind the GIL when training threads are busy.
    @app.get("/api/health")
    async def health() -> dict[str, Any]:
        manager: SessionManager | None = getattr(app.state, "manager", None)
        return {
            "status": "ok",
            "version": nnplayground.__version__,
            "protocol": PROTOCOL_VERSION,
            "backend": backend,
            "devices": devices,
            "compiles": compile_count() if compile_count else 0,
            "warm": warm() if warm else True,
            "wide_ready": capacity.PREPARER.ready(WIDE_CAPACITY),  # width sweeps (issue 16)
            "sessions": len(manager) if manager else 0,
            "connections": manager.attached_count if manager else 0,
            "threads": threading.active_count(),
            "uptime_s": round(time.monotonic() - started, 3),
            "assets": _asset_status(assets),
        }

    @app.get("/api/options")
    async def get_options() -> dict[str, Any]:
        return options(settings)

    schema = message_schema()

    @app.get("/api/schema")
    async def get_schema() -> dict[str, Any]:
        return schema

    # issue 16: the double-descent lesson's curve (deterministic, computed once, off the loop)
    @app.get("/api/double_descent")
    async def get_double_descent() -> dict[str, Any]:
        return await asyncio.to_thread(_double_descent)

    @app.websocket("/ws")
    async def websocket(ws: WebSocket) -> None:
        await serve_socket(ws, app.state.manager, settings, app.state.rooms)

    @app.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(assets.static / "index.html", headers={"Cache-Control": "no-cache"})

    # -- lecture rooms: the join URL serves the page (it follows); the projector's QR code ----
    @app.api_route("/r/{code}", methods=["GET", "HEAD"], include_in_schema=False)
    def room_page(code: str) -> FileResponse:
        return FileResponse(assets.static / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/r/{code}/qr.svg", include_in_schema=False)
    async def room_qr(code: str, request: Request) -> Response:
        address = request.client.host if request.client else "unknown"
        room = app.state.rooms.find(code, address)
        if room is None:
            return JSONResponse({"detail": "no open room has this code"}, status_code=404)
        return Response(qr_svg(room.join_url), media_type="image/svg+xml",
                        headers={"Cache-Control": "no-store"})  # fmt: skip

    # -- end of lecture rooms

    @app.api_route("/favicon.ico", methods=["GET", "HEAD"], include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(assets.static / "favicon.svg", media_type="image/svg+xml")

    @app.exception_handler(404)
    async def not_found(_request: Any, _exc: Any) -> JSONResponse:
        return JSONResponse({"detail": "not found"}, status_code=404)

    app.mount("/frontend", StaticFiles(directory=assets.frontend, check_dir=False), "frontend")
    app.mount("/vendor/uplot", StaticFiles(directory=assets.uplot, check_dir=False), "uplot")
    app.mount("/static", StaticFiles(directory=assets.static, check_dir=False), "static")
    # Top-level files of static/ (e.g. /styles.css) last, so routes above win.
    app.mount("/", StaticFiles(directory=assets.static, check_dir=False), "root")
    return app


@functools.cache
def _double_descent() -> dict[str, Any]:
    """engine/double_descent.py's default curve: widths, test/train error, n_train."""
    return double_descent.curve().to_dict()


def _asset_status(assets: Assets) -> dict[str, bool]:
    return {
        "static": (assets.static / "index.html").is_file(),
        "frontend": assets.frontend.is_dir(),
        "uplot": (assets.uplot / "uPlot.esm.js").is_file(),
    }
