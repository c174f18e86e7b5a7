"""While paused, the readouts describe the model on screen: after a reset or an edit they are
measured again, not left over from the model before the change."""

from __future__ import annotations

import numpy as np

from conftest import LiveServer
from nnplayground.engine import RunConfig, Trainer
from wsclient import Client


def test_reset_and_edit_while_paused_report_the_current_model(live_server: LiveServer) -> None:
    client = Client(live_server.ws_url)
    try:
        config = RunConfig.from_dict(client.hello["config"])
        client.until_frame()
        client.send({"type": "control", "action": "epoch"})
        trained = client.until_frame(min_step=1).header["metrics"]["train_loss"]

        client.send({"type": "control", "action": "reset"})
        assert client.until_text("status")["step"] == 0
        reset = client.until_frame()
        assert reset.step == 0
        # Same seed → same init: the server's fresh model scores as a fresh engine model does.
        fresh = Trainer([config]).evaluate()
        loss = reset.header["metrics"]["train_loss"]
        assert loss is not None and loss != trained
        np.testing.assert_allclose(loss, float(fresh.train_loss[0]), rtol=1e-5)
        assert reset.header["metrics"]["test_accuracy"] is not None

        # An edit that saturates the output changes the loss the paused page shows.
        client.send({"type": "edit_bias", "layer": 3, "neuron": 0, "value": 8.0})
        edited = client.until_frame(min_rev=-1)
        while edited.header["metrics"]["train_loss"] == loss:
            edited = client.until_frame()
        assert edited.step == 0
        assert edited.header["metrics"]["train_loss"] > loss
    finally:
        client.close()
