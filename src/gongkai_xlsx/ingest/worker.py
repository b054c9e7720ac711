"""What a worker process does with one file: read it, check it, and send back what the
batch needs (the outcome without its document, and the document's canonical bytes).

Module-level and picklable by reference, as a pool under ``spawn`` requires.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from gongkai_xlsx.annotate import AnnotateError, Mark, annotate_workbook
from gongkai_xlsx.canonical import Value
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.definition.load import load_form
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.document_members import return_numbers
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.ingest.cache import Key, entry_bytes
from gongkai_xlsx.ingest.checked import check_and_build
from gongkai_xlsx.pool import Failure
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.reader.model import Return
from gongkai_xlsx.reader.source import load
from gongkai_xlsx.text import file_name_text


@dataclass(frozen=True)
class Task:
    """Read and check one file."""

    path: str
    year: int | None = None
    keep: bool = False  # send the result's cache entry back with it (ingest.cache)

    def run(self) -> Checked:
        return check_task(self)


@dataclass(frozen=True)
class Checked:
    """One file checked, as the worker sends it back (the result per file, frozen)."""

    outcome: Outcome  # without its document: the bytes travel instead
    canonical: bytes | None = None
    # cells read away from the template's position (rows moved, read by names): cell id →
    # (sheet, A1), so that findings made in the parent (--previous) point at them
    places: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # the document's input cells in the form's order, as its bytes give them back: what
    # the batch's totals sum (:func:`~gongkai_xlsx.document_members.return_numbers`)
    numbers: tuple[Value, ...] | None = None
    # the SHA-256 of ``canonical`` (hex), made where the bytes are made: the manifest's
    # record of the output, never hashed again in the parent (None with no bytes)
    digest: str | None = None
    # the result's entry for the result cache (:func:`~gongkai_xlsx.ingest.cache.entry_bytes`),
    # made here for the parent to append to the run's new cache
    kept: bytes | None = field(default=None, compare=False)


def moved_cells(ret: Return) -> dict[str, tuple[str, str]]:
    """The cells of ``ret`` that are not where its template puts them (usually none)."""
    if ret.form is None:
        return {}
    places = _template_places(ret.form)
    return {
        cell_id: (read.sheet, read.ref)
        for cell_id, read in ret.cells.items()
        if places[cell_id] != (read.sheet, read.ref)
    }


@cache
def _template_places(form: Form) -> dict[str, tuple[str, str]]:
    """Cell id → (sheet, A1) where ``form``'s template puts it (once per form)."""
    return {cid: (s, to_a1(r, c)) for cid, (s, r, c) in layout_of(form).cell_positions.items()}


def check_task(task: Task) -> Checked:
    """Read and check one file; with ``task.keep``, its cache entry sent back with it."""
    path = Path(task.path)
    ret = read_return(path, file_name_text(path.name))
    outcome = check_and_build(ret, task.year, path)
    if outcome.document is None:
        checked = Checked(outcome)
    else:
        document = outcome.document
        canonical = document.to_json_bytes()
        numbers = return_numbers(document.form, document)
        checked = Checked(
            replace(outcome, document=None),
            canonical,
            moved_cells(ret),
            numbers,
            hashlib.sha256(canonical).hexdigest(),
        )
    sha256 = checked.outcome.sha256
    if task.keep and sha256:
        key = Key(sha256, checked.outcome.source.name, task.year)
        checked = replace(checked, kept=entry_bytes(key, checked))
    return checked


@dataclass(frozen=True)
class MarkTask:
    """A marked copy to make: the file, the bytes it had when it was checked, its marks."""

    path: str
    sha256: str
    form_id: str
    marks: tuple[Mark, ...]
    well_formed: tuple[str, ...] = ()  # the check's Outcome.well_formed, of these bytes

    def run(self) -> Marked:
        return mark_task(self)


@dataclass(frozen=True)
class Marked:
    data: bytes | None
    problem: str | None = None  # why there is no marked copy, in Chinese


def mark_task(task: MarkTask) -> Marked:
    """The marked copy of one return, made from the very bytes that were checked."""
    loaded = load(Path(task.path))
    if loaded.data is None or hashlib.sha256(loaded.data).hexdigest() != task.sha256:
        return Marked(None, "文件在检查之后被改动或移走，未生成标注副本；请重新运行。")
    try:
        form = load_form(task.form_id)  # the sha256 above: the very bytes the reader accepted
        marked = annotate_workbook(loaded.data, task.marks, form, well_formed=task.well_formed)
        return Marked(marked)
    except AnnotateError as exc:
        return Marked(None, str(exc))  # the finding says "没有为这份报表生成标注副本："


def not_marked(result: Marked | Failure) -> Finding | None:
    """The finding for a marked copy that was not made (the workbook cannot be marked, or
    marking overran a limit or killed its worker); None when ``result`` holds the copy."""
    if isinstance(result, Marked):
        if result.data is not None:
            return None
        return Finding(Code.ANNOTATE_FAILED, detail=result.problem or "")
    return Finding(Code.ANNOTATE_FAILED, detail=result.detail)


def work(task: Task | MarkTask) -> Checked | Marked:
    """What a worker runs: one pool serves both phases of a batch (check, then mark)."""
    return task.run()
