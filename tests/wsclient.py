"""The tests' websocket clients and frame decoder (one of each, shared by every test suite).

`Client` is a well-behaved synchronous client; `RawSocket` speaks just enough RFC 6455 to
misbehave on purpose (never read, vanish without a close frame, send text that is not UTF-8).
The decoder is written from the contract (docs/architecture.md §4-§5), not from the server's
code, so a bug in the server's encoder cannot hide behind the same bug in the decoder.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import psutil
from websockets.exceptions import ConnectionClosed
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

    @property
    def config_rev(self) -> int:
        return int(self.header.get("config_rev", -1))

    def names(self) -> list[str]:
        return [str(d["name"]) for d in self.header["arrays"]]

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


def open_ws(ws_url: str, **kwargs: Any) -> ClientConnection:
    # No client keepalive pings: their payload comes from the global `random`, which hypothesis
    # rightly reports when another thread draws from it mid-example. The server still pings.
    kwargs.setdefault("ping_interval", None)
    ws = connect(ws_url, proxy=None, open_timeout=30, max_size=2**24, legacy=True, **kwargs)
    assert isinstance(ws, ClientConnection)  # `connect` is typed to return a union
    return ws


class Client:
    """One tab: connect (optionally resuming), read the hello, then send and receive; parses
    every message strictly (NaN in JSON is a failure)."""

    def __init__(
        self, ws_url: str, resume: str | None = None, expect: str = "hello", **kwargs: Any
    ) -> None:
        url = f"{ws_url}?resume={resume}" if resume else ws_url
        self.ws = open_ws(url, **kwargs)
        self.hello: JsonDict = loads(self.ws.recv(timeout=30))
        assert self.hello["type"] == expect, self.hello
        self.texts: list[JsonDict] = []

    def send(self, message: JsonDict | str) -> None:
        self.ws.send(message if isinstance(message, str) else json.dumps(message))

    def recv(self, timeout: float = 10.0) -> Frame | JsonDict:
        message = self.ws.recv(timeout=timeout)
        if isinstance(message, bytes):
            return decode(message)
        parsed: JsonDict = loads(message)
        self.texts.append(parsed)
        return parsed

    def until_text(self, kind: str, timeout: float = 15.0, **match: Any) -> JsonDict:
        """The next text message of `type` kind (and the given field values), skipping the rest."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(max(0.001, deadline - time.monotonic()))
            if (
                isinstance(message, dict)
                and message.get("type") == kind
                and all(message.get(k) == v for k, v in match.items())
            ):
                return message

    def until_frame(self, min_rev: int = -1, min_step: int = -1, timeout: float = 15.0) -> Frame:
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(max(0.001, deadline - time.monotonic()))
            if (
                isinstance(message, Frame)
                and message.config_rev >= min_rev
                and message.step >= min_step
            ):
                return message

    def frames(self, count: int, timeout: float = 15.0) -> list[Frame]:
        return [self.until_frame(timeout=timeout) for _ in range(count)]

    def frames_for(self, seconds: float) -> list[Frame]:
        """Every frame received during `seconds` (texts are kept in `self.texts`)."""
        frames: list[Frame] = []
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            try:
                message = self.recv(left)
            except TimeoutError:
                break
            if isinstance(message, Frame):
                frames.append(message)
        return frames

    def play(self, fps: int | None = None) -> Frame:
        if fps is not None:
            self.send({"type": "stream", "fps": fps, "steps_per_frame": None})
            self.until_text("stream")
        self.send({"type": "control", "action": "play"})
        return self.until_frame(timeout=30)

    def errors(self) -> list[JsonDict]:
        return [t for t in self.texts if t.get("type") == "error"]

    def close(self) -> None:
        self.ws.close()


def close_code(ws: ClientConnection, timeout: float = 10.0) -> tuple[int | None, str]:
    """Read until the server closes; the (code, reason) it sent."""
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                ws.recv(timeout=max(0.001, deadline - time.monotonic()))
            except TimeoutError:
                break
    except ConnectionClosed as closed:
        return (closed.rcvd.code, closed.rcvd.reason) if closed.rcvd else (None, "")
    raise AssertionError(f"server did not close the connection within {timeout} s")


class RawSocket:
    """A websocket client on a bare TCP socket, for clients that break the rules."""

    def __init__(self, port: int, *, origin: str | None = None, rcvbuf: int | None = None) -> None:
        self.sock = socket.socket()
        if rcvbuf is not None:  # a small receive window makes a non-reading client stall sooner
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(30)
        self.sock.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            "GET /ws HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
            "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
        ]  # fmt: skip
        if origin:
            lines.append(f"Origin: {origin}")
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError(f"handshake closed: {response!r}")
            response += chunk
        self.status = int(response.split(b" ", 2)[1])

    def send_frame(self, opcode: int, payload: bytes) -> None:
        """One final, masked frame (clients must mask)."""
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 2**16:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send_json(self, message: JsonDict) -> None:
        self.send_frame(0x1, json.dumps(message).encode())

    def read_frame(self) -> tuple[int, bytes]:
        """(opcode, payload) of the next server frame (servers don't mask)."""
        b0, b1 = self._exact(2)
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", self._exact(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", self._exact(8))
        return b0 & 0x0F, self._exact(n)

    def _exact(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed by the server")
            data += chunk
        return data

    def vanish(self) -> None:
        """Drop the connection without a close frame: RST, as when wifi goes away."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def server_stats(pid: int) -> tuple[float, int]:
    """(RSS in MB, thread count) of the server process."""
    p = psutil.Process(pid)
    return p.memory_info().rss / 2**20, p.num_threads()


def assert_no_traceback(log: str) -> None:
    assert "Traceback" not in log, f"server logged a traceback:\n{log[-4000:]}"
