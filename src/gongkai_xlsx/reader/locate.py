"""Find where each value of the form sits in a returned workbook.

Defined names come first: they follow a row inserted in an unprotected copy. When names
are missing or broken (a copy re-typed into a new workbook, another application), the
definition's coordinates are used, but only after the labels are checked to be where the
layout puts them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition.layout import Layout
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


def label_mismatches(raw: RawWorkbook, layout: Layout) -> list[Finding]:
    """Fixed labels that are not where the layout puts them, tolerating width and spacing."""
    found: list[Finding] = []
    for sheet, row, col, text in layout.labels():
        if sheet not in raw.sheets:
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


def locate(raw: RawWorkbook, layout: Layout) -> CellMap:
    result = CellMap()
    expected = {cid: (s, to_a1(r, c)) for cid, (s, r, c) in layout.cell_positions.items()}
    expected_fields = {k: (s, to_a1(r, c)) for k, (s, r, c) in layout.field_positions.items()}

    def by_name(name: str) -> tuple[str, str] | None:
        target = raw.names.get(name)
        return target if target and target[0] in raw.sheets else None

    named = {cid: by_name(cell_name(cid)) for cid in expected}
    named_fields = {k: by_name(field_name(k)) for k in expected_fields}
    missing = [cid for cid, t in named.items() if t is None]
    missing += [k for k, t in named_fields.items() if t is None]
    moved_sheets = sorted(
        {t[0] for cid, t in named.items() if t is not None and t != expected[cid]}
    )
    mismatches = label_mismatches(raw, layout)

    if missing:
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
    if moved_sheets:
        result.findings += [Finding(Code.LAYOUT_SHIFTED, sheet=s) for s in moved_sheets]
        mismatches = [f for f in mismatches if f.sheet not in moved_sheets]
    result.findings += mismatches[:MAX_LABEL_FINDINGS]
    result.cells = {cid: named[cid] or expected[cid] for cid in expected}
    result.fields = {k: named_fields[k] or expected_fields[k] for k in expected_fields}
    return result
