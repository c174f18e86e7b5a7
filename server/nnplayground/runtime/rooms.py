"""Lecture rooms: one presenter's session followed live by many read-only watchers.

A room is a session plus its followers. Followers are watchers of that session
(watchers.py: `follower=True`, their own latest-wins mailbox, a byte budget), so a frame is
probed and encoded once per resolution and only its sending is per follower; a follower never
keeps the session training and never slows it (a slow one just gets fewer frames).

Every follower is reached through one small interface, `Fanout`: `join`, `leave`, `publish`.
`LocalFanout` attaches followers to the session in this process; a bus between processes
(docs/architecture.md, "Rooms across processes") would be another `Fanout`, the session unchanged.

Lives on the event loop (no locks); times come from an injectable clock (seconds, monotonic).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from nnplayground.runtime.challenge import Leaderboard
from nnplayground.runtime.session import Session
from nnplayground.runtime.watchers import Watcher

JsonDict = dict[str, Any]
# No 0/O, 1/I/L, 5/S, 2/Z: read off a projector at the back of a hall, typed on a phone.
CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
CODE_LENGTH = 6  # 27**6 ≈ 3.9e8 codes: with joins throttled per address, not enumerable
CLOSE_NO_ROOM = 4004
CLOSE_THROTTLED = 4029
CLOSE_ROOM_FULL = 1013
COUNT_INTERVAL_S = 1.0  # the presenter hears the follower count at most this often
RoomState = Literal["live", "reconnecting", "closed"]
Closer = Callable[[int, str], None]  # a follower's connection: (close code, reason)


class RoomError(RuntimeError):
    """A join or open that cannot be served: the error text and the websocket close code."""

    def __init__(self, message: str, close_code: int, field_name: str | None = None) -> None:
        super().__init__(message)
        self.close_code = close_code
        self.field = field_name


def new_code(taken: Callable[[str], bool]) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not taken(code):
            return code


def normalise_code(text: str) -> str:
    """What a student typed → a code: case and spaces/dashes do not matter."""
    return "".join(ch for ch in text.upper() if ch not in " -")[:32]


class Fanout(Protocol):
    """How a room reaches its followers."""

    def join(self, watcher: Watcher) -> None: ...
    def leave(self, watcher: Watcher) -> None: ...
    def publish(self, message: JsonDict) -> None: ...
    def end(self) -> None: ...  # no more frames (the room closed); texts still reach


class LocalFanout:
    """Followers in this process: watchers of the presenter's session. Frames go through the
    session's own `watchers.emit` (encoded once per resolution); texts here."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.watchers: set[Watcher] = set()

    def join(self, watcher: Watcher) -> None:
        self.watchers.add(watcher)
        self.session.attach(watcher)

    def leave(self, watcher: Watcher) -> None:
        self.watchers.discard(watcher)
        self.session.detach(watcher)

    def publish(self, message: JsonDict) -> None:
        for w in self.watchers:
            w.mailbox.put_text(message)

    def end(self) -> None:
        for w in self.watchers:
            self.session.detach(w, close=False)


class JoinGuard:
    """Joins per client address: `burst` failed joins, then one more every `1/rate` seconds;
    a locked-out address is refused even a right code, so codes cannot be enumerated."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._tokens: dict[str, tuple[float, float]] = {}  # address → (tokens, stamp)

    def _level(self, address: str, now: float) -> float:
        tokens, stamp = self._tokens.get(address, (self.burst, now))
        return min(self.burst, tokens + (now - stamp) * self.rate)

    def allowed(self, address: str) -> bool:
        return self._level(address, self._clock()) >= 1.0

    def failed(self, address: str) -> None:
        now = self._clock()
        self._tokens[address] = (self._level(address, now) - 1.0, now)
        if len(self._tokens) > 10_000:  # forget addresses back at a full bucket
            full = [a for a in self._tokens if self._level(a, now) >= self.burst]
            for a in full:
                del self._tokens[a]


@dataclass(eq=False)
class Room:
    code: str
    session: Session
    join_url: str
    title: str | None
    fanout: Fanout
    presenter: Watcher | None
    state: RoomState = "live"
    followers: int = 0
    sent_count: int = -1  # the count the presenter last heard
    sent_at: float = -1e9
    count_timer: bool = False  # a delayed count message is scheduled
    closers: dict[Watcher, Closer] = field(default_factory=dict)  # the followers' connections
    board: Leaderboard | None = None  # the challenge (challenge.py)
    forks: list[tuple[Session, str | None, int]] = field(default_factory=list)  # (fork, name, step)

    def info(self) -> JsonDict:
        """The `room` message (presenter and followers)."""
        return {"type": "room", "code": self.code, "join_url": self.join_url,
                "followers": self.followers, "state": self.state, "title": self.title,
                "challenge": {"max_neurons": self.board.max_neurons} if self.board else None}  # fmt: skip


@dataclass(frozen=True)
class RoomLimits:
    max_rooms: int = 20
    max_followers: int = 500
    join_rate: float = 0.2  # failed joins per second per address, after the burst
    join_burst: int = 10


class Rooms:
    """Every room of a server. `later(delay, fn)` schedules on the loop (injectable)."""

    def __init__(
        self,
        limits: RoomLimits,
        clock: Callable[[], float] = time.monotonic,
        later: Callable[[float, Callable[[], None]], Any] | None = None,
        fanout: Callable[[Session], Fanout] = LocalFanout,
    ) -> None:
        self.limits = limits
        self._clock = clock
        self._later = later
        self._fanout = fanout
        self.guard = JoinGuard(limits.join_rate, limits.join_burst, clock)
        self._by_code: dict[str, Room] = {}
        self._by_session: dict[str, Room] = {}

    def __len__(self) -> int:
        return len(self._by_code)

    def find(self, code: str, address: str) -> Room | None:
        """The open room `code` names (a miss counts as a failed join of `address`)."""
        if not self.guard.allowed(address):
            return None
        room = self._by_code.get(normalise_code(code))
        if room is None or room.state == "closed":
            self.guard.failed(address)
            return None
        return room

    def of(self, session: Session) -> Room | None:
        return self._by_session.get(session.id)

    def open(self, session: Session, presenter: Watcher, base_url: str,
             title: str | None) -> Room:  # fmt: skip
        """The session's room (a new one, or the open one again with the new title)."""
        room = self.of(session)
        if room is None:
            if len(self._by_code) >= self.limits.max_rooms:
                raise RoomError(
                    f"this server holds {self.limits.max_rooms} rooms already; close one first",
                    CLOSE_ROOM_FULL, "action",
                )  # fmt: skip
            code = new_code(lambda c: c in self._by_code)
            url = f"{base_url.rstrip('/')}/r/{code}"
            room = Room(code, session, url, title, self._fanout(session), presenter)
            self._by_code[code] = room
            self._by_session[session.id] = room
        room.title, room.presenter = title or room.title, presenter
        self._tell_presenter(room, force=True)
        return room

    def close(self, room: Room) -> None:
        """No more joins; followers stay (they may still fork its last state) until they go."""
        if room.state == "closed":
            return
        room.state = "closed"
        self._by_session.pop(room.session.id, None)
        room.fanout.end()
        room.fanout.publish(room.info())
        if room.presenter is not None:
            room.presenter.mailbox.put_text({**room.info(), "followers": 0})
        if room.followers == 0:
            self._by_code.pop(room.code, None)

    def join(self, code: str, address: str, watcher: Watcher, closer: Closer) -> Room:
        """`watcher` follows the room `code` names; RoomError when it cannot."""
        if not self.guard.allowed(address):
            raise RoomError("too many join attempts from this address; wait a minute",
                            CLOSE_THROTTLED)  # fmt: skip
        room = self._by_code.get(normalise_code(code))
        if room is None or room.state == "closed":
            self.guard.failed(address)
            raise RoomError("no open room has this code; check it on the projector",
                            CLOSE_NO_ROOM, "room")  # fmt: skip
        if room.followers >= self.limits.max_followers:
            raise RoomError(f"this room is full ({self.limits.max_followers} followers)",
                            CLOSE_ROOM_FULL, "room")  # fmt: skip
        room.followers += 1
        room.closers[watcher] = closer
        room.fanout.join(watcher)
        self._tell_presenter(room)
        return room

    def leave(self, room: Room, watcher: Watcher) -> None:
        room.followers -= 1
        room.closers.pop(watcher, None)
        room.fanout.leave(watcher)
        if room.state == "closed":
            if room.followers == 0:
                self._by_code.pop(room.code, None)
            return
        self._tell_presenter(room)

    # -- the presenter's connection ---------------------------------------------------------
    def presenter_left(self, session: Session, watcher: Watcher) -> None:
        room = self.of(session)
        if room is not None and room.presenter is watcher:
            room.presenter = None
            room.state = "reconnecting"
            room.fanout.publish(room.info())

    def presenter_back(self, session: Session, watcher: Watcher) -> None:
        room = self.of(session)
        if room is not None:
            room.presenter = watcher
            room.state = "live"
            room.fanout.publish(room.info())
            self._tell_presenter(room, force=True)

    def reap(self) -> int:
        """Close the rooms whose session the manager dropped (grace over); how many."""
        gone = [r for r in self._by_session.values() if r.session.closed]
        for room in gone:
            self.close(room)
        return len(gone)

    # -- the challenge (challenge.py) -------------------------------------------------------
    def challenge(self, room: Room, max_neurons: int | None) -> None:
        """Set (a new leaderboard; forks so far compete from now on) or end the challenge."""
        room.board = Leaderboard(max_neurons) if max_neurons is not None else None
        for session, nickname, start in room.forks:
            if room.board is not None and not session.closed:
                room.board.add(session, nickname, start)
        room.fanout.publish(room.info())
        self._tell_presenter(room, force=True)

    def forked(self, room: Room, session: Session, nickname: str | None) -> None:
        start = session.measuring.step  # before its scheduler thread runs it: the fork's step
        room.forks.append((session, nickname, start))
        if room.board is not None:
            room.board.add(session, nickname, start)

    def score(self) -> None:
        """Once a second: each challenge's leaderboard to its presenter, when it changed."""
        for room in self._by_session.values():
            message = room.board.update() if room.board else None
            if message is not None and room.presenter is not None:
                room.presenter.mailbox.put_text(message)

    def shutdown(self) -> None:
        """Close every follower's connection with 1001 (going away)."""
        for room in list(self._by_code.values()):
            for closer in list(room.closers.values()):
                closer(1001, "the server is shutting down")

    # -- the follower count, at most once a second ------------------------------------------
    def _tell_presenter(self, room: Room, force: bool = False) -> None:
        if room.presenter is None or room.state == "closed":
            return
        if not force and room.followers == room.sent_count:
            return
        wait = room.sent_at + COUNT_INTERVAL_S - self._clock()
        if force or wait <= 0:
            room.sent_count, room.sent_at = room.followers, self._clock()
            room.presenter.mailbox.put_text(room.info())
        elif not room.count_timer and self._later is not None:
            room.count_timer = True

            def fire() -> None:
                room.count_timer = False
                self._tell_presenter(room)

            self._later(wait, fire)
