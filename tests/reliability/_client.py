"""The reliability suite's clients: the tests' one websocket client (tests/wsclient.py)."""

from wsclient import (
    Client,
    Frame,
    JsonDict,
    RawSocket,
    assert_no_traceback,
    close_code,
    open_ws,
    server_stats,
)

__all__ = [
    "Client",
    "Frame",
    "JsonDict",
    "RawSocket",
    "assert_no_traceback",
    "close_code",
    "open_ws",
    "server_stats",
]
