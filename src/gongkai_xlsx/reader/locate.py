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
from gongkai_xlsx.definition.layout import LABEL_ROLES, Box, Layout, SheetLayout
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


def anchor_check(
    raw: RawWorkbook, layout: Layout, cells: dict[str, tuple[str, str]]
) -> tuple[list[Finding], bool]:
    """Every row label and column header, looked for beside the located cells it names.

    A row or column inserted in an unprotected copy moves labels and values, and Excel,
    WPS and LibreOffice move the names with them; a program may not (openpyxl leaves the
    names where they were). A label is accepted where the layout puts it or where the
    cells' shift puts it. If instead another label of the form, or a blank with the label
    found further along, stands there, the values are not where the names say: an error
    that stops the reading. A label merely edited is a warning.
    Returns the findings and whether anything is misaligned.
    """
    findings: list[Finding] = []
    misaligned = False
    for sheet_layout in layout.sheets:
        name = sheet_layout.name
        if sheet_layout.table is None or name not in raw.sheets:
            continue
        keys: dict[tuple[int, int], str] = {}
        for ref, value in raw.values.get(name, {}).items():
            if isinstance(value, str):
                keys[from_a1(ref)] = label_key(value)
        located = {
            cid: from_a1(cells[cid][1])
            for cid, (s, _, _) in layout.cell_positions.items()
            if s == name and cells[cid][0] == name
        }
        placed = {cid: (r, c) for cid, (s, r, c) in layout.cell_positions.items() if s == name}
        for anchor in _anchors(sheet_layout, placed, located):
            box, candidates, line_cells, others = anchor
            key = label_key(box.text or "")
            found = [keys.get(p, "") for p in candidates]
            if key in found:
                continue
            shown = found[-1]
            moved = (shown in others and shown != key) or (
                not shown and any(keys.get(p) == key for p in line_cells)
            )
            misaligned = misaligned or moved
            row, col = candidates[-1]
            value = raw.value(name, to_a1(row, col))
            findings.append(
                Finding(
                    Code.LAYOUT_MISMATCH if moved else Code.LABEL_CHANGED,
                    sheet=name,
                    cell=to_a1(row, col),
                    expected=box.text,
                    actual=None if value is None else str(value),
                )
            )
    return findings, misaligned


Anchor = tuple[Box, list[tuple[int, int]], list[tuple[int, int]], set[str]]
SEARCH = 5  # rows or columns either side where a moved label is looked for


def _anchors(
    sheet: SheetLayout,
    placed: dict[str, tuple[int, int]],
    located: dict[str, tuple[int, int]],
) -> list[Anchor]:
    """(label box, where it may stand, the cells along its line, the other labels on its
    axis) for each leaf row label and each bottom header of the sheet."""
    rows = [b for b in sheet.boxes if b.role == "row_label" and b.text]
    bottoms = {b.last_row for b in sheet.boxes if b.role == "header"}
    headers = [
        b
        for b in sheet.boxes
        if b.role == "header"
        and b.text
        and b.last_row in bottoms
        and any(r == b.last_row + 1 and c == b.col for r, c in placed.values())
    ]
    # any label of the sheet standing where another should be means things moved
    sheet_keys = {label_key(b.text) for b in sheet.boxes if b.text and b.role in LABEL_ROLES}
    anchors: list[Anchor] = []
    for box in rows:
        in_row = sorted((c, cid) for cid, (r, c) in placed.items() if r == box.row)
        if not in_row or in_row[0][1] not in located:
            continue
        c0, cid = in_row[0]
        r1, c1 = located[cid]
        candidates = [(r1, box.col), (r1, box.col + c1 - c0)]
        # a row label that moved is found up or down its own column
        line = [(r, box.col) for r in range(max(0, r1 - SEARCH), r1 + SEARCH + 1)]
        anchors.append((box, [p for p in candidates if p[1] >= 0], line, sheet_keys))
    for box in headers:
        cid = next(cid for cid, (r, c) in placed.items() if r == box.last_row + 1 and c == box.col)
        if cid not in located:
            continue
        r0, c0 = placed[cid]
        r1, c1 = located[cid]
        col = box.col + c1 - c0
        candidates = [(box.row, col), (box.row + r1 - r0, col)]
        # a header that moved is found left or right along its own row
        line = [(box.row, c) for c in range(max(0, col - SEARCH), col + SEARCH + 1)]
        anchors.append((box, [p for p in candidates if p[0] >= 0], line, sheet_keys))
    return anchors


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
    targets = [t for t in named.values() if t is not None]
    shared = {t for t in targets if targets.count(t) > 1}  # broken names: all at one cell
    named = {cid: (None if t in shared else t) for cid, t in named.items()}
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
    rows, misaligned = anchor_check(raw, layout, result.cells)
    if misaligned:
        result.usable = False
        result.findings += [f for f in rows if f.is_error][:MAX_LABEL_FINDINGS]
        return result
    if moved_sheets:
        result.findings += [Finding(Code.LAYOUT_SHIFTED, sheet=s) for s in moved_sheets]
    fixed = [
        f
        for f in label_mismatches(
            # row labels and headers: anchor_check; the B1 label below the table: rows
            # inserted under a table move it, which says nothing about the data
            raw,
            layout,
            tuple(r for r in LABEL_ROLES if r not in ("row_label", "header", "check_label")),
        )
        if f.sheet not in moved_sheets
    ]
    result.findings += (rows + fixed)[:MAX_LABEL_FINDINGS]
    return result
