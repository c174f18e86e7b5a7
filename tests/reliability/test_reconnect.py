"""Issue 6 §6: the server closes a connection mid-run; the client resumes with its token and the
run continues where it was (same session, step not reset, config and history kept)."""

from __future__ import annotations

from conftest import LiveServer

from ._client import Client, close_code


def test_resume_after_server_side_close(live_server: LiveServer) -> None:
    first = Client(live_server.ws_url)
    first.send({"type": "config", "learning_rate": 0.05, "activation": "relu"})
    first.until_text("config")
    first.play(fps=30)
    frames = first.frames_for(1.0)
    last_step = frames[-1].step
    assert last_step > 0
    token = first.hello["resume_token"]

    # An oversize message makes the server close this connection (1009) mid-run.
    first.ws.send("x" * (1_048_576 + 1))
    code, _ = close_code(first.ws)
    assert code == 1009, code

    again = Client(live_server.ws_url, resume=token)
    hello = again.hello
    assert hello["resumed"] is True, hello
    assert hello["session_id"] == first.hello["session_id"]
    assert hello["step"] >= last_step, (hello["step"], last_step)
    assert hello["config"]["learning_rate"] == 0.05 and hello["config"]["activation"] == "relu"
    assert hello["history"]["step"], "history lost on resume"
    again.play(fps=30)
    resumed = again.frames_for(1.0)
    assert resumed and resumed[0].step >= last_step and resumed[-1].step > resumed[0].step
    again.close()


def test_unknown_token_starts_a_new_session(live_server: LiveServer) -> None:
    fresh = Client(live_server.ws_url, resume="not-a-token")
    assert fresh.hello["resumed"] is False and fresh.hello["step"] == 0
    fresh.close()
