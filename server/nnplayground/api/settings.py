"""Server settings from the environment (prefix `NNPLAYGROUND_`); every limit in one place.

docs/protocol.md lists each field with its default; the page reads the client-facing ones from
`hello.limits` and `/api/options`, so nothing is hard-coded twice.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from nnplayground.api.protocol import Limits
from nnplayground.runtime import pacing


def default_cache_dir() -> Path:
    """A per-user cache directory for JAX's persistent compilation cache (XDG on Linux)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nnplayground" / "jax"


def _split_origins(value: object) -> object:
    # An env var holds a comma-separated list; JSON lists are accepted too.
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Everything an operator may tune; read once at start-up."""

    model_config = SettingsConfigDict(env_prefix="NNPLAYGROUND_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    max_sessions: int = Field(
        default=100, ge=1, description="live + detached sessions held at once"
    )
    max_points: int = Field(
        default=2000, ge=10, le=2048, description="user points per session (CSV too)"
    )
    max_message_bytes: int = Field(
        default=1_048_576, ge=1024, description="largest client message; bigger closes with 1009"
    )
    max_messages_per_s: float = Field(
        default=200.0,
        gt=0,
        description="per connection; config messages over it coalesce, others error",
    )
    max_fps: int = Field(
        default=60, ge=1, le=60, description="highest frame rate a client may ask for"
    )
    default_fps: int = Field(default=30, ge=1, le=60)
    max_steps_per_frame: int = Field(default=10_000, ge=1)
    measure_interval_s: float = Field(
        default=0.1,
        gt=0,
        le=10,
        description="seconds between full-data loss/accuracy measurements while playing",
    )
    full_res_sessions: int = Field(
        default=8,
        ge=0,
        le=1000,
        description=(
            "playing sessions a training thread draws at full resolution; past that its"
            " sessions train and draw in grouped calls, at half resolution"
        ),
    )
    max_lanes: int = Field(
        default=16,
        ge=1,
        le=16,
        description=(
            "models a session trains at once: the main one plus compare variants, or a"
            " sweep's models (a 4 x 4 sweep needs 16)"
        ),
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="websocket Origins allowed besides the server's own host; '*' allows any",
    )
    # Issue 17: origins whose pages may show ours in an iframe (`?embed=1` in slides).
    frame_ancestors: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins allowed to frame the page (CSP frame-ancestors), comma-separated;"
        " empty: none (X-Frame-Options DENY)",
    )
    session_grace_s: float = Field(
        default=60.0, ge=0, description="how long a dropped session waits"
    )
    idle_timeout_s: float = Field(
        default=1800.0,
        gt=0,
        description="a paused session without client messages is closed after this",
    )
    # JAX releases the GIL while computing, so each core can advance its own sessions
    # (measured by the benchmark: 10 sessions at 20 fps held 19.8 fps with 1 thread, 27.5 with 2).
    train_threads: int = Field(
        default_factory=lambda: max(1, min(8, os.cpu_count() or 1)),
        ge=1,
        le=64,
        description="training threads shared by sessions (default: one per core, at most 8)",
    )
    ws_per_message_deflate: bool = Field(
        default=False,
        description="compress websocket messages (costs CPU per frame; off by default)",
    )
    ws_ping_interval_s: float = Field(default=20.0, gt=0)
    ws_ping_timeout_s: float = Field(default=20.0, gt=0)
    cache_dir: Path | None = Field(
        default_factory=default_cache_dir,
        description="JAX persistent compilation cache; empty disables it",
    )
    warmup: bool = Field(default=True, description="compile the default bucket before serving")
    warm_wide: bool = Field(
        default=False,
        description="also compile width sweeps' wide bucket after start-up (1.5-2 minutes of "
        "background CPU); else the first such sweep waits for it, answered `preparing`",
    )
    # -- lecture rooms (runtime/rooms.py) ----------------------------------------------------
    public_url: str | None = Field(
        default=None,
        description="the address students reach (join URLs); else the host the presenter used",
    )
    max_rooms: int = Field(default=20, ge=0, description="lecture rooms open at once")
    max_followers: int = Field(default=500, ge=1, description="followers per lecture room")
    follower_bytes_per_s: int = Field(
        default=60_000,
        ge=4_000,
        description="each follower's stream while playing (frames skipped to fit; a hall's Wi-Fi)",
    )
    follower_resolution: Literal["full", "half"] = Field(
        default="half", description="followers' output and neuron grids"
    )

    @model_validator(mode="after")
    def _fps_order(self) -> Settings:
        if self.default_fps > self.max_fps:
            raise ValueError(
                f"default_fps ({self.default_fps}) must not exceed max_fps ({self.max_fps})"
            )
        return self

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        return _split_origins(value)

    @field_validator("frame_ancestors", mode="before")
    @classmethod
    def _ancestors(cls, value: object) -> object:
        return _split_origins(value)

    @field_validator("frame_ancestors")
    @classmethod
    def _ancestor_sources(cls, value: list[str]) -> list[str]:
        # Each a CSP source: a scheme+host[:port] (wildcards allowed), never a quote or ';'.
        for source in value:
            if not source or any(c in source for c in "';, \t\n"):
                raise ValueError(
                    f"frame_ancestors: {source!r} is not an origin like https://slides.example.org"
                )
        return value

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _cache_dir(cls, value: object) -> object:
        return None if value == "" else value


def client_limits(settings: Settings) -> Limits:
    """The limits a client must respect (`hello.limits`, `/api/options`)."""
    return Limits(
        max_points=settings.max_points,
        max_message_bytes=settings.max_message_bytes,
        max_messages_per_s=settings.max_messages_per_s,
        max_fps=settings.max_fps,
        max_steps_per_frame=settings.max_steps_per_frame,
        session_grace_s=settings.session_grace_s,
        idle_timeout_s=settings.idle_timeout_s,
        max_lanes=settings.max_lanes,
    )


def runtime_limits(settings: Settings) -> pacing.Limits:
    """The limits the runtime enforces and paces by."""
    return pacing.Limits(
        max_points=settings.max_points,
        max_fps=settings.max_fps,
        default_fps=settings.default_fps,
        max_steps_per_frame=settings.max_steps_per_frame,
        measure_interval=settings.measure_interval_s,
        full_res_sessions=settings.full_res_sessions,
        max_lanes=settings.max_lanes,
    )
