"""A client that stops reading costs one frame of memory and does not slow anyone else down."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time

import psutil

from conftest import LiveServer
from wsclient import Client

STALL_S = 6.0


def stalled_client(port: int, fps: int) -> socket.socket:
    """A raw websocket that handshakes, asks to play at `fps`, then never reads another byte."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fill up fast
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert response.startswith(b"HTTP/1.1 101"), response
    big = {"type": "config", "hidden_layers": [8] * 6}  # 48 neuron maps: ~60 kB per frame
    for message in (big, {"type": "stream", "fps": fps}, {"type": "control", "action": "play"}):
        sock.sendall(_client_frame(json.dumps(message).encode()))
    return sock


def _client_frame(payload: bytes) -> bytes:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    assert len(payload) < 126
    return struct.pack("!BB", 0x81, 0x80 | len(payload)) + mask + masked


def frames_per_second(client: Client, seconds: float) -> float:
    client.until_frame()
    start, count = time.monotonic(), 0
    while time.monotonic() - start < seconds:
        client.until_frame()
        count += 1
    return count / (time.monotonic() - start)


def test_stalled_reader_keeps_memory_bounded_and_others_fps(live_server: LiveServer) -> None:
    server = psutil.Process(live_server.process.pid)
    reader = Client(live_server.ws_url)
    stalled: socket.socket | None = None
    try:
        reader.send({"type": "stream", "fps": 20})
        reader.send({"type": "control", "action": "play"})
        alone = frames_per_second(reader, 2.0)

        stalled = stalled_client(live_server.port, fps=60)
        time.sleep(1.0)  # its socket buffers fill; from now on its frames are dropped
        rss_start = server.memory_info().rss
        shared = frames_per_second(reader, STALL_S)
        rss_growth_mb = (server.memory_info().rss - rss_start) / 2**20

        assert alone > 15, f"baseline {alone:.1f} fps at 20 requested"
        assert shared > 0.8 * alone, f"{shared:.1f} fps next to a stalled client vs {alone:.1f}"
        # At 60 fps x ~60 kB a queue would grow ~3.6 MB/s (~20 MB here); the mailbox holds one.
        print(f"fps alone {alone:.1f}, shared {shared:.1f}; RSS growth {rss_growth_mb:.2f} MB")
        assert rss_growth_mb < 8, f"server RSS grew {rss_growth_mb:.1f} MB"
    finally:
        reader.close()
        if stalled is not None:
            stalled.close()
