"""Model files over the wire (issue 17): the `export` answer and the `import` of a model file.

Runs on the session's scheduler thread, between two chunks (the Trainer is never read mid-step);
the formats themselves are engine/export.py (JSON) and engine/scripts.py (Python, JAX).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from nnplayground.engine import RunConfig, Trainer, export, scripts
from nnplayground.engine.errors import FieldError
from nnplayground.runtime import tick
from nnplayground.runtime.compare import alone

if TYPE_CHECKING:
    from nnplayground.runtime.session import Session
    from nnplayground.runtime.watchers import Watcher

JsonDict = dict[str, Any]
FORMATS = ("json", "python", "jax")
_EXTENSION = {"json": "json", "python": "py", "jax": "py"}
_SUFFIX = {"json": "", "python": "_predict", "jax": "_train_jax"}


def filename(config: RunConfig, step: int, fmt: str) -> str:
    """`<dataset>_<features>_<widths>_step<n>[_predict|_train_jax].<ext>`: what and when."""
    arch = "-".join(str(w) for w in config.hidden_layers) or "linear"
    feats = "-".join(config.features)
    return f"{config.dataset}_{feats}_{arch}_step{step}{_SUFFIX[fmt]}.{_EXTENSION[fmt]}"


def export_text(trainer: Trainer, fmt: str, metrics: JsonDict | None = None) -> tuple[str, str]:
    """(file name, text) of lane 0's model as `fmt`; ValueError("format: …"/"model: …")."""
    if fmt not in FORMATS:
        raise FieldError("format", f"must be one of {list(FORMATS)}, got {fmt!r}")
    doc = export.document(trainer, 0, metrics)
    name = filename(trainer.configs[0], int(trainer.step[0]), fmt)
    if fmt == "json":
        return name, export.dumps(doc)
    if fmt == "python":
        return name, scripts.numpy_script(doc)
    x, y, split = trainer.points(0)
    return name, scripts.jax_script(doc, x, y, split, trainer.capacity)


def export_message(trainer: Trainer, fmt: str, metrics: JsonDict | None = None) -> JsonDict:
    """The server's `{"type": "export", "format", "filename", "text"}` answer."""
    name, text = export_text(trainer, fmt, metrics)
    return {"type": "export", "format": fmt, "filename": name, "text": text}


def parse_import(trainer: Trainer, text: str) -> export.Restore:
    """A model file's text, validated against the trainer's capacity (ValueError names the
    field, nothing changed)."""
    return export.parse(export.loads(text), trainer.capacity)


def restore(trainer: Trainer, parsed: export.Restore) -> None:
    """Make lane 0 the parsed model (config, data, weights, optimizer state, step…)."""
    trainer.restore(0, parsed.config, parsed.rows, parsed.state, parsed.step, parsed.epoch,
                    parsed.best_val, parsed.best_step)  # fmt: skip


# -- commands (runtime/commands.py's contract: run on the scheduler thread; True → a frame) -----
def export_command(s: Session, fmt: str, to: Watcher | None) -> bool:
    """Answer the asking watcher with the file; the model is untouched (no frame)."""
    s.send(export_message(alone(s.trainer), fmt, s.measuring.metrics), to)
    return False


def train_command(s: Session, steps: int) -> bool:
    """Pause and train exactly `steps` steps; a status, then a frame measured at the new step."""
    s.playing = False
    tick.train(s, steps)
    s.send_status()
    return True


def import_command(s: Session, text: str) -> bool:
    """Make the model file the session's model (FieldError, nothing changed, on a bad file)."""
    parsed = parse_import(alone(s.trainer), text)  # against the default bucket, where it lands
    variants = s.compare.changes()
    if variants:  # the variants fork afresh from the imported model
        s.trainer = s.compare.set(s.trainer, [])
    restore(s.trainer, parsed)
    if variants:  # a variant that no longer fits the imported config: compare stays off
        with contextlib.suppress(ValueError):
            s.trainer = s.compare.set(s.trainer, variants)
    s.config_changed(data=True)
    s.measuring.reset()
    s.measuring.step = int(s.trainer.step[0])
    s.clear_history()
    s.send_status()
    return True
