"""``read_return``: a path or bytes → a frozen :class:`~gongkai_xlsx.reader.model.Return`.

The one boundary of the reader: whatever the input, an answer and never an exception.
Stages: the file (:mod:`.source`), what kind of file (:mod:`.sniff`), the package
(:mod:`.workbook_package`), its small parts (:mod:`.parts`), which form (properties or
sheet names), the form's sheets (:mod:`.sheetxml`), where each cell is (:mod:`.locate`), and
each cell's value (:mod:`.cellvalue`). The steps up to the cells keep their state in
:class:`~.reading.Reading`; what the sheets say beyond the values is in
:mod:`.sheet_findings`; this module orders the steps and assembles the answer.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.locate import locate
from gongkai_xlsx.reader.model import CellRead, Return, Source
from gongkai_xlsx.reader.reading import Reading, Stop
from gongkai_xlsx.reader.sheet_findings import merge_findings, oddity_findings, outside_cells
from gongkai_xlsx.reader.source import load
from gongkai_xlsx.reader.summary_members import read_members
from gongkai_xlsx.text import file_name_text

# Every code the reader can give (tests/test_catalogue.py holds each stage to its list).
CODES = (
    Code.FILE_EMPTY,
    Code.FILE_TOO_LARGE,
    Code.FILE_XLS,
    Code.FILE_ET,
    Code.FILE_ENCRYPTED,
    Code.FILE_TEXT,
    Code.FILE_ODS,
    Code.FILE_STRICT,
    Code.FILE_CORRUPT,
    Code.FILE_NOT_WORKBOOK,
    Code.FILE_ARCHIVE,
    Code.FILE_ZIP_UNSUPPORTED,
    Code.FILE_MISSING,
    Code.FILE_LINK_BROKEN,
    Code.FILE_LINK_LOOP,
    Code.FILE_UNREADABLE,
    Code.FILE_NOT_REGULAR,
    Code.PART_DUPLICATE,
    Code.PART_DUPLICATE_UNREAD,
    Code.FORMAT_UNKNOWN,
    Code.FORMAT_OTHER,
    Code.VERSION_UNKNOWN,
    Code.SHEET_MISSING,
    Code.SHEET_EXTRA,
    Code.SHEET_HIDDEN,
    Code.SHEET_DUPLICATE,
    Code.XML_STRUCTURE,
    Code.NAME_MISMATCH,
    Code.CELL_MERGED,
    Code.LAYOUT_MISMATCH,
    Code.PROPS_MISSING,
    Code.LAYOUT_FINGERPRINT,
    Code.NAMES_MISSING,
    Code.LAYOUT_SHIFTED,
    Code.LABEL_CHANGED,
    Code.VALUE_INVALID,
    Code.MEMBERS_MISSING,  # a summary workbook's members sheet (reader/summary_members.py)
    Code.MEMBERS_INVALID,
    Code.MEMBERS_MISMATCH,
)


def read_return(source: Path | bytes, name: str | None = None) -> Return:
    """Read a returned workbook (a path, or its bytes with a display ``name``) as far as
    it can be read; never raises for a bad file."""
    if isinstance(source, bytes | bytearray | memoryview):
        data: bytes = bytes(source)
        shown = name or "return.xlsx"
        suffix = Path(shown).suffix.lower()
    else:
        path = Path(source)
        shown = name or file_name_text(path.name)
        suffix = path.suffix.lower()
        loaded = load(path)
        if loaded.data is None:
            assert loaded.finding is not None
            return Return(source=Source(shown, None, 0), findings=(loaded.finding,))
        data = loaded.data
    reading = Reading(data, shown)
    try:
        return _read(reading, suffix)
    except Stop:
        return Return(
            source=reading.source,
            findings=tuple(reading.findings),
            form=reading.form,
            properties=reading.properties,
            application=reading.application,
            saved=reading.saved,
        )
    except MemoryError:
        raise  # the worker's memory limit: reported by the pool as file-limit
    except Exception as exc:  # the boundary holds even for a case nobody foresaw
        if os.environ.get("GONGKAI_READER_STRICT"):  # tests and fuzzing: show the bug
            raise
        detail = f"读取时出现意外情况（{type(exc).__name__}）"
        reading.findings.append(Finding(Code.FILE_CORRUPT, detail=detail))
        return Return(source=reading.source, findings=tuple(reading.findings))


def _read(reading: Reading, suffix: str) -> Return:
    package, info, sheet_parts = reading.open(suffix)
    form, identified_by = reading.identify(info)
    reading.form = form
    reading.sheets(form, info, sheet_parts)
    reading.duplicates()
    merges = {s: scan.merges for s, scan in reading.scans.items()}
    located = locate(form, info.names, set(reading.scans), reading.text_at, merges, reading.text_of)
    reading.findings += located.findings
    base = Return(
        source=reading.source,
        form=form,
        identified_by=identified_by,  # type: ignore[arg-type]
        properties=reading.properties,
        application=reading.application,
        saved=reading.saved,
        well_formed=tuple(reading.well_formed),
    )
    if not located.usable:
        return _finish(base, reading.findings)
    untrusted = oddity_findings(reading, located, form)
    untrusted |= merge_findings(reading, form, located)
    cells: dict[str, CellRead] = {}
    doubted = located.untrusted
    for cid, (sheet, r, c) in located.cells.items():
        ref = to_a1(r, c)
        read, problem = reading.cell(sheet, ref)
        sure = not doubted or cid not in doubted
        if sure and untrusted and (sheet, ref) in untrusted:
            sure = False
        if problem is not None and sure:
            code, shown, what = problem
            reading.findings.append(Finding(code, cell_id=cid, actual=shown, detail=what))
            sure = False
        if not sure:
            read = CellRead(sheet, ref, None, read.formula, read.number_format, sure=False)
        cells[cid] = read
    reading.recalculate(info, form, located, cells)
    fields: dict[str, CellRead] = {}
    for key, (sheet, r, c) in located.fields.items():
        ref = to_a1(r, c)
        read, problem = reading.cell(sheet, ref)
        if "field:" + key in doubted or (sheet, ref) in untrusted:
            read = CellRead(sheet, ref, None, None, read.number_format, sure=False)
        elif problem is not None:
            code, shown, what = problem
            reading.findings.append(Finding(code, field=key, actual=shown, detail=what))
            read = CellRead(sheet, ref, None, None, read.number_format, sure=False)
        fields[key] = read
    outside, count = outside_cells(reading, form, located)
    summary = read_members(
        form, info, reading.properties, package, sheet_parts, reading.strings, reading.styles
    )
    if summary is not None:
        reading.findings += summary.findings
    whole = dataclasses.replace(
        base,
        cells=cells,
        fields=fields,
        outside=outside,
        outside_count=count,
        members=summary.members if summary is not None else None,
        completeness=summary.completeness if summary is not None else None,
    )
    return _finish(whole, reading.findings)


def _finish(ret: Return, findings: list[Finding]) -> Return:
    return dataclasses.replace(ret, findings=tuple(ret.place(f) for f in findings))
