"""Where each cell of the form sits in a returned workbook, and proof that it is there.

Defined names come first: they follow a row inserted in an unprotected copy (Excel, WPS
and LibreOffice move them). A name is trusted only when the cell it points at carries its
own labels: the row label on that row, every header above that column (a shift of the
whole table, or of the data below its header, is allowed). A name that points at a cell
of another row or column of the form is an error there, never read as if it were right.
When names are missing (a copy re-typed into a new workbook), the definition's positions
are used, but only if every label stands exactly where the layout puts it.

Everything that does not depend on the file is computed once per form (:class:`FormMap`);
for the usual return (names where the template put them, labels untouched) locating is a
dictionary comparison and one lookup per label.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition.layout import LABEL_ROLES, Layout, layout_of
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.definition.names import cell_name, field_name
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.sheet_cells import column_index
from gongkai_xlsx.text import label_key

MAX_LABEL_FINDINGS = 10
SEARCH = 5  # rows or columns either side where a moved label is looked for

Pos = tuple[str, int, int]  # sheet, 0-based row, 0-based column
TextAt = Callable[[str, int, int], str | None]  # the text a cell shows, None when empty
TextOf = Callable[[str, str], str | None]  # the same, the cell given as A1


@dataclass(frozen=True)
class Anchor:
    """A label a cell must find beside it: its row label (``axis`` "row": same row, the
    label's column) or one header above it (``axis`` "col": the header's row, the cell's
    column, resolved through merges)."""

    axis: str
    row: int
    col: int
    last_col: int
    text: str
    key: str


@dataclass
class FormMap:
    """Everything about a form's positions that does not depend on the file."""

    layout: Layout
    positions: dict[str, Pos]
    field_positions: dict[str, Pos]
    anchors: dict[str, tuple[Anchor, ...]]
    field_labels: dict[str, Anchor]
    labels: list[tuple[str, int, int, str, str]]  # sheet, row, col, text, role
    label_keys: dict[str, frozenset[str]]  # every fixed label of a sheet, compared form
    table_sheets: tuple[str, ...]
    merges: dict[str, frozenset[tuple[int, int, int, int]]]  # the template's merged boxes
    # (sheet, A1) of every cell where the template puts it, and of ours (below)
    places: frozenset[tuple[str, str]]
    # Cells of ours that are no part of the form: the totals' hidden shadows (sheet, A1).
    ours: frozenset[tuple[str, str]] = frozenset()
    # ``places`` by sheet: the A1 of each (what outside_cells asks of every cell of a sheet)
    sheet_places: dict[str, frozenset[str]] = field(default_factory=dict)
    # ``labels`` as (sheet, A1, text): what the usual return is compared with
    label_refs: tuple[tuple[str, str, str], ...] = ()


@cache
def form_map(form: Form) -> FormMap:
    layout = layout_of(form)
    anchors: dict[str, tuple[Anchor, ...]] = {}
    for sheet in layout.sheets:
        if sheet.table is None:
            continue
        headers = [b for b in sheet.boxes if b.role == "header"]
        row_labels = {(b.block, b.row): b for b in sheet.boxes if b.role == "row_label" and b.text}
        for box in sheet.boxes:
            if box.cell_id is None:
                continue
            found: list[Anchor] = []
            label = row_labels.get((box.block, box.row))
            if label is not None and label.text:
                found.append(
                    Anchor(
                        "row",
                        label.row,
                        label.col,
                        label.last_col,
                        label.text,
                        label_key(label.text),
                    )
                )
            above = [
                (h, h.text)
                for h in headers
                if h.block == box.block and h.col <= box.col <= h.last_col and h.text
            ]
            for h, text in sorted(above, key=lambda a: -a[0].row):  # the cell's own header first
                found.append(Anchor("col", h.row, h.col, h.last_col, text, label_key(text)))
            anchors[box.cell_id] = tuple(found)
    field_labels: dict[str, Anchor] = {}
    cover = layout.sheet(form.cover.sheet)
    for key, (_, r, _c) in layout.field_positions.items():
        box = next(b for b in cover.boxes if b.role == "field_label" and b.row == r)
        field_labels[key] = Anchor(
            "row", box.row, box.col, box.last_col, box.text or "", label_key(box.text or "")
        )
    labels = layout.labels_with_roles()
    keys: dict[str, set[str]] = {}
    for sheet_name, _r, _c, text, _role in labels:
        keys.setdefault(sheet_name, set()).add(label_key(text))
    places = frozenset(
        (s, to_a1(r, c))
        for positions in (layout.cell_positions, layout.shadow_positions)
        for s, r, c in positions.values()
    )
    return FormMap(
        layout=layout,
        positions=dict(layout.cell_positions),
        field_positions=dict(layout.field_positions),
        anchors=anchors,
        field_labels=field_labels,
        labels=labels,
        label_keys={k: frozenset(v) for k, v in keys.items()},
        table_sheets=tuple(s.name for s in layout.sheets if s.table is not None),
        places=places,
        merges={
            s.name: frozenset((b.row, b.col, b.last_row, b.last_col) for b in s.boxes if b.merged)
            for s in layout.sheets
        },
        ours=frozenset((s, to_a1(r, c)) for s, r, c in layout.shadow_positions.values()),
        sheet_places={
            s.name: frozenset(ref for sheet, ref in places if sheet == s.name)
            for s in layout.sheets
        },
        label_refs=tuple((s, to_a1(r, c), text) for s, r, c, text, _ in labels),
    )


_SINGLE_CELL = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!:]+))!\$?([A-Z]{1,3})\$?([1-9][0-9]{0,6})$")


@lru_cache(maxsize=8192)  # every return of one template has the same names
def single_cell_target(text: str) -> tuple[str, int, int] | None:
    """``'依申请公开'!$D$6`` → (sheet, 5, 3); None for ranges, formulas and broken names."""
    match = _SINGLE_CELL.match(text.strip())
    if match is None:
        return None
    quoted, bare, col, row = match.groups()
    sheet = quoted.replace("''", "'") if quoted is not None else bare
    return sheet, int(row) - 1, column_index(col) - 1


@dataclass
class Located:
    """Where every cell and field was found, what locating said, and the cells whose
    position could not be trusted (their values are not read)."""

    cells: dict[str, Pos] = field(default_factory=dict)
    fields: dict[str, Pos] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    untrusted: set[str] = field(default_factory=set)
    usable: bool = True


class _Texts:
    """Compared texts of one return, resolved through merged ranges, remembered."""

    def __init__(self, text_at: TextAt, merges: dict[str, list[tuple[int, int, int, int]]]):
        self.text_at = text_at
        self.merges = merges
        self.cache: dict[Pos, str] = {}
        self.original: dict[str, str] = {}  # compared form → a text as it was written

    def shown(self, key: str, at: Pos) -> str | None:
        """The text a person sees where ``key`` was read (a merge's top-left for a header)."""
        if not key:
            return None
        own = self.text_at(*at)
        return own if own is not None and label_key(own) == key else self.original.get(key, key)

    def key(self, sheet: str, row: int, col: int) -> str:
        pos = (sheet, row, col)
        if pos not in self.cache:
            text = self.text_at(sheet, row, col) or ""
            key = label_key(text)
            self.cache[pos] = key
            self.original.setdefault(key, text)
        return self.cache[pos]

    def header_key(self, sheet: str, row: int, col: int, span_left: int) -> str:
        """The header shown above column ``col`` in ``row``: a merged range's top-left
        text, the cell's own, or (a copy that lost its merges) the nearest text to the
        left within the header's own span."""
        for r0, c0, r1, c1 in self.merges.get(sheet, ()):
            if r0 <= row <= r1 and c0 <= col <= c1:
                return self.key(sheet, r0, c0)
        for c in range(col, max(span_left, 0) - 1, -1):
            found = self.key(sheet, row, c)
            if found:
                return found
        return ""


def _named(
    fm: FormMap, names: dict[str, str], sheets: frozenset[str]
) -> tuple[dict[str, Pos | None], dict[str, Pos | None]]:
    """Where the workbook's names put each cell and field of the form (None: no name, or
    one that does not point at a single cell of a sheet read, or at a cell another name
    points at too). Once per worker for each names table met: parts.workbook_info keeps
    one per workbook.xml, so a batch's returns share it (never changed once read)."""
    known = _NAMED.get(id(names))
    if known is not None and known[0] is names and known[1] == sheets and known[2] is fm:
        return known[3], known[4]

    def target(name: str) -> Pos | None:
        text = names.get(name)
        found = single_cell_target(text) if text else None
        return found if found is not None and found[0] in sheets else None

    named = {cid: target(cell_name(cid)) for cid in fm.positions}
    named_fields = {k: target(field_name(k)) for k in fm.field_positions}
    counts: dict[Pos, int] = {}
    for pos in [*named.values(), *named_fields.values()]:
        if pos is not None:
            counts[pos] = counts.get(pos, 0) + 1
    shared = {pos for pos, n in counts.items() if n > 1}  # broken names: all at one cell
    named = {cid: (None if p in shared else p) for cid, p in named.items()}
    named_fields = {k: (None if p in shared else p) for k, p in named_fields.items()}
    if len(_NAMED) >= 32:
        _NAMED.clear()
    _NAMED[id(names)] = (names, sheets, fm, named, named_fields)  # names held: its id stays
    return named, named_fields


_NAMED: dict[
    int,
    tuple[
        dict[str, str],
        frozenset[str],
        FormMap,
        dict[str, Pos | None],
        dict[str, Pos | None],
    ],
] = {}


def locate(
    form: Form,
    names: dict[str, str],
    sheets: set[str],
    text_at: TextAt,
    merges: dict[str, list[tuple[int, int, int, int]]],
    text_of: TextOf | None = None,
) -> Located:
    """Where each cell and field of ``form`` is (see the module docstring); ``text_of``,
    when given, is ``text_at`` by A1 (the usual return's labels are compared by it)."""
    fm = form_map(form)
    result = Located()
    named, named_fields = _named(fm, names, frozenset(sheets))
    missing = [cid for cid, p in named.items() if p is None]
    missing += [k for k, p in named_fields.items() if p is None]
    texts = _Texts(text_at, merges)

    usual = named == fm.positions and named_fields == fm.field_positions
    if usual and (
        all(text_of(s, ref) == text for s, ref, text in fm.label_refs)
        if text_of is not None
        else all(text_at(s, r, c) == text for s, r, c, text, _ in fm.labels)
    ):
        result.cells, result.fields = dict(fm.positions), dict(fm.field_positions)
        return result  # the usual return: every label where the template put it

    if missing:
        mismatches = [
            (s, r, c, text)
            for s, r, c, text, _role in fm.labels
            if texts.key(s, r, c) != label_key(text)
        ]
        if mismatches:
            result.usable = False
            for s, r, c, text in mismatches[:MAX_LABEL_FINDINGS]:
                result.findings.append(
                    Finding(
                        Code.LAYOUT_MISMATCH,
                        sheet=s,
                        cell=to_a1(r, c),
                        expected=text,
                        actual=text_at(s, r, c),
                    )
                )
            return result
        result.findings.append(Finding(Code.NAMES_MISSING, actual=len(missing)))

    result.cells = {cid: named[cid] or fm.positions[cid] for cid in fm.positions}
    result.fields = {k: named_fields[k] or fm.field_positions[k] for k in fm.field_positions}
    _verify_cells(fm, result, texts, named)
    _verify_fields(fm, result, texts)
    if result.usable:
        _other_labels(fm, result, texts, text_at)
    return result


def _anchor_found(
    texts: _Texts, a: Anchor, place: Pos, shift: tuple[int, int], first: tuple[int, int]
) -> bool:
    """Whether label ``a`` stands beside the cell at ``place``: where the layout puts it,
    moved as the cell moved (``shift``), or as the sheet's first cell moved (``first``)."""
    sheet, r1, c1 = place
    (dr, dc), (fr, fc) = shift, first
    if a.axis == "row":
        cols = dict.fromkeys((a.col, a.col + dc, a.col + fc))
        return any(texts.key(sheet, r1, c) == a.key for c in cols if c >= 0)
    rows = dict.fromkeys((a.row, a.row + dr, a.row + fr))
    return any(texts.header_key(sheet, r, c1, a.col + dc) == a.key for r in rows if r >= 0)


def _verify_cells(
    fm: FormMap, result: Located, texts: _Texts, named: dict[str, Pos | None]
) -> None:
    """Every located cell against its own labels; see the module docstring."""
    first_shift: dict[str, tuple[int, int]] = {}
    for cid, (s, r0, c0) in fm.positions.items():
        s1, r1, c1 = result.cells[cid]
        if s1 == s:
            first_shift.setdefault(s, (r1 - r0, c1 - c0))
    reported: dict[tuple[str, int, int], Finding] = {}
    moved_sheets: set[str] = set()
    for cid, anchors in fm.anchors.items():
        s0, r0, c0 = fm.positions[cid]
        sheet, r1, c1 = result.cells[cid]
        dr, dc = r1 - r0, c1 - c0
        fr, fc = first_shift.get(sheet, (0, 0))
        displaced = (dr, dc) != (0, 0) or sheet != s0
        if displaced:
            moved_sheets.add(sheet)
        place, shift = (sheet, r1, c1), (dr, dc)
        seen = [(a, _anchor_found(texts, a, place, shift, (fr, fc))) for a in anchors]
        confirmed = {a.axis for a, ok in seen if ok}
        missed = []
        for a, ok in seen:
            if ok:
                continue
            if a.axis == "row":
                at = (sheet, r1, a.col + dc if a.col + dc >= 0 else a.col)
                line = [(sheet, r, at[2]) for r in range(max(0, r1 - SEARCH), r1 + SEARCH + 1)]
                shown = texts.key(*at)
            else:
                span_left = c1 - (c0 - a.col)
                at = (sheet, a.row + dr if a.row + dr >= 0 else a.row, c1)
                line = [(sheet, at[1], c) for c in range(max(0, c1 - SEARCH), c1 + SEARCH + 1)]
                shown = texts.header_key(sheet, at[1], c1, span_left)
            another = shown in fm.label_keys.get(sheet, frozenset()) and shown != a.key
            elsewhere = not shown and any(texts.key(*p) == a.key for p in line)
            # A cell away from the layout's place is there only on its name's word: a label
            # of that axis must confirm it, or the name may point at another cell.
            unconfirmed = displaced and a.axis not in confirmed
            missed.append((a, at, another or elsewhere, unconfirmed, texts.shown(shown, at)))
        missed.sort(key=lambda m: not m[2])  # the most telling finding: another label there
        for a, at, wrong, unconfirmed, actual in missed:
            if not (wrong or unconfirmed):  # the label edited: the data is where it was
                if at not in reported:
                    reported[at] = Finding(
                        Code.LABEL_CHANGED,
                        sheet=sheet,
                        cell=to_a1(at[1], at[2]),
                        expected=a.text,
                        actual=actual,
                    )
                continue
            result.untrusted.add(cid)
            if named.get(cid) is not None:  # the name points at another cell of the form
                if place not in reported or not reported[place].is_error:
                    reported[place] = Finding(
                        Code.NAME_MISMATCH,
                        sheet=sheet,
                        cell=to_a1(r1, c1),
                        cell_id=cid,
                        detail=cell_name(cid),
                        expected=a.text,
                        actual=actual,
                    )
                break  # one finding per cell: its most specific label
            if at not in reported or not reported[at].is_error:
                reported[at] = Finding(
                    Code.LAYOUT_MISMATCH,
                    sheet=sheet,
                    cell=to_a1(at[1], at[2]),
                    expected=a.text,
                    actual=actual,
                )
    errors = [f for f in reported.values() if f.is_error]
    warnings = [f for f in reported.values() if not f.is_error]
    if errors:
        result.usable = not all(cid in result.untrusted for cid in fm.positions)
    result.findings += errors[:MAX_LABEL_FINDINGS] + warnings[:MAX_LABEL_FINDINGS]
    if len(errors) > MAX_LABEL_FINDINGS:
        result.usable = False
    for sheet in sorted(moved_sheets):
        if not any(f.sheet == sheet and f.is_error for f in errors):
            result.findings.append(Finding(Code.LAYOUT_SHIFTED, sheet=sheet))


def _verify_fields(fm: FormMap, result: Located, texts: _Texts) -> None:
    """Every cover field against its label, which must stand beside it as the layout has
    it: a name that moved the field alone (to another cell of the label's row) is not
    confirmed by the label staying where it was."""
    moved: set[str] = set()
    for key, (sheet, r1, c1) in result.fields.items():
        a = fm.field_labels[key]
        s0, r0, c0 = fm.field_positions[key]
        col = a.col + c1 - c0
        if col >= 0 and texts.key(sheet, r1, col) == a.key:
            if (sheet, r1, c1) != (s0, r0, c0):
                moved.add(sheet)
            continue
        result.untrusted.add("field:" + key)
        result.findings.append(
            Finding(
                Code.NAME_MISMATCH,
                field=key,
                sheet=sheet,
                cell=to_a1(r1, c1),
                detail=field_name(key),
                expected=a.text,
                actual=texts.text_at(sheet, r1, max(col, 0)) or None,
            )
        )
    shifted = {f.sheet for f in result.findings if f.code is Code.LAYOUT_SHIFTED}
    result.findings += [Finding(Code.LAYOUT_SHIFTED, sheet=s) for s in sorted(moved - shifted)]


_CHECKED_ELSEWHERE = ("row_label", "header", "check_label")


def _other_labels(fm: FormMap, result: Located, texts: _Texts, text_at: TextAt) -> None:
    """Titles, notes, block titles, the corner, cover texts: an edit is a warning. They are
    looked for where the layout puts them and, on a sheet whose cells all moved alike, as
    far moved; the B1 label below table B moves with rows inserted under it, which says
    nothing about the data, so it is not compared."""
    shifts: dict[str, set[tuple[int, int]]] = {}
    for cid, (s, r0, c0) in fm.positions.items():
        s1, r1, c1 = result.cells[cid]
        if s1 == s:
            shifts.setdefault(s, set()).add((r1 - r0, c1 - c0))
    found: list[Finding] = []
    for sheet, r, c, text, role in fm.labels:
        if role in _CHECKED_ELSEWHERE or role not in LABEL_ROLES:
            continue
        key = label_key(text)
        moves = shifts.get(sheet, set())
        dr, dc = next(iter(moves)) if len(moves) == 1 else (0, 0)
        if texts.key(sheet, r, c) == key or texts.key(sheet, r + dr, c + dc) == key:
            continue
        found.append(
            Finding(
                Code.LABEL_CHANGED,
                sheet=sheet,
                cell=to_a1(r + dr, c + dc),
                expected=text,
                actual=text_at(sheet, r + dr, c + dc) or None,
            )
        )
    result.findings += found[:MAX_LABEL_FINDINGS]
