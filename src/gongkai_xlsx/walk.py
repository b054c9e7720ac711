"""The one walk over the files and folders a person gives (``ingest``, ``aggregate`` and
``--previous`` all read their input through it), so that every entry gets an answer.

An entry is one of three things:

- **found**: a file handed to the caller, which decides what it is (a return, a JSON
  document, a file of another kind). A FIFO, a dangling link or a link loop is found like
  any file, and the reader answers it.
- **unreached**: an entry the walk could not enter or read. It is an error naming the
  path: a folder that cannot be opened (no permission, removed during the walk, …), a
  path longer than the system allows, a Windows shortcut (``.lnk``) in place of a file.
- **passed over**: skipped by design, with a note naming it: Office lock files (``~$…``),
  hidden files and folders (a leading dot, or the hidden attribute on Windows), the
  folders Windows keeps at a drive root (``System Volume Information``, ``$RECYCLE.BIN``;
  the system attribute), a folder already walked (two links to one folder), a second name
  of a file already found, and what the caller's ``prune`` rejects (an earlier output).
  The files the system leaves in any folder (``Thumbs.db``, ``desktop.ini``) are passed
  over without a note.

Links: a symbolic link to a folder, and a Windows junction, are followed; every folder is
entered once, keyed by ``(st_dev, st_ino)`` of what it leads to, so a link back to a
folder above it (a loop) or to a folder already walked is a note, never a second walk.
Long paths: on Windows a path of 260 characters or more is opened through the ``\\\\?\\``
prefix (:func:`system_path`); a path beyond the system's own limit (4096 bytes on Linux)
cannot be opened at all and is unreached, named at the deepest folder that could be read.
"""

from __future__ import annotations

import errno
import ntpath
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx import oserrors
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.outputfolder import is_bookkeeping
from gongkai_xlsx.text import file_name_text

CODES = (Code.FOLDER_UNREADABLE, Code.PATH_TOO_LONG, Code.FILE_SHORTCUT)
SHORTCUT_SUFFIX = ".lnk"
# Folders Windows (and an ext4-formatted drive) keeps at a drive root: never returns.
SYSTEM_FOLDERS = frozenset(
    {"system volume information", "$recycle.bin", "recycler", "recycled", "lost+found"}
)
# Files the system itself leaves in a folder (picture thumbnails, a folder's settings):
# never a return, and so common in a folder of returns that they are passed over quietly
SYSTEM_FILES = frozenset({"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini"})
_HIDDEN = getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 2)
_SYSTEM = getattr(stat, "FILE_ATTRIBUTE_SYSTEM", 4)
WINDOWS_MAX_PATH = 260  # characters, the final NUL included
# Beyond this a path cannot be opened on POSIX systems (PATH_MAX, the final NUL included).
POSIX_PATH_MAX = 4096

# The one call that lists a folder (a test injects the error a folder nobody may open gives:
# CI runs as root, which opens any folder).
_scandir = os.scandir

# What ``prune`` answers for a folder: None enters it; "" skips it without a note (the
# output folder being written); any other text skips it with that text as the note.
Prune = Callable[[Path], str | None]


@dataclass(frozen=True, slots=True)
class Found:
    """A file to be read: where it is, and where it sits under the PATH it was found in.
    Small (a batch has 10,000): its path kept as the string the system opens, a
    :class:`Path` (which holds every component) made only when asked."""

    opened: str  # as the system opens it (``\\?\…`` for a long path on Windows)
    given: Path  # the PATH it was found under
    parts: tuple[str, ...]  # its names below ``given``; a PATH that is a file: its name
    display: str  # the name shown for it: relative, POSIX separators, names decoded as text

    @property
    def path(self) -> Path:
        return Path(self.opened)


@dataclass(frozen=True)
class Unreached:
    """An entry the walk could not enter or read (an error: part of the input is missing)."""

    display: str
    code: Code
    reason: str = ""  # why, when the code alone does not say

    def finding(self, where: str = "") -> Finding:
        """The error, its path shown as ``where`` + its display (``where``: the folder the
        walk started from, when the display alone would be ambiguous)."""
        return Finding(self.code, actual=self.reason or None, detail=where + self.display)


@dataclass(frozen=True)
class PassedOver:
    """An entry skipped by design, with the note shown for it."""

    display: str
    reason: str


@dataclass
class Walked:
    found: list[Found] = field(default_factory=list)
    unreached: list[Unreached] = field(default_factory=list)
    passed_over: list[PassedOver] = field(default_factory=list)


def system_path(path: str, windows: bool = os.name == "nt") -> str:
    """``path`` as the system can open it: on Windows a path of :data:`WINDOWS_MAX_PATH`
    characters or more gets the ``\\\\?\\`` prefix (absolute, normalised: the prefix turns
    off both), which lifts the limit to about 32,767; elsewhere ``path`` unchanged."""
    if not windows or path.startswith("\\\\?\\"):
        return path
    full = ntpath.abspath(path)
    if len(full) < WINDOWS_MAX_PATH - 12:  # a folder's own limit leaves room for 8.3 names
        return path
    if full.startswith("\\\\"):  # \\server\share\… → \\?\UNC\server\share\…
        return "\\\\?\\UNC\\" + full[2:]
    return "\\\\?\\" + full


def too_long(path: str) -> bool:
    """Whether the system refuses ``path`` for its length alone (POSIX: PATH_MAX bytes)."""
    return os.name != "nt" and len(os.fsencode(path)) >= POSIX_PATH_MAX


def _attributes(entry: os.DirEntry[str]) -> int:
    """The Windows file attributes of ``entry`` (0 elsewhere): read from the listing
    itself, so a folder nobody may open is still recognised as the system's. Elsewhere
    no call to the system (a folder of 10,000 returns)."""
    if os.name != "nt":
        return 0
    try:
        return getattr(entry.stat(follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return 0


def _is_dir(entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` leads to a folder: itself, or through a link or a junction."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _plain_file(entry: os.DirEntry[str]) -> bool:
    """Whether ``entry`` is itself no link (POSIX, from the listing: no call to the
    system), so that where it leads is its folder's real path and its name. Elsewhere
    (junctions, long-path prefixes) each file's path is resolved on its own."""
    try:
        return os.name != "nt" and not entry.is_symlink()
    except OSError:
        return False


def _passed_over(entry: os.DirEntry[str], is_dir: bool) -> str | None:
    """Why ``entry`` is skipped by design, or None to read it."""
    name = entry.name
    if is_bookkeeping(name):
        return ""  # an output folder's manifest, lock or staging: this tool's, no note
    if not is_dir and name.lower() in SYSTEM_FILES:
        return ""  # Thumbs.db, desktop.ini: the system's, not a return, no note
    attributes = _attributes(entry)
    if name.lower() in SYSTEM_FOLDERS or (is_dir and attributes & _SYSTEM):
        return "系统文件夹，不是报表"
    if name.startswith("~$"):
        return "Office 的临时锁文件（对应的报表正在 Excel 或 WPS 中打开），不是报表"
    kind = "文件夹" if is_dir else "文件"
    if name.startswith(".") or attributes & (_HIDDEN | _SYSTEM):
        return f"隐藏的{kind}，未读取；其中如有报表，请取消隐藏后重新运行"
    return None


def _unreached_folder(exc: OSError, display: str) -> Unreached:
    if exc.errno == errno.ENAMETOOLONG:
        return Unreached(display, Code.PATH_TOO_LONG, "超过系统允许的长度")
    return Unreached(display, Code.FOLDER_UNREADABLE, oserrors.reason(exc, oserrors.LIST))


class _Walk:
    def __init__(self, paths: list[Path], prune: Prune | None) -> None:
        self.paths = paths
        self.prune = prune
        self.result = Walked()
        self.folders: dict[tuple[int, int], str] = {}  # (st_dev, st_ino) → display
        self.files: dict[str, str] = {}  # real path → display

    def display(self, given: Path, parts: Iterable[str]) -> str:
        """With several PATHs, a name is shown under the PATH it was found in, so two
        folders holding the same file name give two distinct rows."""
        names = list(parts)
        if len(self.paths) > 1 or not names:
            names = [*(given.as_posix().rstrip("/") or "/").split("/"), *names]
        return "/".join(file_name_text(name) for name in names)

    def run(self) -> Walked:
        for given in self.paths:
            if given.is_dir():
                self.folder(given, given, ())
            else:
                shown = given.as_posix() if len(self.paths) > 1 else given.name
                display = "/".join(file_name_text(name) for name in shown.split("/"))
                self.file(given, given, (given.name,), display)
        return self.result

    def file(
        self, path: Path, given: Path, parts: tuple[str, ...], display: str, real: str | None = None
    ) -> None:
        """A file found (``real``: where it leads, when its folder's listing says already)."""
        if path.suffix.lower() == SHORTCUT_SUFFIX:
            self.result.unreached.append(Unreached(display, Code.FILE_SHORTCUT))
            return
        opened = system_path(os.fspath(path))
        if too_long(opened):
            self.result.unreached.append(
                Unreached(display, Code.PATH_TOO_LONG, f"{len(os.fsencode(opened))} 字节")
            )
            return
        real = real or real_path(opened)
        if real in self.files:
            note = f"与“{self.files[real]}”是同一个文件，已读取"
            self.result.passed_over.append(PassedOver(display, note))
            return
        self.files[real] = display
        self.result.found.append(Found(opened, given, parts, display))

    def folder(self, path: Path, given: Path, parts: tuple[str, ...]) -> None:
        display = self.display(given, parts)
        opened = system_path(os.fspath(path))
        try:
            info = os.stat(opened)
            key = (info.st_dev, info.st_ino)
            if key in self.folders:
                note = f"与“{self.folders[key]}”是同一个文件夹（链接），已读取"
                self.result.passed_over.append(PassedOver(display, note))
                return
            self.folders[key] = display
            # each entry's answer while it is listed, its DirEntry not kept (a folder
            # may hold 10,000 returns)
            entries = []
            with _scandir(opened) as listing:
                for entry in listing:
                    is_dir = _is_dir(entry)
                    plain = not is_dir and _plain_file(entry)
                    entries.append((is_dir, entry.name, _passed_over(entry, is_dir), plain))
        except OSError as exc:
            self.result.unreached.append(_unreached_folder(exc, display))
            return
        entries.sort(key=lambda e: (e[0], e[1]))  # a folder's files before its sub-folders
        real_folder: str | None = None  # where the folder leads, found once for its files
        for is_dir, name, why, plain in entries:
            below = (*parts, name)
            child = path / name
            if why is None and is_dir and self.prune is not None:
                why = self.prune(child)
            if why == "":
                continue
            if why is not None:
                self.result.passed_over.append(PassedOver(self.display(given, below), why))
            elif is_dir:
                self.folder(child, given, below)
            else:
                real = None
                if plain:  # not a link: it is where its folder leads, by its own name
                    real_folder = real_folder or real_path(opened)
                    real = os.path.join(real_folder, name)
                self.file(child, given, below, self.display(given, below), real)


def real_path(path: str | os.PathLike[str]) -> str:
    """Where a path leads; a link loop or a dangling link leads to itself (never raises)."""
    try:
        return os.path.realpath(path)
    except (OSError, RuntimeError, ValueError):
        return os.path.abspath(path)


def walk(paths: Iterable[Path], prune: Prune | None = None) -> Walked:
    """Every file under ``paths`` (folders recursively; a PATH that is a file is itself
    found), in a fixed order (a folder's files by name, then its sub-folders), with what could not be reached and what was passed over.
    ``prune`` decides about folders the caller does not read (see :data:`Prune`)."""
    return _Walk([Path(p) for p in paths], prune).run()
