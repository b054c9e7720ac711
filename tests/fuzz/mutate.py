"""Mutation operators over an xlsx: bytes → bytes, each deterministic given a
``random.Random``.

Most operators are structure-aware: they edit, as text, the XML of the parts the reader
reads (a form sheet's cells and rows, the workbook's sheets and defined names, the number
formats, the shared strings, the custom properties), aiming at the cells of the form
(its inputs, totals, cover fields and labels, from ``layout_of``) so that a mutant says
something about a value the reader accepts. Editing text, not re-serialising a tree, keeps
everything else byte for byte, so a mutant still takes the reader's fast path unless the
operator means to leave it. A few operators work on the package (parts removed,
duplicated, renamed by case) and on the bytes (truncated, compressed data flipped).

``OPERATORS`` names them all; ``apply(name, data, rng)`` runs one (bytes in, the mutant's
bytes and what was done out); ``mutate(data, steps)`` applies ``(name, seed)`` steps, the
byte-level ones last (after them the file is no longer a zip that the XML operators could
edit), and returns the mutant with a description of each step. An operator that finds
nothing to change returns its input unchanged.
"""

from __future__ import annotations

import copy
import io
import re
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from posixpath import normpath
from random import Random

from gongkai_xlsx.cellref import from_a1, to_a1
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.layout import layout_of

FORM = load_form("gk2021")
LAYOUT = layout_of(FORM)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# ------------------------------------------------------------------------ the package


@dataclass
class Xlsx:
    """The zip entries of an xlsx, in order (duplicates kept), editable in place."""

    entries: list[tuple[zipfile.ZipInfo, bytes]]
    comment: bytes = b""  # the zip's own comment, after its end record

    @classmethod
    def parse(cls, data: bytes) -> Xlsx | None:
        """None when ``data`` is not a zip whose every entry can be read."""
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                return cls([(info, z.read(info)) for info in z.infolist()], z.comment)
        except Exception:  # BadZipFile, zlib.error, EOFError, NotImplementedError, ...
            return None

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Duplicate name" for a duplicated part
            with zipfile.ZipFile(out, "w") as z:
                for info, data in self.entries:
                    z.writestr(info, data)
                z.comment = self.comment
        return out.getvalue()

    def names(self) -> list[str]:
        return [info.filename for info, _ in self.entries]

    def index(self, name: str) -> int | None:
        """The entry of part ``name`` (exactly, else case-insensitively: OPC)."""
        names = self.names()
        if name in names:
            return names.index(name)
        low = [n.lower() for n in names]
        return low.index(name.lower()) if name.lower() in low else None

    def text(self, name: str) -> str | None:
        i = self.index(name)
        if i is None:
            return None
        try:
            return self.entries[i][1].decode("utf-8")
        except UnicodeDecodeError:
            return None

    def put(self, name: str, text: str | bytes) -> None:
        i = self.index(name)
        assert i is not None, name
        data = text.encode("utf-8") if isinstance(text, str) else text
        self.entries[i] = (self.entries[i][0], data)

    def sheet_parts(self) -> dict[str, str]:
        """Sheet name → part name, read from workbook.xml and its relationships."""
        workbook = self.text("xl/workbook.xml") or ""
        rels = self.text("xl/_rels/workbook.xml.rels") or ""
        targets = {}
        for attrs in re.findall(r"<Relationship\b([^>]*)>", rels):
            a = attributes(attrs)
            target = a.get("Target", "")
            part = target[1:] if target.startswith("/") else normpath("xl/" + target)
            targets[a.get("Id", "")] = part
        found: dict[str, str] = {}
        for attrs in re.findall(r"<sheet\b([^>]*)>", workbook):
            a = attributes(attrs)
            rid = next((v for k, v in a.items() if k.endswith(":id")), "")
            if rid in targets:
                found.setdefault(a.get("name", ""), targets[rid])
        return found


_ATTR = re.compile(r"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def attributes(raw: str) -> dict[str, str]:
    return {
        m.group(1): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _ATTR.finditer(raw)
    }


def set_attr(attrs: str, name: str, value: str | None) -> str:
    """A start tag's attribute text with ``name`` set to ``value`` (removed for None)."""
    pattern = re.compile(rf"""\s*(?<![\w:.-]){re.escape(name)}\s*=\s*(?:"[^"]*"|'[^']*')""")
    if value is None:
        return pattern.sub("", attrs, count=1)
    quoted = f'{name}="{value}"'
    if pattern.search(attrs):
        return pattern.sub(" " + quoted, attrs, count=1)
    body = attrs.rstrip()
    closing = "/" if body.endswith("/") else ""
    body = body[:-1].rstrip() if closing else body
    return f"{body} {quoted}{' /' if closing else ''}"


# ----------------------------------------------------------------- odd texts of numbers

PLAIN_NUMBERS = (
    "0", "5", "7", "12", "100", "999999999", "1000000000", "123456789", "-3", "-0", "12.5",
    "0.5", "250.83", "1.2345678901234567", "00012", ".5", "5.", "1e1", "1E+2", "1.5E1",
    "1E+28", "1E+30", "1e308", "1.7976931348623157e308", "1e309", "1e-400", "5e-324",
    "12345678901234567890123456789012345678901234567890", "9007199254740993",
    "4.999999999999999", "1e15", "999999999.0000001", "7.0000000000000009",
)  # fmt: skip
SPECIAL_TEXTS = (
    "", " ", "INF", "-INF", "NaN", "inf", "nan", "Infinity", "+INF", "0x1A", "1_000", "1_2",
    "12abc", "1,000", "12,5", "1.2.3", "e1", "1e", "--5", "+-5", "true", "#N/A", "١٢",
    "１２", "१२", "¹²", "一二", "12\u00a0", "\u300012", "½", "Ⅻ", "12%", "$12", "(12)",
    "/", "无", "—",
)  # fmt: skip
_DIGIT_SETS = ("０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "०१२३४५६७८९", "۰۱۲۳۴۵۶۷۸۹")
_SPACES = (" ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "  ")


def odd_number(rng: Random) -> str:
    """A text that may stand in a number cell's ``<v>``: ordinary numbers, their odd
    spellings (signs, spaces, underscores, other digits, exponents, junk), special values,
    huge and tiny numbers, empty and very long texts."""
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(SPECIAL_TEXTS)
    if roll < 0.28:  # long: past parse limits, or past Excel's 32,767 characters
        return rng.choice("123456789") * rng.choice((401, 1000, 32_768, 40_000))
    text = rng.choice(PLAIN_NUMBERS)
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        kind = rng.randrange(8)
        if kind == 0:
            text = rng.choice("+-") + text
        elif kind == 1:
            text = (
                rng.choice(_SPACES) * rng.randint(0, 1)
                + text
                + rng.choice(_SPACES) * rng.randint(0, 1)
            )
        elif kind == 2 and len(text) > 1:
            at = rng.randrange(1, len(text))
            text = text[:at] + rng.choice("_, ") + text[at:]
        elif kind == 3:
            digits = rng.choice(_DIGIT_SETS)
            table = str.maketrans("0123456789", digits)
            text = (
                text.translate(table) if rng.random() < 0.7 else text[0].translate(table) + text[1:]
            )
        elif kind == 4:
            text += rng.choice(("abc", "%", "e", ",", ".", "件", "d", "L"))
        elif kind == 5:
            text += rng.choice(("e0", "E-2", "e+400", "e-400", "E2"))
        else:
            text = text.replace(".", rng.choice((",", "。", "．")))
    return text


_ILLEGAL = ("\x01", "\x0b", "\ufffe")


def xml_text(text: str, rng: Random) -> str:
    """``text`` as XML character data: escaped, sometimes through character references or
    CDATA, rarely with a raw ``&`` or a character XML forbids (a part that is not
    well-formed)."""
    roll = rng.random()
    if roll < 0.02:
        return text + rng.choice(_ILLEGAL)
    if roll < 0.03:
        return "&" + text
    if roll < 0.08 and "]]>" not in text:
        return f"<![CDATA[{text}]]>"
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if roll < 0.2 and text:
        out = []
        for ch in text:
            if rng.random() < 0.5 and ch not in "&<>":
                zeros = "0" * rng.choice((0, 0, 1, 5000))  # leading zeros: any number
                out.append(
                    f"&#{zeros}{ord(ch)};" if rng.random() < 0.5 else f"&#x{zeros}{ord(ch):X};"
                )
            else:
                out.append({"&": "&amp;", "<": "&lt;", ">": "&gt;"}.get(ch, ch))
        return "".join(out)
    return escaped


# ----------------------------------------------------------------- the form's sheet XML

_CELL = re.compile(r"<c(?=[\s/>])(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c\s*>)", re.S)
_ROW = re.compile(r"<row(?=[\s/>])(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</row\s*>)", re.S)
_V = re.compile(r"<v(?:\s[^>]*)?(?:/>|>.*?</v\s*>)", re.S)
_F = re.compile(r"<f(?:\s[^>]*)?(?:/>|>.*?</f\s*>)", re.S)
_IS = re.compile(r"<is(?:\s[^>]*)?(?:/>|>.*?</is\s*>)", re.S)


@cache
def _targets() -> dict[str, tuple[tuple[str, str], ...]]:
    """The form's cells by role, as (sheet, A1)."""
    inputs, totals = [], []
    for cell in FORM.cells:
        sheet, r, c = LAYOUT.cell_positions[cell.id]
        (totals if cell.computed else inputs).append((sheet, to_a1(r, c)))
    fields = [(s, to_a1(r, c)) for s, r, c in LAYOUT.field_positions.values()]
    labels = [(s, to_a1(r, c)) for s, r, c, _t, _role in LAYOUT.labels_with_roles()]
    return {
        "input": tuple(inputs),
        "total": tuple(totals),
        "field": tuple(fields),
        "label": tuple(labels),
    }


def pick_cell(rng: Random) -> tuple[str, str]:
    """A cell of the form: mostly an input, sometimes a total, a cover field or a label."""
    roll = rng.random()
    role = "input" if roll < 0.7 else "total" if roll < 0.8 else "field" if roll < 0.87 else "label"
    return rng.choice(_targets()[role])


def input_cells() -> tuple[tuple[str, str], ...]:
    return _targets()["input"]


def _sheet(x: Xlsx, sheet: str) -> tuple[str, str] | None:
    """(part name, XML) of a form sheet."""
    part = x.sheet_parts().get(sheet)
    text = x.text(part) if part else None
    return (part, text) if part and text is not None else None


def _cell_match(xml: str, ref: str) -> re.Match[str] | None:
    for m in _CELL.finditer(xml):
        if attributes(m.group("attrs")).get("r") == ref:
            return m
    return None


def _row_match(xml: str, row: int) -> re.Match[str] | None:
    for m in _ROW.finditer(xml):
        if attributes(m.group("attrs")).get("r") == str(row):
            return m
    return None


def _splice(text: str, m: re.Match[str], new: str) -> str:
    return text[: m.start()] + new + text[m.end() :]


def _element(attrs: str, body: str | None) -> str:
    attrs = attrs.rstrip()
    attrs = attrs[:-1].rstrip() if attrs.endswith("/") else attrs
    return f"<c{attrs}/>" if body is None else f"<c{attrs}>{body}</c>"


def _insert_cell(xml: str, ref: str, element: str) -> str:
    """``element`` placed in row order where a writer would put ``ref``'s cell."""
    row0, col0 = from_a1(ref)
    row = _row_match(xml, row0 + 1)
    if row is not None:
        body = row.group("body") or ""
        at = 0
        for c in _CELL.finditer(body):
            r = attributes(c.group("attrs")).get("r", "")
            try:
                if from_a1(r)[1] < col0:
                    at = c.end()
            except Exception:
                continue
        head = xml[: row.start()] + f"<row{row.group('attrs').rstrip().removesuffix('/')}>"
        return head + body[:at] + element + body[at:] + "</row>" + xml[row.end() :]
    new_row = f'<row r="{row0 + 1}">{element}</row>'
    for m in _ROW.finditer(xml):
        r = attributes(m.group("attrs")).get("r", "")
        if r.isdigit() and int(r) > row0 + 1:
            return xml[: m.start()] + new_row + xml[m.start() :]
    if "</sheetData>" in xml:
        return xml.replace("</sheetData>", new_row + "</sheetData>", 1)
    return re.sub(r"<sheetData\s*/>", f"<sheetData>{new_row}</sheetData>", xml, count=1)


Edit = Callable[[str, re.Match[str] | None, str, Random], str | None]
"""(sheet XML, the cell's match or None, its A1, rng) → new XML or None (no change)."""


def _on_cell(x: Xlsx, rng: Random, edit: Edit, what: str) -> str:
    sheet, ref = pick_cell(rng)
    found = _sheet(x, sheet)
    if found is None:
        return ""
    part, xml = found
    new = edit(xml, _cell_match(xml, ref), ref, rng)
    if new is None or new == xml:
        return ""
    x.put(part, new)
    return f"{what} at {sheet}!{ref}"


# ------------------------------------------------------------------- cell operators

CELL_TYPES = ("s", "n", "str", "b", "e", "inlineStr", "d", "zz", "N", " n", "inlinestr", None)


def op_cell_type(x: Xlsx, rng: Random) -> str:
    """A cell's ``t`` changed to another type, an unknown one, or removed."""
    t = rng.choice(CELL_TYPES)

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        if m is None:
            return None
        return _splice(xml, m, _element(set_attr(m.group("attrs"), "t", t), m.group("body")))

    return _on_cell(x, rng, edit, f"t={t!r}")


def op_cell_value(x: Xlsx, rng: Random) -> str:
    """A cell's ``<v>`` text replaced (or added) by an odd number text; sometimes the cell
    made a plain number cell, sometimes its inline string dropped."""
    text = odd_number(rng)
    value = f"<v>{xml_text(text, rng)}</v>" if rng.random() < 0.95 else "<v/>"
    as_number = rng.random() < 0.5
    drop_is = rng.random() < 0.6

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        if m is None:
            return _insert_cell(xml, ref, f'<c r="{ref}">{value}</c>')
        attrs, body = m.group("attrs"), m.group("body") or ""
        if as_number:
            attrs = set_attr(attrs, "t", rng.choice((None, "n")))
        if drop_is:
            body = _IS.sub("", body)
        body = _V.sub(lambda _m: value, body, count=1) if _V.search(body) else None
        if body is None:  # no <v> yet: after <f>, before <is>
            old = m.group("body") or ""
            if drop_is:
                old = _IS.sub("", old)
            f = _F.search(old)
            at = f.end() if f else 0
            body = old[:at] + value + old[at:]
        return _splice(xml, m, _element(attrs, body))

    return _on_cell(x, rng, edit, f"<v>{text[:40]!r}")


FORMULAS = ("SUM(1,2)", "1+1", '"12"', "D7+1", "#REF!", "", "SUM(D6:I6)")


def op_cell_formula(x: Xlsx, rng: Random) -> str:
    """``<f>`` removed from a cell, or added (a formula, a shared-formula child)."""
    formula = rng.choice(FORMULAS)

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        if m is None:
            return None
        body = m.group("body") or ""
        if _F.search(body):
            return _splice(xml, m, _element(m.group("attrs"), _F.sub("", body, count=1)))
        f = f"<f>{xml_text(formula, rng)}</f>" if formula else '<f t="shared" si="0"/>'
        return _splice(xml, m, _element(m.group("attrs"), f + body))

    return _on_cell(x, rng, edit, f"<f> {formula!r} added or removed")


_SHARED_F = re.compile(r"<f\b(?=[^>]*\bt=\"shared\")[^>]*?(?:/>|>(?P<text>[^<]*)</f\s*>)")
SHARED_RESULTS = ("0", "1", "2", "3", "5", "6", "7", "8", "12", "-1", "2.5")


def _set_cell(xml: str, ref: str, body: str) -> str:
    """``ref``'s cell with ``body`` as its content (its style kept, its type dropped), or
    a new cell holding it."""
    m = _cell_match(xml, ref)
    if m is None:
        return _insert_cell(xml, ref, f'<c r="{ref}">{body}</c>')
    return _splice(xml, m, _element(set_attr(m.group("attrs"), "t", None), body))


def op_shared_formula(x: Xlsx, rng: Random) -> str:
    """Shared formulas (issue 12, class 2): an input and the cell to its right made a
    master and child (the master's formula refers to the row below, relatively or with
    ``$``; stored results right or wrong); a master's formula text dropped, orphaning its
    children; a child's stored result changed; or a child of a group no master has."""
    sheet, ref = rng.choice(input_cells())
    found = _sheet(x, sheet)
    if found is None:
        return ""
    part, xml = found
    row, col = from_a1(ref)
    si = str(rng.randrange(4))
    roll = rng.random()
    masters = [m for m in _CELL.finditer(xml) if (f := _SHARED_F.search(m.group(0))) and f["text"]]
    children = [
        m for m in _CELL.finditer(xml) if (f := _SHARED_F.search(m.group(0))) and not f["text"]
    ]
    if 0.5 <= roll < 0.65 and masters:
        m = rng.choice(masters)
        f = _SHARED_F.search(m.group(0))
        assert f is not None
        cell = m.group(0)[: f.start()] + '<f t="shared" si="0"/>' + m.group(0)[f.end() :]
        x.put(part, _splice(xml, m, cell))
        return f"shared formula master dropped at {sheet}!{attributes(m.group('attrs')).get('r')}"
    if 0.65 <= roll < 0.85 and children:
        m = rng.choice(children)
        value = f"<v>{rng.choice(SHARED_RESULTS)}</v>"
        body = m.group("body") or ""
        body = _V.sub(lambda _m: value, body, count=1) if _V.search(body) else body + value
        x.put(part, _splice(xml, m, _element(m.group("attrs"), body)))
        return f"shared child's result {value} at {sheet}!{attributes(m.group('attrs')).get('r')}"
    if roll >= 0.85:
        child = f'<f t="shared" si="{si}"/><v>{rng.choice(SHARED_RESULTS)}</v>'
        x.put(part, _set_cell(xml, ref, child))
        return f"shared formula child of group {si} at {sheet}!{ref}"
    below, right = to_a1(row + 1, col), to_a1(row, col + 1)
    formula = rng.choice(
        (
            f"{below}+1",
            f"{below}*2+$A$1",
            f"SUM({below}:{to_a1(row + 1, col + 1)})",
            f"{below}/2",
            f"-{below}+${to_a1(row + 1, col)[0]}$1",
            f"ROUND({below},0)",
        )
    )
    master = (
        f'<f t="shared" ref="{ref}:{right}" si="{si}">{formula}</f>'
        f"<v>{rng.choice(SHARED_RESULTS)}</v>"
    )
    child = f'<f t="shared" si="{si}"/><v>{rng.choice(SHARED_RESULTS)}</v>'
    xml = _set_cell(xml, ref, master)
    if rng.random() < 0.8:
        xml = _set_cell(xml, right, child)
    x.put(part, xml)
    return f"shared formula {formula!r} (group {si}) at {sheet}!{ref}:{right}"


MALFORMED_REFS = (
    "d{r}", "{c}0", "{c}0{r}", "${c}${r}", " {c}{r}", "{c}{r} ", "{r}{c}", "AAAA{r}",
    "XFE{r}", "{c}1048577", "", "{c}-{r}", "Ｄ６", "{c}{r}:{c}{r}", "{c}²", "{c}١", "{c}" + "1" * 5000,
)  # fmt: skip


def op_cell_ref(x: Xlsx, rng: Random) -> str:
    """A cell's ``r`` changed: another cell of the row, of another row, malformed, removed."""
    roll = rng.random()
    said: list[str | None] = []

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        if m is None:
            return None
        row, col = from_a1(ref)
        letters = ref.rstrip("0123456789")
        if roll < 0.3:
            new: str | None = to_a1(row, max(0, col + rng.choice((-2, -1, 1, 2))))
        elif roll < 0.55:
            new = to_a1(max(0, row + rng.choice((-2, -1, 1, 2))), col)
        elif roll < 0.85:
            new = rng.choice(MALFORMED_REFS).format(c=letters, r=row + 1)
        else:
            new = None
        said.append(new)
        return _splice(xml, m, _element(set_attr(m.group("attrs"), "r", new), m.group("body")))

    done = _on_cell(x, rng, edit, "r")
    return done and f"{done} → {said[0] if said[0] is None else said[0][:20]!r}"


def _with_value(element_attrs: str, rng: Random) -> str:
    return _element(set_attr(element_attrs, "t", None), f"<v>{xml_text(odd_number(rng), rng)}</v>")


def op_cell_duplicate(x: Xlsx, rng: Random) -> str:
    """A cell written twice: right after itself or at the end of its row, the copy the
    same or with another value; or an empty copy before it."""
    roll = rng.random()

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        if m is None:
            return None
        copy = m.group(0) if rng.random() < 0.4 else _with_value(m.group("attrs"), rng)
        if roll < 0.5:
            return xml[: m.end()] + copy + xml[m.end() :]
        if roll < 0.7:
            return xml[: m.start()] + _element(m.group("attrs"), None) + xml[m.start() :]
        end = xml.find("</row>", m.end())
        return None if end < 0 else xml[:end] + copy + xml[end:]

    return _on_cell(x, rng, edit, "cell written twice")


def op_cell_swap(x: Xlsx, rng: Random) -> str:
    """A cell element swapped with the one after (or before) it in its row."""
    forward = rng.random() < 0.5

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        if m is None:
            return None
        cells = list(_CELL.finditer(xml))
        i = next(k for k, c in enumerate(cells) if c.start() == m.start())
        j = i + 1 if forward else i - 1
        if not 0 <= j < len(cells):
            return None
        a, b = sorted((cells[i], cells[j]), key=lambda c: c.start())
        if xml[a.end() : b.start()].strip():  # not neighbours within one row
            return None
        return (
            xml[: a.start()] + b.group(0) + xml[a.end() : b.start()] + a.group(0) + xml[b.end() :]
        )

    return _on_cell(x, rng, edit, "cells swapped")


def op_cell_remove(x: Xlsx, rng: Random) -> str:
    """A cell element removed."""

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        return None if m is None else _splice(xml, m, "")

    return _on_cell(x, rng, edit, "cell removed")


def _row_of(xml: str, ref: str) -> re.Match[str] | None:
    return _row_match(xml, from_a1(ref)[0] + 1)


def op_row_duplicate(x: Xlsx, rng: Random) -> str:
    """A row written twice (after itself or at the end), the copy sometimes with one
    value changed."""
    at_end = rng.random() < 0.3
    change = rng.random() < 0.5

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        row = _row_of(xml, ref)
        if row is None:
            return None
        copy = row.group(0)
        cell = _cell_match(copy, ref)
        if change and cell is not None:
            copy = _splice(copy, cell, _with_value(cell.group("attrs"), rng))
        if at_end and "</sheetData>" in xml:
            return xml.replace("</sheetData>", copy + "</sheetData>", 1)
        return xml[: row.end()] + copy + xml[row.end() :]

    return _on_cell(x, rng, edit, "row written twice")


def op_row_swap(x: Xlsx, rng: Random) -> str:
    """A row swapped with the next (or previous) one."""
    step = rng.choice((1, -1))

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        rows = list(_ROW.finditer(xml))
        row = _row_of(xml, ref)
        if row is None:
            return None
        i = next(k for k, r in enumerate(rows) if r.start() == row.start())
        j = i + step
        if not 0 <= j < len(rows):
            return None
        a, b = sorted((rows[i], rows[j]), key=lambda r: r.start())
        return (
            xml[: a.start()] + b.group(0) + xml[a.end() : b.start()] + a.group(0) + xml[b.end() :]
        )

    return _on_cell(x, rng, edit, "rows swapped")


def op_row_remove(x: Xlsx, rng: Random) -> str:
    """A whole row removed."""

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        row = _row_of(xml, ref)
        return None if row is None else _splice(xml, row, "")

    return _on_cell(x, rng, edit, "row removed")


ROW_REFS = ("{p}", "{n}", "0", "", "abc", "{r}.0", "1048577", "-{r}", "0{r}", "²", "1" * 5000, None)


def op_row_ref(x: Xlsx, rng: Random) -> str:
    """A row's ``r`` changed (the row before or after, 0, malformed, past the last row)
    or removed; its cells keep theirs."""
    choice = rng.choice(ROW_REFS)
    said: list[str | None] = []

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        row = _row_of(xml, ref)
        if row is None:
            return None
        r = from_a1(ref)[0] + 1
        new = None if choice is None else choice.format(r=r, p=r - 1, n=r + 1)
        said.append(new)
        attrs = set_attr(row.group("attrs"), "r", new)
        body = row.group("body")
        attrs = attrs.rstrip().removesuffix("/")
        element = f"<row{attrs}/>" if body is None else f"<row{attrs}>{body}</row>"
        return _splice(xml, row, element)

    done = _on_cell(x, rng, edit, "r of the row")
    return done and f"{done} → {said[0] if said[0] is None else said[0][:20]!r}"


def _runs(text: str, rng: Random) -> str:
    """``text`` as the inside of an ``<is>``/``<si>``: plain, rich runs, phonetic runs."""
    roll = rng.random()
    space = ' xml:space="preserve"' if rng.random() < 0.5 else ""
    if roll < 0.3 or len(text) < 2:
        inner = f"<t{space}>{xml_text(text, rng)}</t>"
    elif roll < 0.7:
        at = rng.randrange(1, len(text))
        inner = "".join(
            f"<r>{'<rPr><b/></rPr>' if rng.random() < 0.5 else ''}<t{space}>{xml_text(p, rng)}</t></r>"
            for p in (text[:at], text[at:])
        )
    else:
        inner = f'<t>{xml_text(text, rng)}</t><rPh sb="0" eb="1"><t>{xml_text(odd_number(rng), rng)}</t></rPh>'
    if rng.random() < 0.1:
        inner += '<phoneticPr fontId="1"/>'
    return inner


def op_inline_string(x: Xlsx, rng: Random) -> str:
    """A cell made an inline string (plain, rich runs, a phonetic run); sometimes without
    ``t="inlineStr"`` or beside a ``<v>``."""
    text = odd_number(rng)
    keep_type = rng.random() < 0.15
    keep_v = rng.random() < 0.15

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        inner = f"<is>{_runs(text, rng)}</is>" if rng.random() < 0.95 else "<is/>"
        if m is None:
            return _insert_cell(xml, ref, f'<c r="{ref}" t="inlineStr">{inner}</c>')
        attrs = m.group("attrs") if keep_type else set_attr(m.group("attrs"), "t", "inlineStr")
        body = _IS.sub("", m.group("body") or "")
        if not keep_v:
            body = _V.sub("", body)
        return _splice(xml, m, _element(attrs, body + inner))

    return _on_cell(x, rng, edit, f"inline string {text[:40]!r}")


# ------------------------------------- class 1 of issue 12: outside the elements' grammar


def _number_value(rng: Random) -> str:
    return str(rng.choice((0, 3, 30, 250, 7, 12)) if rng.random() < 0.7 else rng.random())


def op_element_repeat(x: Xlsx, rng: Random) -> str:
    """A cell's ``<v>``, ``<f>`` or ``<is>`` written twice (another value before or after
    it), or a second ``<t>``/run inside its inline string (CT_Cell allows each once;
    LibreOffice and Gnumeric show the last ``<v>``, and joined texts are a number nobody
    sees: WITNESS.md H01-H11)."""
    kind = rng.choice(("v", "v", "f", "is", "t", "r"))
    after = rng.random() < 0.5
    other = _number_value(rng)
    extra = {
        "v": f"<v>{other}</v>",
        "f": f"<f>{rng.choice(FORMULAS) or '1+1'}</f>",
        "is": f"<is><t>{other}</t></is>",
        "t": f"<t>{other}</t>",
        "r": f"<r><t>{other}</t><t>{other}</t></r>",
    }[kind]

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        if m is None:
            return _insert_cell(xml, ref, f'<c r="{ref}"><v>{_number_value(rng)}</v>{extra}</c>')
        body = m.group("body") or ""
        if kind in ("t", "r"):
            found = re.search(r"<is(?:\s[^>]*)?>", body)
            if found is None:
                body = body + f"<is><t>{_number_value(rng)}</t>{extra}</is>"
            else:
                body = body[: found.end()] + extra + body[found.end() :]
        else:
            pattern = {"v": _V, "f": _F, "is": _IS}[kind]
            found = pattern.search(body)
            if found is None:
                body = f"{extra}{extra}" + body
            else:
                at = found.end() if after else found.start()
                body = body[:at] + extra + body[at:]
        return _splice(xml, m, _element(m.group("attrs"), body))

    return _on_cell(x, rng, edit, f"<{kind}> repeated ({'after' if after else 'before'})")


CHILDREN = ("<x/>", "<x>9</x>", "<v>9</v>", "<r><t>9</t></r>", '<g:x xmlns:g="urn:g">9</g:x>')


def op_value_child(x: Xlsx, rng: Random) -> str:
    """An element inside the text of a cell's ``<v>``, ``<f>`` or inline ``<t>``, splitting
    it (text only in the grammar; LibreOffice shows the text after it, Gnumeric all the
    text joined: WITNESS.md H03, H04, H06, H09)."""
    child = rng.choice(CHILDREN)
    kind = rng.choice(("v", "v", "f", "t"))

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        value = _number_value(rng)
        at = rng.randrange(0, len(value) + 1)
        split = value[:at] + child + value[at:]
        if m is None:
            return _insert_cell(xml, ref, f'<c r="{ref}"><v>{split}</v></c>')
        body = m.group("body") or ""
        found = re.search(rf"<{kind}(?:\s[^>]*)?>([^<]*)</{kind}\s*>", body)
        if found is None:
            new = {"v": f"<v>{split}</v>", "f": f"<f>{split}</f>", "t": f"<is><t>{split}</t></is>"}
            body = _V.sub("", body) + new[kind]
        else:
            text = found.group(1)
            cut = rng.randrange(0, len(text) + 1)
            inner = text[:cut] + child + text[cut:]
            body = body[: found.start(1)] + inner + body[found.end(1) :]
        return _splice(xml, m, _element(m.group("attrs"), body))

    return _on_cell(x, rng, edit, f"{child} inside <{kind}>")


def _mergecell(xml: str, ref: str) -> str:
    if "<mergeCells" in xml:
        xml = re.sub(r"(<mergeCells\b[^>]*?)\s*/>", r"\1></mergeCells>", xml, count=1)
        return xml.replace("</mergeCells>", f'<mergeCell ref="{ref}"/></mergeCells>', 1)
    block = f'<mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'
    m = re.search(r"<sheetProtection\b[^>]*/>|</sheetData>|<sheetData\s*/>", xml)
    return xml if m is None else xml[: m.end()] + block + xml[m.end() :]


def op_merge_add(x: Xlsx, rng: Random) -> str:
    """A ``<mergeCell>`` added over form cells (the cell and a neighbour, a block, or from
    the row's label)."""
    shape = rng.randrange(5)

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        r, c = from_a1(ref)
        corners = (
            ((r, c), (r, c + 1)),
            ((r, max(0, c - 1)), (r, c)),
            ((max(0, r - 1), c), (r, c)),
            ((r, c), (r + 1, c + 1)),
            ((r, 0), (r, c)),
        )[shape]
        (r0, c0), (r1, c1) = corners
        if (r0, c0) == (r1, c1):
            return None
        return _mergecell(xml, f"{to_a1(r0, c0)}:{to_a1(r1, c1)}")

    return _on_cell(x, rng, edit, "merge added")


def _style_count(x: Xlsx) -> int:
    styles = x.text("xl/styles.xml") or ""
    m = re.search(r"<cellXfs\b[^>]*>(.*?)</cellXfs>", styles, re.S)
    return len(re.findall(r"<xf\b", m.group(1))) if m else 1


def op_cell_style(x: Xlsx, rng: Random) -> str:
    """A cell's ``s`` pointing at another style, a missing one, a malformed one, or none."""
    count = _style_count(x)
    s = rng.choice(
        (
            *(str(rng.randrange(count)),) * 3,
            str(count),
            str(count + 7),
            "65490",
            "-1",
            "x",
            "",
            " 1",
            "01",
            "²",
            "١",
            "1" * 5000,
            None,
        )
    )

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        if m is None:
            return None
        return _splice(xml, m, _element(set_attr(m.group("attrs"), "s", s), m.group("body")))

    return _on_cell(x, rng, edit, f"s={s if s is None else s[:20]!r}")


def op_cell_syntax(x: Xlsx, rng: Random) -> str:
    """The same cell in other XML spellings (single quotes, spaces around ``=``, a
    comment, CDATA, ``</c >``, a processing instruction, character references, the
    attributes in another order, attributes the reader does not use, whitespace between
    the children), or the whole sheet under a namespace prefix: the meaning is the same."""
    kind = rng.randrange(11)

    def edit(xml: str, m: re.Match[str] | None, ref: str, rng: Random) -> str | None:
        if kind == 7:
            if "<x:worksheet" in xml:
                return None
            new = re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s/>])", r"<\1x:\2", xml)
            return new.replace(
                f'<x:worksheet xmlns="{MAIN_NS}"', f'<x:worksheet xmlns:x="{MAIN_NS}"', 1
            )
        if m is None:
            return None
        attrs, body = m.group("attrs"), m.group("body")
        if kind == 0:
            attrs = attrs.replace('"', "'")
        elif kind == 1:
            attrs = re.sub(r"\s*=\s*", " = ", attrs)
        elif kind == 2:
            body = "<!-- typed -->" + (body or "")
        elif kind == 3 and body:
            body = re.sub(r"<v>([^<]*)</v>", r"<v><![CDATA[\1]]></v>", body)
        elif kind == 4:
            return _splice(xml, m, f"<c{attrs.rstrip().removesuffix('/')}>{body or ''}</c >")
        elif kind == 5:
            body = "<?gk pi?>" + (body or "")
        elif kind == 8:  # the attributes in another order
            pairs = [m.group(0).strip() for m in _ATTR.finditer(attrs)]
            rng.shuffle(pairs)
            attrs = " " + " ".join(pairs) if pairs else attrs
        elif kind == 9:  # attributes that do not change the value (cell metadata, phonetic)
            attrs = set_attr(attrs, rng.choice(("cm", "ph")), "1")
        elif kind == 10 and body:  # whitespace between the cell's children
            body = re.sub(
                r"(<(?:f|v|is)\b)", lambda t: rng.choice((" ", "\n", "")) + t.group(1), body
            )
            body = body + rng.choice((" ", "\n\t"))
        elif kind == 6 and body:
            body = re.sub(
                r"<v>([0-9.]+)</v>",
                lambda v: "<v>" + "".join(f"&#{ord(ch)};" for ch in v.group(1)) + "</v>",
                body,
            )
        return _splice(xml, m, _element(attrs, body))

    return _on_cell(x, rng, edit, f"syntax {kind}")


_TAG = re.compile(
    r"<(/?)([A-Za-z_][\w.:-]*)((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)(\s*)(/?)>"
)
_SPELLED_PARTS = (
    "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml", "docProps/custom.xml",
    "xl/_rels/workbook.xml.rels", "_rels/.rels", "docProps/app.xml",
)  # fmt: skip


def _respell(tag: re.Match[str], rng: Random) -> str:
    """The same tag written another way XML allows."""
    closing, name, attrs, space, empty = tag.groups()
    kind = rng.randrange(8)
    if kind == 0 or closing:  # whitespace before the end of the tag
        return f"<{closing}{name}{attrs}{rng.choice((' ', chr(10), chr(9), '  '))}{empty}>"
    if kind == 1 and attrs:  # single quotes
        if "'" in attrs:
            return tag.group(0)
        return f"<{name}{attrs.replace(chr(34), chr(39))}{space}{empty}>"
    if kind == 2 and attrs:  # whitespace around =
        spaced = re.sub(r"\s*=\s*", " = ", attrs)
        return f"<{name}{spaced}{space}{empty}>"
    if kind == 3 and empty:  # an empty element written with an end tag
        return f"<{name}{attrs}{space}></{name}>"
    if kind == 4:  # a comment before the tag
        return f"<!-- {name} -->{tag.group(0)}"
    if kind == 5 and attrs:  # a character reference in an attribute value
        return "<{}{}{}{}>".format(
            name,
            re.sub(r'="([A-Za-z0-9])', lambda m: f'="&#{ord(m.group(1))};', attrs, count=1),
            space,
            empty,
        )
    if kind == 7 and "xmlns:gk" not in attrs and attrs:  # another namespace's r, s, t…
        first = _ATTR.search(attrs)
        foreign = f' xmlns:gk="urn:gk" gk:{first.group(1).rpartition(":")[2]}="9"' if first else ""
        return f"<{name}{foreign}{attrs}{space}{empty}>"
    if kind == 6 and "xmlns:gk" not in attrs:  # another namespace's attribute holding '>'
        return f'<{name}{attrs} xmlns:gk="urn:gk" gk:note="a>b"{space}{empty}>'
    return tag.group(0)


def op_xml_spelling(x: Xlsx, rng: Random) -> str:
    """A few tags of one part respelt as XML allows (whitespace before ``>``, single
    quotes, spaces around ``=``, ``<x></x>`` for ``<x/>``, a comment before a tag, a
    character reference in an attribute, an attribute of another namespace holding a
    ``>`` or named like the element's own ``r``, ``s``, ``t``): the meaning is the same,
    so the reading must be too."""
    roll = rng.random()  # mostly the parts the reader scans with regular expressions
    sst = _sst_part(x)
    if roll < 0.4 and sst is not None:
        parts = [sst]
    elif roll < 0.85:
        parts = list(x.sheet_parts().values())
    else:
        parts = list(_SPELLED_PARTS)
    part = rng.choice([p for p in parts if x.index(p) is not None] or [""])
    text = x.text(part) if part else None
    if not text:
        return ""
    tags = [m for m in _TAG.finditer(text) if m.start() > 0 or not text.startswith("<?")]
    if not tags:
        return ""
    by_name: dict[str, list[re.Match[str]]] = {}
    for tag in tags:
        by_name.setdefault(tag.group(2), []).append(tag)
    picked = {}  # a tag name first, then its tags: the rare elements get their turn
    for _ in range(rng.randint(1, 6)):
        tag = rng.choice(by_name[rng.choice(sorted(by_name))])
        picked[tag.start()] = tag
    chosen = sorted(picked.values(), key=lambda m: -m.start())
    for tag in chosen:
        new = _respell(tag, rng)
        text = text[: tag.start()] + new + text[tag.end() :]
    x.put(part, text)
    return f"{len(chosen)} tags of {part} respelt"


# ---------------------------------------------------------------------- the workbook

_NAME = re.compile(r"<definedName\b(?P<attrs>[^>]*)>(?P<text>.*?)</definedName\s*>", re.S)


def _names(workbook: str) -> list[re.Match[str]]:
    return [
        m
        for m in _NAME.finditer(workbook)
        if attributes(m.group("attrs")).get("name", "").startswith("gk.")
    ]


def _name_for(names: list[re.Match[str]], rng: Random) -> re.Match[str]:
    """Mostly a name of an input cell, from the form's own targets."""
    sheet, ref = pick_cell(rng)
    wanted = f"'{sheet}'!${ref.rstrip('0123456789')}${ref.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}"
    for m in names:
        if m.group("text") == wanted:
            return m
    return rng.choice(names)


def op_name_retarget(x: Xlsx, rng: Random) -> str:
    """A defined name pointed elsewhere: a neighbour, another form cell, another sheet,
    a range, a broken reference, a formula, a reference without ``$``."""
    workbook = x.text("xl/workbook.xml")
    names = _names(workbook or "")
    if not workbook or not names:
        return ""
    m = _name_for(names, rng)
    text = m.group("text")
    parsed = re.fullmatch(r"(?P<sheet>'[^']*'|[^!]+)!\$(?P<c>[A-Z]+)\$(?P<r>[0-9]+)", text)
    if parsed is None:
        return ""
    sheet, c, r = parsed.group("sheet"), parsed.group("c"), int(parsed.group("r"))
    row, col = r - 1, from_a1(f"{c}1")[1]
    other_sheet, other_ref = pick_cell(rng)
    choices = (
        f"{sheet}!${to_a1(row, col + 1)[: -len(str(r))]}${r}",
        f"{sheet}!${c}${r + rng.choice((-1, 1))}",
        f"'{other_sheet}'!${other_ref.rstrip('0123456789')}${other_ref.lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}",
        f"'{rng.choice([s.name for s in LAYOUT.sheets])}'!${c}${r}",
        f"{sheet}!${c}${r}:${c}${r + 1}",
        "#REF!",
        f"{sheet}!#REF!",
        f"{sheet}!${c}${r}+1",
        f"{sheet}!{c}{r}",
        f"{sheet.strip(chr(39))}!${c}${r}",
    )
    new = rng.choice(choices)
    x.put("xl/workbook.xml", workbook[: m.start("text")] + new + workbook[m.end("text") :])
    return f"name {attributes(m.group('attrs')).get('name')} → {new}"


def op_name_swap(x: Xlsx, rng: Random) -> str:
    """The targets of two defined names swapped (often two cells of one row)."""
    workbook = x.text("xl/workbook.xml")
    names = _names(workbook or "")
    if not workbook or len(names) < 2:
        return ""
    a = _name_for(names, rng)
    same_sheet = [
        n
        for n in names
        if n.group("text").split("!")[0] == a.group("text").split("!")[0] and n is not a
    ]
    b = rng.choice(
        same_sheet if same_sheet and rng.random() < 0.8 else [n for n in names if n is not a]
    )
    first, second = sorted((a, b), key=lambda n: n.start())
    new = (
        workbook[: first.start("text")]
        + second.group("text")
        + workbook[first.end("text") : second.start("text")]
        + first.group("text")
        + workbook[second.end("text") :]
    )
    x.put("xl/workbook.xml", new)
    return f"names swapped: {first.group('text')} ↔ {second.group('text')}"


def op_name_remove(x: Xlsx, rng: Random) -> str:
    """A defined name removed (sometimes all of them)."""
    workbook = x.text("xl/workbook.xml")
    names = _names(workbook or "")
    if not workbook or not names:
        return ""
    if rng.random() < 0.1:
        x.put("xl/workbook.xml", _NAME.sub("", workbook))
        return "every defined name removed"
    m = _name_for(names, rng)
    x.put("xl/workbook.xml", _splice(workbook, m, ""))
    return f"name removed: {attributes(m.group('attrs')).get('name')}"


_SHEET_TAG = re.compile(r"<sheet\b(?P<attrs>[^>]*?)/?>")


def op_sheet_state(x: Xlsx, rng: Random) -> str:
    """A form sheet hidden, very hidden, given an unknown state, or its state removed."""
    workbook = x.text("xl/workbook.xml")
    tags = list(_SHEET_TAG.finditer(workbook or ""))
    if not workbook or not tags:
        return ""
    m = rng.choice(tags)
    state = rng.choice(("hidden", "veryHidden", "visible", "Hidden", "bogus", None))
    attrs = set_attr(m.group("attrs").rstrip().removesuffix("/"), "state", state)
    x.put("xl/workbook.xml", _splice(workbook, m, f"<sheet{attrs}/>"))
    return f"sheet {attributes(m.group('attrs')).get('name')} state={state!r}"


def op_sheet_name(x: Xlsx, rng: Random) -> str:
    """A form sheet renamed: a trailing space, another form sheet's name (two sheets of
    one name), a look-alike, an ordinary name."""
    workbook = x.text("xl/workbook.xml")
    tags = list(_SHEET_TAG.finditer(workbook or ""))
    if not workbook or not tags:
        return ""
    m = rng.choice(tags)
    name = attributes(m.group("attrs")).get("name", "")
    others = [attributes(t.group("attrs")).get("name", "") for t in tags if t is not m]
    new = rng.choice(
        (
            name + " ",
            " " + name,
            rng.choice(others or [name]),
            name + "1",
            "Sheet1",
            name.replace("公开", "公 开"),
            "依申请公开",
            "SHEET",
        )
    )
    attrs = set_attr(m.group("attrs").rstrip().removesuffix("/"), "name", new)
    x.put("xl/workbook.xml", _splice(workbook, m, f"<sheet{attrs}/>"))
    return f"sheet {name!r} renamed {new!r}"


# ------------------------------------------------------------------------ the styles

NUMBER_FORMATS = (
    "yyyy-mm-dd", "0%", "0.00%", "#,##0,", "0.00E+00", '"件"0', '0"件"', "[DBNum1][$-804]General",
    "[>100]0;0", "[Red]0", "0;-0;;@", ";;;", "@", "General", "0.0", "#,##0", "# ?/?", "0.00",
    "[h]:mm", "\\¥0", "0_);(0)", "#,##0.00##", "0;-0;0", "", "m/d", "0.0,,",
)  # fmt: skip
BUILTIN_IDS = (0, 1, 2, 3, 4, 9, 10, 11, 12, 14, 22, 37, 49, 58, 164, 300)


def op_number_format(x: Xlsx, rng: Random) -> str:
    """A number format changed: the style of the cells of a form cell (every cell sharing
    it), or a new style for one cell; to a date, %, scaled, literal, DBNum, conditional
    format, a built-in id, or an id nobody defines."""
    styles = x.text("xl/styles.xml")
    if not styles or "<cellXfs" not in styles:
        return ""
    sheet, ref = rng.choice(input_cells())
    found = _sheet(x, sheet)
    if found is None:
        return ""
    part, xml = found
    cell = _cell_match(xml, ref)
    index = (
        int(attributes(cell.group("attrs")).get("s", "0"))
        if cell is not None and attributes(cell.group("attrs")).get("s", "0").isdigit()
        else 0
    )
    if rng.random() < 0.6:
        code = rng.choice(NUMBER_FORMATS)
        ids = [int(i) for i in re.findall(r'numFmtId="(\d+)"', styles)]
        fmt_id = max([163, *ids]) + 1
        escaped = code.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        numfmt = f'<numFmt numFmtId="{fmt_id}" formatCode="{escaped}"/>'
        if re.search(r"<numFmts\b[^>]*>", styles) and "</numFmts>" in styles:
            styles = styles.replace("</numFmts>", numfmt + "</numFmts>", 1)
        else:
            styles = re.sub(
                r"(<styleSheet\b[^>]*>)",
                r"\1<numFmts>" + numfmt.replace("\\", "\\\\") + "</numFmts>",
                styles,
                count=1,
            )
        what = f"format {code!r}"
    else:
        fmt_id = rng.choice(BUILTIN_IDS)
        what = f"format id {fmt_id}"
    block = re.search(r"(<cellXfs\b[^>]*>)(.*?)(</cellXfs>)", styles, re.S)
    if block is None:
        return ""
    xfs = list(re.finditer(r"<xf\b[^>]*?(?:/>|>.*?</xf>)", block.group(2), re.S))
    if not xfs:
        return ""
    xf = xfs[min(index, len(xfs) - 1)].group(0)
    new_xf = (
        re.sub(r'numFmtId="[^"]*"', f'numFmtId="{fmt_id}"', xf, count=1)
        if "numFmtId" in xf
        else xf.replace("<xf", f'<xf numFmtId="{fmt_id}"', 1)
    )
    if rng.random() < 0.5 and cell is not None:  # a new style, for this one cell
        inner = block.group(2) + new_xf
        styles = styles[: block.start(2)] + inner + styles[block.end(2) :]
        x.put(
            part,
            _splice(
                xml,
                cell,
                _element(set_attr(cell.group("attrs"), "s", str(len(xfs))), cell.group("body")),
            ),
        )
        what += f" (a new style for {sheet}!{ref})"
    else:
        start = block.start(2) + xfs[min(index, len(xfs) - 1)].start()
        end = block.start(2) + xfs[min(index, len(xfs) - 1)].end()
        styles = styles[:start] + new_xf + styles[end:]
        what += f" (style {index}, as {sheet}!{ref} has)"
    x.put("xl/styles.xml", styles)
    return what


# ------------------------------------------------------------------ shared strings

_SI = re.compile(r"<si(?:\s[^>]*)?(?:/>|>.*?</si\s*>)", re.S)


def _sst_part(x: Xlsx) -> str | None:
    rels = x.text("xl/_rels/workbook.xml.rels") or ""
    for attrs in re.findall(r"<Relationship\b([^>]*)>", rels):
        a = attributes(attrs)
        if a.get("Type", "").endswith("/sharedStrings"):
            target = a.get("Target", "")
            return target[1:] if target.startswith("/") else normpath("xl/" + target)
    return None


def op_shared_string(x: Xlsx, rng: Random) -> str:
    """A shared string changed (an odd number text, rich or phonetic runs, empty),
    removed, or a new one inserted (the later indices shift)."""
    part = _sst_part(x)
    sst = x.text(part) if part else None
    items = list(_SI.finditer(sst or ""))
    if part is None or not sst or not items:
        return ""
    m = rng.choice(items)
    roll = rng.random()
    if roll < 0.6:
        new, what = f"<si>{_runs(odd_number(rng), rng)}</si>", "changed"
    elif roll < 0.8:
        new, what = "", "removed"
    else:
        new, what = f"<si>{_runs(odd_number(rng), rng)}</si>" + m.group(0), "inserted before"
    x.put(part, _splice(sst, m, new))
    return f"shared string {items.index(m)} {what}"


SI_GRAMMAR = (
    "<si><t>{a}</t><t>{b}</t></si>",
    "<si><t>{a}<x/>{b}</t></si>",
    "<si><r><t>{a}</t><t>{b}</t></r></si>",
    "<si><t>{a}</t><si><t>{b}</t></si></si>",
    "<si><r><r><t>{a}</t></r><t>{b}</t></r></si>",
)


def op_shared_string_grammar(x: Xlsx, rng: Random) -> str:
    """A shared string rewritten outside CT_Rst: two ``<t>``, an element inside ``<t>``,
    two ``<t>`` in a run, an ``<si>`` inside an ``<si>``, a run inside a run
    (WITNESS.md H13-H16)."""
    part = _sst_part(x)
    sst = x.text(part) if part else None
    items = list(_SI.finditer(sst or ""))
    if part is None or not sst or not items:
        return ""
    m = rng.choice(items)
    form = rng.choice(SI_GRAMMAR)
    x.put(part, _splice(sst, m, form.format(a=_number_value(rng), b=_number_value(rng))))
    return f"shared string {items.index(m)} as {form}"


# -------------------------------------------------------------- custom properties

PROPERTY_VALUES = (
    "gk2099", "", "2", "0", "ffffffffffffffff", "2023", "２０２４", "abc", " 2024", "2024.0",
    "1", "gk2021", "某县测试局",
)  # fmt: skip


def op_custom_property(x: Xlsx, rng: Random) -> str:
    """A custom property changed (another value, another type), removed; or the whole
    part removed."""
    xml = x.text("docProps/custom.xml")
    props = list(
        re.finditer(r"<property\b(?P<attrs>[^>]*)>(?P<body>.*?)</property\s*>", xml or "", re.S)
    )
    if not xml or not props:
        return ""
    if rng.random() < 0.08:
        i = x.index("docProps/custom.xml")
        assert i is not None
        del x.entries[i]
        return "docProps/custom.xml removed"
    m = rng.choice(props)
    name = attributes(m.group("attrs")).get("name")
    roll = rng.random()
    if roll < 0.2:
        x.put("docProps/custom.xml", _splice(xml, m, ""))
        return f"property {name} removed"
    value = rng.choice(PROPERTY_VALUES)
    kind = "lpwstr" if roll < 0.8 else rng.choice(("i4", "r8", "bool", "filetime"))
    body = f"<vt:{kind}>{xml_text(value, rng)}</vt:{kind}>"
    x.put("docProps/custom.xml", _splice(xml, m, f"<property{m.group('attrs')}>{body}</property>"))
    return f"property {name} = {value!r} ({kind})"


# --------------------------------------------------------------------- the package

_KEY_PARTS = (
    "xl/workbook.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/styles.xml",
    "xl/sharedStrings.xml",
    "docProps/custom.xml",
    "[Content_Types].xml",
    "_rels/.rels",
)


def _some_part(x: Xlsx, rng: Random) -> int:
    names = x.names()
    if rng.random() < 0.6:
        sheets = [p for p in x.sheet_parts().values() if x.index(p) is not None]
        wanted = [n for n in [*sheets, *_KEY_PARTS] if x.index(n) is not None]
        if wanted:
            i = x.index(rng.choice(wanted))
            assert i is not None
            return i
    return rng.randrange(len(names))


def op_part_remove(x: Xlsx, rng: Random) -> str:
    """A part removed from the package."""
    if not x.entries:
        return ""
    i = _some_part(x, rng)
    name = x.entries[i][0].filename
    del x.entries[i]
    return f"part {name} removed"


def op_part_duplicate(x: Xlsx, rng: Random) -> str:
    """A part stored twice (two zip entries of one name), the second copy the same or with
    one value changed, after every other entry or right after the first."""
    if not x.entries:
        return ""
    i = _some_part(x, rng)
    info, data = x.entries[i]
    copy = data
    if info.filename in x.sheet_parts().values() and rng.random() < 0.7:
        sheet = next(s for s, p in x.sheet_parts().items() if p == info.filename)
        ref = next((r for s, r in input_cells() if s == sheet), None)
        text = data.decode("utf-8", "replace")
        cell = _cell_match(text, ref) if ref else None
        if cell is not None:
            copy = _splice(text, cell, _with_value(cell.group("attrs"), rng)).encode()
    at = len(x.entries) if rng.random() < 0.6 else i + 1
    x.entries.insert(at, (info, copy))
    return f"part {info.filename} stored twice"


def op_part_case(x: Xlsx, rng: Random) -> str:
    """A part renamed by case only (``xl/Worksheets/Sheet3.xml``)."""
    if not x.entries:
        return ""
    i = _some_part(x, rng)
    info, data = x.entries[i]
    name = info.filename
    pieces = name.split("/")
    k = rng.randrange(len(pieces))
    pieces[k] = pieces[k].upper() if rng.random() < 0.5 else pieces[k][:1].upper() + pieces[k][1:]
    new_name = "/".join(pieces)
    if new_name == name:
        return ""
    new = zipfile.ZipInfo(new_name, date_time=info.date_time)
    new.compress_type = info.compress_type
    x.entries[i] = (new, data)
    return f"part {name} renamed {new_name}"


ZIP_METHODS = {
    zipfile.ZIP_BZIP2: "bzip2",
    zipfile.ZIP_LZMA: "LZMA",
    zipfile.ZIP_STORED: "stored",
    zipfile.ZIP_DEFLATED: "deflate",
}


def op_zip_method(x: Xlsx, rng: Random) -> str:
    """A part (a sheet, a key part, any part) compressed again with bzip2 or LZMA, which
    Python reads and LibreOffice refuses, or stored or deflated, which both open."""
    if not x.entries:
        return ""
    i = _some_part(x, rng)
    info, data = x.entries[i]
    method = rng.choices(list(ZIP_METHODS), weights=(4, 4, 1, 1))[0]
    new = copy.copy(info)  # a duplicated part shares its ZipInfo with the first copy
    new.compress_type = method
    x.entries[i] = (new, data)
    return f"part {info.filename} compressed with {ZIP_METHODS[method]}"


ZIP_COMMENT_LENGTHS = (1, 100, 511, 512, 513, 1000, 65000, 65535)
"""Around LibreOffice's limit (512 bytes), and up to the format's (65,535)."""


def op_zip_comment(x: Xlsx, rng: Random) -> str:
    """A zip comment of a length at or past what LibreOffice opens, sometimes holding the
    end record's own signature."""
    n = rng.choice(ZIP_COMMENT_LENGTHS) if rng.random() < 0.8 else rng.randint(0, 65535)
    text = bytearray(b"x" * n)
    if n >= 4 and rng.random() < 0.2:
        at = rng.randrange(n - 3)
        text[at : at + 4] = b"PK\x05\x06"
    x.comment = bytes(text)
    return f"zip comment of {n} bytes"


def op_truncate(data: bytes, rng: Random) -> tuple[bytes, str]:
    """The file cut short (anywhere, or just its last bytes: the zip's directory)."""
    if len(data) < 2:
        return data, ""
    at = rng.randrange(1, len(data)) if rng.random() < 0.6 else len(data) - rng.randint(1, 64)
    return data[:at], f"cut at byte {at} of {len(data)}"


def op_flip_bytes(data: bytes, rng: Random) -> tuple[bytes, str]:
    """A few bytes flipped inside one entry's compressed data (or anywhere)."""
    if not data:
        return data, ""
    start, end = 0, len(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = [i for i in z.infolist() if i.compress_size > 0]
            if infos and rng.random() < 0.85:
                info = rng.choice(infos)
                head = data[info.header_offset : info.header_offset + 30]
                name_len = int.from_bytes(head[26:28], "little")
                extra_len = int.from_bytes(head[28:30], "little")
                start = info.header_offset + 30 + name_len + extra_len
                end = start + info.compress_size
    except Exception:
        pass
    out = bytearray(data)
    flips = []
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(start, max(start + 1, end))
        if at < len(out):
            out[at] ^= rng.randint(1, 255)
            flips.append(at)
    return bytes(out), f"bytes flipped at {flips}"


# ------------------------------------------------------------------------ applying

PackageOp = Callable[[Xlsx, Random], str]
ByteOp = Callable[[bytes, Random], tuple[bytes, str]]

PACKAGE_OPERATORS: dict[str, PackageOp] = {
    "cell_type": op_cell_type,
    "cell_value": op_cell_value,
    "cell_formula": op_cell_formula,
    "shared_formula": op_shared_formula,
    "cell_ref": op_cell_ref,
    "cell_duplicate": op_cell_duplicate,
    "cell_swap": op_cell_swap,
    "cell_remove": op_cell_remove,
    "row_duplicate": op_row_duplicate,
    "row_swap": op_row_swap,
    "row_remove": op_row_remove,
    "row_ref": op_row_ref,
    "inline_string": op_inline_string,
    "merge_add": op_merge_add,
    "cell_style": op_cell_style,
    "cell_syntax": op_cell_syntax,
    "xml_spelling": op_xml_spelling,
    "name_retarget": op_name_retarget,
    "name_swap": op_name_swap,
    "name_remove": op_name_remove,
    "sheet_state": op_sheet_state,
    "sheet_name": op_sheet_name,
    "number_format": op_number_format,
    "shared_string": op_shared_string,
    "custom_property": op_custom_property,
    "part_remove": op_part_remove,
    "part_duplicate": op_part_duplicate,
    "part_case": op_part_case,
    # issue 12, class 3: zips no application opens
    "zip_method": op_zip_method,
    "zip_comment": op_zip_comment,
    # issue 12, class 1: outside the grammar of the elements read (reader/grammar.py)
    "element_repeat": op_element_repeat,
    "value_child": op_value_child,
    "shared_string_grammar": op_shared_string_grammar,
}
BYTE_OPERATORS: dict[str, ByteOp] = {"truncate": op_truncate, "flip_bytes": op_flip_bytes}
OPERATORS = tuple([*PACKAGE_OPERATORS, *BYTE_OPERATORS])
"""Every operator's name; the XML and package ones first."""


def apply(name: str, data: bytes, rng: Random) -> tuple[bytes, str]:
    """One operator on ``data``: (the mutant, what was done; "" when nothing was)."""
    if name in BYTE_OPERATORS:
        return BYTE_OPERATORS[name](data, rng)
    x = Xlsx.parse(data)
    if x is None:
        return data, ""
    what = PACKAGE_OPERATORS[name](x, rng)
    return (x.to_bytes(), what) if what else (data, "")


def mutate(data: bytes, steps: list[tuple[str, int]]) -> tuple[bytes, list[str]]:
    """Apply ``(operator, seed)`` steps, byte-level operators last; returns the mutant and
    a description per step that changed something."""
    ordered = sorted(steps, key=lambda s: s[0] in BYTE_OPERATORS)
    done = []
    for name, seed in ordered:
        data, what = apply(name, data, Random(seed))
        if what:
            done.append(f"{name}: {what}")
    return data, done
