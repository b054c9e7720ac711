"""Last year's canonical documents, for ``ingest --previous`` and ``new --previous``.

They are read once, from last year's ``ingest`` output folder (or any JSON files and
folders), and checked as the aggregator checks them (:mod:`gongkai_xlsx.document_files`:
the schema, the totals), then kept as a compact map: the normalised agency name
(:func:`gongkai_xlsx.agency.agency_key`, as the roster and the aggregator match names) →
each document of that agency: its file, year, format and input numbers in form order.
No document is kept whole, so a province's folder costs a few kilobytes per agency.

:func:`match` finds the document an agency's return of ``year`` is compared with (same
key, ``year`` − 1), or says in one warning why there is none to compare with: another
format (2020's reports use the 2019 format: its columns mean other things), two different
documents, documents of other years only, a broken document. An agency without any
document gets nothing (a new agency; ``ingest`` counts them in report.json).
"""

from __future__ import annotations

import pickle
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition.evaluate import Number
from gongkai_xlsx.definition.load import available_formats, load_form
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.document_files import (
    Skipped,
    find_files,
    parse_document,
    read_json,
)
from gongkai_xlsx.document_members import RETURN
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.fsio import Records
from gongkai_xlsx.outputfolder import is_report
from gongkai_xlsx.text import listed
from gongkai_xlsx.walk import Unreached

CODES = (
    Code.PREVIOUS_OTHER_FORMAT,
    Code.PREVIOUS_DUPLICATE,
    Code.PREVIOUS_OTHER_YEAR,
    Code.PREVIOUS_UNUSABLE,
)


class PreviousError(UsageError):
    """Last year's results cannot be used at all (message in Chinese, says what to do)."""


@cache
def _input_ids(format_id: str) -> tuple[str, ...]:
    return tuple(c.id for c in load_form(format_id).input_cells())


@dataclass(frozen=True, slots=True)
class PreviousDocument:
    """One of last year's documents, as much of it as the comparison needs.

    :attr:`numbers` are its input cells in the order of its form (None for a blank); it
    is None when the document cannot be compared: of a format this tool does not know, or
    broken (``problem`` says how). They are kept packed (``packed``, :func:`pack`: a few
    hundred bytes, where the tuple of numbers takes several kilobytes) and unpacked for
    the one return compared with them: a province's 10,000 documents stay small."""

    display: str
    agency: str
    year: int
    format_id: str
    sha256: str | None = None
    packed: bytes | None = None
    problem: str | None = None

    @property
    def numbers(self) -> tuple[Number | None, ...] | None:
        """The input cells in the order of its form (None: it cannot be compared)."""
        if self.packed is None:
            return None
        numbers: tuple[Number | None, ...] = pickle.loads(self.packed)  # our own bytes
        return numbers

    def values(self) -> dict[str, Number | None]:
        """The input cells by identifier (empty when the document cannot be compared)."""
        numbers = self.numbers
        if numbers is None:
            return {}
        return dict(zip(_input_ids(self.format_id), numbers, strict=True))

    def same_return(self, other: PreviousDocument) -> bool:
        """The same return read twice (a copy in another folder): one document, not two."""
        return (self.format_id, self.year, self.sha256, self.numbers) == (
            other.format_id,
            other.year,
            other.sha256,
            other.numbers,
        )


@dataclass(frozen=True)
class SkippedFile:
    """A JSON file of last year's folder that holds no document to compare with, and why."""

    display: str
    reason: str


class _ByAgency(Mapping[str, list["PreviousDocument"]]):
    """Last year's documents by normalised agency name (:func:`agency_key`), each
    agency's in the order read, kept on disk (:class:`~gongkai_xlsx.fsio.Records`): in
    memory only a sorted array of the names' hashes and one of the documents' places (16
    bytes a document); an agency's documents are read back when asked for."""

    def __init__(self) -> None:
        self._records: Records[PreviousDocument] = Records()
        self._hashes = array("q")  # each document's name hash, in the order added
        self._sorted: tuple[array[int], array[int]] | None = None  # (hashes, places)

    def add(self, document: PreviousDocument) -> None:
        """Keep ``document`` (a document of its agency read again is dropped when the
        documents are first looked up: :meth:`_index`)."""
        self._records.append(document)
        self._hashes.append(hash(agency_key(document.agency)))
        self._sorted = None

    def _index(self) -> tuple[array[int], array[int]]:
        """The hashes sorted, with each document's place (in the order added for equal
        hashes); of documents whose hash another shares, those that are the same return
        as an earlier one of their agency are left out."""
        if self._sorted is None:
            hashes = self._hashes
            places = array("L", sorted(range(len(hashes)), key=hashes.__getitem__))
            dropped: set[int] = set()
            start = 0
            while start < len(places):
                end = start + 1
                while end < len(places) and hashes[places[end]] == hashes[places[start]]:
                    end += 1
                if end - start > 1:
                    dropped |= self._read_again(places[start:end])
                start = end
            if dropped:
                places = array("L", (i for i in places if i not in dropped))
            self._sorted = (array("q", (hashes[i] for i in places)), places)
        return self._sorted

    def _read_again(self, places: array[int]) -> set[int]:
        """Of the documents at ``places`` (in the order added), those that are the same
        return as an earlier one of their agency (a copy in another folder)."""
        kept: dict[str, list[PreviousDocument]] = {}
        again = set()
        for i in places:
            document = self._records[i]
            same = kept.setdefault(agency_key(document.agency), [])
            if any(document.same_return(d) for d in same):
                again.add(i)
            else:
                same.append(document)
        return again

    def __getitem__(self, key: str) -> list[PreviousDocument]:
        hashes, places = self._index()
        h = hash(key)
        start, end = bisect_left(hashes, h), bisect_right(hashes, h)
        found = [self._records[i] for i in places[start:end]]  # a collision: another name
        documents = [d for d in found if agency_key(d.agency) == key]
        if not documents:
            raise KeyError(key)
        return documents

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for i in sorted(self._index()[1]):
            key = agency_key(self._records[i].agency)
            if key not in seen:
                seen.add(key)
                yield key

    def __len__(self) -> int:
        return sum(1 for _key in self)

    @property
    def documents(self) -> int:
        return len(self._index()[1])


@dataclass
class Previous:
    """Last year's documents by normalised agency name (kept on disk, a few bytes each in
    memory: a province's folder keeps the parent flat), and the files not used."""

    path: Path
    by_agency: _ByAgency = field(default_factory=_ByAgency)
    skipped: list[SkippedFile] = field(default_factory=list)
    # what the walk of the folder could not reach (errors, shown under ``path``), and what it
    # passed over by design (notes)
    unreached: list[Unreached] = field(default_factory=list)
    passed_over: list[Skipped] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return self.by_agency.documents

    def add(self, document: PreviousDocument) -> None:
        self.by_agency.add(document)


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _year(data: dict[str, Any]) -> int | None:
    value = data.get("year")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _read_one(display: str, data: Any) -> PreviousDocument | SkippedFile | None:
    """What one parsed JSON file gives: a document, a file skipped with its reason, or
    None for an ingest report (every output folder has one; it is not a document)."""
    if is_report(data):
        return None
    if not isinstance(data, dict):
        return SkippedFile(display, "内容不是一个 JSON 对象")
    format_id, agency, year = _text(data, "format"), _text(data, "agency"), _year(data)
    if format_id is None:
        return SkippedFile(display, "没有报告格式“format”，不是本工具输出的规范 JSON")
    if data.get("kind", RETURN) != RETURN:
        return SkippedFile(display, "这是汇总文档，不是单位的报表")
    if agency is None or year is None:
        return SkippedFile(display, "没有填报单位或报告年度")
    if format_id not in available_formats():
        return PreviousDocument(display, agency, year, format_id)
    document, finding = parse_document(display, data)
    if document is None:
        assert finding is not None
        return PreviousDocument(display, agency, year, format_id, problem=finding.detail)
    form = document.form
    return PreviousDocument(
        display,
        document.agency,
        document.year,
        form.id,
        sha256=document.data.source.sha256,
        packed=pack(tuple(document.data.values[c.id] for c in form.input_cells())),
    )


def pack(numbers: tuple[Number | None, ...]) -> bytes:
    """``numbers`` as :class:`PreviousDocument` keeps them: pickled (exact ints and
    Decimals, read back as they were), made in this process, never read from a file."""
    return pickle.dumps(numbers, protocol=pickle.HIGHEST_PROTOCOL)


def read_previous(path: Path) -> Previous:
    """Last year's documents under ``path`` (a folder, searched recursively, or one JSON
    file). :class:`PreviousError` when ``path`` is missing or holds no document at all."""
    path = Path(path)
    if not path.exists():
        raise PreviousError(f"{path}：上年的结果文件夹不存在。")
    files = find_files([path])  # its files.skipped (report.html, marked copies): not documents
    previous = Previous(path, unreached=files.unreached, passed_over=files.passed_over)
    for file, display in files.found:
        data, problem = read_json(file, display)
        read = SkippedFile(display, problem.detail or "") if problem else _read_one(display, data)
        if isinstance(read, PreviousDocument):
            previous.add(read)
        elif read is not None:
            previous.skipped.append(read)
    if not previous.documents:
        unread = [u.finding(f"{path.as_posix().rstrip('/')}/").message for u in files.unreached]
        why = "；".join([*unread, *(f"{s.display}：{s.reason}" for s in previous.skipped)][:3])
        raise PreviousError(
            f"{path}：其中没有上年的报表（gongkai-xlsx ingest 输出的“单位_年度.json”）"
            + (f"，读到的 JSON 文件都不能用（{why}）" if why else "")
            + "。请给出上年运行 gongkai-xlsx ingest 时的输出文件夹。"
        )
    return previous


def _format_text(form: Form, document: PreviousDocument) -> str:
    """Another format as a message names it: its year and identifier, and this tool's
    note on older formats when the year is before this form's first."""
    text = f"{document.year} 年度的“{document.format_id}”格式报表"
    if document.year < form.first_year and form.older_format_note:
        text += f"（{form.older_format_note}）"
    return text


def _files(documents: Iterable[PreviousDocument]) -> str:
    return listed((d.display for d in documents), "份")


def match(
    previous: Previous, agency: str, year: int, form: Form
) -> tuple[PreviousDocument | None, Finding | None]:
    """Last year's document of ``agency`` to compare its return of ``year`` (in ``form``)
    with, or the one warning saying why it cannot be compared; (None, None) when last
    year has no document of this agency at all."""
    documents = previous.by_agency.get(agency_key(agency), [])
    if not documents:
        return None, None
    wanted = year - 1
    of_year = [d for d in documents if d.year == wanted]
    if not of_year:
        shown = listed((f"{d.display} 为 {d.year} 年度" for d in documents), "份")
        return None, Finding(Code.PREVIOUS_OTHER_YEAR, actual=agency, expected=wanted, detail=shown)
    if len(of_year) > 1:
        return None, Finding(
            Code.PREVIOUS_DUPLICATE, actual=agency, expected=len(of_year), detail=_files(of_year)
        )
    document = of_year[0]
    if document.format_id != form.id:
        return None, Finding(
            Code.PREVIOUS_OTHER_FORMAT,
            actual=document.display,
            expected=form.name,
            detail=_format_text(form, document),
        )
    if document.packed is None:
        return None, Finding(
            Code.PREVIOUS_UNUSABLE, actual=document.display, detail=document.problem
        )
    return document, None


@dataclass(frozen=True)
class Prefill:
    """What ``new --previous`` writes into one agency's template: the carried cells
    (this year's cell → last year's number) and the note that says where they come from."""

    values: dict[str, Number]
    source: str  # last year's file
    note: str


def carried_labels(form: Form) -> tuple[str, str]:
    """The rows a carry rule fills, this year's and last year's, by their labels."""
    rules = [r for r in form.cross_year if r.kind == "carry"]

    def label(table: str, row: str) -> str:
        return form.cells_of_row(table, row)[0].row_label

    return (
        "、".join(f"“{label(r.table, r.row)}”" for r in rules),
        "、".join(f"“{label(r.table, r.previous_row)}”" for r in rules),
    )


def prefill_for(
    form: Form, previous: Previous, agency: str, year: int
) -> tuple[Prefill | None, str | None]:
    """The prefill of ``agency``'s template of ``year``, or why there is none in Chinese
    (None as the reason: last year has no document of this agency). Last year's blank
    cells stay blank: a blank is not a 0."""
    document, finding = match(previous, agency, year, form)
    if document is None:
        return None, finding.message if finding else None
    values = document.values()
    carried = {
        pair.cell: value
        for rule in form.cross_year
        if rule.kind == "carry"
        for pair in form.carried_cells(rule)
        if (value := values[pair.previous]) is not None
    }
    this_row, last_row = carried_labels(form)
    if not carried:
        return None, f"上年报表“{document.display}”中{last_row}都是空白，没有可预填的数字。"
    note = f"{this_row}已按 {year - 1} 年度报告的{last_row}预填（蓝色单元格），如有出入请直接修改。"
    return Prefill(carried, document.display, note), None
