"""Compile the default bucket's functions: what the first frame needs, then the rest."""

from __future__ import annotations

from nnplayground.engine import backprop, confusion, group, landscape, warp
from nnplayground.engine.config import DEFAULT_CAPACITY, Capacity, RunConfig
from nnplayground.engine.train import BATCH_BUCKETS, row_buckets, rows_for
from nnplayground.engine.trainer import Trainer


def warmup(
    capacity: Capacity = DEFAULT_CAPACITY,
    lanes: int = 1,
    *,
    part: str = "all",
    views: bool = True,
) -> None:
    """Trace and compile training, evaluation, probes and every edit path of `capacity`.

    `part="first"` is what a default session's first frames and edits need (the default batch
    bucket); `part="rest"` the other minibatch buckets, the grouped calls and the views (~1.5 s each even from the persistent
    cache, so a server compiles them after it is ready); `"all"` both. `views`: also the
    optional views (landscape, warp, confusion, backprop; one lane only).
    Honours `jax_compilation_cache_dir` if the caller set it: a later process then loads the
    compiled code instead of compiling (~0.3 s instead of ~1.3 s per function).
    """
    if part not in ("first", "rest", "all"):
        raise ValueError(f"part: must be first, rest or all, got {part!r}")
    t = Trainer([RunConfig()] * lanes, capacity)
    if part in ("first", "all"):
        t.train(1)
        t.evaluate()
        if lanes == 1:  # frames probe one lane at a time, also in compare (runtime/compare.py)
            t.probe().arrays(0)
        for lane in range(lanes):
            t.apply(lane, t.configs[lane].replace(capacity, hidden_layers=[3], optimizer="adam"))
            t.set_weight(lane, 0, 0, 0, 0.5)
            t.set_bias(lane, 1, 0, 0.1)
        t.train(1)
        t.reset()
    if part in ("rest", "all"):
        for batch in BATCH_BUCKETS[1:]:  # every other minibatch bucket's training code
            for lane in range(lanes):
                size = min(capacity.batch, batch)
                t.apply(lane, t.configs[lane].replace(capacity, batch_size=size))
            t.train(1)
        if lanes == 1:
            t.probe(reduced=True).arrays(0)  # what a loaded server draws
        default_rows = rows_for(RunConfig().num_points, capacity.points)
        for rows, n in row_buckets(capacity).items():  # every other evaluation row bucket
            if rows != default_rows:
                for lane in range(lanes):
                    t.apply(lane, t.configs[lane].replace(capacity, num_points=n))
                t.evaluate()
        if lanes == 1:
            group.warmup(capacity)  # what a loaded server's grouped calls need
        if lanes == 1 and views:
            # The optional views (issue 15): compiling one when a user first opens it stalled
            # that session's frames for ~2 s, in the middle of a lecture.
            for warm_view in (landscape.warm, warp.warm, confusion.warm, backprop.warm):
                warm_view(t)


def warmup_sweeps(capacity: Capacity, lanes: int) -> None:
    """What a sweep in `capacity` calls (runtime/capacity.py): moving lane 0 into the bucket
    and back, `lanes` lanes' edits, their grouped and lone training, measuring and thumbnails
    in every minibatch and row bucket. Frames and views draw lane 0 in the default bucket."""
    one = Trainer([RunConfig()], DEFAULT_CAPACITY).migrate(capacity)
    one.migrate(DEFAULT_CAPACITY)
    # About 90 s on two cores without the persistent cache (half of it the grouped calls of
    # sizes 4 and 16); compiling in two threads measured no faster.
    warmup(capacity, 1, views=False)
    if lanes > 1:
        warmup(capacity, lanes)
