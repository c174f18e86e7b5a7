"""The path of one control (docs/architecture.md): a learning-rate message, from its text to the
jitted step, validated exactly once on the way, and out-of-range values refused at that one place."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import pytest

from nnplayground.api import messages
from nnplayground.api.settings import Settings, runtime_limits
from nnplayground.engine import RunConfig, Trainer, config, group
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import commands, tick
from nnplayground.runtime.mailbox import Mailbox
from nnplayground.runtime.session import Session
from nnplayground.runtime.watchers import Watcher


def test_the_learning_rate_is_validated_once_from_text_to_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loop = asyncio.new_event_loop()
    settings = Settings()
    s = Session("s", "t", Trainer([RunConfig()]), runtime_limits(settings))
    watcher = Watcher(Mailbox(loop))
    s.attach(watcher)
    ctx = messages.Context(s, watcher, settings)
    checked: list[Any] = []
    check = config._check

    def counting(name: str, value: Any, spec: dict[str, Any], capacity: Any) -> None:
        if name == "learning_rate":
            checked.append(value)
        check(name, value, spec, capacity)

    monkeypatch.setattr(config, "_check", counting)
    try:
        route, message = messages.parse('{"type": "config", "learning_rate": 0.25}')  # hop 3
        route.handle(ctx, message)  # hops 4-5: validated here, queued
        s.submit(lambda s: commands.control(s, "step"))
        tick.advance([s], 1000.0, group.Groups())  # hops 6-10: applied, trained one step
        assert checked == [0.25]
        assert s.measuring.metrics["learning_rate"] == np.float32(0.25)  # the step's own rate

        route, message = messages.parse('{"type": "config", "learning_rate": 100}')
        with pytest.raises(FieldError) as bad:  # refused at that one place, nothing queued
            route.handle(ctx, message)
        assert bad.value.field == "learning_rate" and "outside 1e-05-10.0" in str(bad.value)
        with pytest.raises(FieldError, match=r"^learning_rate: "):
            messages.parse('{"type": "config", "learning_rate": "0.1"}')  # a type error
    finally:
        loop.close()
