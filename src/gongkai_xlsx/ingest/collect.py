"""Which files a batch reads: every spreadsheet-like file under the given paths.

Office lock files (``~$…``), hidden files and folders, the output folder and folders an
earlier ``ingest`` wrote are skipped; every other file that looks like a spreadsheet is
read (a wrong kind of file gets its own advice), and any other file is listed as skipped.
Nothing here opens a file: a FIFO, a dangling link or a link loop is collected like any
file and answered by the reader.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx.reader.sniff import SPREADSHEET_SUFFIXES
from gongkai_xlsx.text import file_name_text

REPORT_NAME = "report.json"
PAGE_NAME = "report.html"  # written beside it (gongkai_xlsx.ingest.page)


@dataclass
class Item:
    path: Path
    display: str  # relative to the PATH the user gave, POSIX separators
    relative: str = ""  # the same, as a name inside another folder (a marked copy's)


@dataclass
class Collected:
    items: list[Item] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that are not spreadsheets


def _hidden(part: str) -> bool:
    return part.startswith((".", "~$"))


def is_output_dir(folder: Path) -> bool:
    """A folder an earlier ``ingest`` wrote (its report.json names this tool): its JSON
    files are our outputs, not returns, so a walk over a parent folder skips it."""
    try:
        with (folder / REPORT_NAME).open("rb") as fh:
            return b'"tool": "gongkai-xlsx' in fh.read(300)
    except OSError:
        return False


def _safe_part(path: Path) -> str:
    """A PATH's last component as a folder name (``.`` and ``/`` have none of their own)."""
    name = Path(os.path.abspath(path)).name or "输入"
    return file_name_text(name)


def _real(path: Path) -> str:
    """Where a path leads; a link loop or a dangling link leads to itself (never raises)."""
    try:
        return os.path.realpath(path)
    except (OSError, RuntimeError, ValueError):
        return os.path.abspath(path)


def collect(paths: Iterable[Path], outdir: Path | None = None) -> Collected:
    """Every spreadsheet-like file under ``paths`` (recursively), sorted for a
    deterministic batch."""
    found = Collected()
    out = _real(outdir) if outdir else None
    seen: set[str] = set()
    paths = [Path(p) for p in paths]
    for given in paths:
        # With several PATHs, each file is shown under the PATH it was found in, so two
        # folders holding the same file name give two distinct rows.
        prefix = f"{given.as_posix().rstrip('/')}/" if len(paths) > 1 else ""
        # where a file's marked copy goes: under the PATH's own name when there are several
        top = f"{_safe_part(given)}/" if len(paths) > 1 else ""
        if not given.is_dir():
            candidates = [(given, given.as_posix() if prefix else given.name)]
        else:
            candidates = []
            for root, dirs, files in os.walk(given):
                root_path = Path(root)
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not _hidden(d)
                    and _real(root_path / d) != out
                    and not is_output_dir(root_path / d)
                )
                for name in sorted(files):
                    file = root_path / name
                    candidates.append((file, prefix + file.relative_to(given).as_posix()))
        for file, shown in candidates:
            display = "/".join(file_name_text(part) for part in shown.split("/"))
            inside = file.name if not given.is_dir() else file.relative_to(given).as_posix()
            relative = top + "/".join(file_name_text(part) for part in inside.split("/"))
            real = _real(file)
            ours = (
                out is not None
                and os.path.dirname(real) == out
                and (file.suffix.lower() == ".json" or file.name in (REPORT_NAME, PAGE_NAME))
            )
            if real in seen or _hidden(file.name) or ours:
                continue  # OUTDIR may be the folder being read: its JSON and page are our outputs
            seen.add(real)
            if file.suffix.lower() in SPREADSHEET_SUFFIXES:
                found.items.append(Item(file, display, relative))
            else:
                found.skipped.append(display)
    found.items.sort(key=lambda i: i.display)
    return found
