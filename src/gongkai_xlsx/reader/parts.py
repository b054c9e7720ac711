"""The small parts of a workbook package: the workbook (sheets and defined
names), styles (number formats), shared strings, document properties.

Each is confirmed well-formed by expat first. The parts every return of one template
shares byte for byte (workbook, styles, relationships) are parsed once per worker process
and remembered by their bytes; the others are small.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from gongkai_xlsx.ooxml.relationships import REL_NS
from gongkai_xlsx.ooxml.xmltext import (
    NotWellFormed,
    elements,
    gt_in_attribute,
    parse_events,
    unescape,
    well_formed,
    xstring,
)
from gongkai_xlsx.reader.grammar import Checker, local_name

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


# ------------------------------------------------------------------------------ workbook
@dataclass(frozen=True)
class SheetEntry:
    name: str
    state: str  # visible, hidden, veryHidden
    rel_id: str


@dataclass(frozen=True)
class WorkbookInfo:
    sheets: tuple[SheetEntry, ...]
    names: dict[str, str]  # workbook-level defined names → their formula text
    date1904: bool


@lru_cache(maxsize=32)
def workbook_info(data: bytes) -> WorkbookInfo:
    """Sheets, workbook-level names, the date system. A name outside the grammar (defined
    twice, names being compared case-insensitively, or with an element inside its text,
    reader/grammar.py) is left out: which of its readings an application takes is not
    known, so the form's cells are then found by their labels, as when names are missing."""
    sheets: list[SheetEntry] = []
    names: dict[str, str] = {}
    date1904 = False
    broken: set[str] = set()
    seen: set[str] = set()
    child = False  # an element inside the definedName that ends next (children end first)
    for el in elements(data, MAIN):
        tag = el.path[-1]
        if el.path[-2:-1] == ("definedName",):
            child = True
        elif tag == "sheet" and el.path[-2:-1] == ("sheets",):
            rel = el.attrs.get("{" + REL_NS + "}id", "")
            sheets.append(
                SheetEntry(el.attrs.get("name", ""), el.attrs.get("state", "visible"), rel)
            )
        elif tag == "definedName":
            if "localSheetId" not in el.attrs:
                name = el.attrs.get("name", "")
                if child or name.casefold() in seen:
                    broken.add(name.casefold())
                seen.add(name.casefold())
                names.setdefault(name, el.text)
            child = False
        elif tag == "workbookPr":
            date1904 = el.attrs.get("date1904", "0").lower() in ("1", "true")
    if broken:
        names = {k: t for k, t in names.items() if k.casefold() not in broken}
    return WorkbookInfo(tuple(sheets), names, date1904)


# -------------------------------------------------------------------------------- styles
# ECMA-376 Part 1 §18.8.30, with the ids that Chinese-locale Excel and WPS give their
# built-in date formats (27-36, 50-58) and currency/accounting formats (5-8, 41-44).
BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"¥"#,##0;"¥"\\-#,##0',
    6: '"¥"#,##0;[Red]"¥"\\-#,##0',
    7: '"¥"#,##0.00;"¥"\\-#,##0.00',
    8: '"¥"#,##0.00;[Red]"¥"\\-#,##0.00',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "yyyy/m/d",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "yyyy/m/d h:mm",
    27: 'yyyy"年"m"月"',
    28: 'm"月"d"日"',
    29: 'm"月"d"日"',
    30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"',
    32: 'h"时"mm"分"',
    33: 'h"时"mm"分"ss"秒"',
    34: '上午/下午h"时"mm"分"',
    35: '上午/下午h"时"mm"分"ss"秒"',
    36: 'yyyy"年"m"月"',
    37: "#,##0 ;(#,##0)",
    38: "#,##0 ;[Red](#,##0)",
    39: "#,##0.00;(#,##0.00)",
    40: "#,##0.00;[Red](#,##0.00)",
    41: '_ * #,##0_ ;_ * \\-#,##0_ ;_ * "-"_ ;_ @_ ',
    42: '_ "¥"* #,##0_ ;_ "¥"* \\-#,##0_ ;_ "¥"* "-"_ ;_ @_ ',
    43: '_ * #,##0.00_ ;_ * \\-#,##0.00_ ;_ * "-"??_ ;_ @_ ',
    44: '_ "¥"* #,##0.00_ ;_ "¥"* \\-#,##0.00_ ;_ "¥"* "-"??_ ;_ @_ ',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mm:ss.0",
    48: "##0.0E+0",
    49: "@",
    50: 'yyyy"年"m"月"',
    51: 'm"月"d"日"',
    52: 'yyyy"年"m"月"',
    53: 'm"月"d"日"',
    54: 'm"月"d"日"',
    55: '上午/下午h"时"mm"分"',
    56: '上午/下午h"时"mm"分"ss"秒"',
    57: 'yyyy"年"m"月"',
    58: 'm"月"d"日"',
}


def ascii_number(text: str) -> int | None:
    """An index attribute (xsd:unsignedInt) as a number; None for anything else, ``²``,
    ``١`` and thousands of digits included (``str.isdigit`` takes the first two, ``int``
    refuses the last)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 10 else None


MAX_REMEMBERED_STYLES = 4096  # a template uses about 60 style indexes


@dataclass(frozen=True)
class Styles:
    formats: tuple[str, ...]  # number format code of each cell style (cellXfs index)
    # each ``s`` text met, with its format: asked for every cell of every return read
    # with these styles (bounded: a hostile sheet may write 200,000 different ones)
    _known: dict[str, str | None] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def number_format(self, style: str) -> str | None:
        """The format code of style index ``style`` (the ``s`` attribute); None when the
        index is not a style of the file (Excel repairs such a file)."""
        known = self._known
        if style in known:
            return known[style]
        index = ascii_number(style)
        found = self.formats[index] if index is not None and index < len(self.formats) else None
        if len(known) < MAX_REMEMBERED_STYLES and len(style) <= 16:
            known[style] = found
        return found


DEFAULT_STYLES = Styles(("General",))


@lru_cache(maxsize=32)
def styles(data: bytes) -> Styles:
    custom: dict[int, str] = {}
    xf_formats: list[int] = []
    for el in elements(data, MAIN):
        if el.path[-1] == "numFmt" and el.path[-2:-1] == ("numFmts",):
            fid = ascii_number(el.attrs.get("numFmtId", ""))
            if fid is not None:
                custom[fid] = el.attrs.get("formatCode", "")
        elif el.path[-1] == "xf" and el.path[-2:-1] == ("cellXfs",):
            fid = ascii_number(el.attrs.get("numFmtId", "0"))
            xf_formats.append(-1 if fid is None else fid)
    codes = tuple(custom.get(f, BUILTIN_FORMATS.get(f, f"[内置格式 {f}]")) for f in xf_formats)
    return Styles(codes or ("General",))


# ------------------------------------------------------------------------ shared strings
# <si >, <si/>: XML allows. The content up to the first "</si>", written so that the engine
# runs through text in one step (a lazy ".*?" tests every character: 4x slower).
_SI = re.compile(rb"<si\b[^>]*?/>|<si\b[^>]*>([^<]*(?:<(?!/si\s*>)[^<]*)*)</si\s*>", re.S)
_PLAIN_T = re.compile(rb'<t(?: xml:space="preserve")?>([^<]*)</t\s*>|<t\s*/>', re.S)
_ROOT_SST = re.compile(
    rb"""\A(?:\xef\xbb\xbf)?\s*(?:<\?xml\b[^<>]*\?>\s*)?<sst\b[^<>]*?\bxmlns\s*=\s*["']"""
    + MAIN.encode()
    + rb"""["']"""
)
_RUN_T = re.compile(rb"<(/?)([A-Za-z_][\w.:-]*)[^<>]*?(/?)>|([^<]+)", re.S)


class SharedStringsTooLarge(ValueError):
    pass


MAX_SHARED_STRINGS = 200_000


class SharedStrings(list[str]):
    """The shared strings in index order, each as its cell shows it (its runs joined, then
    its ``_xHHHH_`` escapes decoded: :func:`~gongkai_xlsx.ooxml.xmltext.xstring`); ``bad``
    maps the index of each string whose ``<si>`` departs from :mod:`.grammar` to how (a
    cell showing it is not read)."""

    def __init__(self, texts: list[str], bad: dict[int, str] | None = None) -> None:
        super().__init__(texts)
        self.bad: dict[int, str] = bad or {}


class _Departure(Exception):
    """A ``<si>`` outside the grammar: the table is read again by the exact path."""


def _si_text(inner: bytes) -> str:
    """Text of one ``<si>``: its ``<t>``, or the ``<t>`` of its rich runs; phonetic runs
    (``<rPh>``) are not part of what the cell shows. Raises :class:`_Departure` for
    content outside the grammar, which the exact path alone judges."""
    m = _PLAIN_T.fullmatch(inner)
    if m is not None:
        return unescape(m.group(1)) if m.group(1) else ""
    if len(inner) <= MAX_CACHED_RUNS:
        return _runs_cached(inner)
    return _runs(inner)


MAX_CACHED_RUNS = 16_384


def _shown(inner: bytes) -> str:
    """What a cell showing this ``<si>`` shows (:func:`_si_text`, escapes decoded)."""
    return xstring(_si_text(inner))


@lru_cache(maxsize=2048)
def _shown_cached(inner: bytes) -> str:
    """:func:`_shown`, once per worker for each ``<si>``: a batch's returns share their
    template's labels (bounded: 2,048 strings of at most MAX_CACHED_RUNS bytes; a
    departure raises, and is not remembered)."""
    return _shown(inner)


@lru_cache(maxsize=512)
def _runs_cached(inner: bytes) -> str:
    """:func:`_runs`, once per worker for each ``<si>`` of rich text: a template's long
    formatted instructions come again, byte for byte, in every return saved by one
    application (bounded: 512 strings of at most MAX_CACHED_RUNS bytes; a departure
    raises, and is not remembered)."""
    return _runs(inner)


def _runs(inner: bytes) -> str:
    """The text of an ``<si>`` of rich text runs, held to the grammar."""
    stack: list[bytes] = []
    parts: list[str] = []
    checker = Checker("si")
    for closing, name, empty, text in _RUN_T.findall(inner):
        if text:
            if tuple(stack) in ((b"t",), (b"r", b"t")):
                parts.append(unescape(text))
            else:
                checker.text(unescape(text))
        elif closing:
            if stack:
                stack.pop()
                checker.end()
        else:
            checker.start(local_name(name.decode("utf-8")))
            if empty:
                checker.end()
            else:
                stack.append(name)
    if checker.problem is not None:
        raise _Departure
    return "".join(parts)


def _fast_sst(data: bytes) -> bool:
    if _ROOT_SST.match(data) is None:
        return False
    head = data.find(b"?>") + 2 if data.lstrip().startswith(b"<?xml") else 0
    return (
        b"<!" not in data
        and b"<?" not in data[head:]
        and data.count(MAIN.encode()) == 1
        and data.count(b"xmlns=") == 1
        and not gt_in_attribute(data)
    )


def shared_strings(data: bytes) -> SharedStrings:
    if data.count(b"<si") > MAX_SHARED_STRINGS:
        raise SharedStringsTooLarge(f"共享字符串超过 {MAX_SHARED_STRINGS} 个")
    if _fast_sst(data):
        well_formed(data)
        try:
            return SharedStrings(
                [
                    _shown_cached(inner) if len(inner) <= MAX_CACHED_RUNS else _shown(inner)
                    for inner in _SI.findall(data)
                ]
            )
        except _Departure:
            pass
    return _exact_sst(data)


def _exact_sst(data: bytes) -> SharedStrings:
    """The table by expat: each top-level ``<si>`` held to the grammar. After an ``<si>``
    nested in another, an application may count strings differently, so every later
    index is doubtful too."""
    result: list[str] = []
    bad: dict[int, str] = {}
    stack: list[str] = []
    current: list[str] = []
    checker = Checker("si")
    shifted: str | None = None

    def start(name: str, _attrs: dict[str, str]) -> None:
        nonlocal checker, shifted
        ns, _, local = name.rpartition(" ")
        local = local if ns == MAIN else "?" + local
        stack.append(local)
        if len(stack) == 2 and stack[0] == "sst" and local == "si":
            checker = Checker("si")
        elif len(stack) > 2 and stack[1] == "si":
            checker.start(local)
            if local == "si" and shifted is None:
                shifted = f"第 {len(result)} 号共享字符串中套着另一个<si>，此后的编号不可靠"

    def end(_name: str) -> None:
        nonlocal current
        if len(stack) == 2 and stack[1] == "si":
            index = len(result)
            result.append(xstring("".join(current)))
            current = []
            problem = shifted or checker.problem
            if problem is not None:
                bad[index] = problem
        elif len(stack) > 2 and stack[1] == "si":
            checker.end()
        stack.pop()

    def chars(text: str) -> None:
        if len(stack) < 2 or stack[1] != "si" or stack[0] != "sst":
            return
        path = tuple(stack[2:])
        if path in (("t",), ("r", "t")):
            current.append(text)
        else:
            checker.text(text)

    parse_events(data, start, end, chars)
    return SharedStrings(result, bad)


# -------------------------------------------------------------------------- properties
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
APP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
CORE_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DCTERMS_NS = "http://purl.org/dc/terms/"


def _property_text(kind: str, text: str) -> str:
    """LibreOffice re-saves a text 2024 as it is but a number as ``vt:r8`` 2024 (``2024.0``
    elsewhere): numbers that are whole are given as integers."""
    if kind in ("r4", "r8", "decimal", "i1", "i2", "i4", "i8", "int", "ui1", "ui2", "ui4", "ui8"):
        try:
            number = float(text)
        except ValueError:
            return text
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number))
    return text


def custom_properties(data: bytes) -> dict[str, str]:
    """Custom properties by name, each value an ST_Xstring as xlsxwriter writes it and
    LibreOffice reads it (``_x005F_x0041_`` is ``_x0041_``; the name is read as written). The grammar (ECMA-376 Part 1 §22.3.2.2) gives a property
    exactly one value element, holding text, and a unique name: a property outside it
    (two values, an element inside its value, its name twice) is left out, as if absent,
    since which reading an application would take is not known."""
    props: dict[str, str] = {}
    broken: set[str] = set()
    values: list[str] = []
    odd = False
    for el in elements(data, CUSTOM_NS):
        tag = el.path[-1]
        if len(el.path) > 3 and el.path[1] == "property":
            odd = True  # an element inside a value (vectors and blobs are never ours)
        elif tag.startswith("{" + VT_NS + "}") and len(el.path) == 3:
            values.append(_property_text(tag.rpartition("}")[2], xstring(el.text)))
        elif tag == "property":
            name = el.attrs.get("name", "")
            if odd or len(values) > 1 or name in props:
                broken.add(name)
            props.setdefault(name, values[0] if values else "")
            values, odd = [], False
    return {k: text for k, text in props.items() if k not in broken}


@lru_cache(maxsize=32)
def application(data: bytes) -> str | None:
    for el in elements(data, APP_NS):
        if el.path[-1] == "Application":
            return el.text.strip() or None
    return None


def saved_time(data: bytes) -> str | None:
    """``dcterms:modified`` of ``docProps/core.xml`` as written (an ISO 8601 time): when
    the workbook was last saved, by the saver's clock. A weak fact, used only to order two
    versions of a return that arrived together."""
    try:
        found = elements(data, CORE_NS)
    except (NotWellFormed, ValueError):
        return None  # a part nobody needs: a broken one leaves the time unknown
    for el in found:
        if el.path[-1] == "{" + DCTERMS_NS + "}modified" and len(el.path) == 2:
            return el.text.strip()[:40] or None
    return None
