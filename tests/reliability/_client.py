"""Test clients for the reliability suite: a synchronous websocket client and a raw-socket one.

The raw client speaks just enough RFC 6455 to misbehave on purpose: never read, vanish without a
close frame, send a text frame that is not UTF-8.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
from typing import Any

import psutil
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from nnplayground.benchmark.wire import Frame, JsonDict, decode_frame, strict_loads


def open_ws(ws_url: str, **kwargs: Any) -> ClientConnection:
    # No client keepalive pings: their payload comes from the global `random`, which hypothesis
    # rightly reports when another thread draws from it mid-example. The server still pings.
    kwargs.setdefault("ping_interval", None)
    ws = connect(ws_url, proxy=None, open_timeout=30, max_size=2**24, legacy=True, **kwargs)
    assert isinstance(ws, ClientConnection)  # `connect` is typed to return a union
    return ws


class Client:
    """A well-behaved client: parses every message strictly (NaN in JSON is a failure)."""

    def __init__(self, ws_url: str, *, resume: str | None = None, **kwargs: Any) -> None:
        url = f"{ws_url}?resume={resume}" if resume else ws_url
        self.ws = open_ws(url, **kwargs)
        self.hello: JsonDict = strict_loads(self.ws.recv(timeout=30))
        assert self.hello["type"] == "hello", self.hello
        self.texts: list[JsonDict] = []

    def send(self, message: JsonDict) -> None:
        self.ws.send(json.dumps(message))

    def recv(self, timeout: float = 10.0) -> JsonDict | Frame:
        message = self.ws.recv(timeout=timeout)
        if isinstance(message, bytes):
            return decode_frame(message)
        parsed: JsonDict = strict_loads(message)
        self.texts.append(parsed)
        return parsed

    def until_text(self, kind: str, timeout: float = 10.0, **match: Any) -> JsonDict:
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

    def until_frame(self, timeout: float = 10.0, min_rev: int = -1) -> Frame:
        deadline = time.monotonic() + timeout
        while True:
            message = self.recv(max(0.001, deadline - time.monotonic()))
            if isinstance(message, Frame) and message.config_rev >= min_rev:
                return message

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
