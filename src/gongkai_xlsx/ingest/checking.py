"""The first stage of a run: every file read and checked in a bounded worker process.

Each file's result is frozen (:class:`~gongkai_xlsx.ingest.worker.Checked`); the parent
turns it into the file's :class:`~gongkai_xlsx.ingest.batch.Entry` as it arrives. A
passing return's canonical bytes go straight to the spool (:class:`Spool`), so memory
stays flat in the number of returns; with ``--previous`` they are compared with last
year's document first (:func:`gongkai_xlsx.ingest.previous.compare`), and the warnings
join the entry.
"""

from __future__ import annotations

import hashlib
import os
import stat
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from gongkai_xlsx.canonical import Value
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.fsio import Records, write_new
from gongkai_xlsx.ingest.batch import Entry
from gongkai_xlsx.ingest.cache import Key, ResultCache
from gongkai_xlsx.ingest.collect import Collected, Item
from gongkai_xlsx.ingest.options import RunOptions
from gongkai_xlsx.ingest.previous import Compared, compare
from gongkai_xlsx.ingest.worker import Checked, Task
from gongkai_xlsx.pool import Failure, Limits, WorkerPool
from gongkai_xlsx.reader.model import Source
from gongkai_xlsx.text import file_name_text

CODES = (Code.FILE_LIMIT, Code.WORKER_CRASH)

_LIMIT_TEXT = {
    "time": "超过时间上限（{seconds:g} 秒）",
    "memory": "超过内存上限（{memory} MB）",
}

Progress = Callable[[Entry], None]


@dataclass(frozen=True)
class Spool:
    """The folder inside OUT's staging where each passing return's canonical bytes wait
    for the commit, by the file's position in the batch."""

    folder: Path

    def path(self, index: int) -> Path:
        return Path(self.file(index))

    def file(self, index: int) -> str:
        """:meth:`path` as a string: 10,000 of them are made, a ``Path`` costs more than
        the system call."""
        return os.path.join(self.folder, f"{index}.json")


class Spooled(NamedTuple):
    """A passing return's spooled canonical bytes as the later stages need them without
    reading them again: their size and SHA-256 (the manifest's record of the output) and
    the document's numbers (the totals', :func:`~gongkai_xlsx.document_members.return_numbers`).
    A tuple: read back from disk once a stage, cheaply."""

    size: int
    sha256: str
    numbers: tuple[Value, ...]


@dataclass(frozen=True)
class Checks:
    """What the first stage found: every file's entry, in the batch's order, and (with
    ``--previous``) each return's comparison with last year's, by the same position
    (None for a file that did not pass; its warnings are in the entry already), and each
    passing return's spooled bytes. All are kept on disk (:class:`~gongkai_xlsx.fsio.Records`):
    the parent's memory does not grow with them."""

    entries: Sequence[Entry]
    compared: Sequence[Compared | None] = ()
    # each passing return's spooled bytes, by the same position (on disk)
    spooled: Sequence[Spooled] = ()


def failed_check(item: Item, failure: Failure, limits: Limits) -> Checked:
    """A file whose reading exceeded a bound or killed its worker: a finding for it alone.
    A crash (the worker died, or the program raised) is the program's fault, not the
    file's, and says so: the file may be perfectly good."""
    if failure.kind == "crash":
        finding = Finding(Code.WORKER_CRASH, detail=failure.detail)
    else:
        detail = _LIMIT_TEXT[failure.kind].format(
            seconds=limits.seconds_for(item.path), memory=limits.memory_mb or "∞"
        )
        finding = Finding(Code.FILE_LIMIT, detail=detail)
    source = Source(file_name_text(item.path.name), None, 0)
    return Checked(Outcome(source=source, path=item.path, findings=(finding,)))


def _kept(outcome: Outcome) -> Outcome:
    """A file's outcome as the parent keeps it (on disk, :class:`~gongkai_xlsx.fsio.Records`,
    read back by every stage): without its path (the batch's item has it)."""
    return replace(outcome, path=None) if outcome.path is not None else outcome


def _arrived(
    item: Item, checked: Checked, options: RunOptions, spool: str
) -> tuple[Entry, Compared | None]:
    """A file's entry as its result arrives; its canonical bytes spooled, compared first
    with last year's document when asked."""
    has_document = checked.canonical is not None
    entry = Entry(item.display, _kept(checked.outcome), has_document, mtime=item.mtime)
    if checked.canonical is None:
        return entry, None
    compared = None
    if options.previous is not None:
        compared = compare(options.previous, checked.canonical, checked.places)
        entry = replace(entry, outcome=entry.outcome.adding(compared.findings))
    write_new(spool, checked.canonical)  # a fresh name in the run's own scratch
    return entry, compared


def file_sha256(path: Path) -> str | None:
    """The SHA-256 of a regular file's bytes, streamed (None when it cannot be had: the
    worker reads the file and answers for it)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        with open(path, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                return None
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except (OSError, ValueError):
        return None


def _cached(cache: ResultCache[Checked], item: Item, year: int | None) -> Checked | None:
    """The result the cache keeps for the bytes ``item`` holds now, or None."""
    sha256 = file_sha256(item.path)
    if sha256 is None:
        return None
    return cache.get(Key(sha256, file_name_text(item.path.name), year), item.path)


def check_all(
    pool: WorkerPool[Any, Any],
    found: Collected,
    options: RunOptions,
    spool: Spool,
    progress: Progress | None = None,
    cache: ResultCache[Checked] | None = None,
) -> Checks:
    """Every file of ``found`` checked by ``pool`` (``progress`` told of each as it is
    done, in the order they finish); with ``cache``, a file whose bytes were checked
    before is taken from it and not read again, and every other result is kept there."""
    entries: Records[Entry] = Records(len(found.items))
    spooled: Records[Spooled] = Records(len(found.items))
    done = bytearray(len(found.items))
    compared: Records[Compared | None] | None = None
    if options.previous is not None:
        compared = Records(len(found.items))

    def arrived(index: int, result: Checked | Failure, item: Item | None = None) -> None:
        item = item or found.items[index]
        if not isinstance(result, Checked):
            result = failed_check(item, result, options.bounds)
        entry, against = _arrived(item, result, options, spool.file(index))
        entries.put(index, entry)
        if compared is not None:  # what became of it; its warnings are in the entry
            compared.put(index, replace(against, findings=()) if against else None)
        if result.canonical is not None:  # its digest made by the worker with the bytes
            assert result.digest is not None, "a document's bytes come with their digest"
            size = len(result.canonical)
            spooled.put(index, Spooled(size, result.digest, result.numbers or ()))
        done[index] = 1
        if progress is not None:
            progress(entry)

    if cache is not None:
        cache.open(spool.folder)
    look = cache is not None and not cache.empty()
    to_read = array("L")  # the files to read, by place (no object each)
    if cache is not None and look:
        for index, item in enumerate(found.items):
            hit = _cached(cache, item, options.year)
            if hit is None:
                to_read.append(index)
            else:
                arrived(index, hit, item)
    else:  # nothing to look up: every file is read, none read from disk for it here
        to_read = array("L", range(len(found.items)))
    keep = cache is not None
    flying: dict[int, Item] = {}  # the items of the tasks given out (a few: one a worker)

    def tasks() -> Iterator[Task]:
        for k, index in enumerate(to_read):
            item = flying[k] = found.items[index]  # read from disk once, kept till it answers
            yield Task(item.file, options.year, keep)

    for k, result in pool.run(tasks()):
        if cache is not None and isinstance(result, Checked) and result.outcome.sha256:
            name = result.outcome.source.name
            cache.keep(Key(result.outcome.sha256, name, options.year), result.kept)
        arrived(to_read[k], result, flying.pop(k))
    assert all(done)  # the pool answers every task, or raises
    return Checks(entries, compared if compared is not None else (), spooled)
