"""The one way this package writes a file: into a temporary file beside the target, then
``os.replace`` over it, so a reader (or a run killed half-way) never sees half a file and a
failed write (a full disk, or any exception of the writer) leaves the old file untouched
and no temporary behind. Every writer hands its finished bytes (or a file to copy) to
:func:`write_atomic` / :func:`copy_atomic`: the workbook writer builds its xlsx in memory,
the marked copies, the summaries, the rendered reports and the ingest outputs likewise.

The temporary is created with mode 0o666, so the umask gives it the permissions of any
new file (``tempfile.mkstemp`` would leave it readable by its owner only). There is no
``fsync``: the guarantee is against a killed process or a full disk, not a power cut — a
collection is re-run far more cheaply than every write is synced.

Leftovers. Temporaries are named ``.gk-XXXXXXXX.tmp`` (:data:`TEMP_PATTERN`). A killed
process leaves its temporary behind; the first atomic write of a later process into the
same folder removes such leftovers there (:func:`remove_leftovers`; ``outputs.OutputDir``
also calls it for OUT when a run starts). Only names of ours are touched, and never a
temporary another run is still writing, so two runs writing into one folder at once do not
delete each other's files:

- on POSIX the writer holds an exclusive ``flock`` on its temporary from creation until the
  rename; the clean-up removes a temporary only while it holds that lock itself (a live
  writer's is refused at once; the system drops a killed writer's). A writer that finds its
  name removed while it waited for its lock (the window between creating the file and
  locking it) makes a new temporary. Where the file system has no locks, only a
  temporary untouched for :data:`STALE_SECONDS` is removed;
- on Windows a file open in another process cannot be removed, so the attempt to remove
  a live writer's temporary fails and is ignored; and since a writer there closes its
  temporary just before the rename (Windows cannot rename an open file), only a temporary
  untouched for :data:`STALE_SECONDS` is removed.

Earlier versions also left ``.gk-XXXXXXXX.xlsx``, ``.gk-XXXXXXXX-locked.xlsx`` (the
template writer) and ``.gk-XXXXXXXX.xlsx.tmp`` (the marked copies): the clean-up
recognises those names too (:data:`_LEGACY_PATTERN`), though nothing makes them any more.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import secrets
import shutil
import struct
import tempfile
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from typing import Any, BinaryIO, TypeVar, overload

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be removed, which protects it instead
    fcntl = None  # type: ignore[assignment]

TEMP_PATTERN = re.compile(r"\.gk-[0-9a-z_]{8}\.tmp")  # also what mkstemp made before
_LEGACY_PATTERN = re.compile(r"\.gk-[0-9a-z_]{8}(?:\.xlsx|-locked\.xlsx|\.xlsx\.tmp)")
STALE_SECONDS = 15 * 60  # without POSIX locks: a temporary this long untouched is dead
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
_cleaned: set[str] = set()  # folders whose leftovers this process has removed
_T = TypeVar("_T")
_LENGTH = struct.Struct("<I")  # a record's length, before its pickled bytes


def write_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    """Make ``path`` hold exactly ``data``, or leave it as it was."""
    _atomic(os.fspath(path), data)


def write_new(path: str | os.PathLike[str], data: bytes) -> None:
    """Create ``path``, a name that must not exist yet, holding exactly ``data``, in a
    folder only this run writes (a run's scratch in its staging folder), where the commit
    is the atomic step, not this write: no temporary, no lock, no rename (a batch spools
    10,000 files). A failed write removes the file it began and raises; a killed run's
    half-written file goes with its staging folder (removed by the next run)."""
    made = NewFile(path)
    made.write(data)
    made.finish()


class NewFile:
    """A new file (a fresh name in a folder only this run writes, as :func:`write_new`)
    written a piece at a time as the pieces arrive (a run's new result cache, one entry
    per return as each worker answers): one file, no temporary. A failed write removes
    it and raises; a run that does not :meth:`finish` it leaves it to its staging folder's
    removal."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self._fh: BinaryIO = open(os.open(self.path, _FLAGS, 0o666), "wb")  # noqa: SIM115

    def write(self, data: bytes) -> None:
        try:
            _fill(self._fh, data)
        except BaseException:
            self._remove()
            raise

    def finish(self) -> None:
        """Every piece written out (a full disk may say so only now), the file closed."""
        try:
            self._fh.close()
        except BaseException:
            self._remove()
            raise

    def _remove(self) -> None:
        with suppress(OSError):
            self._fh.close()
        with suppress(OSError):
            os.unlink(self.path)


# bytes copied at a time into a file written: two buffers of it live while a report of
# 10,000 returns (6 MB) is written, so a megabyte each would be more at 10,000 than at
# 1,000 (whose report is smaller); a quarter of one costs a few more writes only
_COPY = 256 * 1024


def write_atomic_chunks(path: str | os.PathLike[str], chunks: Iterable[bytes]) -> None:
    """Like :func:`write_atomic`, with the content made a piece at a time (a batch's
    report of 10,000 returns): never all of it in memory."""
    _atomic(os.fspath(path), io.BufferedReader(_Chunks(chunks), _COPY))


class _Chunks(io.RawIOBase):
    """An iterable of byte strings, read as a file (what the copy of :func:`_fill` reads)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._left = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            nxt = next(self._chunks, None)
            if nxt is None:
                return 0
            self._left = memoryview(nxt).cast("B")
        view = memoryview(buffer).cast("B")
        n = min(len(view), len(self._left))
        view[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


def copy_atomic(path: str | os.PathLike[str], source: str | os.PathLike[str]) -> None:
    """Make ``path`` a copy of the file ``source`` (streamed, for large files), or leave it."""
    with open(source, "rb") as src:
        _atomic(os.fspath(path), src)


def is_leftover_name(name: str) -> bool:
    """Is ``name`` a temporary this package makes (or made in earlier versions)?"""
    return bool(TEMP_PATTERN.fullmatch(name) or _LEGACY_PATTERN.fullmatch(name))


def remove_leftovers(folder: str | os.PathLike[str]) -> list[str]:
    """Remove the temporaries killed runs left in ``folder`` (not its sub-folders) and
    return their names. A temporary a live run is writing is kept (see the module's
    notes); a folder that cannot be listed is left alone."""
    removed: list[str] = []
    try:
        with os.scandir(folder) as entries:
            found = [
                e.path
                for e in entries
                if is_leftover_name(e.name) and e.is_file(follow_symlinks=False)
            ]
    except OSError:
        return removed
    for path in found:
        if _remove_if_dead(path):
            removed.append(os.path.basename(path))
    return removed


def _remove_if_dead(path: str) -> bool:
    if fcntl is None:
        try:
            if time.time() - os.stat(path).st_mtime < STALE_SECONDS:
                return False
            os.unlink(path)  # refused while a writer has it open
        except OSError:
            return False
        return True
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live writer's
        except OSError:  # no locks on this file system: go by age
            if time.time() - os.fstat(fd).st_mtime < STALE_SECONDS:
                return False
        if not _same_file(path, fd):
            return False  # renamed into place meanwhile, the name now something else
        os.unlink(path)  # while holding the lock: a writer waiting for it sees the name gone
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


def _same_file(path: str, fd: int) -> bool:
    try:
        named, held = os.stat(path, follow_symlinks=False), os.fstat(fd)
    except OSError:
        return False
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)


def _clean_once(folder: str) -> None:
    """Remove ``folder``'s leftovers on this process's first write there: once, so that a
    run writing thousands of files into one folder lists it once."""
    key = os.path.normcase(os.path.abspath(folder or os.curdir))
    if key not in _cleaned:
        _cleaned.add(key)
        remove_leftovers(folder or os.curdir)


def _create(folder: str) -> tuple[str, int]:
    """A new temporary in ``folder``, open for writing and (on POSIX) locked by us."""
    while True:
        tmp = os.path.join(folder, f".gk-{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, _FLAGS, 0o666)
        except FileExistsError:
            continue
        if fcntl is None:
            return tmp, fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits only while a clean-up holds it
        except OSError:
            return tmp, fd  # no locks on this file system: the age rule protects it
        if _same_file(tmp, fd):
            return tmp, fd
        os.close(fd)  # a clean-up removed it before we locked it: make another


def _atomic(path: str, content: bytes | BinaryIO) -> None:
    folder = os.path.dirname(path)
    _clean_once(folder)
    tmp, fd = _create(folder)
    fh = open(fd, "wb")  # noqa: SIM115 - held open (and locked) until the rename
    try:
        _fill(fh, content)
        fh.flush()
        if fcntl is None:
            fh.close()  # Windows cannot rename a file it holds open
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            fh.close()
        with suppress(OSError):
            os.unlink(tmp)
        raise
    finally:
        with suppress(OSError):
            fh.close()  # after the rename: releases the lock


def _fill(fh: BinaryIO, content: bytes | BinaryIO) -> None:
    """Write the content into the open temporary. One call per atomic write: the fault tests
    replace it to fail at the k-th write as a full disk would."""
    if isinstance(content, bytes | bytearray | memoryview):
        fh.write(content)
    else:
        shutil.copyfileobj(content, fh, _COPY)


class Records(Sequence[_T]):
    """Values kept on disk, not in memory: a sequence of ``size`` places (or appended), each
    a pickled value in one anonymous temporary file (removed when closed, and by the system
    when the process dies), found again by its offset (an ``array('Q')``, 8 bytes a value).

    What a run keeps of every return until its report is written (10,000 returns and more)
    lives here, so the parent's memory does not grow with their number; reading a value
    back makes a new object, so a value changed in memory is not changed here (put it
    again). Scratch, never an output: outputs are written by :func:`write_atomic`."""

    _UNSET = (1 << 64) - 1

    def __init__(self, size: int = 0, values: Iterable[_T] = ()) -> None:
        # closed by close() or when the records are dropped; removed by the system then
        self._file: BinaryIO = tempfile.TemporaryFile(prefix=".gk-", suffix=".spool")  # noqa: SIM115
        self._end = 0
        self._at = 0  # where the file is: a value written or read after the last needs no seek
        self._offsets = array("Q", [self._UNSET]) * size
        for value in values:
            self.append(value)

    def _write(self, value: _T) -> int:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        offset = self._end
        if self._at != offset:
            self._file.seek(offset)  # a seek writes out what is buffered: only when needed
        self._at = -1  # unknown until the write is done
        self._file.write(_LENGTH.pack(len(data)))
        self._file.write(data)
        self._end = self._at = offset + _LENGTH.size + len(data)
        return offset

    def append(self, value: _T) -> None:
        self._offsets.append(self._write(value))

    def put(self, index: int, value: _T) -> None:
        """Keep ``value`` at ``index`` (the place's earlier value, if any, is forgotten)."""
        self._offsets[index] = self._write(value)

    def __len__(self) -> int:
        return len(self._offsets)

    @overload
    def __getitem__(self, index: int) -> _T: ...

    @overload
    def __getitem__(self, index: slice) -> list[_T]: ...

    def __getitem__(self, index: int | slice) -> _T | list[_T]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        offset = self._offsets[index]
        if offset == self._UNSET:
            raise LookupError(f"no value at {index}")
        if self._at != offset:
            self._file.seek(offset)
        self._at = -1  # unknown until the value is read
        (length,) = _LENGTH.unpack(self._file.read(_LENGTH.size))
        value: _T = pickle.loads(self._file.read(length))
        self._at = offset + _LENGTH.size + length
        return value

    def __iter__(self) -> Iterator[_T]:
        for i in range(len(self._offsets)):
            yield self[i]

    def close(self) -> None:
        self._file.close()
