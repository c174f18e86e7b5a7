"""Client side of the websocket protocol (docs/architecture.md §4-§5), shared by the bench and tests.

Decodes binary frames without hard-coded offsets (the header describes every array) and wraps an
asyncio `websockets` connection with the few waits the measurements need.
"""

from __future__ import annotations

import asyncio
import json
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from websockets.asyncio.client import ClientConnection, connect

JsonDict = dict[str, Any]


def _reject_constant(name: str) -> float:
    # Python's json accepts NaN/Infinity; the wire must never carry them (they are not JSON).
    raise ValueError(f"non-JSON constant {name} in frame header")


def strict_loads(text: str | bytes) -> Any:
    """`json.loads` that raises on NaN/Infinity instead of accepting them."""
    return json.loads(text, parse_constant=_reject_constant)


@dataclass(frozen=True)
class Frame:
    """One binary frame: its JSON header and the array section it describes."""

    header: JsonDict
    body: memoryview
    size: int  # bytes on the wire (uncompressed message length)

    @property
    def step(self) -> int:
        return int(self.header["step"])

    @property
    def config_rev(self) -> int:
        return int(self.header.get("config_rev", -1))

    def names(self) -> list[str]:
        return [str(d["name"]) for d in self.header["arrays"]]

    def raw(self, name: str) -> np.ndarray:
        """The stored array (quantised dtype as sent), shape as its descriptor says."""
        for d in self.header["arrays"]:
            if d["name"] == name:
                dtype = np.dtype(d["dtype"]).newbyteorder("<")
                shape = tuple(int(s) for s in d["shape"])
                count = int(np.prod(shape)) if shape else 1
                offset = int(d["offset"])
                end = offset + count * dtype.itemsize
                if offset % 4 or end > len(self.body):
                    raise ValueError(f"array {name}: bad offset {offset} or size {end}")
                return np.frombuffer(self.body[offset:end], dtype=dtype).reshape(shape)
        raise KeyError(name)

    def value(self, name: str) -> np.ndarray:
        """Decoded float values: `min + q * scale` for quantised arrays, as-is for float arrays."""
        d = next(d for d in self.header["arrays"] if d["name"] == name)
        q = self.raw(name).astype(np.float64)
        if "scale" in d:
            return float(d.get("min", 0.0)) + q * float(d["scale"])
        return q


def decode_frame(message: bytes) -> Frame:
    """Parse `uint32 LE header_len | header JSON | arrays` (raises ValueError when malformed)."""
    if len(message) < 4:
        raise ValueError("frame shorter than its length prefix")
    (header_len,) = struct.unpack_from("<I", message, 0)
    if 4 + header_len > len(message):
        raise ValueError("header length beyond the message")
    header = strict_loads(message[4 : 4 + header_len])
    if not isinstance(header, dict) or "arrays" not in header:
        raise ValueError("frame header is not an object with arrays")
    return Frame(header, memoryview(message)[4 + header_len :], len(message))


def header_only(message: bytes) -> JsonDict:
    """Just the header of a binary frame (cheap: the arrays are not touched)."""
    (header_len,) = struct.unpack_from("<I", message, 0)
    header: JsonDict = strict_loads(message[4 : 4 + header_len])
    return header


@dataclass
class Session:
    """An asyncio websocket client of `/ws` that keeps what it has seen, for measurements."""

    ws: ClientConnection
    hello: JsonDict
    texts: list[JsonDict] = field(default_factory=list)

    @classmethod
    async def open(cls, ws_url: str, **kwargs: Any) -> Session:
        # A browser offers permessage-deflate too, so the default compression stays on.
        ws = await connect(ws_url, proxy=None, max_size=16 * 2**20, open_timeout=30, **kwargs)
        hello = strict_loads(await ws.recv())
        if hello.get("type") != "hello":
            raise RuntimeError(f"expected hello, got {hello!r}")
        return cls(ws, hello)

    async def send(self, message: JsonDict) -> None:
        await self.ws.send(json.dumps(message))

    async def recv(self, timeout: float) -> bytes | JsonDict:
        """The next message: raw bytes for a frame, a dict for a text message."""
        async with asyncio.timeout(timeout):
            message = await self.ws.recv()
        if isinstance(message, bytes):
            return message
        parsed: JsonDict = strict_loads(message)
        self.texts.append(parsed)
        return parsed

    async def until_text(self, kind: str, timeout: float = 10.0) -> JsonDict:
        """Skip frames and other texts until a text message of `type` kind (errors raise)."""
        deadline = time.monotonic() + timeout
        while True:
            message = await self.recv(max(0.0, deadline - time.monotonic()))
            if isinstance(message, dict):
                if message.get("type") == kind:
                    return message
                if message.get("type") == "error" and kind != "error":
                    raise RuntimeError(f"server error while waiting for {kind}: {message}")

    async def until_frame(self, min_rev: int = -1, timeout: float = 10.0) -> tuple[float, bytes]:
        """(arrival time, message) of the next frame whose `config_rev` >= min_rev."""
        deadline = time.monotonic() + timeout
        while True:
            message = await self.recv(max(0.0, deadline - time.monotonic()))
            if isinstance(message, bytes):
                arrived = time.perf_counter()
                if min_rev < 0 or int(header_only(message).get("config_rev", -1)) >= min_rev:
                    return arrived, message

    async def close(self) -> None:
        await self.ws.close()
