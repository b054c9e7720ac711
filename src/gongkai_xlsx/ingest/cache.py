"""The result cache of an output folder: a file already checked is not read again.

The coordinator's desk re-runs ``ingest`` over the whole work folder after every upload, so
a return is checked once: what its worker sent back (:class:`~gongkai_xlsx.ingest.worker.Checked`:
the outcome, the canonical bytes, the moved cells) is kept in OUT's ``.gongkai-xlsx.cache``,
one entry a result, keyed by the SHA-256 of the file's bytes, the name it is shown by
(findings name the file) and the year asked for: all a worker's result depends on. The
file's stamp is everything else it depends on: the program's version, every definition,
and the program's own files (a new reader or new checks without a new version number
still invalidate every entry).

One file, not a folder of entries: OUT holds files only, as it always did. During a run
each worker makes the entry of the file it read and sends it back with the result; the
parent appends it, as it arrives, to the new cache in the run's scratch folder (this
run's files only: the cache stays the size of the batch), with the entry of each file
taken from the old cache; the new cache is put in place right after the commit point
(:meth:`gongkai_xlsx.outputs.OutputDir.keep_after_commit`): a run that does not commit
leaves the cache as it was. No file per entry, nothing copied at the end.

Never a wrong answer: each entry holds its key and the digest of its payload, both
checked when it is read; the payload is unpickled with only the result's own classes
allowed. An entry that is corrupt, truncated, of another key or of any other shape is
ignored and the file read again; so is a cache of another stamp, or one that cannot be
read at all. The parent keeps an index only (16 bytes and a place per entry).
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import heapq
import io
import json
import pickle
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from gongkai_xlsx import __version__
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.definition.load import available_formats, load_form
from gongkai_xlsx.fsio import NewFile, write_atomic_chunks
from gongkai_xlsx.ooxml.deflate import ZLIB, engine
from gongkai_xlsx.outputfolder import RESERVED


class Result(Protocol):
    """What is cached: a worker's result for one file (``ingest.worker.Checked``)."""

    @property
    def outcome(self) -> Outcome: ...


R = TypeVar("R", bound=Result)

CACHE = f"{RESERVED}.cache"  # in OUT, beside the manifest: bookkeeping, never an output
_MAGIC = b"gongkai-xlsx checked 2\n"  # an entry (2: a result carries its bytes' digest)
_FILE_MAGIC = b"gongkai-xlsx cache 1\n"  # the cache: this, its stamp, then the entries
_LENGTH = 4  # bytes of an entry's length before it (big-endian)
_MAX_ENTRY = 64 * 1024 * 1024  # bytes of one entry read at most (a return's JSON is ~20 KB)
_MAX_RESULT = 16 * 1024 * 1024  # bytes a result may inflate to (a return's is ~10 KB)
_PACKAGE = Path(__file__).resolve().parent.parent
_CODE_SUFFIXES = (".py", ".js", ".json", ".toml")

# The classes a cached result is made of; nothing else is ever loaded from an entry.
_ALLOWED = frozenset(
    {
        ("gongkai_xlsx.ingest.worker", "Checked"),
        ("gongkai_xlsx.checks.run", "Outcome"),
        ("gongkai_xlsx.reader.model", "Source"),
        ("gongkai_xlsx.findings", "Finding"),
        ("gongkai_xlsx.catalogue", "Code"),
        ("gongkai_xlsx.catalogue", "Severity"),
        ("decimal", "Decimal"),
        ("pathlib", "PosixPath"),
        ("pathlib", "WindowsPath"),
        ("pathlib", "PurePosixPath"),
        ("pathlib", "PureWindowsPath"),
    }
)


@functools.cache
def stamp() -> str:
    """What every result depends on besides the file: the program's version, each
    definition, and the bytes of the program's own files (computed once a process)."""
    h = hashlib.sha256(f"{__version__}\0".encode())
    for format_id in available_formats():
        h.update(f"{format_id}\0{load_form(format_id).source_sha256}\0".encode())
    for path in sorted(_PACKAGE.rglob("*")):
        if path.suffix in _CODE_SUFFIXES and "__pycache__" not in path.parts:
            h.update(path.relative_to(_PACKAGE).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:32]


@dataclass(frozen=True)
class Key:
    """One result: the file's bytes, the name the file is shown by, the year asked for."""

    sha256: str
    name: str
    year: int | None

    def header(self) -> bytes:
        """``json.dumps([sha256, name, year], ensure_ascii=True)``, made without an encoder
        each call (the parent makes one a result: 10,000 a run)."""
        year = "null" if self.year is None else str(int(self.year))
        return f"[{_ascii(self.sha256)}, {_ascii(self.name)}, {year}]".encode()

    @property
    def ident(self) -> bytes:
        """The key in 16 bytes: what the index holds and the entry's file name in scratch."""
        return _ident(self.header())


def _ident(header: bytes) -> bytes:
    return hashlib.sha256(header).digest()[:16]


_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii


class _Unpickler(pickle.Unpickler):
    """Loads only the classes a result is made of (pickle's own "restricting globals")."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a result")
        return super().find_class(module, name)


def entry_bytes(key: Key, checked: Result) -> bytes:
    """An entry: the magic, the key, the payload's digest, the payload."""
    payload = engine().deflate(pickle.dumps(checked, pickle.HIGHEST_PROTOCOL), 1, ZLIB)
    digest = hashlib.sha256(payload).hexdigest().encode()
    return b"".join([_MAGIC, key.header(), b"\n", digest, b"\n", payload])


def parse_entry(key: Key, data: bytes, kind: type[R]) -> R | None:
    """The result (a ``kind``) an entry holds for ``key``, or None for anything else."""
    if not data.startswith(_MAGIC):
        return None
    head, _, rest = data[len(_MAGIC) :].partition(b"\n")
    digest, _, payload = rest.partition(b"\n")
    if head != key.header() or digest != hashlib.sha256(payload).hexdigest().encode():
        return None
    try:
        raw = engine().inflate(payload, _MAX_RESULT, ZLIB)  # bounded: no bomb from a cache
        if raw is None:
            return None
        found = _Unpickler(io.BytesIO(raw)).load()
    except Exception:  # any malformed payload: the file is read again
        return None
    if not isinstance(found, kind) or not isinstance(found.outcome, Outcome):
        return None
    source = found.outcome.source
    if source.sha256 != key.sha256 or source.name != key.name:
        return None
    return found


class _Seen:
    """A set of 64-bit numbers kept in 8 bytes each (a ``set`` of ints costs about 100 a
    number: 10,000 returns a run): a sorted array, and the few added since it was last
    merged into it."""

    __slots__ = ("_recent", "_sorted")
    _MERGE = 1024  # numbers held in a set before they are merged into the array

    def __init__(self) -> None:
        self._sorted = array("Q")
        self._recent: set[int] = set()

    def __contains__(self, number: int) -> bool:
        if number in self._recent:
            return True
        at = bisect.bisect_left(self._sorted, number)
        return at < len(self._sorted) and self._sorted[at] == number

    def add(self, number: int) -> None:
        self._recent.add(number)
        if len(self._recent) >= self._MERGE:
            self._sorted = array("Q", heapq.merge(self._sorted, sorted(self._recent)))
            self._recent.clear()


class ResultCache(Generic[R]):
    """The cache of one output folder, for one run (which holds OUT's lock), of results
    of type ``kind``: :meth:`open` it, :meth:`get` each file's, :meth:`keep` what the
    workers read, :meth:`write` the new cache before the commit."""

    def __init__(self, out: Path, kind: type[R]) -> None:
        self.kind = kind
        self.path = Path(out) / CACHE
        self.index: dict[bytes, tuple[int, int]] = {}  # ident → (offset, length)
        # this run's entries are written as they come, each key once (by its first 8
        # bytes: two keys alike in them lose one entry, read again)
        self._seen = _Seen()
        self._new: NewFile | None = None
        self.reused = 0  # results taken from the cache this run
        self.folder: Path | None = None

    def open(self, scratch: Path) -> None:
        """Index the cache of this stamp (none: nothing is looked up, the files need not
        even be hashed); the new cache is made in ``scratch``."""
        self.folder = scratch
        self.index = _index(self.path, stamp())

    def empty(self) -> bool:
        return not self.index

    def get(self, key: Key, path: Path) -> R | None:
        """The result kept for ``key`` (its outcome's path made ``path``), or None."""
        ident = key.ident
        place = self.index.get(ident)
        if place is None:
            return None
        try:
            with open(self.path, "rb") as fh:
                fh.seek(place[0])
                data = fh.read(place[1])
        except OSError:
            return None
        found = parse_entry(key, data, self.kind)
        if found is None:
            return None
        self._add(ident, data)
        self.reused += 1
        return replace(found, outcome=replace(found.outcome, path=path))  # type: ignore[type-var]

    def keep(self, key: Key, entry: bytes | None) -> None:
        """``key``'s result was read this run; ``entry``: the one its worker made
        (:func:`entry_bytes`; None: it made none, the file is read again next time)."""
        if entry is not None:
            self._add(key.ident, entry)

    def _add(self, ident: bytes, data: bytes) -> None:
        first = int.from_bytes(ident[:8], "big")
        if first in self._seen or not data or len(data) > _MAX_ENTRY:
            return
        self._seen.add(first)
        if self._new is None:
            assert self.folder is not None, "open() first"
            self._new = NewFile(self.folder / "cache.new")
            self._new.write(_FILE_MAGIC + stamp().encode() + b"\n")
        self._new.write(len(data).to_bytes(_LENGTH, "big") + data)

    def write(self) -> Path | None:
        """The new cache, in scratch: this run's results only (None: nothing to keep)."""
        if self._new is None:
            return None
        self._new.finish()
        return Path(self._new.path)


def _index(path: Path, current: str) -> dict[bytes, tuple[int, int]]:
    """Where each entry of the cache at ``path`` is, by its key; empty when there is no
    cache, it has another stamp, or it cannot be read (its entries are checked as each is
    read: a damaged one is simply not used)."""
    found: dict[bytes, tuple[int, int]] = {}
    head = _FILE_MAGIC + current.encode() + b"\n"
    try:
        with open(path, "rb") as fh:
            if fh.read(len(head)) != head:
                return found
            offset = len(head)
            while True:
                size = fh.read(_LENGTH)
                if len(size) < _LENGTH:
                    return found
                length = int.from_bytes(size, "big")
                start = offset + _LENGTH
                first = fh.read(min(length, len(_MAGIC) + 4096))
                if length > _MAX_ENTRY:
                    return found  # no longer framed: what came before is still good
                if first.startswith(_MAGIC):  # else damaged: that file is read again
                    header = first[len(_MAGIC) :].partition(b"\n")[0]
                    found[_ident(header)] = (start, length)
                offset = start + length
                fh.seek(offset)
    except OSError:
        return found


# -- marked copies: a copy that would be the same bytes is not made again

MARKED_CACHE = f"{RESERVED}.marked"  # in OUT, beside the result cache: bookkeeping
_MARKED_MAGIC = b"gongkai-xlsx marked 1\n"  # the file: this, the stamp, then one line a copy
_MAX_MARKED = 16 * 1024 * 1024  # bytes of the file read at most (a line is ~120 bytes)


def marked_key(sha256: str, form_id: str, marks: Sequence[object]) -> str:
    """What a marked copy's bytes depend on besides the program (the file's stamp): the
    return's bytes (by SHA-256), its form, and its marks (every finding, in order)."""
    h = hashlib.sha256(json.dumps([sha256, form_id], ensure_ascii=True).encode())
    h.update(repr(tuple(marks)).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:32]


class MarkedCopies:
    """The marked copies of an output folder's last run, by :func:`marked_key`: the
    size and SHA-256 of each copy made. The desk re-runs ``ingest`` after every upload;
    a copy whose key and file in OUT are unchanged is not made again (its file stays,
    staged as it is: the same commit still lists it). One small file, written like the
    result cache (:meth:`write` in scratch, put in place after the commit point); one of
    another stamp (program, definitions) or that cannot be read keeps nothing."""

    def __init__(self, out: Path) -> None:
        self.path = Path(out) / MARKED_CACHE
        self.known: dict[str, tuple[int, str]] = {}  # the last run's copies
        self.now: dict[str, tuple[int, str]] = {}  # this run's, made or kept
        self.made = 0  # copies made this run
        self.reused = 0  # copies kept as they were

    def open(self) -> None:
        """Read the last run's records (none: every copy is made)."""
        head = _MARKED_MAGIC + stamp().encode() + b"\n"
        try:
            with open(self.path, "rb") as fh:
                data = fh.read(_MAX_MARKED + 1)
        except OSError:
            return
        if not data.startswith(head) or len(data) > _MAX_MARKED:
            return
        for line in data[len(head) :].split(b"\n"):
            fields = line.split(b" ")
            if len(fields) == 3 and fields[1].isdigit():
                key, size, digest = (f.decode("ascii", "replace") for f in fields)
                self.known[key] = (int(size), digest)

    def get(self, key: str) -> tuple[int, str] | None:
        """(size, SHA-256) of the copy the last run made for ``key``, or None."""
        return self.known.get(key)

    def keep(self, key: str, size: int, sha256: str, made: bool) -> None:
        """This run's copy for ``key`` (``made``: made now, else kept as it was)."""
        self.now[key] = (size, sha256)
        if made:
            self.made += 1
        else:
            self.reused += 1

    def write(self, scratch: Path) -> Path | None:
        """The new records, in scratch (None: no copy this run)."""
        if not self.now:
            return None
        target = scratch / "marked.new"
        lines = [f"{k} {size} {digest}\n".encode() for k, (size, digest) in self.now.items()]
        write_atomic_chunks(target, [_MARKED_MAGIC + stamp().encode() + b"\n", *lines])
        return target
