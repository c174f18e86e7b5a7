"""Lecture rooms on a real server with real websocket clients: a presenter, followers, forks."""

from __future__ import annotations

import json
import time
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.exceptions import ConnectionClosed

from conftest import LiveServer, start_server
from wsclient import Client, Frame, close_code, decode, open_ws


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A dropped presenter's session waits 4 s; the public URL is set, so join URLs use it."""
    server = start_server(
        tmp_path_factory.mktemp("rooms"),
        {
            "NNPLAYGROUND_SESSION_GRACE_S": "4",
            "NNPLAYGROUND_PUBLIC_URL": "http://lecture.example:8000",
        },
    )
    yield server
    server.stop()
    assert "Traceback" not in server.log(), server.log()[-4000:]


def open_room(presenter: Client, title: str | None = None) -> dict[str, object]:
    presenter.send({"type": "room", "action": "open", **({"title": title} if title else {})})
    return presenter.until_text("room")


def follow(server: LiveServer, code: str) -> Client:
    follower = Client(f"{server.ws_url}?room={code}")
    assert follower.hello["role"] == "follower"
    return follower


def test_join_code_url_and_a_follower_hello(server: LiveServer) -> None:
    presenter = Client(server.ws_url)
    try:
        presenter.until_frame()
        presenter.send({"type": "config", "learning_rate": 0.1})
        presenter.until_text("config")
        room = open_room(presenter, "Dr. Ada")
        code = str(room["code"])
        assert len(code) == 6 and not set(code) & set("0O1IL5S2Z"), code
        assert room["join_url"] == f"http://lecture.example:8000/r/{code}"
        assert room["followers"] == 0 and room["state"] == "live"
        follower = follow(server, code.lower())  # what a student types: case does not matter
        hello = follower.hello
        # The run is not the follower's: no id or token to resume (take over) the presenter's.
        assert hello["session_id"] == "" and hello["resume_token"] == ""
        assert hello["config"]["learning_rate"] == 0.1
        assert hello["room"]["code"] == code and hello["room"]["title"] == "Dr. Ada"
        first = follower.until_frame()
        assert first.value("points").shape[0] > 0  # a joining follower gets the data
        assert presenter.until_text("room", followers=1)["code"] == code
        follower.close()
        assert presenter.until_text("room", followers=0)["code"] == code
    finally:
        presenter.close()


def test_twenty_followers_see_a_change_within_a_second(server: LiveServer) -> None:
    presenter = Client(server.ws_url)
    followers: list[Client] = []
    try:
        code = str(open_room(presenter)["code"])
        followers = [follow(server, code) for _ in range(20)]
        presenter.until_text("room", followers=20, timeout=10)
        presenter.play()
        for f in followers:
            f.until_frame(min_step=1)
        presenter.send({"type": "config", "learning_rate": 0.3})
        sent = time.monotonic()
        rev = presenter.until_text("config")["rev"]

        def seen(f: Client) -> float:
            f.until_frame(min_rev=rev, timeout=10)
            return time.monotonic() - sent

        with ThreadPoolExecutor(20) as pool:
            delays = list(pool.map(seen, followers))
        assert max(delays) < 1.0, sorted(delays)
    finally:
        for f in followers:
            f.close()
        presenter.close()


def test_followers_cannot_change_the_run(server: LiveServer) -> None:
    presenter = Client(server.ws_url)
    try:
        first = presenter.until_frame()
        follower = follow(server, str(open_room(presenter)["code"]))
        follower.until_frame()
        refused = [
            {"type": "config", "learning_rate": 0.9},
            {"type": "control", "action": "play"},
            {"type": "control", "action": "reset"},
            {"type": "edit_weight", "layer": 0, "source": 0, "target": 0, "value": 1.0},
            {"type": "edit_bias", "layer": 1, "neuron": 0, "value": 1.0},
            {"type": "points", "points": [[0.1, 0.2, 1.0]] * 10},
            {"type": "compare", "variants": [{"learning_rate": 0.01}]},
            {"type": "stream", "fps": 5},
            {"type": "room", "action": "close"},
        ]
        for message in refused:
            follower.send(message)
            error = follower.until_text("error")
            assert error["field"] == "type" and "fork first" in error["message"], error
        # Nothing changed for anyone: a frame the presenter asks for shows its config as it was.
        presenter.send({"type": "stream", "fps": 20})
        presenter.until_text("stream")
        presenter.send({"type": "control", "action": "step"})
        after = presenter.until_frame(min_step=1)
        assert after.config_rev == first.config_rev and after.step == 1
        assert not [t for t in presenter.texts if t["type"] in ("config", "compare", "error")]
        assert not after.header["playing"]
    finally:
        presenter.close()


def test_a_fork_starts_bit_identical_then_trains_on_its_own(server: LiveServer) -> None:
    presenter = Client(server.ws_url)
    try:
        first = presenter.until_frame()  # the only one with the data (they don't change here)
        presenter.send({"type": "config", "learning_rate": 0.2, "hidden_layers": [5, 3]})
        presenter.until_text("config")
        presenter.send({"type": "control", "action": "epoch"})
        before = presenter.until_frame(min_step=2)
        follower = follow(server, str(open_room(presenter)["code"]))
        follower.until_frame()
        follower.send({"type": "fork"})
        hello = follower.until_text("hello")
        assert hello["role"] == "owner" and hello["session_id"] and hello["resume_token"]
        assert hello["session_id"] != presenter.hello["session_id"]
        assert hello["forked_from"]["step"] == before.step
        assert hello["config"]["hidden_layers"] == [5, 3]
        assert hello["config"]["learning_rate"] == 0.2
        assert len(hello["history"]["step"]) == len(presenter.hello["history"]["step"]) + 1
        forked = follower.until_frame()
        assert forked.step == before.step
        for name in ("weights", "biases"):
            assert forked.raw[name].tobytes() == before.raw[name].tobytes(), name
        assert forked.raw["points"].tobytes() == first.raw["points"].tobytes()
        # A run of its own: the fork trains, the presenter's stays where it was.
        follower.send({"type": "control", "action": "epoch"})
        later = follower.until_frame(min_step=before.step + 1)
        assert later.raw["weights"].tobytes() != before.raw["weights"].tobytes()
        presenter.send({"type": "control", "action": "step"})
        assert presenter.until_frame(min_step=before.step + 1).step == before.step + 1
        follower.close()
    finally:
        presenter.close()


def test_a_follower_that_never_reads_slows_no_one(server: LiveServer) -> None:
    presenter = Client(server.ws_url)
    try:
        code = str(open_room(presenter)["code"])
        reader = follow(server, code)
        stuck = open_ws(f"{server.ws_url}?room={code}", max_queue=1)  # never read again
        presenter.play()
        time.sleep(0.5)
        presenter_frames = presenter.frames_for(3.0)
        reader_frames = reader.frames_for(0.01)  # drain what queued while the presenter read
        reader_frames = reader.frames_for(3.0)
        assert len(presenter_frames) >= 30, len(presenter_frames)  # ≥ 10 fps under load
        assert len(reader_frames) >= 15, len(reader_frames)
        steps = [f.step for f in presenter_frames]
        assert steps == sorted(steps) and steps[-1] > steps[0]
        stuck.close()
        reader.close()
    finally:
        presenter.close()


def test_the_presenter_drops_and_resumes_and_the_room_goes_on(server: LiveServer) -> None:
    presenter = Client(server.ws_url)
    code = str(open_room(presenter)["code"])
    follower = follow(server, code)
    presenter.play()
    follower.until_frame(min_step=1)
    token = presenter.hello["resume_token"]
    presenter.close()
    assert follower.until_text("room", state="reconnecting")["code"] == code
    back = Client(server.ws_url, resume=token)
    try:
        assert back.hello["resumed"]
        assert back.until_text("room")["code"] == code
        assert follower.until_text("room", state="live")["code"] == code
        step = back.until_frame(min_step=1).step
        follower.until_frame(min_step=step + 1)  # frames flow again
    finally:
        follower.close()
        back.close()


def test_after_the_grace_the_room_closes_and_followers_may_fork(server: LiveServer) -> None:
    presenter = Client(server.ws_url)
    presenter.send({"type": "control", "action": "step"})
    last = presenter.until_frame(min_step=1)
    code = str(open_room(presenter)["code"])
    follower = follow(server, code)
    follower.until_frame()
    presenter.close()
    follower.until_text("room", state="reconnecting")
    assert follower.until_text("room", state="closed", timeout=15)["code"] == code
    closed = open_ws(f"{server.ws_url}?room={code}")  # no more joins
    assert close_code(closed)[0] == 4004
    follower.send({"type": "fork"})
    hello = follower.until_text("hello")
    assert hello["forked_from"] == {"room": code, "step": 1}
    forked = follower.until_frame()
    assert forked.raw["weights"].tobytes() == last.raw["weights"].tobytes()
    follower.close()


def test_a_wrong_code_closes_with_4004(server: LiveServer) -> None:
    ws = open_ws(f"{server.ws_url}?room=XXXXXX")
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4004


def test_a_burst_of_wrong_codes_is_throttled(server_factory: Callable[..., LiveServer]) -> None:
    server = server_factory()
    presenter = Client(server.ws_url)
    try:
        code = str(open_room(presenter)["code"])
        codes = [close_code(open_ws(f"{server.ws_url}?room=AAAA{i:02d}"))[0] for i in range(14)]
        assert codes[:10] == [4004] * 10 and codes[10:] == [4029] * 4, codes
        # Locked out, even the right code is refused: guessing cannot go on.
        assert close_code(open_ws(f"{server.ws_url}?room={code}"))[0] == 4029
    finally:
        presenter.close()


def test_frames_are_within_the_followers_budget(server: LiveServer) -> None:
    presenter = Client(server.ws_url)
    try:
        follower = follow(server, str(open_room(presenter)["code"]))
        presenter.play(fps=30)
        follower.until_frame(min_step=1)
        frames: list[Frame] = follower.frames_for(6.0)
        rate = sum(f.size for f in frames) / 6.0
        assert rate <= 65_536, rate  # 64 KiB/s: the default 60,000 B/s plus one burst
        assert len(frames) >= 8
        follower.close()
    finally:
        presenter.close()


def test_a_challenge_ranks_two_forks_on_the_presenters_leaderboard(server: LiveServer) -> None:
    presenter = Client(server.ws_url)
    forks: list[Client] = []
    try:
        presenter.until_frame()
        code = str(open_room(presenter)["code"])
        presenter.send({"type": "challenge", "max_neurons": 8})
        assert presenter.until_text("room")["challenge"] == {"max_neurons": 8}
        forks = [follow(server, code), follow(server, code)]
        assert forks[0].hello["room"]["challenge"] == {"max_neurons": 8}
        forks[0].send({"type": "fork", "nickname": "ada"})
        forks[1].send({"type": "fork"})  # anonymous
        for f in forks:
            assert f.until_text("hello")["role"] == "owner"
            f.until_frame()
        # ada trains a small net well; the other barely trains; a third config is too big.
        forks[0].send({"type": "config", "hidden_layers": [4, 2], "learning_rate": 0.3})
        forks[0].until_text("config")
        for _ in range(4):
            forks[0].send({"type": "control", "action": "epoch"})
            forks[0].until_text("status")
        forks[1].send({"type": "config", "learning_rate": 0.00001})
        forks[1].until_text("config")
        forks[1].send({"type": "control", "action": "step"})
        forks[1].until_text("status")
        deadline = time.monotonic() + 15
        while True:
            board = presenter.until_text("leaderboard", timeout=15)
            names = [e["name"] for e in board["entries"]]
            if names == ["ada", "Student 2"] or time.monotonic() > deadline:
                break
        assert names == ["ada", "Student 2"], board
        first, second = board["entries"]
        assert first["best"] > second["best"] and first["metric"] == "test_accuracy"
        assert first["neurons"] == 6 and second["neurons"] == 6
    finally:
        for f in forks:
            f.close()
        presenter.close()


def test_a_follower_may_ask_for_deflated_frames(server: LiveServer) -> None:
    presenter = Client(server.ws_url)
    try:
        code = str(open_room(presenter)["code"])
        plain = follow(server, code)
        packed = open_ws(f"{server.ws_url}?room={code}&deflate=1")
        assert json.loads(packed.recv(timeout=30))["role"] == "follower"
        presenter.send({"type": "control", "action": "step"})
        want = plain.until_frame(min_step=1)
        while True:
            message = packed.recv(timeout=15)
            if isinstance(message, bytes):
                assert message[:4] == b"\xff\xff\xff\xff"
                got = decode(zlib.decompress(message[4:]))
                if got.step >= 1:
                    break
        # The same frame (one may carry the data points the other already had).
        assert {**got.header, "arrays": None} == {**want.header, "arrays": None}
        for name in want.raw:
            assert got.raw[name].tobytes() == want.raw[name].tobytes(), name
        assert len(message) < 0.8 * got.size
        packed.close()
        plain.close()
    finally:
        presenter.close()
