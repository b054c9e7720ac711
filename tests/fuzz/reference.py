"""An independent reading of one cell of an xlsx, with ``xml.etree`` and ``zipfile`` only:
the value its ``<c>`` element holds by the file format's grammar, or ``UNSETTLED`` where
the witnesses (LibreOffice and Gnumeric, tests/oracle/WITNESS.md) show different things or
the grammar does not say.

It shares no code with the reader (``src/gongkai_xlsx/reader``) on purpose: the fuzz test
holds the reader's accepted values to it. It is small and slow, and only exact for what it
claims: a value it gives is the value both applications show there; ``UNSETTLED`` means a
reader must not accept the cell without an error.
"""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from posixpath import normpath

M = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"

# xsd:double (XML Schema Part 2 §3.2.5) without INF/NaN, after whitespace collapse; Excel
# holds no infinity or NaN and the witnesses disagree on them (WITNESS.md A18-A22).
DOUBLE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
INDEX = re.compile(r"[0-9]+")
REF = re.compile(r"([A-Z]{1,3})([0-9]{1,7})")
# [MS-OI29500] 2.1.660: the error texts an error cell's v may hold.
ERRORS = ("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A")
MAX_CHARS = 32_767  # Excel's limit for a cell's text


class _Unsettled:
    def __repr__(self) -> str:
        return "UNSETTLED"


UNSETTLED = _Unsettled()


@dataclass(frozen=True)
class Error:
    """An error value shown in the cell."""

    code: str


@dataclass(frozen=True)
class Reading:
    """What the file holds at one cell: ``value`` (float, str, bool, :class:`Error`,
    None for empty, or ``UNSETTLED``) and whether the cell has a formula."""

    value: object
    formula: bool = False


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _position(r: str | None) -> tuple[int, int] | None:
    """(row, column), 1-based, of a valid A1 reference within Excel's grid."""
    if r is None:
        return None
    m = REF.fullmatch(r)
    if m is None or m.group(2).startswith("0"):
        return None
    row, col = int(m.group(2)), _col(m.group(1))
    return (row, col) if 1 <= row <= 1_048_576 and 1 <= col <= 16_384 else None


def _own_text(el: ET.Element) -> str:
    """An element's character data, not its children's."""
    return (el.text or "") + "".join(child.tail or "" for child in el)


def _rich_text(el: ET.Element) -> str | None:
    """The text a rich string (``<is>``, ``<si>``) shows: its ``<t>`` and its runs'
    ``<t>``, not the phonetic runs; None where the witnesses disagree: an element inside a
    ``<t>`` (LibreOffice shows the text after it, Gnumeric all of it: WITNESS.md H09,
    H14), a run with two ``<t>`` (H10, H15). Two ``<t>`` are joined (H08, H13); a run in
    a run is not shown (H11)."""
    parts = []
    for child in el:
        if child.tag == M + "t":
            if len(child):
                return None
            parts.append(_own_text(child))
        elif child.tag == M + "r":
            texts = [t for t in child if t.tag == M + "t"]
            if len(texts) > 1 or any(len(t) for t in texts):
                return None
            parts += [_own_text(t) for t in texts]
    return "".join(parts)


def _has_content(c: ET.Element) -> bool:
    return any(child.tag in (M + "v", M + "f", M + "is") for child in c)


class Doubled(Exception):
    """A part the reading needs is stored twice."""


class Package:
    """The parts the reference needs, found as the relationships name them (part names
    compared case-insensitively, as OPC says)."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.parts: dict[str, zipfile.ZipInfo] = {}
        self.doubled: set[str] = set()  # stored twice: which copy is read is not defined
        for info in self.zip.infolist():
            key = info.filename.lower()
            if key in self.parts:
                self.doubled.add(key)
            self.parts[key] = info

    def xml(self, name: str) -> ET.Element:
        """One part, parsed (read only when asked for: a damaged part nobody reads is no
        concern of the reading)."""
        if name.lower() in self.doubled:
            raise Doubled(name)
        return ET.fromstring(self.zip.read(self.parts[name.lower()]))

    def workbook(self) -> str:
        for rel in self.xml("_rels/.rels").iter(PKG_REL + "Relationship"):
            if rel.get("Type", "").endswith("/officeDocument"):
                return _resolve("", rel.get("Target", ""))
        raise KeyError("officeDocument")

    def related(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type, target part) of ``part``."""
        folder, _, leaf = part.rpartition("/")
        rels = f"{folder}/_rels/{leaf}.rels" if folder else f"_rels/{leaf}.rels"
        if rels.lower() not in self.parts:
            return {}
        return {
            rel.get("Id", ""): (rel.get("Type", ""), _resolve(folder, rel.get("Target", "")))
            for rel in self.xml(rels).iter(PKG_REL + "Relationship")
        }


def _resolve(folder: str, target: str) -> str:
    if target.startswith("/"):
        return target[1:]
    return normpath(f"{folder}/{target}" if folder else target)


@dataclass
class SheetCells:
    """Every ``<c>`` of one sheet by the position the grammar gives it, and the rows
    where a cell holding something has no position both witnesses agree on."""

    at: dict[tuple[int, int], list[ET.Element]]
    unplaced_rows: set[int]
    implied: set[tuple[int, int]]  # positions of content cells placed only by order


def sheet_cells(root: ET.Element) -> SheetCells:
    """Cells by position: an ``r`` that is a valid reference wins (WITNESS.md C08, C13);
    a cell without one follows the previous cell of its row ([MS-OI29500] 2.1.590), which
    LibreOffice does and Gnumeric does not (C09, C12): such a position is 'implied'."""
    at: dict[tuple[int, int], list[ET.Element]] = {}
    unplaced: set[int] = set()
    implied: set[tuple[int, int]] = set()
    last_row = 0
    data = root.find(M + "sheetData")
    for row in data if data is not None else ():
        if row.tag != M + "row":
            continue
        r = row.get("r")
        valid = r is not None and r.isascii() and r.isdigit() and r[0] != "0" and len(r) < 8
        number = int(r) if valid and r is not None else last_row + 1
        last_row = max(last_row, number)
        col: int | None = 0
        for c in row:
            if c.tag != M + "c":
                continue
            pos = _position(c.get("r"))
            if pos is None:
                if col is None:
                    if _has_content(c):
                        unplaced.add(number)
                    continue
                col += 1
                pos = (number, col)
                if _has_content(c):
                    implied.add(pos)
                if c.get("r"):  # an r that is no reference: where is it? ("" is no r)
                    col = None
                    if _has_content(c):
                        unplaced.add(number)
            else:
                col = pos[1]
            at.setdefault(pos, []).append(c)
    return SheetCells(at, unplaced, implied)


def read_cell(c: ET.Element, strings: list[str | None] | None) -> Reading:
    """One ``<c>`` element's value by its type (ST_CellType, §18.18.11)."""
    t = c.get("t", "n")
    # Written twice, both witnesses take the last <v>, <f> and <is> (WITNESS.md H01-H07);
    # an element inside <v> or <f> is read differently (H03, H04, H06).
    v = ([None, *c.findall(M + "v")])[-1]
    f = ([None, *c.findall(M + "f")])[-1]
    inline = ([None, *c.findall(M + "is")])[-1]
    formula = f is not None
    if (v is not None and len(v)) or (f is not None and len(f)):
        return Reading(UNSETTLED, formula)
    text = _own_text(v) if v is not None else None
    if text is not None and len(text) > MAX_CHARS:
        return Reading(UNSETTLED, formula)
    if inline is not None:
        if t != "inlineStr" or v is not None:  # WITNESS.md B20, B23, B24
            return Reading(UNSETTLED, formula)
        shown = _rich_text(inline)
        if shown is None or len(shown) > MAX_CHARS:
            return Reading(UNSETTLED, formula)
        return Reading(shown, formula)
    if not text:  # no v, <v/>, <v></v>: nothing shown (A29-A31)
        return Reading(None, formula)
    if t == "n":
        collapsed = text.strip(" \t\r\n")
        if DOUBLE.fullmatch(collapsed) is None:  # both read a prefix: 1_000 → 1 (A13-A17)
            return Reading(UNSETTLED, formula)
        number = float(collapsed)
        return Reading(number if math.isfinite(number) else UNSETTLED, formula)
    if t == "s":
        index = text.strip(" \t\r\n")
        if strings is None or INDEX.fullmatch(index) is None:  # 1.0: they differ (B04)
            return Reading(UNSETTLED, formula)
        if int(index) >= len(strings):  # past the table: both show nothing (B02)
            return Reading(None, formula)
        shown = strings[int(index)]
        return Reading(UNSETTLED if shown is None else shown, formula)
    if t == "str":
        return Reading(text, formula)
    if t == "b" and text in ("0", "1"):
        return Reading(text == "1", formula)
    if t == "e" and text in ERRORS:
        return Reading(Error(text), formula)
    # b other than 0/1 (B10, B11), e with another text (B14), inlineStr without is (B19),
    # d (B21, B22), an unknown type (B01): the witnesses disagree
    return Reading(UNSETTLED, formula)


@dataclass
class Workbook:
    """An xlsx read for the reference: its sheets' cells and the shared strings."""

    package: Package
    sheet_parts: dict[str, str]
    strings: list[str | None] | None
    _cells: dict[str, SheetCells]
    unsettled: bool = False

    @classmethod
    def open(cls, data: bytes) -> Workbook:
        try:
            return cls._open(data)
        except Doubled:
            return cls(Package(data), {}, None, {}, unsettled=True)

    @classmethod
    def _open(cls, data: bytes) -> Workbook:
        pkg = Package(data)
        workbook = pkg.workbook()
        related = pkg.related(workbook)
        parts: dict[str, str] = {}
        for sheet in pkg.xml(workbook).iter(M + "sheet"):
            rid = sheet.get(DOC_REL + "id", "")
            if rid in related:
                parts.setdefault(sheet.get("name", ""), related[rid][1])
        strings = None
        for kind, target in related.values():
            if kind.endswith("/sharedStrings") and target.lower() in pkg.parts:
                root = pkg.xml(target)
                strings = [_rich_text(si) for si in root if si.tag == M + "si"]
        return cls(pkg, parts, strings, {})

    def cells(self, sheet: str) -> SheetCells:
        if sheet not in self._cells:
            self._cells[sheet] = sheet_cells(self.package.xml(self.sheet_parts[sheet]))
        return self._cells[sheet]

    def reading(self, sheet: str, ref: str) -> Reading:
        """What the file shows at ``sheet``!``ref``."""
        if self.unsettled:
            return Reading(UNSETTLED)
        try:
            cells = self.cells(sheet)
        except Doubled:
            return Reading(UNSETTLED)
        pos = _position(ref)
        assert pos is not None, ref
        if pos[0] in cells.unplaced_rows or pos in cells.implied:
            return Reading(UNSETTLED)
        found = cells.at.get(pos, [])
        holding = [c for c in found if _has_content(c)]
        if len(holding) > 1:  # the same cell written twice: the later wins (C04)
            return Reading(UNSETTLED, any(c.find(M + "f") is not None for c in holding))
        if not holding:
            return Reading(None)
        return read_cell(holding[0], self.strings)
