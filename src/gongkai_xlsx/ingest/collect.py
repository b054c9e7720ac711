"""Which files a batch reads: every spreadsheet-like file the walk
(:mod:`gongkai_xlsx.walk`) finds under the given paths.

The output folder, folders an earlier ``ingest`` wrote and our own outputs in OUT are not
read (this tool's outputs, listed in their report.json); every other file that looks like a spreadsheet is read (a wrong kind of file gets
its own advice), any other file is listed as skipped, and what the walk could not reach
or passed over is kept for the report. Nothing here opens a file: a FIFO, a dangling link
or a link loop is collected like any file and answered by the reader.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx.fsio import Records
from gongkai_xlsx.outputfolder import PAGE_NAME, REPORT_NAME, is_output_folder
from gongkai_xlsx.reader.sniff import READ_SUFFIXES
from gongkai_xlsx.text import file_name_text
from gongkai_xlsx.walk import PassedOver, Unreached, real_path, walk


class Item:
    """One file to read. Kept for every file of the batch for the whole run, so small: the
    path as a string (a :class:`Path` is made when asked: one holds every component), and
    ``relative`` the very ``display`` string when they are the same."""

    __slots__ = ("_path", "display", "mtime", "relative")

    def __init__(
        self,
        path: str | os.PathLike[str],
        display: str,  # relative to the PATH the user gave, POSIX separators
        relative: str = "",  # the same, as a name inside another folder (a marked copy's)
        mtime: int | None = None,  # the file's time, whole seconds (weak: see ingest.versions)
    ) -> None:
        self._path = os.fspath(path)
        self.display = display
        self.relative = display if relative == display else relative
        self.mtime = mtime

    @property
    def path(self) -> Path:
        return Path(self._path)

    @property
    def file(self) -> str:
        """The path as a string (a worker's task: no :class:`Path` made for it)."""
        return self._path

    def __repr__(self) -> str:
        return f"Item({self._path!r}, {self.display!r}, {self.relative!r}, {self.mtime!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Item):
            return NotImplemented
        mine = (self._path, self.display, self.relative, self.mtime)
        return mine == (other._path, other.display, other.relative, other.mtime)

    __hash__ = None  # type: ignore[assignment]  # as a dataclass that is not frozen


@dataclass
class Collected:
    # sorted; once collected, kept on disk (:class:`~gongkai_xlsx.fsio.Records`): a
    # batch of 10,000 files is not held in memory for the whole run
    items: Sequence[Item] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that are not spreadsheets
    unreached: list[Unreached] = field(default_factory=list)  # errors: input not read
    passed_over: list[PassedOver] = field(default_factory=list)  # skipped with a note


def _safe_part(path: Path) -> str:
    """A PATH's last component as a folder name (``.`` and ``/`` have none of their own)."""
    name = Path(os.path.abspath(path)).name or "输入"
    return file_name_text(name)


def _mtime(path: str) -> int | None:
    """The file's modification time in whole seconds (None when it cannot be had: the
    reader answers for the file itself)."""
    try:
        return int(os.stat(path).st_mtime)
    except (OSError, ValueError):
        return None


def collect(paths: Iterable[Path], outdir: Path | None = None) -> Collected:
    """Every spreadsheet-like file under ``paths`` (recursively), sorted for a
    deterministic batch, with what the walk could not reach or passed over."""
    out = real_path(outdir) if outdir else None
    paths = [Path(p) for p in paths]

    def prune(folder: Path) -> str | None:
        """OUT, and the output folder of an earlier run: this tool's outputs, each listed
        in its own manifest, so passed over without a note."""
        return "" if real_path(folder) == out or is_output_folder(folder) else None

    walked = walk(paths, prune)
    found = Collected(unreached=walked.unreached, passed_over=walked.passed_over)
    items: list[Item] = []
    for file in walked.found:
        # where a file's marked copy goes: under the PATH's own name when there are several
        top = [_safe_part(file.given)] if len(paths) > 1 else []
        relative = "/".join([*top, *(file_name_text(part) for part in file.parts)])
        name = os.path.basename(file.opened)
        suffix = os.path.splitext(name)[1].lower()  # as Path.suffix
        ours = (
            out is not None
            and (suffix == ".json" or name in (REPORT_NAME, PAGE_NAME))
            and os.path.dirname(real_path(file.opened)) == out  # resolved only for these
        )
        if ours:
            continue  # OUTDIR may be the folder being read: its JSON and page are our outputs
        if suffix in READ_SUFFIXES:
            items.append(Item(file.opened, file.display, relative, _mtime(file.opened)))
        else:
            found.skipped.append(file.display)
    del walked
    items.sort(key=lambda i: i.display)
    found.items = Records(values=items)
    return found
