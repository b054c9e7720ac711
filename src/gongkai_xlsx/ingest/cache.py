"""The result cache of an output folder: a file already checked is not read again.

The coordinator's desk re-runs ``ingest`` over the whole work folder after every upload, so
a return is checked once: what its worker sent back (:class:`~gongkai_xlsx.ingest.worker.Checked`:
the outcome, the canonical bytes, the moved cells) is kept in OUT under
``.gongkai-xlsx.cache/<stamp>/``, one file an entry, keyed by the SHA-256 of the file's
bytes, the name it is shown by (findings name the file) and the year asked for: all a
worker's result depends on. The stamp is everything else it depends on: the program's
version, every definition, and the program's own files (a new reader or new checks
without a new version number still invalidate every entry).

Never a wrong answer: an entry is written atomically by the worker that read the file (a
failed write loses the entry, never the file's result); it holds its key and the digest of
its payload, both checked on every read; the payload is unpickled with only the
result's own classes allowed. An entry that is corrupt, truncated, of another key or of
any other shape is ignored and the file read again. Bounded: after a committed run the
cache keeps the entries of that run's files only, under the current stamp.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import pickle
import shutil
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from gongkai_xlsx import __version__
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.definition.load import available_formats, load_form
from gongkai_xlsx.fsio import remove_leftovers, write_atomic
from gongkai_xlsx.outputfolder import RESERVED


class Result(Protocol):
    """What is cached: a worker's result for one file (``ingest.worker.Checked``)."""

    @property
    def outcome(self) -> Outcome: ...


R = TypeVar("R", bound=Result)

CACHE = f"{RESERVED}.cache"  # in OUT, beside the manifest: bookkeeping, never an output
_MAGIC = b"gongkai-xlsx checked 1\n"
_MAX_ENTRY = 64 * 1024 * 1024  # bytes of one entry read at most (a return's JSON is ~20 KB)
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

    @property
    def file_name(self) -> str:
        text = json.dumps([self.sha256, self.name, self.year], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def header(self) -> bytes:
        return json.dumps([self.sha256, self.name, self.year], ensure_ascii=True).encode()


class _Unpickler(pickle.Unpickler):
    """Loads only the classes a result is made of (pickle's own "restricting globals")."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a result")
        return super().find_class(module, name)


def entry_bytes(key: Key, checked: Result) -> bytes:
    """An entry: the magic, the key, the payload's digest, the payload."""
    payload = zlib.compress(pickle.dumps(checked, pickle.HIGHEST_PROTOCOL), 1)
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
        found = _Unpickler(io.BytesIO(zlib.decompress(payload))).load()
    except Exception:  # any malformed payload: the file is read again
        return None
    if not isinstance(found, kind) or not isinstance(found.outcome, Outcome):
        return None
    source = found.outcome.source
    if source.sha256 != key.sha256 or source.name != key.name:
        return None
    return found


def store(folder: str, key: Key, checked: Result) -> None:
    """Keep ``checked`` (in the worker that made it). A failed write only loses the
    entry: the file is read again next time."""
    with contextlib.suppress(OSError):
        write_atomic(os.path.join(folder, key.file_name), entry_bytes(key, checked))


class ResultCache(Generic[R]):
    """The cache of one output folder, for one run (which holds OUT's lock), of results
    of type ``kind``."""

    def __init__(self, out: Path, kind: type[R]) -> None:
        self.kind = kind
        self.root = Path(out) / CACHE
        self.folder = self.root / stamp()
        self.used: set[str] = set()
        self.reused = 0  # results taken from the cache this run

    def prepare(self) -> str:
        """The folder the workers write entries into (made, a killed run's temporaries
        removed)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        remove_leftovers(self.folder)
        return os.fspath(self.folder)

    def empty(self) -> bool:
        """No entry of this stamp: nothing to look up (the files need not be hashed)."""
        try:
            return not os.listdir(self.folder)
        except OSError:
            return True

    def get(self, key: Key, path: Path) -> R | None:
        """The result kept for ``key`` (its outcome's path made ``path``), or None."""
        self.used.add(key.file_name)
        try:
            with open(self.folder / key.file_name, "rb") as fh:
                data = fh.read(_MAX_ENTRY + 1)
        except OSError:
            return None
        found = parse_entry(key, data, self.kind) if len(data) <= _MAX_ENTRY else None
        if found is None:
            return None
        self.reused += 1
        return replace(found, outcome=replace(found.outcome, path=path))  # type: ignore[type-var]

    def keep(self, keys: Iterable[Key]) -> None:
        """Remember ``keys`` as this run's (entries the workers wrote)."""
        self.used.update(k.file_name for k in keys)

    def prune(self) -> None:
        """After a committed run: only this stamp's entries of this run's files stay."""
        with contextlib.suppress(OSError):
            for name in os.listdir(self.root):
                if name != self.folder.name:
                    shutil.rmtree(self.root / name, ignore_errors=True)
        try:
            names = os.listdir(self.folder)
        except OSError:
            return
        for name in names:
            if name not in self.used:
                with contextlib.suppress(OSError):
                    os.unlink(self.folder / name)
