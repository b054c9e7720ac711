"""What the form's sheets say beyond their cells' values, as findings: structural oddities
(:class:`~.sheet_cells.Oddity`), form cells hidden under a merged range, and numbers
written where the form has no cell.
"""

from __future__ import annotations

from functools import lru_cache

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.cellvalue import interpret, shared_index
from gongkai_xlsx.reader.locate import Located, form_map
from gongkai_xlsx.reader.model import MAX_OUTSIDE, CellRead
from gongkai_xlsx.reader.reading import Reading
from gongkai_xlsx.reader.sheet_cells import Oddity
from gongkai_xlsx.text import label_key

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


MAX_STRUCTURE_FINDINGS = 20


def _places(located: Located) -> list[tuple[tuple[str, int, int], str | None, str | None]]:
    """Every located cell of the form and cover field, in reading order: (position,
    cell id, field key)."""
    cells = [(pos, cid, None) for cid, pos in located.cells.items()]
    fields = [(pos, None, key) for key, pos in located.fields.items()]
    return sorted([*cells, *fields], key=lambda p: p[0])


def _reported(odd: Oddity) -> bool:
    """A cell without r: LibreOffice places it as [MS-OI29500] 2.1.590 says, Gnumeric
    drops it (WITNESS.md C09, C12); a row without r whose cells name themselves is read
    alike by both (C11). Every other oddity is a finding."""
    return not (odd.kind == "implied" and (odd.ref is None or not odd.content))


def _has_digit(text: str) -> bool:
    """Whether ``text`` holds a digit (``str.isdigit``'s: ``²`` too); the template's
    labels, which come again in every return, looked at once per process."""
    return _digit_remembered(text) if len(text) <= 256 else _digit(text)


def _digit(text: str) -> bool:
    return any(ch.isdigit() for ch in text)


_digit_remembered = lru_cache(maxsize=4096)(_digit)


def _key(text: str) -> str:
    """:func:`label_key` of a cell's text, the template's labels once per process."""
    return _key_remembered(text) if len(text) <= 256 else label_key(text)


_key_remembered = lru_cache(maxsize=4096)(label_key)


def oddity_findings(reading: Reading, located: Located, form: Form) -> set[tuple[str, str]]:
    """Structural oddities on the form's sheets as findings (one per cell, or one per row
    for a row out of order, at its first cell of the form or cover field); returns the
    (sheet, A1) whose values cannot be trusted: every cell an oddity touches, every form
    cell and field of its row when it concerns a whole row."""
    if not any(_reported(odd) for scan in reading.scans.values() for odd in scan.oddities):
        return set()  # the usual sheet: nothing to place
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
            if not _reported(odd):
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


def merge_findings(reading: Reading, form: Form, located: Located) -> set[tuple[str, str]]:
    """A form cell or cover field covered by a merged range, and not its top-left, is
    hidden: the application shows the range's top-left content there. The template's own
    merged boxes have a form cell only as their top-left, so only other ranges are looked
    at."""
    template = form_map(form).merges
    extra: dict[str, list[tuple[int, int, int, int]]] = {}
    for sheet, scan in reading.scans.items():
        own = template.get(sheet, frozenset())
        if not own.issuperset(scan.merges):  # the usual sheet: the template's boxes only
            extra[sheet] = [m for m in scan.merges if m not in own]
    hidden: set[tuple[str, str]] = set()
    if not extra:
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


def outside_cells(
    reading: Reading, form: Form, located: Located
) -> tuple[tuple[CellRead, ...], int]:
    """Numbers (and text with a digit, which may be a number typed as text) on the
    form's table sheets where the form has no cell; labels and formulas excluded."""
    fm = form_map(form)
    usual = located.cells == fm.positions  # every cell where the template puts it
    taken: set[tuple[str, str]] = set()
    if not usual:
        taken = {(s, to_a1(r, c)) for s, r, c in located.cells.values()} | fm.ours
    found: list[CellRead] = []
    count = 0
    for sheet in fm.table_sheets:
        keys = fm.label_keys.get(sheet, frozenset())
        here = fm.sheet_places.get(sheet, frozenset()) if usual else frozenset()
        for ref, raw in reading.scans[sheet].cells.items():
            if raw.f is not None or ref in here or (taken and (sheet, ref) in taken):
                continue
            index = shared_index(raw.v) if raw.t == "s" and raw.v is not None else None
            if index is not None:  # the usual label
                text = reading.strings[index] if index < len(reading.strings) else ""
                if not _has_digit(text) or _key(text) in keys:
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
