"""rooms.py, fork.py and followers in watchers.py: on hand-made times, real sessions, no server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import jax
import numpy as np
import pytest

from nnplayground.engine import group
from nnplayground.runtime import commands, fork, tick
from nnplayground.runtime.mailbox import Mailbox
from nnplayground.runtime.rooms import (
    CLOSE_NO_ROOM,
    CLOSE_ROOM_FULL,
    CLOSE_THROTTLED,
    CODE_ALPHABET,
    JoinGuard,
    RoomError,
    RoomLimits,
    Rooms,
    normalise_code,
)
from nnplayground.runtime.session import Session
from nnplayground.runtime.watchers import ByteBudget, Watcher
from runtime.harness import read, session, watch

Loop = asyncio.AbstractEventLoop
T = 1000.0


class Clock:
    def __init__(self) -> None:
        self.now = T

    def __call__(self) -> float:
        return self.now


class Later:
    """What a room schedules on the loop, run by hand."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, Callable[[], None]]] = []

    def __call__(self, delay: float, fn: Callable[[], None]) -> None:
        self.calls.append((delay, fn))


def follower(loop: Loop, budget: ByteBudget | None = None) -> Watcher:
    return Watcher(Mailbox(loop), "half", follower=True, budget=budget)


def closer(code: int, reason: str) -> None:
    pass


def texts(loop: Loop, w: Watcher) -> list[dict[str, object]]:
    """The `room` messages waiting for `w`."""
    return [t for t in read(loop, w)[0] if t["type"] == "room"]


def test_codes_are_short_and_unambiguous(loop: Loop) -> None:
    rooms = Rooms(RoomLimits(max_rooms=50))
    codes = {rooms.open(session(), watch(session(), loop), "http://h", None).code for _ in range(3)}
    assert len(codes) == 3
    for code in codes:
        assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert not set(CODE_ALPHABET) & set("0O1IL5S2Z")
    assert normalise_code(" abc-def ") == "ABCDEF"


def test_join_guard_throttles_failures_per_address() -> None:
    clock = Clock()
    guard = JoinGuard(rate=0.2, burst=10, clock=clock)
    for _ in range(10):
        assert guard.allowed("a")
        guard.failed("a")
    assert not guard.allowed("a") and guard.allowed("b")  # per address
    clock.now += 4.9
    assert not guard.allowed("a")
    clock.now += 0.2  # one failure back every 5 s
    assert guard.allowed("a")
    guard.failed("a")
    assert not guard.allowed("a")


def test_open_join_count_and_limits(loop: Loop) -> None:
    clock, later = Clock(), Later()
    rooms = Rooms(RoomLimits(max_rooms=1, max_followers=2), clock, later)
    s = session()
    presenter = watch(s, loop)
    read(loop, presenter)
    room = rooms.open(s, presenter, "http://10.0.0.5:8000/", "Ada")
    assert room.join_url == f"http://10.0.0.5:8000/r/{room.code}"
    assert texts(loop, presenter) == [room.info()] and room.info()["followers"] == 0
    with pytest.raises(RoomError) as full:
        rooms.open(session(), presenter, "http://h", None)
    assert full.value.field == "action" and "1 rooms" in str(full.value)
    assert rooms.open(s, presenter, "http://h", None) is room  # again: the same room
    read(loop, presenter)
    clock.now += 1.0
    a, b = follower(loop), follower(loop)
    rooms.join(room.code.lower(), "x", a, closer)
    rooms.join(room.code, "y", b, closer)
    with pytest.raises(RoomError) as crowded:
        rooms.join(room.code, "z", follower(loop), closer)
    assert crowded.value.close_code == CLOSE_ROOM_FULL and "2 followers" in str(crowded.value)
    # The count reaches the presenter at most once a second: the first join at once, the
    # second when the second is over.
    assert [t["followers"] for t in texts(loop, presenter)] == [1]
    assert len(later.calls) == 1 and later.calls[0][0] == pytest.approx(1.0)
    clock.now += 1.0
    later.calls[0][1]()
    assert [t["followers"] for t in texts(loop, presenter)] == [2]
    assert [w.follower for w in s.watchers] == [False, True, True]


def test_wrong_codes_then_locked_out(loop: Loop) -> None:
    rooms = Rooms(RoomLimits(join_burst=3), Clock())
    s = session()
    room = rooms.open(s, watch(s, loop), "http://h", None)
    for _ in range(3):
        with pytest.raises(RoomError) as wrong:
            rooms.join("NOPE", "a", follower(loop), closer)
        assert wrong.value.close_code == CLOSE_NO_ROOM
    with pytest.raises(RoomError) as locked:
        rooms.join(room.code, "a", follower(loop), closer)
    assert locked.value.close_code == CLOSE_THROTTLED


def test_presenter_drop_resume_and_close(loop: Loop) -> None:
    rooms = Rooms(RoomLimits(), Clock())
    s = session()
    presenter = watch(s, loop)
    room = rooms.open(s, presenter, "http://h", None)
    f = follower(loop)
    rooms.join(room.code, "a", f, closer)
    read(loop, f)
    s.submit(lambda s: commands.control(s, "play"))
    tick.advance([s], T, group.Groups())
    assert s.active
    # The presenter's tab drops: the followers alone don't keep the session training.
    s.detach(presenter)
    rooms.presenter_left(s, presenter)
    assert not s.active and s.detached_at is not None and not s.attached
    assert [t["state"] for t in texts(loop, f)] == ["reconnecting"]
    back = watch(s, loop)
    rooms.presenter_back(s, back)
    assert s.active and [t["state"] for t in texts(loop, f)] == ["live"]
    assert texts(loop, back)[-1]["code"] == room.code
    # The manager dropped the session (grace over): the room closes, followers stay to fork.
    s.closed = True
    assert rooms.reap() == 1
    assert [t["state"] for t in texts(loop, f)] == ["closed"]
    assert f not in s.watchers and not f.mailbox.closed
    with pytest.raises(RoomError):
        rooms.join(room.code, "b", follower(loop), closer)
    rooms.leave(room, f)
    assert len(rooms) == 0


def test_followers_get_half_frames_within_their_byte_budget(loop: Loop) -> None:
    s = session()
    owner = watch(s, loop)
    budget = ByteBudget(20_000, T)
    f = follower(loop, budget)
    s.attach(f)
    groups = group.Groups()
    s.submit(lambda s: commands.control(s, "play"))
    s.submit(lambda s: commands.stream(s, 30, 5))
    tick.advance([s], T, groups)
    first = read(loop, f)[1]
    assert first is not None and first.raw["output"].shape == (50, 50)
    read(loop, owner)
    sizes, owner_frames = [first.size], 1
    for i in range(1, 61):  # two seconds at 30 fps, every frame read at once
        tick.advance([s], T + i / 30, groups)
        owner_frames += read(loop, owner)[1] is not None
        frame = read(loop, f)[1]
        if frame is not None:
            sizes.append(frame.size)
    assert owner_frames == 61  # the presenter loses nothing
    # At most two seconds at the rate, the quarter second's burst and the frame that went
    # into debt.
    assert sum(sizes) <= 20_000 * 2 + 5_000 + max(sizes)
    assert 6 <= len(sizes) < 61


def test_a_fork_copies_the_state_and_then_goes_its_own_way(loop: Loop) -> None:
    s = session(hidden_layers=[4, 3], learning_rate=0.3)
    w = watch(s, loop)
    groups = group.Groups()
    s.submit(lambda s: commands.control(s, "epoch"))
    tick.advance([s], T, groups)
    s.submit(lambda s: commands.control(s, "epoch"))
    tick.advance([s], T + 1, groups)
    shown = read(loop, w)[1]
    state = fork.capture(s)
    copy = Session("fork", "token-fork", state.trainer, s.limits)
    fork.seed(copy, state)
    assert copy.trainer.configs[0] == s.trainer.configs[0]
    assert copy.trainer.step[0] == s.trainer.step[0] == state.step
    same = jax.tree.map(
        lambda a, b: np.asarray(a).tobytes() == np.asarray(b).tobytes(),
        copy.trainer.state,
        s.trainer.state,
    )
    assert all(jax.tree.leaves(same))  # weights, optimizer state, PRNG key: bit for bit
    assert copy.snapshot().history == s.snapshot().history
    assert len(copy.snapshot().history["step"]) == 2
    mine = watch(copy, loop)
    tick.advance([copy], T + 2, groups)
    first = read(loop, mine)[1]
    assert first is not None and shown is not None and first.step == shown.step
    assert first.raw["weights"].tobytes() == shown.raw["weights"].tobytes()
    assert first.raw["points"].tobytes() == shown_points(s)
    copy.submit(lambda c: commands.control(c, "step"))
    tick.advance([copy], T + 3, groups)
    assert copy.trainer.step[0] == state.step + 1 and s.trainer.step[0] == state.step


def shown_points(s: Session) -> bytes:
    x, y, _ = s.trainer.points(0)
    return np.concatenate([x, y[:, None]], axis=1).astype(np.float32).tobytes()


def test_a_leaderboard_ranks_forks_within_the_neuron_limit() -> None:
    from nnplayground.runtime.challenge import Leaderboard

    small, other, big = session(hidden_layers=[3]), session(hidden_layers=[2, 2]), session()
    board = Leaderboard(max_neurons=5)
    board.add(small, "ada", start=10)
    board.add(other, None, start=0)
    board.add(big, None, start=0)  # default net: 4 + 2 = 6 neurons, over the limit
    small.measuring.record({"test_accuracy": 0.99}, 10, 0.0)  # the presenter's, inherited
    other.measuring.record({"test_accuracy": 0.7}, 5, 0.0)
    big.measuring.record({"test_accuracy": 1.0}, 5, 0.0)
    first = board.update()
    assert first is not None and [e["name"] for e in first["entries"]] == ["Student 2"]
    small.measuring.record({"test_accuracy": 0.9}, 20, 0.0)
    second = board.update()
    assert second is not None
    assert [(e["name"], e["best"], e["neurons"]) for e in second["entries"]] == [
        ("ada", 0.9, 3),
        ("Student 2", 0.7, 4),
    ]
    assert board.update() is None  # unchanged: nothing to send
    small.measuring.record({"test_accuracy": 0.5}, 30, 0.0)  # worse later: the best stays
    assert board.update() is None
