"""The reader: a returned file → :class:`RawReturn` (what is where, not yet judged).

It identifies the file (sniffing the bytes), the format and template version (document
properties, or the labels when a copy lost them), the report year, and the position of
every cell; everything it cannot settle becomes a finding.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.definition.load import available_formats, load_form
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.locate import CellMap, label_mismatches, locate
from gongkai_xlsx.reader.sniff import sniff
from gongkai_xlsx.reader.workbook import RawWorkbook, UnreadableWorkbook, read_workbook

WINDOW_MARGIN = 40  # rows/columns read beyond the layout, so moved cells are still found


@dataclass
class RawReturn:
    path: Path
    sha256: str
    findings: list[Finding] = field(default_factory=list)
    form: Form | None = None
    workbook: RawWorkbook | None = None
    cell_map: CellMap | None = None
    identified_by_properties: bool = False

    def cell_value(self, cell_id: str) -> tuple[str, str, Any]:
        assert self.cell_map is not None and self.workbook is not None
        sheet, ref = self.cell_map.cells[cell_id]
        return sheet, ref, self.workbook.value(sheet, ref)

    def field_value(self, key: str) -> tuple[str, str, Any]:
        assert self.cell_map is not None and self.workbook is not None
        sheet, ref = self.cell_map.fields[key]
        return sheet, ref, self.workbook.value(sheet, ref)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()


@cache
def _all_forms() -> tuple[Form, ...]:
    """Every known format (cached: the templates folder is read once per process)."""
    return tuple(load_form(f) for f in available_formats())


@cache
def _window() -> tuple[list[str], int, int]:
    """The sheets and the rows × columns any known format needs (computed once)."""
    forms = _all_forms()
    sheets: list[str] = []
    rows = cols = 0
    for form in forms:
        for s in layout_of(form).sheets:
            if s.name not in sheets:
                sheets.append(s.name)
            rows = max(rows, max(b.last_row for b in s.boxes) + 1)
            cols = max(cols, s.width)
    return sheets, rows + WINDOW_MARGIN, cols + WINDOW_MARGIN


def _identify(raw: RawWorkbook, result: RawReturn) -> Form | None:
    """The form the file was made from, by its properties or, failing that, by its sheet
    names (the candidate whose labels match best)."""
    forms = {f.id: f for f in _all_forms()}
    format_id = raw.properties.get(names.PROP_FORMAT)
    if format_id:
        form = forms.get(format_id)
        if form is None:
            supported = "、".join(f.name for f in forms.values())
            result.findings.append(Finding(Code.FORMAT_OTHER, actual=format_id, expected=supported))
            return None
        version = raw.properties.get(names.PROP_VERSION)
        if version and version != form.template_version:
            result.findings.append(
                Finding(Code.VERSION_UNKNOWN, actual=version, expected=form.template_version)
            )
            return None
        result.identified_by_properties = True
        fingerprint = raw.properties.get(names.PROP_LAYOUT)
        if fingerprint and fingerprint != layout_of(form).fingerprint:
            result.findings.append(Finding(Code.LAYOUT_FINGERPRINT, expected=form.template_version))
        return form
    # A copy that lost its properties: recognise the form by its sheets; locating the cells
    # then checks every label, so a copy whose rows moved gets layout-mismatch errors.
    candidates = [
        f for f in forms.values() if all(s.name in raw.sheets for s in layout_of(f).sheets)
    ]
    candidates.sort(key=lambda f: len(label_mismatches(raw, layout_of(f))))
    if candidates:
        result.findings.append(Finding(Code.PROPS_MISSING, actual=candidates[0].name))
        return candidates[0]
    result.findings.append(Finding(Code.FORMAT_UNKNOWN))
    return None


def read_return(path: Path) -> RawReturn:
    """Read ``path`` as far as it can be read; never raises for a bad file."""
    path = Path(path)
    result = RawReturn(path=path, sha256=file_sha256(path))
    sniffed = sniff(path)
    if sniffed.code is not None:
        result.findings.append(
            Finding(
                sniffed.code,
                detail=sniffed.detail,
                actual=sniffed.actual,
                expected=sniffed.expected,
            )
        )
        return result
    sheets, max_row, max_col = _window()
    try:
        raw = read_workbook(path, sheets, max_row, max_col)
    except UnreadableWorkbook as exc:
        result.findings.append(Finding(Code.FILE_CORRUPT, detail=exc.detail))
        return result
    result.workbook = raw
    form = _identify(raw, result)
    if form is None:
        return result
    result.form = form
    layout = layout_of(form)
    expected_sheets = [s.name for s in layout.sheets]
    missing = [s for s in expected_sheets if s not in raw.sheets]
    result.findings += [Finding(Code.SHEET_MISSING, expected=s) for s in missing]
    result.findings += [
        Finding(Code.SHEET_EXTRA, actual=s) for s in raw.sheets if s not in expected_sheets
    ]
    if missing:
        return result
    cell_map = locate(raw, layout)
    result.findings += cell_map.findings
    if cell_map.usable:
        result.cell_map = cell_map
    return result
