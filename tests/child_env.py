"""The environment of a program a test starts (``python -m gongkai_xlsx``, the console
script, a driver script): this checkout's ``src`` first on its path, so the child runs the
code under test whatever the caller's PYTHONPATH or an installed copy say."""

from __future__ import annotations

import os
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def child_env(*paths: Path, **extra: str) -> dict[str, str]:
    """This process's environment with ``src`` (then ``paths``, then the caller's own
    PYTHONPATH) on PYTHONPATH, and ``extra`` set on top (a test's own difference: an
    encoding, a start method, a fault to inject)."""
    path = [str(SRC), *map(str, paths), os.environ.get("PYTHONPATH", "")]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p), **extra}
