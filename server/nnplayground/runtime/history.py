"""The loss curve a session keeps for reconnects: bounded by halving, never growing without end."""

from __future__ import annotations

from typing import Any

KEYS = ("train_loss", "test_loss", "val_loss", "train_accuracy", "test_accuracy")


class History:
    """Per-frame metrics, downsampled 2:1 whenever `limit` points are reached."""

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self.stride = 1  # keep one point every `stride` frames
        self._seen = 0
        self.step: list[int] = []
        self.values: dict[str, list[float | None]] = {k: [] for k in KEYS}

    def add(self, step: int, metrics: dict[str, Any]) -> None:
        self._seen += 1
        if (self._seen - 1) % self.stride:
            return
        self.step.append(step)
        for key in KEYS:
            self.values[key].append(metrics.get(key))
        if len(self.step) >= self.limit:
            self.step = self.step[::2]
            self.values = {k: v[::2] for k, v in self.values.items()}
            self.stride *= 2

    def clear(self) -> None:
        self.__init__(self.limit)  # type: ignore[misc]

    def to_dict(self) -> dict[str, list[Any]]:
        return {"step": list(self.step), **{k: list(v) for k, v in self.values.items()}}
