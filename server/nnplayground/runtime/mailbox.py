"""A per-connection outbox: text messages in order, frames latest-wins.

The training thread produces and the event loop consumes. Frames occupy one slot, so a client
that reads slowly gets fewer frames instead of a growing queue; text messages (echoes, errors,
events) are few and all matter, so they queue, but boundedly: a client that lets
`max_texts` of them pile up is not reading at all, and the connection is given up.
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections import deque
from typing import Any

JsonDict = dict[str, Any]


class MailboxOverflow(RuntimeError):
    """More unread text messages than a live client could leave behind."""


class _Waker:
    """Sets a loop's asyncio Events from other threads with one loop wake-up per burst.

    A loaded training thread puts dozens of frames within a millisecond; a
    `call_soon_threadsafe` each would write the loop's self-pipe dozens of times (a system
    call each, ~7 % of the thread's time at 100 sessions). Events set while a wake-up is
    already scheduled ride along with it.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._events: list[asyncio.Event] = []

    def set(self, event: asyncio.Event) -> None:
        with self._lock:
            self._events.append(event)
            if len(self._events) > 1:
                return
        try:  # from any thread, also the loop's own
            self._loop.call_soon_threadsafe(self._run)
        except RuntimeError:  # the loop closed: the server is going away and nobody waits
            with self._lock:
                self._events.clear()

    def _run(self) -> None:
        with self._lock:
            events, self._events = self._events, []
        for event in events:
            event.set()


_wakers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Waker] = weakref.WeakKeyDictionary()
_wakers_lock = threading.Lock()


def _waker(loop: asyncio.AbstractEventLoop) -> _Waker:
    with _wakers_lock:
        waker = _wakers.get(loop)
        if waker is None:
            waker = _wakers[loop] = _Waker(loop)
        return waker


class Mailbox:
    """Thread-safe producer side, asyncio consumer side (`await next_batch()`)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_texts: int = 512) -> None:
        self._waker = _waker(loop)
        self._lock = threading.Lock()
        self._texts: deque[JsonDict] = deque()
        self._frame: bytes | None = None
        self._wake = asyncio.Event()
        self._max_texts = max_texts
        self.closed = False
        self.overflowed = False
        self.frames_put = 0
        self.frames_dropped = 0

    def put_text(self, message: JsonDict) -> None:
        with self._lock:
            if self.closed:
                return
            if len(self._texts) >= self._max_texts:
                self.overflowed = True
            else:
                self._texts.append(message)
        self._notify()

    def put_frame(self, frame: bytes) -> None:
        with self._lock:
            if self.closed:
                return
            if self._frame is not None:
                self.frames_dropped += 1
            self._frame = frame
            self.frames_put += 1
        self._notify()

    def take_frame(self) -> bytes | None:
        """Take back the frame waiting to be sent (None if there is none)."""
        with self._lock:
            frame, self._frame = self._frame, None
        return frame

    @property
    def frame_pending(self) -> bool:
        """A frame is waiting that the connection has not taken yet."""
        return self._frame is not None

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._texts.clear()
            self._frame = None
        self._notify()

    def _notify(self) -> None:
        self._waker.set(self._wake)

    async def next_batch(self) -> tuple[list[JsonDict], bytes | None]:
        """Wait until something is queued; texts first (in order), then the newest frame.

        Raises MailboxOverflow once the text queue overflowed; returns ([], None) when closed.
        """
        while True:
            with self._lock:
                if self.overflowed:
                    raise MailboxOverflow("client is not reading its messages")
                if self.closed:
                    return [], None
                if self._texts or self._frame is not None:
                    texts = list(self._texts)
                    self._texts.clear()
                    frame, self._frame = self._frame, None
                    self._wake.clear()
                    return texts, frame
                self._wake.clear()
            await self._wake.wait()
