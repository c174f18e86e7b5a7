"""A small synchronous websocket client and an independent frame decoder for the tests.

Written from the contract (docs/architecture.md §4-§5), not from the server's code, so a bug
in the server's encoder cannot hide behind the same bug in the decoder.
"""

from __future__ import annotations

import json
import struct
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from websockets.sync.client import ClientConnection, connect

JsonDict = dict[str, Any]


def _no_constants(name: str) -> float:
    raise AssertionError(f"non-JSON constant {name} on the wire")


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_constant=_no_constants)


@dataclass
class Frame:
    header: JsonDict
    raw: dict[str, np.ndarray]  # arrays as sent (quantised dtype)
    size: int

    @property
    def step(self) -> int:
        return int(self.header["step"])

    def descriptor(self, name: str) -> JsonDict:
        return next(d for d in self.header["arrays"] if d["name"] == name)

    def value(self, name: str) -> np.ndarray:
        """Decoded floats: `min + q * scale` when quantised, as-is otherwise."""
        d = self.descriptor(name)
        q = self.raw[name].astype(np.float64)
        if d.get("scale") is not None:
            return float(d.get("min") or 0.0) + q * float(d["scale"])
        return q


def decode(message: bytes) -> Frame:
    (header_len,) = struct.unpack_from("<I", message, 0)
    header = loads(message[4 : 4 + header_len].decode("utf-8"))
    body = message[4 + header_len :]
    raw: dict[str, np.ndarray] = {}
    end_max = 0
    for d in header["arrays"]:
        dtype = np.dtype(d["dtype"]).newbyteorder("<")
        count = int(np.prod(d["shape"])) if d["shape"] else 1
        start, end = int(d["offset"]), int(d["offset"]) + count * dtype.itemsize
        assert start % 4 == 0, f"{d['name']}: offset {start} not 4-aligned"
        assert start >= end_max, f"{d['name']}: overlaps the previous array"
        assert end <= len(body), f"{d['name']}: runs past the message"
        raw[d["name"]] = np.frombuffer(body[start:end], dtype=dtype).reshape(d["shape"])
        end_max = end
    assert len(body) - end_max < 4, "bytes after the last array beyond alignment padding"
    return Frame(header, raw, len(message))


class Client:
    """One tab: connect (optionally resuming), read the hello, then send/receive."""

    def __init__(
        self, ws_url: str, resume: str | None = None, expect: str = "hello", **kwargs: Any
    ) -> None:
        url = f"{ws_url}?resume={resume}" if resume else ws_url
        # Entered by hand (websockets 17 wants a context manager); `close()` exits it.
        self._cm = connect(url, open_timeout=30, proxy=None, max_size=2**24, **kwargs)
        self.ws: ClientConnection = self._cm.__enter__()
        self.hello: JsonDict = loads(self.ws.recv(30))
        assert self.hello["type"] == expect, self.hello
        self.texts: list[JsonDict] = []

    def send(self, message: JsonDict | str) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def recv(self, timeout: float = 10.0) -> Frame | JsonDict:
        message = self.ws.recv(timeout)
        if isinstance(message, bytes):
            return decode(message)
        parsed: JsonDict = loads(message)
        self.texts.append(parsed)
        return parsed

    def until_text(self, kind: str, timeout: float = 15.0) -> JsonDict:
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(max(0.01, deadline - time.monotonic()))
            if isinstance(message, dict) and message["type"] == kind:
                return message

    def until_frame(self, min_rev: int = -1, min_step: int = -1, timeout: float = 15.0) -> Frame:
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(max(0.01, deadline - time.monotonic()))
            if (
                isinstance(message, Frame)
                and message.header["config_rev"] >= min_rev
                and message.step >= min_step
            ):
                return message

    def frames(self, count: int, timeout: float = 15.0) -> list[Frame]:
        return [self.until_frame(timeout=timeout) for _ in range(count)]

    def close(self) -> None:
        self._cm.__exit__(None, None, None)
