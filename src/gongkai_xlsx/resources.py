"""Where the form definitions and committed schemas live.

In a wheel they ship inside the package (``gongkai_xlsx/templates``, ``gongkai_xlsx/schemas``,
mapped there by the build config); in a source checkout (editable install, tests) they sit
at the project root, which stays the one place they are edited.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_SOURCE_ROOT = _PACKAGE_DIR.parent.parent


def _data_dir(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / name, _SOURCE_ROOT / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"gongkai_xlsx data folder {name!r} is missing from the installation")


def templates_dir() -> Path:
    """The folder holding one ``<format id>.toml`` per format version."""
    return _data_dir("templates")


def schemas_dir() -> Path:
    """The folder holding the committed JSON Schemas, one per format version."""
    return _data_dir("schemas")
