"""``read_return``: a path or bytes → a frozen :class:`~gongkai_xlsx.reader.model.Return`.

The one boundary of the reader: whatever the input, an answer and never an exception.
Stages: the file (:mod:`.source`), what kind of file (:mod:`.sniff`), the package
(:mod:`.package`), its small parts (:mod:`.parts`), which form (properties or sheet
names), the form's sheets (:mod:`.sheetxml`), where each cell is (:mod:`.locate`), and
each cell's value (:mod:`.cellvalue`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from functools import cache
from pathlib import Path

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.definition.load import available_formats, load_form
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.findings import Finding, excerpt
from gongkai_xlsx.ooxml.archive import MAX_PART_BYTES
from gongkai_xlsx.ooxml.xmltext import NotWellFormed
from gongkai_xlsx.reader import parts
from gongkai_xlsx.reader.cellvalue import Interpreted, interpret, shared_index
from gongkai_xlsx.reader.locate import Located, form_map, locate, single_cell_target
from gongkai_xlsx.reader.members import read_members, summary_sheets
from gongkai_xlsx.reader.model import MAX_OUTSIDE, CellRead, Recalculated, Return, Source, Value
from gongkai_xlsx.reader.package import Package, PackageError
from gongkai_xlsx.reader.recalc import Evaluator, NotComputable, Orphan, SharedFormulas
from gongkai_xlsx.reader.sheetxml import (
    SheetScan,
    SheetTooLarge,
    column_letters,
    first_overlap,
    scan_sheet,
)
from gongkai_xlsx.reader.sniff import sniff
from gongkai_xlsx.reader.source import load
from gongkai_xlsx.text import file_name_text, label_key

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
    Code.MEMBERS_MISSING,  # a summary workbook's members sheet (reader/members.py)
    Code.MEMBERS_INVALID,
    Code.MEMBERS_MISMATCH,
)

CUSTOM_PROPS = "/custom-properties"
EXTENDED_PROPS = "/extended-properties"

_ODDITY_TEXT = {
    "row-order": "行的顺序颠倒或重复",
    "row-ref": "行号无效",
    "cell-order": "同一行中单元格的顺序颠倒",
    "cell-duplicate": "同一单元格出现了不止一次",
    "cell-row": "单元格的位置与所在的行不一致",
    "cell-ref": "单元格位置无效",
    "structure": "单元格所在的 XML 结构不规范",
    "implied": "单元格没有标明位置",
}


@cache
def _all_forms() -> tuple[Form, ...]:
    """Every known format (the templates folder is read once per process)."""
    return tuple(load_form(f) for f in available_formats())


def _package_finding(exc: PackageError) -> tuple[Code, dict[str, object]]:
    if exc.code == "file-strict":
        return Code.FILE_STRICT, {}
    if exc.code == "file-too-large":
        return Code.FILE_TOO_LARGE, {"actual": exc.detail, "expected": _part_limit()}
    return Code.FILE_CORRUPT, {"detail": exc.detail}


def _part_limit() -> str:
    return f"每个部件 {MAX_PART_BYTES // 1024 // 1024} MB"


class _Stop(Exception):
    """Reading ends here; the findings so far are the answer."""


class _Reading:
    """The state of reading one file (never leaves this module)."""

    def __init__(self, data: bytes, name: str) -> None:
        self.data = data
        self.source = Source(name, hashlib.sha256(data).hexdigest(), len(data))
        self.findings: list[Finding] = []
        self.package: Package | None = None
        self.strings: list[str] = []
        self.styles = parts.DEFAULT_STYLES
        self.scans: dict[str, SheetScan] = {}
        self.properties: dict[str, str] = {}
        self.application: str | None = None
        self.form: Form | None = None
        self.shared_formulas: dict[str, SharedFormulas] = {}

    def stop(self, code: Code, **values: object) -> _Stop:
        self.findings.append(Finding(code, **values))  # type: ignore[arg-type]
        return _Stop()

    def stop_package(self, exc: PackageError) -> _Stop:
        code, values = _package_finding(exc)
        return self.stop(code, **values)

    # ---------------------------------------------------------------- the package
    def open(self, suffix: str) -> tuple[Package, parts.WorkbookInfo, dict[str, str]]:
        sniffed = sniff(self.data, suffix)
        if sniffed.code is not None:
            raise self.stop(
                sniffed.code,
                detail=sniffed.detail,
                actual=sniffed.actual,
                expected=sniffed.expected,
            )
        part = ""
        try:
            package = Package(self.data)
            part = package.workbook_part()
            info = parts.workbook_info(package.read(part))
            rels = {r.id: r for r in package.rels(part)}
            sheet_parts = {s.name: rels[s.rel_id].target for s in info.sheets if s.rel_id in rels}
            for rel in rels.values():
                part = rel.target
                if rel.type.endswith("/sharedStrings") and package.has(part):
                    self.strings = parts.shared_strings(package.read(part))
                elif rel.type.endswith("/styles") and package.has(part):
                    self.styles = parts.styles(package.read(part))
            for rel in package.rels(""):
                part = rel.target
                if rel.type.endswith(CUSTOM_PROPS) and package.has(part):
                    self.properties = parts.custom_properties(package.read(part))
                elif rel.type.endswith(EXTENDED_PROPS) and package.has(part):
                    self.application = parts.application(package.read(part))
        except PackageError as exc:
            found = exc.sniffed
            if found is not None and found.code is not None:  # another kind of zip
                raise self.stop(
                    found.code, detail=found.detail, actual=found.actual, expected=found.expected
                ) from None
            raise self.stop_package(exc) from None
        except NotWellFormed as exc:
            detail = f"部件 {part} 不是有效的 XML（第 {exc.line} 行）"
            raise self.stop(Code.FILE_CORRUPT, detail=detail) from None
        except ValueError as exc:  # too many shared strings and the like
            raise self.stop(Code.FILE_CORRUPT, detail=str(exc)) from None
        self.package = package
        return package, info, sheet_parts

    # ---------------------------------------------------------------- the form
    def identify(self, info: parts.WorkbookInfo) -> tuple[Form, str]:
        forms = {f.id: f for f in _all_forms()}
        props = self.properties
        format_id = props.get(names.PROP_FORMAT)
        if format_id:
            form = forms.get(format_id)
            if form is None:
                supported = "、".join(f.name for f in forms.values())
                raise self.stop(Code.FORMAT_OTHER, actual=excerpt(format_id), expected=supported)
            version = props.get(names.PROP_VERSION)
            if version and version != form.template_version:
                raise self.stop(
                    Code.VERSION_UNKNOWN, actual=excerpt(version), expected=form.template_version
                )
            fingerprint = props.get(names.PROP_LAYOUT)
            if fingerprint and fingerprint != layout_of(form).fingerprint:
                self.findings.append(
                    Finding(Code.LAYOUT_FINGERPRINT, expected=form.template_version)
                )
            return form, "properties"
        present = {s.name for s in info.sheets}
        candidates = [
            f for f in forms.values() if all(s.name in present for s in layout_of(f).sheets)
        ]
        if not candidates:
            raise self.stop(Code.FORMAT_UNKNOWN)
        form = candidates[0]
        self.findings.append(Finding(Code.PROPS_MISSING, actual=form.name))
        return form, "sheets"

    def sheets(self, form: Form, info: parts.WorkbookInfo, sheet_parts: dict[str, str]) -> None:
        """The form's sheets, each scanned; hidden, doubled or missing ones are findings."""
        assert self.package is not None
        expected = [s.name for s in layout_of(form).sheets]
        folded: dict[str, list[str]] = {}
        for entry in info.sheets:
            folded.setdefault(entry.name.casefold(), []).append(entry.name)
        stop = False
        for name in expected:
            if len(folded.get(name.casefold(), [])) > 1:
                self.findings.append(Finding(Code.SHEET_DUPLICATE, actual=name))
                stop = True
        for entry in info.sheets:
            if entry.name in expected and entry.state != "visible":
                self.findings.append(Finding(Code.SHEET_HIDDEN, actual=entry.name))
        missing = [s for s in expected if s not in sheet_parts]
        self.findings += [Finding(Code.SHEET_MISSING, expected=s) for s in missing]
        # the findings sheet of a marked copy sent back, the sheets a summary adds
        ours = {_results_sheet(info), *summary_sheets(info, self.properties)}
        self.findings += [
            Finding(Code.SHEET_EXTRA, actual=excerpt(e.name))
            for e in info.sheets
            if e.name not in expected and e.name not in ours
        ]
        if missing or stop:
            raise _Stop()
        for name in expected:
            part = sheet_parts[name]
            try:
                self.scans[name] = scan_sheet(self.package.read(part), name)
            except PackageError as exc:
                self.form = None  # the file, not its content, is the problem: unreadable
                raise self.stop_package(exc) from None
            except NotWellFormed as exc:
                detail = f"工作表“{name}”的内容不是有效的 XML（第 {exc.line} 行）"
                self.form = None
                raise self.stop(Code.FILE_CORRUPT, detail=detail) from None
            except SheetTooLarge as exc:
                self.form = None
                raise self.stop(
                    Code.FILE_TOO_LARGE, actual=str(exc), expected="填报模板的规模"
                ) from None
            overlap = first_overlap(self.scans[name].merges)
            if overlap is not None:  # Excel repairs the file, Gnumeric does not open it
                a, b = (f"{to_a1(r0, c0)}:{to_a1(r1, c1)}" for r0, c0, r1, c1 in overlap)
                detail = f"工作表“{name}”中的合并单元格 {a} 与 {b} 重叠"
                raise self.stop(Code.FILE_CORRUPT, detail=detail)

    def duplicates(self) -> None:
        """Parts stored twice: which copy an application reads is not defined."""
        assert self.package is not None
        for name in sorted(self.package.duplicates):
            if name in self.package.read_parts:
                self.findings.append(Finding(Code.PART_DUPLICATE, detail=name))
            else:
                self.findings.append(Finding(Code.PART_DUPLICATE_UNREAD, detail=name))
        if any(f.code is Code.PART_DUPLICATE for f in self.findings):
            raise _Stop()

    # ---------------------------------------------------------------- the cells
    def text_at(self, sheet: str, row: int, col: int) -> str | None:
        """The text a cell shows, for comparing labels (numbers as their digits)."""
        scan = self.scans.get(sheet)
        raw = scan.cells.get(f"{column_letters(col + 1)}{row + 1}") if scan else None
        if raw is None:
            return None
        plain = raw.t == "s" and raw.v is not None and raw.f is None and raw.inline is None
        index = shared_index(raw.v) if plain and raw.v is not None else None
        if index is not None:  # the common case: a label in the shared strings
            return self.strings[index] or None if index < len(self.strings) else None
        got = interpret(raw, self.strings, self.styles).value
        if got is None or got == "":
            return None
        if isinstance(got, float) and got.is_integer():
            return str(int(got))
        return str(got)

    def cell(self, sheet: str, row: int, col: int) -> tuple[CellRead, Interpreted | None]:
        ref = to_a1(row, col)
        raw = self.scans[sheet].cells.get(ref)
        if raw is None:
            return CellRead(sheet, ref), None
        got = interpret(raw, self.strings, self.styles)
        return CellRead(sheet, ref, got.value, got.formula, got.number_format), got

    def shared(self, sheet: str) -> SharedFormulas:
        found = self.shared_formulas.get(sheet)
        if found is None:
            found = self.shared_formulas[sheet] = SharedFormulas(self.scans[sheet].cells)
        return found

    def recalculate(
        self, info: parts.WorkbookInfo, form: Form, located: Located, cells: dict[str, CellRead]
    ) -> None:
        """Each input's formula with the result the applications calculate from the file's
        own cells, where that is known (:mod:`.recalc`); a shared formula's child with its
        master's formula, shifted. A cell the reader is not sure of is not calculated with."""
        odd = {(s, o.ref) for s, scan in self.scans.items() for o in scan.oddities if o.ref}
        odd_rows = {
            (s, o.row) for s, scan in self.scans.items() for o in scan.oddities if not o.ref
        }
        odd |= {(s, to_a1(r, c)) for cid, (s, r, c) in located.cells.items() if not cells[cid].sure}

        def lookup(sheet: str, row: int, col: int) -> tuple[Value, str | None]:
            ref = to_a1(row, col)
            raw = self.scans[sheet].cells.get(ref)
            if (sheet, ref) in odd or (sheet, row + 1) in odd_rows:
                raise NotComputable("a cell the reader is not sure of")
            if raw is None:
                return None, None
            got = interpret(raw, self.strings, self.styles)
            if got.problem is not None:
                raise NotComputable("a value outside the grammar")
            return got.value, self.shared(sheet).formula(ref, raw) if raw.f is not None else None

        evaluator = Evaluator({s.name: s.name in self.scans for s in info.sheets}, lookup)
        for cid, (sheet, r, c) in located.cells.items():
            read = cells[cid]
            if read.formula is None or not read.sure or form.cell(cid).computed:
                continue
            raw = self.scans[sheet].cells[read.ref]
            try:
                text = self.shared(sheet).formula(read.ref, raw)
            except Orphan:
                cells[cid] = dataclasses.replace(read, recalculated=Recalculated(None, True))
                continue
            if not text:
                continue
            try:
                recalculated = Recalculated(evaluator.result(text, sheet, r, c))
            except NotComputable:  # LibreOffice calculates a shared formula all the same
                recalculated = Recalculated(None, unknown=True) if raw.shared is not None else None
            cells[cid] = dataclasses.replace(read, formula="=" + text, recalculated=recalculated)


def _results_sheet(info: parts.WorkbookInfo) -> str | None:
    """The sheet ``annotate`` added, when this is a marked copy (the contract of
    :mod:`gongkai_xlsx.annotate`: a defined name pointing at its A1): ours, not the
    agency's, so not an extra sheet. Its findings and comments are never read."""
    target = single_cell_target(info.names.get(names.MARK_NAME, ""))
    if target is not None and target[0] == names.RESULTS_SHEET and target[1:] == (0, 0):
        return names.RESULTS_SHEET
    return None


MAX_STRUCTURE_FINDINGS = 20


def _places(located: Located) -> list[tuple[tuple[str, int, int], str | None, str | None]]:
    """Every located cell of the form and cover field, in reading order: (position,
    cell id, field key)."""
    cells = [(pos, cid, None) for cid, pos in located.cells.items()]
    fields = [(pos, None, key) for key, pos in located.fields.items()]
    return sorted([*cells, *fields], key=lambda p: p[0])


def _oddity_findings(reading: _Reading, located: Located, form: Form) -> set[tuple[str, str]]:
    """Structural oddities on the form's sheets as findings (one per cell, or one per row
    for a row out of order, at its first cell of the form or cover field); returns the
    (sheet, A1) whose values cannot be trusted: every cell an oddity touches, every form
    cell and field of its row when it concerns a whole row."""
    at: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    by_row: dict[tuple[str, int], list[str]] = {}
    for (s, r, c), cid, key in _places(located):
        ref = to_a1(r, c)
        at[(s, ref)] = (cid, key)
        by_row.setdefault((s, r + 1), []).append(ref)
    untrusted: set[tuple[str, str]] = set()
    findings: dict[tuple[str, str], Finding] = {}
    for sheet, scan in reading.scans.items():
        for odd in scan.oddities:
            # A cell without r: LibreOffice places it as [MS-OI29500] 2.1.590 says,
            # Gnumeric drops it (WITNESS.md C09, C12); a row without r whose cells name
            # themselves is read alike by both (C11).
            if odd.kind == "implied" and (odd.ref is None or not odd.content):
                continue
            text = odd.detail if odd.kind == "grammar" else _ODDITY_TEXT.get(odd.kind, "结构不规范")
            row_cells = by_row.get((sheet, odd.row), [])
            if odd.ref is not None:
                refs = [odd.ref]
                untrusted.add((sheet, odd.ref))
            else:  # a whole row
                refs = row_cells[:1] or [f"A{odd.row}"]
                text = f"第 {odd.row} 行{text}"
                untrusted.update((sheet, ref) for ref in row_cells)
            for ref in refs:
                findings.setdefault(
                    (sheet, ref),
                    Finding(
                        Code.XML_STRUCTURE,
                        sheet=sheet,
                        cell=ref,
                        cell_id=at.get((sheet, ref), (None, None))[0],
                        field=at.get((sheet, ref), (None, None))[1],
                        detail=text,
                    ),
                )
    reading.findings += list(findings.values())[:MAX_STRUCTURE_FINDINGS]
    return untrusted


def _row(ref: str) -> int:
    digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    return int(digits) if digits.isdigit() else 0


def _merge_findings(reading: _Reading, form: Form, located: Located) -> set[tuple[str, str]]:
    """A form cell or cover field covered by a merged range, and not its top-left, is
    hidden: the application shows the range's top-left content there. The template's own
    merged boxes have a form cell only as their top-left, so only other ranges are looked
    at."""
    template = form_map(form).merges
    extra = {
        sheet: [m for m in scan.merges if m not in template.get(sheet, frozenset())]
        for sheet, scan in reading.scans.items()
    }
    hidden: set[tuple[str, str]] = set()
    if not any(extra.values()):
        return hidden
    for (sheet, r, c), cid, key in _places(located):
        for r0, c0, r1, c1 in extra.get(sheet, ()):
            if r0 <= r <= r1 and c0 <= c <= c1 and (r, c) != (r0, c0):
                ref = to_a1(r, c)
                hidden.add((sheet, ref))
                rng = f"{to_a1(r0, c0)}:{to_a1(r1, c1)}"
                reading.findings.append(
                    Finding(
                        Code.CELL_MERGED, sheet=sheet, cell=ref, cell_id=cid, field=key, detail=rng
                    )
                )
                break
    return hidden


def _outside(reading: _Reading, form: Form, located: Located) -> tuple[tuple[CellRead, ...], int]:
    """Numbers (and text with a digit, which may be a number typed as text) on the
    form's table sheets where the form has no cell; labels and formulas excluded."""
    fm = form_map(form)
    taken = {(s, to_a1(r, c)) for s, r, c in located.cells.values()}
    found: list[CellRead] = []
    count = 0
    for sheet in fm.table_sheets:
        keys = fm.label_keys.get(sheet, frozenset())
        for ref, raw in reading.scans[sheet].cells.items():
            if (sheet, ref) in taken or raw.f is not None:
                continue
            index = shared_index(raw.v) if raw.t == "s" and raw.v is not None else None
            if index is not None:  # the usual label
                text = reading.strings[index] if index < len(reading.strings) else ""
                if not any(ch.isdigit() for ch in text) or label_key(text) in keys:
                    continue
            got = interpret(raw, reading.strings, reading.styles)
            value = got.value
            if isinstance(value, bool) or value is None:
                continue
            if isinstance(value, str):
                if not any(ch.isdigit() for ch in value) or label_key(value) in keys:
                    continue
            elif not isinstance(value, float):
                continue
            count += 1
            if len(found) < MAX_OUTSIDE:
                found.append(CellRead(sheet, ref, value, None, got.number_format))
    return tuple(found), count


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
    reading = _Reading(data, shown)
    try:
        return _read(reading, suffix)
    except _Stop:
        return Return(
            source=reading.source,
            findings=tuple(reading.findings),
            form=reading.form,
            properties=reading.properties,
            application=reading.application,
        )
    except MemoryError:
        raise  # the worker's memory limit: reported by the pool as file-limit
    except Exception as exc:  # the boundary holds even for a case nobody foresaw
        if os.environ.get("GONGKAI_READER_STRICT"):  # tests and fuzzing: show the bug
            raise
        detail = f"读取时出现意外情况（{type(exc).__name__}）"
        reading.findings.append(Finding(Code.FILE_CORRUPT, detail=detail))
        return Return(source=reading.source, findings=tuple(reading.findings))


def _read(reading: _Reading, suffix: str) -> Return:
    package, info, sheet_parts = reading.open(suffix)
    form, identified_by = reading.identify(info)
    reading.form = form
    reading.sheets(form, info, sheet_parts)
    reading.duplicates()
    merges = {s: scan.merges for s, scan in reading.scans.items()}
    located = locate(form, info.names, set(reading.scans), reading.text_at, merges)
    reading.findings += located.findings
    base = Return(
        source=reading.source,
        form=form,
        identified_by=identified_by,  # type: ignore[arg-type]
        properties=reading.properties,
        application=reading.application,
    )
    if not located.usable:
        return _finish(base, reading.findings)
    untrusted = _oddity_findings(reading, located, form)
    untrusted |= _merge_findings(reading, form, located)
    cells: dict[str, CellRead] = {}
    for cid, (sheet, r, c) in located.cells.items():
        read, got = reading.cell(sheet, r, c)
        sure = cid not in located.untrusted and (sheet, read.ref) not in untrusted
        if got is not None and got.problem is not None and sure:
            code, shown, what = got.problem
            reading.findings.append(Finding(code, cell_id=cid, actual=shown, detail=what))
            sure = False
        if not sure:
            read = CellRead(sheet, read.ref, None, read.formula, read.number_format, sure=False)
        cells[cid] = read
    reading.recalculate(info, form, located, cells)
    fields: dict[str, CellRead] = {}
    for key, (sheet, r, c) in located.fields.items():
        read, got = reading.cell(sheet, r, c)
        if "field:" + key in located.untrusted or (sheet, read.ref) in untrusted:
            read = CellRead(sheet, read.ref, None, None, read.number_format, sure=False)
        elif got is not None and got.problem is not None:
            code, shown, what = got.problem
            reading.findings.append(Finding(code, field=key, actual=shown, detail=what))
            read = CellRead(sheet, read.ref, None, None, read.number_format, sure=False)
        fields[key] = read
    outside, count = _outside(reading, form, located)
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
