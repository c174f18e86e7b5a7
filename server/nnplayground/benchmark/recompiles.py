"""Every control change through the websocket after warm-up, counting JAX compilations.

The server reports its compile count in `/api/health` (`compiles`); the count is read after each
message has been answered and a later frame has come out, so a compile is blamed on the message
that caused it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from nnplayground.benchmark.serve import ServerProcess
from nnplayground.benchmark.wire import JsonDict, Session

ACTIVATIONS = ("relu", "sigmoid", "linear", "leaky_relu", "elu", "gelu", "softplus", "sin", "step", "tanh")  # fmt: skip
INITS = ("he", "zero", "small", "uniform", "xavier")
OPTIMIZERS = ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam", "sgd")
SCHEDULES = ("time", "step", "exponential", "constant")
CLASSIFICATION = ("xor", "gauss", "spiral", "moons", "checkerboard", "circle")
REGRESSION = ("multi_gauss", "surface", "plane")


def _config(**fields: Any) -> JsonDict:
    return {"type": "config", **fields}


def script() -> list[JsonDict]:
    """Every control a user can touch, each at least once, ending back at the defaults."""
    m: list[JsonDict] = []
    m += [_config(learning_rate=v) for v in (0.1, 3.0, 1e-5, 0.03)]
    m += [_config(activation=a) for a in ACTIVATIONS]
    m += [_config(init=i) for i in INITS]
    m += [_config(optimizer=o) for o in OPTIMIZERS]
    m += [_config(momentum=0.5), _config(beta1=0.8, beta2=0.99), _config(momentum=0.9)]
    m += [_config(beta1=0.9, beta2=0.999)]
    m += [_config(loss=x) for x in ("mse", "hinge", "softmax", "logistic", "auto")]
    m += [_config(schedule=s, decay_rate=0.01, decay_steps=100) for s in SCHEDULES]
    m += [_config(decay_rate=0.001, decay_steps=1000)]
    m += [_config(batch_size=b) for b in (1, 16, 17, 32, 64, 10)]
    m += [_config(l1=0.001), _config(l2=0.001), _config(l1=0.0, l2=0.0)]
    m += [_config(dropout=d) for d in (0.2, 0.9, 0.0)]
    m += [_config(hidden_layers=h) for h in ([], [8] * 6, [1], [8, 1, 8], [4, 2])]
    features = ["x1", "x2", "x1sq", "x2sq", "x1x2", "sinx1", "sinx2", "cosx1", "cosx2"]
    m += [_config(features=f) for f in (features, ["x1"], ["x1x2", "sinx2"], ["x1", "x2"])]
    m += [_config(dataset=d) for d in CLASSIFICATION]
    m += [_config(dataset=d, num_classes=k) for d in ("multi_spiral", "blobs") for k in (3, 6)]
    m += [_config(dataset="circle", num_classes=2)]
    m += [_config(num_points=n) for n in (10, 2000, 500)]
    m += [_config(noise=50), _config(noise=0), _config(train_ratio=0.8, val_ratio=0.1)]
    m += [_config(train_ratio=0.5, val_ratio=0.0), _config(data_seed=7), _config(seed=3)]
    m += [_config(patience=50), _config(patience=0)]
    m += [_config(problem="regression", dataset=d) for d in REGRESSION]
    m += [_config(problem="classification", dataset="circle")]
    m += [{"type": "stream", "fps": f, "steps_per_frame": s} for f, s in ((60, 1), (10, 1000), (30, None))]  # fmt: skip
    m += [{"type": "edit_weight", "layer": 0, "source": 1, "target": 2, "value": 0.5}]
    m += [{"type": "edit_bias", "layer": 1, "neuron": 0, "value": -0.25}]
    points = [[(i % 7) - 3.0, (i % 5) - 2.0, float(i % 2)] for i in range(40)]
    m += [{"type": "points", "points": points}]
    csv = "x1,x2,label\n" + "\n".join(f"{x},{y},{int(c)}" for x, y, c in points[:30])
    m += [{"type": "csv", "text": csv}, _config(dataset="circle")]
    m += [{"type": "control", "action": a} for a in ("pause", "step", "epoch", "reset", "regenerate", "play")]  # fmt: skip
    return m


_ANSWERS = {"config": "config", "stream": "stream", "control": "status", "points": "config",
            "csv": "config"}  # fmt: skip


async def run_script(server: ServerProcess, session: Session, limit: int | None) -> dict[str, Any]:
    """Send the script (its first `limit` messages) once; total compiles and their causes."""
    triggers: list[JsonDict] = []
    before = start = await asyncio.to_thread(server.compiles)
    playing = True
    messages = script()[:limit]
    for message in messages:
        await session.send(message)
        rev = -1
        answer = _ANSWERS.get(str(message["type"]))
        if answer is not None:
            reply = await session.until_text(answer)
            rev = int(reply.get("rev", -1)) if answer == "config" else -1
            playing = bool(reply.get("playing", playing))
        await session.until_frame(min_rev=rev, timeout=15)
        if playing:  # one more frame: the training the change affects has run
            await session.until_frame(timeout=15)
        after = await asyncio.to_thread(server.compiles)
        if after != before:
            triggers.append({"message": message, "compiles": after - before})
        before = after
    return {"compiles": before - start, "triggers": triggers, "messages": len(messages)}


async def recompiles(
    server: ServerProcess, passes: int, limit: int | None = None
) -> dict[str, Any]:
    """Compiles caused by `passes` runs of the script on a warmed server (first pass is the figure)."""
    session = await Session.open(server.ws_url)
    try:
        await session.send({"type": "control", "action": "play"})
        await session.until_frame(timeout=60)
        warmed = await asyncio.to_thread(server.compiles)
        if warmed == 0:  # the warm-up compiled something, so a counter stuck at 0 is not wired
            raise RuntimeError("/api/health reports 0 compiles after warm-up: counter not wired")
        results = [await run_script(server, session, limit) for _ in range(passes)]
        await session.send({"type": "control", "action": "pause"})
    finally:
        await session.close()
    return {"recompiles_after_warmup": results[0]["compiles"], "compiles_at_warmup": warmed,
            "passes": results}  # fmt: skip
