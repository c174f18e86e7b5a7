"""session.py (with commands.py, watchers.py, tick.py): a session driven by hand-made times.

Every test ticks its session through `tick.advance`, exactly as the scheduler thread does (a
lone session is a group of one), and reads what each watcher's connection would send.
"""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from nnplayground.engine import group
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import commands, tick
from runtime.harness import read, session, watch

Loop = asyncio.AbstractEventLoop
T = 1000.0  # a scheduler time well past the start of the monotonic clock


def test_a_new_watcher_gets_a_frame_with_the_data(loop: Loop) -> None:
    s = session()
    w = watch(s, loop)
    assert s.attached and s.detached_at is None
    tick.advance([s], 0.0, group.Groups())
    texts, frame = read(loop, w)
    assert texts == [] and frame is not None
    assert frame.header["v"] == 1 and frame.header["config_rev"] == 0 and frame.step == 0
    assert frame.raw["output"].shape == (100, 100)
    x, _, split = s.trainer.points(0)
    np.testing.assert_allclose(frame.raw["points"][:, :2], x, atol=1e-6)
    np.testing.assert_array_equal(frame.raw["split"], split)
    # The data go out once: the next frame (an edit) leaves them out.
    s.submit(lambda s: commands.edit_bias(s, 1, 0, 0.5))
    tick.advance([s], 0.1, group.Groups())
    assert "points" not in read(loop, w)[1].raw  # type: ignore[union-attr]


def test_config_changes_are_validated_once_applied_between_chunks_and_echoed(loop: Loop) -> None:
    s = session()
    a, b = watch(s, loop), watch(s, loop)
    groups = group.Groups()
    tick.advance([s], 0.0, groups)
    with pytest.raises(FieldError) as bad:
        s.propose_config({"learning_rate": 100.0}, a)
    assert bad.value.field == "learning_rate" and str(bad.value).startswith("learning_rate: ")
    s.propose_config({"learning_rate": 0.1}, a)
    s.propose_config({"noise": 10.0}, a)  # a burst coalesces into one change
    assert s.trainer.configs[0].learning_rate == 0.03  # nothing applied before the tick
    tick.advance([s], 0.5, groups)
    for watcher in (a, b):  # every watcher sees the echo and a frame of the new revision
        texts, frame = read(loop, watcher)
        assert [t["type"] for t in texts] == ["config"]
        assert texts[0]["rev"] == 1 and texts[0]["config"]["learning_rate"] == 0.1
        assert texts[0]["config"]["noise"] == 10.0
        assert frame is not None and frame.header["config_rev"] == 1
        assert frame.header["data_rev"] == 1 and "points" in frame.raw  # noise: new data
    assert s.snapshot().rev == 1 and s.snapshot().config["learning_rate"] == 0.1


def test_a_command_that_fails_answers_its_sender_only(loop: Loop) -> None:
    s = session()
    a, b = watch(s, loop), watch(s, loop)
    groups = group.Groups()
    tick.advance([s], 0.0, groups)
    read(loop, a), read(loop, b)
    before = np.asarray(s.trainer.state.params.w).copy()
    s.submit(lambda s: commands.edit_weight(s, 9, 0, 0, 1.0), a)
    tick.advance([s], 0.1, groups)
    texts, frame = read(loop, a)
    assert (
        texts == [{"type": "error", "message": texts[0]["message"], "field": "layer"}]
        and frame is None
    )
    assert read(loop, b) == ([], None)
    np.testing.assert_array_equal(np.asarray(s.trainer.state.params.w), before)


def test_playing_trains_one_chunk_per_frame_on_the_clock(loop: Loop) -> None:
    s = session()
    w = watch(s, loop)
    groups = group.Groups()
    s.submit(lambda s: commands.control(s, "play"))
    s.submit(lambda s: commands.stream(s, 10, 25))  # 10 fps, 25 steps a frame
    assert s.due(T)
    tick.advance([s], T, groups)
    texts, frame = read(loop, w)
    assert [t["type"] for t in texts] == ["status", "stream"]
    assert frame is not None and frame.step == 25 and frame.header["playing"]
    assert frame.header["metrics"]["train_loss"] is not None
    assert frame.header["metrics_step"] == 25  # measured: the first chunk after a change
    # Playing starts at once and owes no frames: the next one is due now, then every 0.1 s.
    assert s.clock.next_due == T
    tick.advance([s], T + 0.01, groups)
    assert read(loop, w)[1].step == 50  # type: ignore[union-attr]
    assert not s.due(T + 0.05)
    assert s.due(T + 0.11)
    tick.advance([s], T + 0.11, groups)
    tick.advance([s], T + 0.21, groups)  # the client hasn't read the last frame: not replaced
    assert s.trainer.step[0] == 100 and w.mailbox.frames_dropped == 0
    assert read(loop, w)[1].step == 75  # type: ignore[union-attr]
    s.submit(lambda s: commands.control(s, "pause"))
    tick.advance([s], T + 0.25, groups)
    texts, frame = read(loop, w)
    assert texts[0]["type"] == "status" and texts[0]["playing"] is False
    assert frame is not None and frame.step == 100 and not frame.header["playing"]


def test_a_burst_of_changes_while_playing_waits_for_the_frame_tick(loop: Loop) -> None:
    s = session()
    watch(s, loop)
    groups = group.Groups()
    s.submit(lambda s: commands.control(s, "play"))
    tick.advance([s], 0.0, groups)
    s.propose_config({"learning_rate": 0.2})
    assert s.due(0.05)  # the first change after a quiet interval goes at once ...
    tick.advance([s], 0.05, groups)
    s.propose_config({"learning_rate": 0.3})
    assert not s.due(0.06)  # ... the next ones follow the frame clock
    assert s.due(s.clock.next_due)


def test_each_watcher_has_its_own_resolution(loop: Loop) -> None:
    s = session()
    full, half = watch(s, loop), watch(s, loop, "half")
    tick.advance([s], 0.0, group.Groups())
    frame_full, frame_half = read(loop, full)[1], read(loop, half)[1]
    assert frame_full is not None and frame_half is not None
    assert frame_full.raw["output"].shape == (100, 100)
    assert frame_half.raw["output"].shape == (50, 50)
    assert frame_half.header == {**frame_full.header, "arrays": frame_half.header["arrays"]}


def test_a_reset_replaces_a_frame_still_waiting(loop: Loop) -> None:
    s = session()
    w = watch(s, loop)
    groups = group.Groups()
    s.submit(lambda s: commands.control(s, "epoch"))
    tick.advance([s], 0.0, groups)
    assert w.mailbox.frame_pending  # unread: it shows the epoch's step
    s.submit(lambda s: commands.control(s, "reset"))
    tick.advance([s], 0.1, groups)
    texts, frame = read(loop, w)
    assert [t["type"] for t in texts] == ["status", "status"]
    assert frame is not None and frame.step == 0 and "points" in frame.raw
    assert frame.header["metrics"]["train_loss"] is not None  # measured: the reset model
    assert s.snapshot().history["step"] == []


def test_divergence_pauses_and_tells_every_watcher(loop: Loop) -> None:
    s = session(learning_rate=10.0, activation="linear")
    w = watch(s, loop)
    s.submit(lambda s: commands.control(s, "play"))
    tick.advance([s], 0.0, group.Groups())
    texts, frame = read(loop, w)
    event = next(t for t in texts if t["type"] == "event")
    assert event["event"] == "diverged" and not s.playing
    assert texts[-1] == {**texts[-1], "type": "status", "playing": False}
    assert frame is not None and frame.header["metrics"]["train_loss"] is None  # NaN → null


def test_detached_sessions_wait_idle(loop: Loop) -> None:
    s = session()
    w = watch(s, loop)
    s.submit(lambda s: commands.control(s, "play"))
    tick.advance([s], 0.0, group.Groups())
    assert s.active
    assert s.detach(w) and not s.attached and s.detached_at is not None
    assert w.mailbox.closed and s.playing and not s.active and not s.due(10.0)
