"""The optional views of issue 15, per watcher: loss landscape, hidden-layer warp, confusion
matrices, and the backprop inspector's commands.

A watcher asks for views with a `views` message; until then its frames are exactly today's
(same bytes, same cost). What a frame carries is computed once per session and shared by the
watchers that ask for the same thing. The landscape (the costly one: a 31x31 grid of full
training-set losses) is recomputed at most every `LANDSCAPE_INTERVAL` seconds and whenever the
model or its config changed while paused; the optimizer's path is lane 0's weights at each frame
while the view is on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nnplayground.engine import backprop
from nnplayground.engine import confusion as confusion_mod
from nnplayground.engine import landscape as landscape_mod
from nnplayground.engine import warp as warp_mod
from nnplayground.engine.errors import FieldError
from nnplayground.engine.lane_view import lane_view
from nnplayground.runtime.compare import in_default_bucket
from nnplayground.runtime.frames import WireArray

if TYPE_CHECKING:
    from nnplayground.runtime.session import Session
    from nnplayground.runtime.watchers import Watcher

JsonDict = dict[str, Any]
LANDSCAPE_INTERVAL = 0.45  # s between landscape grids while training: just over 2 a second


@dataclass(frozen=True)
class ViewRequest:
    """What one watcher asked for (hashable: frames are shared by equal requests)."""

    landscape: bool = False
    directions: str = "pca"
    warp: tuple[int, tuple[int, int] | str] | None = None  # (layer 1..depth, neurons | "pca")
    confusion: bool = False

    @property
    def on(self) -> bool:
        return self.landscape or self.warp is not None or self.confusion


OFF = ViewRequest()


class SessionViews:
    """One session's view state (scheduler thread only)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.trajectory = landscape_mod.Trajectory()
        self._landscape: dict[str, tuple[float, int, int, landscape_mod.Landscape]] = {}
        self._warps: dict[Any, tuple[JsonDict, list[WireArray]]] = {}
        self._confusion: tuple[Any, list[WireArray]] | None = None
        self._last_step = -1
        self.landscapes_computed = 0  # for tests and the benchmark
        self._spent = 0.0  # s spent on landscapes in the frame being made
        self._grid_s = 0.0  # s per landscape grid (EMA)

    def parts(self, s: Session, request: ViewRequest) -> tuple[JsonDict, list[WireArray]]:
        """Header blocks and arrays this request adds to lane 0's frame."""
        t = in_default_bucket(s.trainer)
        step = int(t.step[0])
        if step < self._last_step:  # a reset: the old path leads nowhere
            self.trajectory.clear()
            self._landscape.clear()
        self._last_step = step
        header: JsonDict = {}
        arrays: list[WireArray] = []
        key = (step, s.rev, id(t))
        if request.landscape:
            land = self._landscape_now(s, request.directions, key)
            header["landscape"] = _finite(land.header())
            arrays.append(WireArray("landscape", _finite_grid(land.grid)))
        if request.warp is not None:
            block, warp_arrays = self._warp_now(s, request.warp, key)
            header["warp"] = block
            arrays += warp_arrays
        if request.confusion:
            if self._confusion is None or self._confusion[0] != key:
                got = confusion_mod.confusion(t, 0)
                made = [
                    WireArray(f"confusion_{split}", counts) for split, counts in (got or {}).items()
                ]
                self._confusion = (key, made)
            arrays += self._confusion[1]
        return header, arrays

    def _landscape_now(self, s: Session, mode: str, key: Any) -> landscape_mod.Landscape:
        t = in_default_bucket(s.trainer)
        self.trajectory.record(lane_view(t, 0).params)
        now = self._clock()
        cached = self._landscape.get(mode)
        if cached is not None:
            at, step, rev, land = cached
            fresh = (step, rev) == key[:2]
            if fresh or (s.active and rev == s.rev and now - at < LANDSCAPE_INTERVAL):
                return land
        started = time.perf_counter()
        land = landscape_mod.landscape(t, 0, self.trajectory, mode)
        took = time.perf_counter() - started
        self._spent += took
        self._grid_s = took if not self.landscapes_computed else 0.8 * self._grid_s + 0.2 * took
        self.landscapes_computed += 1
        self._landscape[mode] = (now, key[0], key[1], land)
        return land

    def excess(self, fps: int) -> float:
        """Seconds of this frame's making to leave out of the frame clock's frame cost: a
        landscape grid (~40 ms) comes every `LANDSCAPE_INTERVAL`, not every frame, so the frame
        cost gets its share per frame instead; counted whole, the auto pacing would read it as
        every frame's cost and starve training (measured: examples/s down 75 %)."""
        spent, self._spent = self._spent, 0.0
        if spent == 0.0:
            return 0.0
        return spent - self._grid_s / (fps * LANDSCAPE_INTERVAL)

    def _warp_now(
        self, s: Session, spec: tuple[int, tuple[int, int] | str], key: Any
    ) -> tuple[JsonDict, list[WireArray]]:
        cache_key = (key, spec)
        if cache_key not in self._warps:
            self._warps.clear()
            layer, neurons = spec
            try:
                w = warp_mod.warp(in_default_bucket(s.trainer), 0, layer, neurons)
            except ValueError as exc:  # the config changed under the request: say why
                self._warps[cache_key] = ({"layer": layer, "error": str(exc)}, [])
            else:
                arrays = [WireArray("warp_lines", w.lines), WireArray("warp_points", w.points)]
                self._warps[cache_key] = (w.header(), arrays)
        return self._warps[cache_key]


def check_warp(s: Session, spec: tuple[int, tuple[int, int] | str] | None) -> None:
    """FieldError("warp", …) when the requested layer/neurons don't exist in lane 0's config."""
    if spec is None:
        return
    cfg = s.trainer.configs[0]
    layer, neurons = spec
    if not 1 <= layer <= cfg.depth:
        raise FieldError("warp", f"layer {layer} is outside 1-{cfg.depth} (the hidden layers)")
    width = cfg.hidden_layers[layer - 1]
    if not isinstance(neurons, str) and not all(0 <= n < width for n in neurons):
        raise FieldError("warp", f"neurons must be in 0-{width - 1} for layer {layer}")


def set_views(s: Session, watcher: Watcher, request: ViewRequest) -> bool:
    """Command: `watcher`'s frames carry `request`'s views from now on (a frame follows)."""
    check_warp(s, request.warp)
    watcher.views = request
    return True


def inspect(s: Session, watcher: Watcher, point: int, apply: bool) -> bool:
    """Command: the backprop inspector's reply to `watcher`; `apply` also takes the SGD step
    (the model changed, so a frame follows and the metrics are re-measured)."""
    try:
        # Applying the step changes the model itself: in a width sweep's bucket that compiles
        # once (~1 s); only looking reads lane 0 in the default bucket.
        t = s.trainer if apply else in_default_bucket(s.trainer)
        got = backprop.inspect_point(t, 0, point, apply=apply)
    except ValueError as exc:
        raise FieldError("point", str(exc).removeprefix("point: ")) from None
    message = {"type": "inspect", **got.message()}
    message.setdefault("applied", False)
    message.setdefault("loss_after", None)
    s.send(_finite(message), watcher)
    if apply:
        s.measuring.stale = True
    return apply


def _finite(value: Any) -> Any:
    """JSON-safe: NaN/inf → null (a diverged model must not break the page)."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def _finite_grid(grid: np.ndarray) -> np.ndarray:
    """Non-finite losses (a diverging model) as the largest finite one, not the wire's 0 (which
    would draw as the lowest point)."""
    finite = np.isfinite(grid)
    if finite.all():
        return grid
    top = float(grid[finite].max()) if finite.any() else 0.0
    return np.where(finite, grid, np.float32(top)).astype(np.float32)


def warm(s: Session) -> None:
    """Compile the views' functions (a few seconds, once per process)."""
    t = s.trainer
    landscape_mod.warm(t)
    warp_mod.warm(t)
    confusion_mod.warm(t)
    backprop.warm(t)
