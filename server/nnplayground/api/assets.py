"""Where the page's files are: inside the installed wheel first, else the repository checkout."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]  # .../nnplayground
_REPO = _PACKAGE.parents[1]  # the checkout root for an editable install (server/nnplayground)


@dataclass(frozen=True)
class Assets:
    static: Path  # index.html, styles.css, favicon.svg
    frontend: Path  # the ES modules
    uplot: Path  # uPlot's dist/ (ESM build and CSS)


def _first(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[-1]  # missing: served as 404s, reported by /api/health


def locate_assets() -> Assets:
    """The wheel force-includes these under the package (see pyproject); editable installs don't."""
    return Assets(
        static=_first(_PACKAGE / "static", _REPO / "static"),
        frontend=_first(_PACKAGE / "frontend" / "src", _REPO / "frontend" / "src"),
        uplot=_first(
            _PACKAGE / "frontend" / "node_modules" / "uplot" / "dist",
            _REPO / "frontend" / "node_modules" / "uplot" / "dist",
        ),
    )
