"""`advance`: one tick of a group of sessions, the only way a session's chunk is trained.

A tick is, per session, `Session.begin` (apply commands, say whether a chunk is due), the chunk,
`Session.trained` (pace, record, report) and `Session.end` (frames to the watchers). Here the
chunks, measurements and probes of sessions that can share a call run in grouped engine calls
(engine/group.py): on a loaded thread a small net's call is mostly fixed cost, so sixteen
sessions' chunks cost little more than one. A lone session is a group of one, which
`group.Groups` hands to the Trainer's own calls. Sessions that cannot share a call (compare's
several lanes, a lone setting) run their own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from nnplayground.engine import ChunkMetrics, Probe, group
from nnplayground.runtime.measuring import stop_event

if TYPE_CHECKING:
    from nnplayground.runtime.session import Session

log = logging.getLogger("nnplayground.runtime")
T = TypeVar("T")
FAILED = "internal error while training; the session was paused"


def advance(sessions: Sequence[Session], now: float, groups: group.Groups) -> None:
    """One tick of `sessions` (due at `now`, seconds on the scheduler's monotonic clock)."""
    chunks: list[tuple[Session, int]] = []
    for session in sessions:
        steps = guarded(session, session.begin, now)
        if steps is not None:
            chunks.append((session, steps))
    for members in _split(chunks, lambda c: group.chunk_key(c[0].trainer, c[1])):
        started = time.perf_counter()
        try:
            losses = groups.advance([s.trainer for s, _ in members], [n for _, n in members])
        except Exception:
            log.exception("a chunk failed; its sessions paused")
            for session, _ in members:
                session.fail(FAILED)
            continue
        share = (time.perf_counter() - started) / len(members)
        done = [(s, n, share, loss) for (s, n), loss in zip(members, losses, strict=True)]
        _measure(done, groups)
    framed = [(s, r) for s in sessions if (r := s.probe_wanted()) is not None]
    framing = {s for s, _ in framed}
    for session in sessions:  # no frame goes out: `end` only refreshes the hello snapshot
        if session not in framing:
            guarded(session, session.end)
    for probed in _split(framed, lambda f: group.probe_key(f[0].trainer, f[1])):
        drawn = [s for s, _ in probed]
        probes: list[Probe | None] = [None] * len(drawn)
        if len(drawn) > 1:
            try:
                probes = list(groups.probe([s.trainer for s in drawn], probed[0][1]))
            except Exception:
                log.exception("a grouped probe failed; probing its sessions one by one")
        for session, probe in zip(drawn, probes, strict=True):
            guarded(session, session.end, probe)


def train(s: Session, steps: int) -> None:
    """Train `steps` now, alone (a step or epoch command, between ticks)."""
    started = time.perf_counter()
    batch_loss = s.trainer.advance(steps)
    seconds = time.perf_counter() - started
    chunk = s.trainer.evaluate(track=True) if measure_wanted(s, batch_loss) else None
    trained(s, steps, seconds, time.perf_counter() - started, chunk)


def measure_wanted(s: Session, batch_loss: np.ndarray) -> bool:
    """After a chunk with these batch losses: whether to measure the full-data metrics now,
    because they are due or because a NaN must stop training within this chunk."""
    if s.measuring.due(s.begun_at, s.playing, s.loaded):
        return True
    return not (bool(np.isfinite(batch_loss).all()) and bool(s.trainer.finite()[0]))


def trained(
    s: Session, steps: int, seconds: float, elapsed: float, chunk: ChunkMetrics | None
) -> None:
    """After `steps` steps in `seconds` and, `elapsed` in all, the measurement `chunk` when
    `measure_wanted` (a grouped call gives each member its share of the time): pace the next
    chunk, record the metrics, report divergence or early stopping."""
    t = s.trainer
    if not s.loaded:  # a loaded thread paces its sessions together (pacing.LoadedPace)
        s.clock.adapt(steps, elapsed, s.scheduler_share, s.limits)
    s.trainer = s.compare.after_chunk(t, chunk)
    if chunk is None:  # examples/s counts the training, not the measuring
        s.measuring.speed(steps * t.configs[0].batch_size / seconds if seconds > 0 else None)
        return
    s.measured(chunk, steps, seconds, keep=True)
    stop = stop_event(chunk, t.configs[0], s.playing)
    if stop is not None:  # diverged or stopped early: paused, and the watchers told why
        s.playing = False
        s.send({"type": "event", "step": int(t.step[0]), **stop})
        s.send_status()


def _split(items: list[T], key: Callable[[T], Hashable | None]) -> list[list[T]]:
    """`group.split`, without its keys for a group of one (an unloaded thread's every tick)."""
    return [items] if len(items) == 1 else group.split(items, key)


def guarded(session: Session, fn: Callable[..., Any], *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception:  # an engine bug must not stop the other sessions' training
        log.exception("session %s failed; paused", session.id)
        session.fail(FAILED)
        return None


def _measure(done: list[tuple[Session, int, float, np.ndarray]], groups: group.Groups) -> None:
    """`Session.trained` for sessions that trained in one call (session, steps, their share of
    its seconds, batch losses), with the measurements they want taken in grouped calls too."""
    wanted = [item for item in done if guarded(item[0], measure_wanted, item[0], item[3])]
    measured: dict[Session, tuple[ChunkMetrics, float]] = {}  # → (chunk, seconds)
    for members in _split(wanted, lambda item: group.eval_key(item[0].trainer)):
        started = time.perf_counter()
        trainers = [item[0].trainer for item in members]
        try:
            chunks = groups.evaluate(trainers, track=True)
        except Exception:
            log.exception("a grouped measurement failed; measuring its sessions one by one")
            chunks = [t.evaluate(track=True) for t in trainers]
        share = (time.perf_counter() - started) / len(members)
        for item, metrics in zip(members, chunks, strict=True):
            measured[item[0]] = (metrics, share)
    for session, steps, seconds, _ in done:
        got = measured.get(session)
        chunk: ChunkMetrics | None = got[0] if got is not None else None
        extra = got[1] if got is not None else 0.0
        guarded(session, trained, session, steps, seconds, seconds + extra, chunk)
