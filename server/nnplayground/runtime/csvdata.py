"""User data from CSV text: parsed as numbers, never evaluated, size-capped, errors name the line.

Accepted: rows `x1,x2,label` (label = class index for classification, target for regression),
separated by commas, semicolons, tabs or spaces; an optional header row; blank lines and
`#` comments are skipped.
"""

from __future__ import annotations

import math
import re

import numpy as np

_SPLIT = re.compile(r"[,;\t ]+")


class CsvError(ValueError):
    """A bad CSV upload; the message says which line and why."""


def parse_points(text: str, max_points: int) -> np.ndarray:
    """(N, 3) float32 rows x1, x2, label from CSV text; CsvError on anything malformed."""
    rows: list[tuple[float, float, float]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        cells = [c for c in _SPLIT.split(stripped) if c]
        values = _numbers(cells)
        if values is None:
            if not rows and number == _first_content_line(text):
                continue  # a header row such as "x1,x2,label"
            raise CsvError(f"line {number}: expected 3 numbers, got {stripped[:40]!r}")
        if len(values) != 3:
            raise CsvError(f"line {number}: expected 3 columns (x1, x2, label), got {len(values)}")
        if not all(math.isfinite(v) for v in values):
            raise CsvError(f"line {number}: values must be finite numbers")
        rows.append((values[0], values[1], values[2]))
        if len(rows) > max_points:
            raise CsvError(f"too many points: at most {max_points} rows are allowed")
    if not rows:
        raise CsvError("no data rows (expected lines of x1, x2, label)")
    return np.asarray(rows, dtype=np.float32)


def _numbers(cells: list[str]) -> list[float] | None:
    try:
        return [float(c) for c in cells]
    except ValueError:
        return None


def _first_content_line(text: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() and not line.strip().startswith("#"):
            return number
    return 0
