"""The README's lesson list, generated from the records (frontend/src/lessons.json).

`python -m tests.lessons.readme` rewrites the block between the markers; a test fails when the
README and the records disagree.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import claims

README = claims.ROOT / "README.md"
BEGIN = (
    "<!-- lessons: generated from frontend/src/lessons.json by `python -m tests.lessons.readme` -->"
)
END = "<!-- /lessons -->"


def block(doc: claims.JsonDict) -> str:
    paces = doc["paces"]
    lines = [BEGIN]
    for i, lesson in enumerate(doc["lessons"], 1):
        pace = paces[lesson["pace"]]["label"].lower()
        lines.append(f"{i}. **{lesson['title']}** ({pace}) — {lesson['caption']}")
    lines.append(END)
    return "\n".join(lines)


def current(text: str) -> str | None:
    match = re.search(re.escape(BEGIN) + r".*?" + re.escape(END), text, re.S)
    return match.group(0) if match else None


def write(path: Path = README) -> None:
    text = path.read_text(encoding="utf-8")
    old = current(text)
    if old is None:
        raise SystemExit(f"{path}: no lesson block between {BEGIN!r} and {END!r}")
    path.write_text(text.replace(old, block(claims.load())), encoding="utf-8")


if __name__ == "__main__":
    write()
