"""The state of reading one workbook, and its steps up to the cells: the package and its
small parts (:mod:`.workbook_package`, :mod:`.parts`), which form (properties or sheet
names), the form's sheets scanned (:mod:`.sheetxml`), and each cell's value
(:mod:`.cellvalue`) with its formula recalculated (:mod:`.recalc`).
:func:`~.read.read_return` drives it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import cache, lru_cache

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.definition.load import available_formats, load_form
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.findings import Finding, excerpt
from gongkai_xlsx.ooxml.archive import MAX_PART_BYTES
from gongkai_xlsx.ooxml.xmltext import NotWellFormed, declares_utf8
from gongkai_xlsx.reader import parts
from gongkai_xlsx.reader.cellvalue import interpret, plain_number, shared_index
from gongkai_xlsx.reader.locate import Located, single_cell_target
from gongkai_xlsx.reader.model import CellRead, Recalculated, Source, Value
from gongkai_xlsx.reader.recalc import Evaluator, NotComputable, Orphan, SharedFormulas
from gongkai_xlsx.reader.sheet_cells import SheetScan, SheetTooLarge, first_overlap
from gongkai_xlsx.reader.sheetxml import scan_sheet
from gongkai_xlsx.reader.sniff import sniff
from gongkai_xlsx.reader.summary_members import summary_sheets
from gongkai_xlsx.reader.workbook_package import Package, PackageError

CUSTOM_PROPS = "/custom-properties"
EXTENDED_PROPS = "/extended-properties"
CORE_PROPS = "/metadata/core-properties"


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


class Stop(Exception):
    """Reading ends here; the findings so far are the answer."""


class Reading:
    """The state of reading one file (never leaves the reader)."""

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
        self.saved: str | None = None  # docProps/core.xml's modified time
        self.form: Form | None = None
        self.shared_formulas: dict[str, SharedFormulas] = {}
        self.well_formed: list[str] = []  # sheet parts expat accepted as UTF-8

    def stop(self, code: Code, **values: object) -> Stop:
        self.findings.append(Finding(code, **values))  # type: ignore[arg-type]
        return Stop()

    def stop_package(self, exc: PackageError) -> Stop:
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
        package: Package | None = None
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
                elif rel.type.endswith(CORE_PROPS) and package.has(part):
                    self.saved = parts.saved_time(package.read(part))
        except PackageError as exc:
            self._properties_of_broken(package)
            found = exc.sniffed
            if found is not None and found.code is not None:  # another kind of zip
                raise self.stop(
                    found.code, detail=found.detail, actual=found.actual, expected=found.expected
                ) from None
            raise self.stop_package(exc) from None
        except NotWellFormed as exc:
            self._properties_of_broken(package)
            detail = f"部件 {part} 不是有效的 XML（第 {exc.line} 行）"
            raise self.stop(Code.FILE_CORRUPT, detail=detail) from None
        except ValueError as exc:  # too many shared strings and the like
            self._properties_of_broken(package)
            raise self.stop(Code.FILE_CORRUPT, detail=str(exc)) from None
        self.package = package
        return package, info, sheet_parts

    def _properties_of_broken(self, package: Package | None) -> None:
        """The custom properties of a package whose workbook cannot be read, where they
        still can be: they name the agency the template was made for, so a broken return
        is still known as that agency's (``Outcome.package_agency``)."""
        if package is None or self.properties:
            return
        try:
            for rel in package.rels(""):
                if rel.type.endswith(CUSTOM_PROPS) and package.has(rel.target):
                    self.properties = parts.custom_properties(package.read(rel.target))
        except (PackageError, NotWellFormed, ValueError):
            return

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
            raise Stop()
        for name in expected:
            part = sheet_parts[name]
            try:
                data = self.package.read(part)
                self.scans[name] = scan_sheet(data, name)
                if declares_utf8(data):  # scan_sheet's expat pass accepted it
                    self.well_formed.append(part)
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
            raise Stop()

    # ---------------------------------------------------------------- the cells
    def text_at(self, sheet: str, row: int, col: int) -> str | None:
        """The text a cell shows, for comparing labels (numbers as their digits)."""
        return self.text_of(sheet, to_a1(row, col))

    def text_of(self, sheet: str, ref: str) -> str | None:
        """:meth:`text_at` of the cell at ``ref``."""
        scan = self.scans.get(sheet)
        raw = scan.cells.get(ref) if scan else None
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

    def cell(self, sheet: str, ref: str) -> tuple[CellRead, tuple[Code, str, str] | None]:
        """The cell at ``ref`` as read, and why its value is outside the grammar (None
        when it is not)."""
        raw = self.scans[sheet].cells.get(ref)
        if raw is None:
            return _empty_read(sheet, ref), None
        number = plain_number(raw)
        if number is not None:  # interpret's reading, without its other questions
            return CellRead(sheet, ref, number, None, self.styles.number_format(raw.s)), None
        got = interpret(raw, self.strings, self.styles)
        return CellRead(sheet, ref, got.value, got.formula, got.number_format), got.problem

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
            recalculated: Recalculated | None
            try:
                recalculated = Recalculated(evaluator.result(text, sheet, r, c))
            except NotComputable:  # LibreOffice calculates a shared formula all the same
                recalculated = Recalculated(None, unknown=True) if raw.shared is not None else None
            cells[cid] = dataclasses.replace(read, formula="=" + text, recalculated=recalculated)


@lru_cache(maxsize=4096)  # a form's cells, most of them empty in a return
def _empty_read(sheet: str, ref: str) -> CellRead:
    """An empty cell as read (frozen: one for every return)."""
    return CellRead(sheet, ref)


def _results_sheet(info: parts.WorkbookInfo) -> str | None:
    """The sheet ``annotate`` added, when this is a marked copy (the contract of
    :mod:`gongkai_xlsx.annotate`: a defined name pointing at its A1): ours, not the
    agency's, so not an extra sheet. Its findings and comments are never read."""
    target = single_cell_target(info.names.get(names.MARK_NAME, ""))
    if target is not None and target[0] == names.RESULTS_SHEET and target[1:] == (0, 0):
        return names.RESULTS_SHEET
    return None
