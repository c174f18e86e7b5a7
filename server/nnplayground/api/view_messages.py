"""Handlers of the optional views' messages (issue 15): `views` and `inspect`.

Both act on the sending connection only: `views` sets what its frames carry, `inspect` answers
it alone (runtime/views.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nnplayground.api import protocol as p
from nnplayground.runtime import views

if TYPE_CHECKING:
    from nnplayground.api.messages import Context


def on_views(ctx: Context, m: p.ViewsMessage) -> None:
    warp = None
    if m.warp is not None:
        neurons = m.warp.neurons if m.warp.neurons == "pca" else tuple(m.warp.neurons)
        warp = (m.warp.layer, neurons)
    request = views.ViewRequest(m.landscape, m.directions, warp, m.confusion)  # type: ignore[arg-type]
    watcher = ctx.watcher
    ctx.submit(lambda s: views.set_views(s, watcher, request))


def on_inspect(ctx: Context, m: p.InspectMessage) -> None:
    watcher = ctx.watcher
    ctx.submit(lambda s: views.inspect(s, watcher, m.point, m.apply))
