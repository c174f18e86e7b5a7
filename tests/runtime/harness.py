"""Sessions, watchers and what they were sent, for the runtime unit tests."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from nnplayground.engine import RunConfig, Trainer
from nnplayground.runtime.mailbox import Mailbox
from nnplayground.runtime.pacing import Limits
from nnplayground.runtime.session import Session
from nnplayground.runtime.watchers import Resolution, Watcher
from wsclient import Frame, decode

JsonDict = dict[str, Any]


def session(limits: Limits | None = None, **config: Any) -> Session:
    name = secrets.token_hex(4)
    return Session(name, f"token-{name}", Trainer([RunConfig(**config)]), limits or Limits())


def watch(s: Session, loop: asyncio.AbstractEventLoop, resolution: Resolution = "auto") -> Watcher:
    watcher = Watcher(Mailbox(loop), resolution)
    s.attach(watcher)
    return watcher


def read(loop: asyncio.AbstractEventLoop, watcher: Watcher) -> tuple[list[JsonDict], Frame | None]:
    """What the watcher's connection would send now: its texts and the newest frame."""

    async def batch() -> tuple[list[JsonDict], bytes | None]:
        try:
            return await asyncio.wait_for(watcher.mailbox.next_batch(), 0.01)
        except TimeoutError:  # nothing queued
            return [], None

    texts, frame = loop.run_until_complete(batch())
    return texts, None if frame is None else decode(frame)
