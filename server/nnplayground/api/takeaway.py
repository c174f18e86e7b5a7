"""Take it with you (issue 17): the messages for model files and exact training.

Client: `export` (json | python | jax), `import` (a model file's text), `train` (exactly n steps).
Server: the `export` reply. Their handlers are rows of api/messages.py's table; what they do is
runtime/modelio.py; the formats are engine/export.py and engine/scripts.py
(docs/model-format.md).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="forbid", strict=True)
Format = Literal["json", "python", "jax"]


class ExportMessage(BaseModel):
    """Ask for the main model as a file: `json` (the model file), `python` (a NumPy-only
    `predict` script) or `jax` (a JAX + optax script that trains the config from scratch)."""

    model_config = _STRICT
    type: Literal["export"]
    format: Format


class ImportMessage(BaseModel):
    """Make a model file (the text of an exported `json`) the session's model: config, data,
    weights, optimizer state and step. A bad file gets an `error` naming its field."""

    model_config = _STRICT
    type: Literal["import"]
    text: Annotated[str, Field(max_length=1_048_576)]


class TrainMessage(BaseModel):
    """Pause and train exactly `steps` minibatch steps (at most `max_steps_per_frame`); answer
    a `status`, then a frame measured at the new step (the notebook client's `train`)."""

    model_config = _STRICT
    type: Literal["train"]
    steps: Annotated[int, Field(ge=1, le=1_000_000)]


class ExportReply(BaseModel):
    """The file an `export` asked for, to be saved as `filename` (sent to the asker only)."""

    type: Literal["export"] = "export"
    format: Format
    filename: str
    text: str
