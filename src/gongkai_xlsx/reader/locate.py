"""Find where each value of the form sits in a returned workbook.

Defined names come first: they follow a row inserted in an unprotected copy. When names
are missing or broken (a copy re-typed into a new workbook, another application), the
definition's coordinates are used, but only after the labels are checked to be where the
layout puts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import from_a1, to_a1
from gongkai_xlsx.definition.layout import LABEL_ROLES, Layout
from gongkai_xlsx.definition.names import cell_name, field_name
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.workbook import RawWorkbook
from gongkai_xlsx.text import label_key

MAX_LABEL_FINDINGS = 10


@dataclass
class CellMap:
    """(sheet, A1) of every cell identifier and cover field, plus what locating found."""

    cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    usable: bool = True


def label_mismatches(
    raw: RawWorkbook, layout: Layout, roles: tuple[str, ...] = LABEL_ROLES
) -> list[Finding]:
    """Fixed labels that are not where the layout puts them, tolerating width and spacing."""
    found: list[Finding] = []
    for sheet, row, col, text, role in layout.labels_with_roles():
        if sheet not in raw.sheets or role not in roles:
            continue
        ref = to_a1(row, col)
        value = raw.value(sheet, ref)
        actual = "" if value is None else str(value)
        if label_key(actual) != label_key(text):
            found.append(
                Finding(
                    Code.LABEL_CHANGED, sheet=sheet, cell=ref, expected=text, actual=actual or None
                )
            )
    return found


def row_label_check(
    raw: RawWorkbook, layout: Layout, cells: dict[str, tuple[str, str]]
) -> tuple[list[Finding], bool]:
    """Each row's label, looked for beside that row's located cells.

    A row inserted in an unprotected copy moves labels and values but not always the names
    (openpyxl, for one, leaves them): then a label shows up in another row than its cells,
    and the values cannot be trusted (an error). A label merely edited is a warning.
    Returns the findings and whether rows are misaligned.
    """
    findings: list[Finding] = []
    misaligned = False
    for sheet_layout in layout.sheets:
        name = sheet_layout.name
        if sheet_layout.table is None or name not in raw.sheets:
            continue
        first_in_row: dict[int, tuple[str, int]] = {}
        for cid, (s, r, c) in layout.cell_positions.items():
            if s == name and (r not in first_in_row or c < first_in_row[r][1]):
                first_in_row[r] = (cid, c)
        text_rows: dict[tuple[int, str], list[int]] = {}
        for ref, value in raw.values.get(name, {}).items():
            if isinstance(value, str):
                r, c = from_a1(ref)
                text_rows.setdefault((c, label_key(value)), []).append(r)
        for box in sheet_layout.boxes:
            if box.role != "row_label" or not box.text or box.row not in first_in_row:
                continue
            cid, layout_col = first_in_row[box.row]
            sheet, ref = cells[cid]
            if sheet != name:
                continue
            row, col = from_a1(ref)
            label_col = box.col + (col - layout_col)
            if label_col < 0:
                continue
            place = to_a1(row, label_col)
            value = raw.value(sheet, place)
            actual = "" if value is None else str(value)
            key = label_key(box.text)
            if label_key(actual) == key:
                continue
            moved = any(r != row for r in text_rows.get((label_col, key), []))
            misaligned = misaligned or moved
            code = Code.LAYOUT_MISMATCH if moved else Code.LABEL_CHANGED
            findings.append(
                Finding(code, sheet=sheet, cell=place, expected=box.text, actual=actual or None)
            )
    return findings, misaligned


def locate(raw: RawWorkbook, layout: Layout) -> CellMap:
    result = CellMap()
    expected = {cid: (s, to_a1(r, c)) for cid, (s, r, c) in layout.cell_positions.items()}
    expected_fields = {k: (s, to_a1(r, c)) for k, (s, r, c) in layout.field_positions.items()}

    def by_name(name: str) -> tuple[str, str] | None:
        target = raw.names.get(name)
        if not target or target[0] not in raw.sheets:
            return None
        row, col = from_a1(target[1])
        rows, cols = raw.extent.get(target[0], (0, 0))
        return target if row < rows and col < cols else None  # beyond what was read

    named = {cid: by_name(cell_name(cid)) for cid in expected}
    named_fields = {k: by_name(field_name(k)) for k in expected_fields}
    missing = [cid for cid, t in named.items() if t is None]
    missing += [k for k, t in named_fields.items() if t is None]
    moved_sheets = sorted(
        {t[0] for cid, t in named.items() if t is not None and t != expected[cid]}
    )

    if missing:
        mismatches = label_mismatches(raw, layout)
        if mismatches:
            result.usable = False
            result.findings += [
                Finding(
                    Code.LAYOUT_MISMATCH,
                    sheet=f.sheet,
                    cell=f.cell,
                    expected=f.expected,
                    actual=f.actual,
                )
                for f in mismatches[:MAX_LABEL_FINDINGS]
            ]
            return result
        result.findings.append(Finding(Code.NAMES_MISSING, actual=len(missing)))
    result.cells = {cid: named[cid] or expected[cid] for cid in expected}
    result.fields = {k: named_fields[k] or expected_fields[k] for k in expected_fields}
    rows, misaligned = row_label_check(raw, layout, result.cells)
    if misaligned:
        result.usable = False
        result.findings += [f for f in rows if f.is_error][:MAX_LABEL_FINDINGS]
        return result
    if moved_sheets:
        result.findings += [Finding(Code.LAYOUT_SHIFTED, sheet=s) for s in moved_sheets]
    fixed = [
        f
        for f in label_mismatches(raw, layout, tuple(r for r in LABEL_ROLES if r != "row_label"))
        if f.sheet not in moved_sheets
    ]
    result.findings += (rows + fixed)[:MAX_LABEL_FINDINGS]
    return result
