"""A lecture room's challenge: best test accuracy (regression: lowest test loss) with at most
`max_neurons` hidden neurons, among the room's forks.

The forks are sessions of this server, so their results are read, not reported: once a second
(`Leaderboard.update`, on the event loop) each fork's latest measured metrics and model size are
taken, and a fork's best within the limit is kept (a fork that grows past the limit keeps its
earlier best). Anonymous by default ("Student 3"), or the nickname given with `fork`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nnplayground.runtime.session import Session

JsonDict = dict[str, Any]
TOP = 10  # entries on the presenter's screen


@dataclass(eq=False)
class Entry:
    session: Session
    name: str
    metric: str = "test_accuracy"
    best: float | None = None
    neurons: int = 0
    step: int = 0
    start: int = 0  # the step it forked at: only its own training counts

    def better(self, value: float, metric: str) -> bool:
        if self.best is None or metric != self.metric:
            return True
        return value > self.best if metric == "test_accuracy" else value < self.best

    def row(self) -> JsonDict:
        return {"name": self.name, "metric": self.metric, "best": self.best,
                "neurons": self.neurons, "step": self.step}  # fmt: skip


@dataclass
class Leaderboard:
    max_neurons: int
    entries: list[Entry] = field(default_factory=list)
    sent: list[JsonDict] | None = None

    def add(self, session: Session, nickname: str | None, start: int) -> None:
        """`start`: the step it forked at (results measured there are the presenter's)."""
        name = nickname or f"Student {len(self.entries) + 1}"
        self.entries.append(Entry(session, name, start=start))

    def update(self) -> JsonDict | None:
        """Take each fork's latest result; the `leaderboard` message when the top changed."""
        for e in self.entries:
            s = e.session
            config = s.trainer.configs[0]  # a reference read: the tuple is replaced, not mutated
            neurons = sum(config.hidden_layers)
            metrics, step = s.measuring.metrics, s.measuring.step  # likewise
            metric = "test_accuracy" if config.problem == "classification" else "test_loss"
            value = metrics.get(metric)
            if neurons > self.max_neurons or value is None or step <= e.start:
                continue
            if e.better(float(value), metric):
                e.metric, e.best, e.neurons, e.step = metric, float(value), neurons, step
        rows = [e.row() for e in self.ranked()[:TOP]]
        if rows == self.sent:
            return None
        self.sent = rows
        return {"type": "leaderboard", "max_neurons": self.max_neurons, "entries": rows}

    def ranked(self) -> list[Entry]:
        scored = [e for e in self.entries if e.best is not None]
        # Accuracy: higher first; loss: lower first; ties: the smaller model, then the earlier.
        return sorted(scored, key=lambda e: (e.metric != "test_accuracy",
                                             -(e.best or 0.0) if e.metric == "test_accuracy"
                                             else e.best or 0.0, e.neurons, e.step))  # fmt: skip
