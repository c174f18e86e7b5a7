"""The messages the server builds agree with the pydantic models that the schema exports.

Frame headers and text messages are plain dicts on the hot path; here a real session's are
validated against the models, with no field missing or extra. Hello is built from its model.
"""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from pydantic import BaseModel

from nnplayground.api import protocol as p
from nnplayground.api.settings import Settings, runtime_limits
from nnplayground.api.ws import hello
from nnplayground.engine import RunConfig, Trainer, group
from nnplayground.runtime import commands, tick
from nnplayground.runtime.mailbox import Mailbox
from nnplayground.runtime.session import Session
from nnplayground.runtime.watchers import Watcher
from nnplayground.runtime.wire import PROTOCOL_VERSION
from wsclient import decode


def _fields(model: type[BaseModel], data: dict[str, Any]) -> None:
    """`data` validates against `model` with exactly its fields, nested models too."""
    model.model_validate(data, strict=True)
    assert set(data) <= set(model.model_fields), set(data) - set(model.model_fields)
    required = {n for n, f in model.model_fields.items() if f.is_required()}
    assert required <= set(data), required - set(data)


def test_frame_headers_and_texts_match_their_models() -> None:
    loop = asyncio.new_event_loop()
    settings = Settings()
    s = Session("s", "t", Trainer([RunConfig(val_ratio=0.2)]), runtime_limits(settings))
    watcher = Watcher(Mailbox(loop))
    s.attach(watcher)
    try:
        s.propose_compare([{"learning_rate": 0.3}])
        s.submit(lambda s: commands.control(s, "epoch"))
        s.submit(lambda s: commands.stream(s, 20, None))
        s.submit(lambda s: commands.edit_weight(s, 99, 0, 0, 1.0))  # an error
        s.propose_config({"learning_rate": 10.0, "activation": "linear"})
        s.submit(lambda s: commands.control(s, "epoch"))  # diverges: an event
        tick.advance([s], 1000.0, group.Groups())
        texts, frame = loop.run_until_complete(watcher.mailbox.next_batch())
    finally:
        loop.close()
    assert frame is not None
    header = decode(frame).header
    assert header["v"] == PROTOCOL_VERSION
    _fields(p.FrameHeader, header)
    _fields(p.FrameMetrics, header["metrics"])
    for variant in header["compare"]["variants"]:
        _fields(p.VariantMetrics, variant)

    by_type = {m.model_fields["type"].default: m for m in p.SERVER_MESSAGES}
    kinds = [t["type"] for t in texts]
    assert {"compare", "status", "stream", "error", "config", "event"} <= set(kinds), kinds
    for text in texts:
        _fields(by_type[text["type"]], text)
    assert np.isfinite(header["epoch"])


def test_hello_is_built_from_its_model() -> None:
    s = Session("s", "t", Trainer([RunConfig()]), runtime_limits(Settings()))
    message = hello(s, resumed=False, settings=Settings())
    assert message["type"] == "hello" and message["protocol"] == PROTOCOL_VERSION
    _fields(p.HelloMessage, message)
    assert message["config"] == RunConfig().to_dict()
