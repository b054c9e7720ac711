"""One filled return and its variants, each differing from it in exactly one OOXML construct.

The witness study (``scripts/witness.py`` → ``tests/oracle/WITNESS.md``) opens every variant
in LibreOffice and Gnumeric and records what they show; a reader's fuzz test can reuse the
same variants as inputs whose right reading is known.

``base()`` is a template from the project's writer with four input cells of the 依申请公开
sheet filled by patching the sheet XML (xlsxwriter writes ``<c r="D6" s="12"/>`` for an
empty styled cell; the base has ``<c r="D6" s="12"><v>5</v></c>``), the way another
application would have saved them. ``VARIANTS`` maps a case id (``A03``) to a function
that builds that case: a ``Variant`` holding the xlsx bytes, the cells to look at, and
what the OOXML grammar and Excel's documentation say about the construct.

Cell references are taken from the layout (``layout_of``): the study names them D6, E6, ...
because that is where the layout puts them today.
"""

from __future__ import annotations

import functools
import io
import re
import tempfile
import warnings
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from gongkai_xlsx.cellref import from_a1, to_a1
from gongkai_xlsx.definition import load_form
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.writer import TemplateOptions, write_template

FORM = load_form("gk2021")
LAYOUT = layout_of(FORM)
AGENCY = "某县测试局"
YEAR = 2024


def _at(cell_id: str) -> tuple[str, str]:
    """(sheet, A1) of an input or total cell of the form."""
    sheet, row, col = LAYOUT.cell_positions[cell_id]
    return sheet, to_a1(row, col)


SHEET, D6 = _at("b.received.natural_person")
_, E6 = _at("b.received.commercial_enterprise")
_, F6 = _at("b.received.research_institution")
_, J6 = _at("b.received.total")
_, D7 = _at("b.carried_over.natural_person")
_, E7 = _at("b.carried_over.commercial_enterprise")
_, J7 = _at("b.carried_over.total")
OTHER_SHEET, OTHER_INPUT = _at("c.review.upheld")  # 复议诉讼: a later sheet
FIRST_SHEET = LAYOUT.sheets[0].name  # 填报说明 (the cover)
SECOND_SHEET = LAYOUT.sheets[1].name  # 主动公开

BASE_VALUES = {D6: "5", E6: "7", D7: "1", E7: "2"}
"""What the base return holds (as ``<v>`` text); J6 = SUM(D6:I6) = 12, J7 = 3."""

WATCH = tuple((SHEET, ref) for ref in (D6, E6, D7, E7, J6, J7))
"""The cells looked at in every case: the four filled inputs and their two row totals."""

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFDOC_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# --- sources cited in the Excel column of WITNESS.md, by key ------------------------------
SOURCES: dict[str, str] = {
    "OI-v": "[MS-OI29500] 2.1.660, Part 1 §18.3.1.96 v (Cell Value): Office requires a number "
    'cell\'s v to be "a textual representation of a double-precision floating point number"; '
    "a string cell's v a zero-based index into the shared string table; a Boolean cell's v 1 "
    "(true) or 0 (false); an error cell's v one of #NULL!, #DIV/0!, #VALUE!, #REF!, #NAME?, "
    "#NUM!, #N/A; a date cell's v one of a limited set of ISO 8601 forms; v at most 32767 "
    "characters. https://learn.microsoft.com/en-us/openspecs/office_standards/ms-oi29500/"
    "b9d01770-b85b-4fb2-a387-f5811719a1af",
    "OI-c": "[MS-OI29500] 2.1.590, Part 1 §18.3.1.4 c (Cell): a c without r is in the column "
    "one greater than the previous cell of its row, or the first column when it is the row's "
    "first c; s is an index into cellXfs, 0-65490. https://learn.microsoft.com/en-us/"
    "openspecs/office_standards/ms-oi29500/2fd4e47f-0965-4c60-95bd-cff980b6c325",
    "OI-rows": "[MS-OI29500] 2.1.834, Part 1 §18.14.13 sheetData (External Sheet Data Set): "
    '"In Office, rows must appear in ascending order" (said of external-link sheetData; no '
    "note for the worksheet's sheetData was found). http://msdn.microsoft.com/en-us/library/"
    "ff535246(v=office.12)",
    "OPC-dtd": "ECMA-376 Part 2 (OPC) §8.1.4 [M1.18]: DTD declarations shall not be used in "
    "the XML markup; package implementers shall treat their presence as an error. "
    "https://c-rex.net/projects/samples/ooxml/e1/Part2/"
    "OOXML_P2_Open_Packaging_Conventions_XML_topic_ID0EPSAG.html",
    "OPC-names": "ECMA-376 Part 2 (OPC) [M1.12]: part names are compared case-insensitively; "
    "packages shall not contain equivalent part names and package implementers shall neither "
    "create nor recognize such packages. https://c-rex.net/projects/samples/ooxml/e1/Part2/"
    "OOXML_P2_Open_Packaging_Conventions_Package_topic_ID0EPDHM.html",
    "XLSB-sheet": "[MS-XLSB] 2.4.313 BrtBundleSh: a sheet's name is unique case-insensitively, "
    "1-31 characters, none of : \\ * ? / [ ], not beginning or ending with '. "
    "https://learn.microsoft.com/en-us/openspecs/office_file_formats/ms-xlsb/"
    "1edadf56-b5cd-4109-abe7-76651bbe2722",
    "merge": "ECMA-376 mergeCells (§18.3.1.55): the formatting and content of a merged range "
    "are always stored in its top-left cell (https://c-rex.net/samples/ooxml/e1/part4/"
    "OOXML_P4_DOCX_mergeCells_topic_ID0EFE44.html); [MS-XLS] 2.4.168 MergeCells: merged "
    "ranges MUST NOT overlap (https://msdn.microsoft.com/en-us/library/dd923195).",
    "rep-cell-order": "Reports, not documentation: cells written out of column order "
    '"Microsoft Excel ignores the cells after the first cell in invalid order" while '
    "LibreOffice opens it normally (https://github.com/openspout/openspout/issues/362); Excel "
    "offers to repair the file and deletes the column (https://github.com/ahmedwalid05/"
    "FastExcel/issues/72).",
    "rep-row-order": "Report, not documentation: rows written out of ascending order made Excel "
    "ask to repair the file (https://github.com/qax-os/excelize/issues/1139).",
    "rep-v-and-is": "Reports, not documentation, and they disagree: a cell "
    '`<c t="inlineStr"><v>1.0</v><is>…1.</is></c>` from the R readxl test suite "appears in '
    'excel with a number-formatted-as-text tooltip", i.e. Excel shows the is text '
    "(https://github.com/tafia/calamine/pull/631); a cell holding both v and is made Excel "
    '"no longer load" the file (https://github.com/troldal/OpenXLSX/pull/188).',
    "sdk-d": 'The Open XML SDK validator (Office 2007 schema) rejects t="d": "The attribute '
    "'t' has invalid value 'd'. The Enumeration constraint failed.\" "
    "https://stackoverflow.com/questions/39627749/adding-a-date-in-an-excel-cell-using-openxml",
}


@dataclass(frozen=True)
class Variant:
    """One case: the xlsx bytes, the cells to look at, and what the grammar says."""

    case: str
    construct: str
    grammar: str
    data: bytes
    cells: tuple[tuple[str, str], ...] = WATCH
    excel: tuple[str, ...] = ()
    """Keys of ``SOURCES``: what Excel's documentation says about the construct."""
    resave: bool = False
    """Ask the witness to save it again (what a clerk's plain Save in Calc keeps)."""

    def write(self, folder: Path) -> Path:
        path = folder / f"{self.case}.xlsx"
        path.write_bytes(self.data)
        return path


# --- the package: an ordered list of zip entries ----------------------------------------


@dataclass(frozen=True)
class Package:
    """The zip entries of an xlsx, in order, with the helpers the variants need."""

    entries: tuple[tuple[zipfile.ZipInfo, bytes], ...]
    extra: tuple[tuple[zipfile.ZipInfo, bytes], ...] = field(default=())

    @classmethod
    def from_bytes(cls, data: bytes) -> Package:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return cls(tuple((info, z.read(info)) for info in z.infolist()))

    def read(self, name: str) -> bytes:
        return next(data for info, data in self.entries if info.filename == name)

    def text(self, name: str) -> str:
        return self.read(name).decode("utf-8")

    def replace(self, name: str, data: bytes | str) -> Package:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        assert any(info.filename == name for info, _ in self.entries), name
        return Package(
            tuple((i, raw if i.filename == name else d) for i, d in self.entries), self.extra
        )

    def edit(self, name: str, change: Callable[[str], str]) -> Package:
        return self.replace(name, change(self.text(name)))

    def with_duplicate(self, name: str, data: bytes | str) -> Package:
        """Add a second zip entry with the same name after all others."""
        info = next(i for i, _ in self.entries if i.filename == name)
        raw = data.encode("utf-8") if isinstance(data, str) else data
        return Package(self.entries, (*self.extra, (info, raw)))

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns on the duplicate entry case
            with zipfile.ZipFile(out, "w") as z:
                for info, data in (*self.entries, *self.extra):
                    z.writestr(info, data)
        return out.getvalue()

    def sheet_part(self, sheet_name: str) -> str:
        """The zip name of a sheet's part, from workbook.xml and its relationships."""
        wb = ET.fromstring(self.read("xl/workbook.xml"))
        rels = ET.fromstring(self.read("xl/_rels/workbook.xml.rels"))
        rid = next(
            s.get(f"{{{_OFFDOC_REL_NS}}}id")
            for s in wb.iter(f"{{{_MAIN_NS}}}sheet")
            if s.get("name") == sheet_name
        )
        target = next(
            r.get("Target") for r in rels.iter(f"{{{_REL_NS}}}Relationship") if r.get("Id") == rid
        )
        assert target is not None
        return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


# --- XML text edits (exact, each must find what it changes) -----------------------------


def once(text: str, old: str, new: str) -> str:
    """Replace ``old`` by ``new``; ``old`` must occur exactly once."""
    count = text.count(old)
    assert count == 1, f"{old!r} occurs {count} times"
    return text.replace(old, new)


def _cell_re(ref: str) -> re.Pattern[str]:
    return re.compile(rf'<c r="{ref}"(?P<attrs>[^>]*?)(?:/>|>(?P<body>.*?)</c>)', re.S)


def cell_element(xml: str, ref: str) -> str:
    """The whole ``<c r="ref" ...>`` element of a sheet (exactly one must exist)."""
    found = _cell_re(ref).findall(xml)
    assert len(found) == 1, f"{ref}: {len(found)} cells"
    match = _cell_re(ref).search(xml)
    assert match is not None
    return match.group(0)


def style_of(xml: str, ref: str) -> str:
    """The ``s`` attribute value of a cell ("0" when absent)."""
    match = re.search(r'\ss="(\d+)"', cell_element(xml, ref))
    return match.group(1) if match else "0"


def put(xml: str, ref: str, element: str) -> str:
    """Replace a cell's element by ``element``; ``{s}`` in it becomes the cell's style."""
    return once(xml, cell_element(xml, ref), element.replace("{s}", style_of(xml, ref)))


def row_element(xml: str, row: int) -> str:
    found = re.findall(rf'<row r="{row}"[^>]*>.*?</row>', xml, re.S)
    assert len(found) == 1, f"row {row}: {len(found)}"
    return found[0]


def row_of(ref: str) -> int:
    return from_a1(ref)[0] + 1


# --- the base return --------------------------------------------------------------------


@functools.cache
def template_bytes() -> bytes:
    """The project's own template (the writer, gk2021, 2024, a test agency)."""
    with tempfile.TemporaryDirectory(prefix="gk-witness-") as tmp:
        path = Path(tmp) / "template.xlsx"
        write_template(FORM, TemplateOptions(YEAR, agency=AGENCY), path)
        return path.read_bytes()


@functools.cache
def base_package() -> Package:
    """The template with ``BASE_VALUES`` typed into the form sheet's XML."""
    pkg = Package.from_bytes(template_bytes())
    part = pkg.sheet_part(SHEET)

    def fill(xml: str) -> str:
        for ref, value in BASE_VALUES.items():
            xml = put(xml, ref, f'<c r="{ref}" s="{{s}}"><v>{value}</v></c>')
        return xml

    return pkg.edit(part, fill)


def base() -> Variant:
    return Variant(
        "base",
        f"the base return: {', '.join(f'{r}={v}' for r, v in BASE_VALUES.items())} as "
        '`<c r=".." s=".."><v>n</v></c>`',
        "valid",
        base_package().to_bytes(),
    )


def sheet_xml() -> str:
    """The base form sheet's XML."""
    return base_package().text(base_package().sheet_part(SHEET))


def edit_sheet(change: Callable[[str], str], sheet: str = SHEET) -> bytes:
    pkg = base_package()
    return pkg.edit(pkg.sheet_part(sheet), change).to_bytes()


def with_cell(element: str, ref: str = D6) -> bytes:
    """The base with one cell's element replaced (``{s}`` = its style)."""
    return edit_sheet(lambda xml: put(xml, ref, element))


# --- the grammar of a number cell's <v> --------------------------------------------------

_XSD_DOUBLE = re.compile(r"(\+|-)?([0-9]+(\.[0-9]*)?|\.[0-9]+)([Ee](\+|-)?[0-9]+)?|(\+|-)?INF|NaN")


def xsd_double(text: str) -> float | None:
    """The xsd:double value of ``text`` (XSD 1.1 Part 2 §3.3.5: whiteSpace collapse, then the
    lexical pattern; out-of-range magnitudes round to ±INF or ±0), or None when ``text`` is
    not in the lexical space."""
    collapsed = text.strip(" \t\r\n")
    if not _XSD_DOUBLE.fullmatch(collapsed):
        return None
    return float(collapsed)


def _v_text(inner: str) -> str | None:
    """What an XML parser gives as ``<v>``'s text for this source (None: no text)."""
    return ET.fromstring(f"<v>{inner}</v>").text


def _double_note(inner: str | None) -> str:
    head = "v is ST_Xstring (§18.3.1.96): schema-valid"
    if inner is None:
        return "no v: valid (v is optional, minOccurs=0); the cell has no value"
    text = _v_text(inner) or ""
    value = xsd_double(text)
    if value is None:
        return f"{head}; as xsd:double: NOT in the lexical space"
    return f"{head}; as xsd:double: valid, value {value!r}"


VARIANTS: dict[str, Callable[[], Variant]] = {}


def _register(case: str, build: Callable[[], Variant]) -> None:
    assert case not in VARIANTS, case
    VARIANTS[case] = build


def variant(case: str, construct: str, grammar: str, excel: tuple[str, ...] = (), **kw: object):
    """Register a function returning the case's xlsx bytes (or ``(bytes, cells)``)."""

    def decorate(fn: Callable[[], bytes | tuple[bytes, Iterable[tuple[str, str]]]]):
        def build() -> Variant:
            out = fn()
            data, cells = out if isinstance(out, tuple) else (out, WATCH)
            return Variant(case, construct, grammar, data, tuple(cells), excel, **kw)  # type: ignore[arg-type]

        build.__name__ = fn.__name__
        build.__doc__ = construct
        _register(case, build)
        return fn

    return decorate


# --- A. the text of a number cell's <v> ---------------------------------------------------

_FIFTY_DIGITS = "12345678901234567890123456789012345678901234567890"
NUMBER_TEXTS: tuple[tuple[str, str | None, str], ...] = (
    ("A01", "12", "`12`"),
    ("A02", "12.0", "`12.0`"),
    ("A03", "+12", "`+12`"),
    ("A04", "-0", "`-0`"),
    ("A05", "1e1", "`1e1`"),
    ("A06", "1E+30", "`1E+30`"),
    ("A07", "1E+28", "`1E+28`"),
    ("A08", ".5", "`.5`"),
    ("A09", "5.", "`5.`"),
    ("A10", " 12", "` 12` (leading space)"),
    ("A11", "12 ", "`12 ` (trailing space)"),
    ("A12", "\n12\n", "`\\n12\\n` (newlines around)"),
    ("A13", "1_000", "`1_000`"),
    ("A14", "1_2", "`1_2`"),
    ("A15", "١٢", "`١٢` (Arabic-Indic digits)"),
    ("A16", "１２", "`１２` (full-width digits)"),
    ("A17", "0x1A", "`0x1A`"),
    ("A18", "INF", "`INF`"),
    ("A19", "-INF", "`-INF`"),
    ("A20", "NaN", "`NaN`"),
    ("A21", "inf", "`inf`"),
    ("A22", "1e309", "`1e309` (beyond double)"),
    ("A23", "1e-400", "`1e-400` (below the smallest double)"),
    ("A24", _FIFTY_DIGITS, "a 50-digit integer"),
    ("A25", "12abc", "`12abc`"),
    ("A26", "1,000", "`1,000`"),
    ("A27", "00012", "`00012`"),
    ("A28", "&#49;&#50;", "`&#49;&#50;` (character references for 12)"),
    ("A29", "", "`<v></v>` (empty)"),
    ("A30", "<v/>", "`<v/>`"),
    ("A31", None, 'no `<v>` at all: `<c r="D6" s=".." t="n"></c>`'),
    ("A32", "12.5", "`12.5` (a fraction; the input format is #,##0)"),
    ("A33", "1.2345678901234567", "`1.2345678901234567` (17 significant digits)"),
)


def _number_case(case: str, inner: str | None, label: str) -> None:
    if inner is None:
        element, note = f'<c r="{D6}" s="{{s}}" t="n"></c>', _double_note(None)
    elif inner == "<v/>":
        element, note = f'<c r="{D6}" s="{{s}}"><v/></c>', _double_note("")
    else:
        element, note = f'<c r="{D6}" s="{{s}}"><v>{inner}</v></c>', _double_note(inner)

    def build() -> Variant:
        return Variant(
            case, f"number cell {D6}, v = {label}", note, with_cell(element), WATCH, ("OI-v",)
        )

    build.__name__ = f"number_{case}"
    _register(case, build)


for _case, _inner, _label in NUMBER_TEXTS:
    _number_case(_case, _inner, _label)


# --- B. cell types -----------------------------------------------------------------------

ST_CELLTYPE = "ST_CellType (§18.18.11) = b | d | e | inlineStr | n | s | str"


def _with_shared_string(text: str) -> tuple[Package, int]:
    """The base with one more shared string; returns its index."""
    pkg = base_package()
    sst = pkg.text("xl/sharedStrings.xml")
    unique = int(re.search(r'uniqueCount="(\d+)"', sst).group(1))  # type: ignore[union-attr]
    count = int(re.search(r' count="(\d+)"', sst).group(1))  # type: ignore[union-attr]
    sst = once(sst, f' count="{count}"', f' count="{count + 1}"')
    sst = once(sst, f'uniqueCount="{unique}"', f'uniqueCount="{unique + 1}"')
    sst = once(sst, "</sst>", f"<si><t>{text}</t></si></sst>")
    return pkg.replace("xl/sharedStrings.xml", sst), unique


def _typed(
    case: str, t: str, inner: str, label: str, grammar: str, excel: tuple[str, ...] = ()
) -> None:
    element = f'<c r="{D6}" s="{{s}}" t="{t}">{inner}</c>'

    def build() -> Variant:
        return Variant(
            case, f'{D6} with t="{t}", {label}', grammar, with_cell(element), WATCH, excel
        )

    build.__name__ = f"typed_{case}"
    _register(case, build)


_typed("B01", "zz", "<v>12</v>", "`<v>12</v>`", f"INVALID: zz is not in {ST_CELLTYPE}")
_typed(
    "B02",
    "s",
    "<v>100000</v>",
    "index 100000 (past the table)",
    "schema-valid (v is a string); no such shared string",
    ("OI-v",),
)
_typed("B03", "s", "<v>-1</v>", "index -1", "schema-valid; not an index", ("OI-v",))
_typed("B04", "s", "<v>1.0</v>", "index `1.0`", "schema-valid; not an integer index", ("OI-v",))
_typed(
    "B05",
    "s",
    "<v> 1</v>",
    "index ` 1` (leading space)",
    "schema-valid; index text with a space",
    ("OI-v",),
)


def _shared_case(case: str, text: str) -> None:
    def build() -> Variant:
        pkg, index = _with_shared_string(text)
        part = pkg.sheet_part(SHEET)
        pkg = pkg.edit(
            part, lambda xml: put(xml, D6, f'<c r="{D6}" s="{{s}}" t="s"><v>{index}</v></c>')
        )
        return Variant(
            case,
            f'{D6} with t="s" pointing at a shared string "{text}" (the string is added to the table)',
            "valid: a text cell",
            pkg.to_bytes(),
            WATCH,
            ("OI-v",),
        )

    build.__name__ = f"shared_{case}"
    _register(case, build)


_shared_case("B06", "12")
_shared_case("B07", "abc")

_typed("B08", "b", "<v>0</v>", "`<v>0</v>`", "valid: Boolean false", ("OI-v",))
_typed("B09", "b", "<v>1</v>", "`<v>1</v>`", "valid: Boolean true", ("OI-v",))
_typed("B10", "b", "<v>2</v>", "`<v>2</v>`", "schema-valid (v is a string); not 0 or 1", ("OI-v",))
_typed(
    "B11",
    "b",
    "<v>true</v>",
    "`<v>true</v>`",
    "schema-valid; not 0 or 1 (xsd:boolean spelling)",
    ("OI-v",),
)
_typed("B12", "e", "<v>#N/A</v>", "`<v>#N/A</v>`", "valid: an error cell", ("OI-v",))
_typed("B13", "e", "<v>#DIV/0!</v>", "`<v>#DIV/0!</v>`", "valid: an error cell", ("OI-v",))
_typed(
    "B14",
    "e",
    "<v>12</v>",
    "`<v>12</v>` (not an error text)",
    "schema-valid; not an error text",
    ("OI-v",),
)
_typed(
    "B15",
    "str",
    "<v>12</v>",
    "`<v>12</v>` and no formula",
    "schema-valid; §18.18.11 str = 'cell containing a formula string', here without f",
)
_typed(
    "B16",
    "inlineStr",
    "<is><t>12</t></is>",
    "`<is><t>12</t></is>`",
    "valid: an inline text cell (is, CT_Rst)",
)
_typed(
    "B17",
    "inlineStr",
    "<is><r><t>1</t></r><r><t>2</t></r></is>",
    "rich runs `<is><r><t>1</t></r><r><t>2</t></r></is>`",
    "valid: inline rich text, the runs joined: '12'",
)
_typed(
    "B18",
    "inlineStr",
    '<is><t>12</t><rPh sb="0" eb="2"><t>じゅうに</t></rPh></is>',
    'a phonetic run `<is><t>12</t><rPh sb="0" eb="2"><t>じゅうに</t></rPh></is>`',
    "valid: text '12' with a phonetic guide (rPh is not cell text)",
)
_typed(
    "B19",
    "inlineStr",
    "<v>12</v>",
    "`<v>12</v>` instead of `<is>`",
    "schema-valid; an inline string is given in is (§18.3.1.96), here it has none",
)
_typed(
    "B20",
    "n",
    "<is><t>12</t></is>",
    "`<is><t>12</t></is>` in a number cell",
    "schema-valid; a number cell with no v",
)
_typed(
    "B21",
    "d",
    "<v>2024-01-01</v>",
    "`<v>2024-01-01</v>`",
    "valid (ISO/IEC 29500 transitional): a date",
    ("OI-v", "sdk-d"),
)
_typed(
    "B22",
    "d",
    "<v>12</v>",
    "`<v>12</v>`",
    "schema-valid; '12' is not an ISO 8601 date",
    ("OI-v", "sdk-d"),
)
_typed(
    "B23",
    "inlineStr",
    "<v>5</v><is><t>12</t></is>",
    "both `<v>5</v>` and `<is><t>12</t></is>`",
    "schema-valid (CT_Cell sequence f?, v?, is?); which one is the value is not said",
    ("rep-v-and-is",),
)
_register(
    "B24",
    lambda: Variant(
        "B24",
        f"{D6} with no t (number), both `<v>5</v>` and `<is><t>12</t></is>`",
        "schema-valid (CT_Cell sequence f?, v?, is?)",
        with_cell(f'<c r="{D6}" s="{{s}}"><v>5</v><is><t>12</t></is></c>'),
        excel=("rep-v-and-is",),
    ),
)


# --- C. structure of sheetData -------------------------------------------------------------

_R6, _R7 = row_of(D6), row_of(D7)
_ROW_ORDER = "schema: no order required (CT_SheetData is a sequence of row)"


@variant(
    "C01",
    f"row {_R7} written before row {_R6} (both with values)",
    _ROW_ORDER,
    ("OI-rows", "rep-row-order"),
)
def rows_out_of_order() -> bytes:
    def swap(xml: str) -> str:
        r6, r7 = row_element(xml, _R6), row_element(xml, _R7)
        return once(xml, r6 + r7, r7 + r6)

    return edit_sheet(swap)


@variant(
    "C02",
    f'two `<row r="{_R6}">`: the second holds only `<c r="{D6}"><v>9</v></c>`',
    "schema-valid; the standard says nothing of two rows with one r",
)
def duplicate_row_conflict() -> bytes:
    return edit_sheet(
        lambda xml: once(
            xml,
            row_element(xml, _R6),
            row_element(xml, _R6)
            + f'<row r="{_R6}"><c r="{D6}" s="{style_of(xml, D6)}"><v>9</v></c></row>',
        )
    )


@variant(
    "C03",
    f'two `<row r="{_R6}">`: the second holds only `<c r="{F6}"><v>4</v></c>` (F6 empty in the first)',
    "schema-valid; the standard says nothing of two rows with one r",
)
def duplicate_row_extra() -> bytes:
    def change(xml: str) -> str:
        row = row_element(xml, _R6)
        extra = f'<row r="{_R6}"><c r="{F6}" s="{style_of(xml, F6)}"><v>4</v></c></row>'
        return once(xml, row, row + extra)

    return edit_sheet(change), (*WATCH, (SHEET, F6))


def _twice(first: str, second: str) -> Callable[[], bytes]:
    return lambda: edit_sheet(
        lambda xml: put(
            xml,
            D6,
            first.replace("{s}", style_of(xml, D6)) + second.replace("{s}", style_of(xml, D6)),
        )
    )


_DUP_CELL = "schema-valid; the standard says nothing of two c with one r"
_register(
    "C04",
    lambda: Variant(
        "C04",
        f'the same `<c r="{D6}">` twice in one row: 5 then 7',
        _DUP_CELL,
        _twice(f'<c r="{D6}" s="{{s}}"><v>5</v></c>', f'<c r="{D6}" s="{{s}}"><v>7</v></c>')(),
    ),
)
_register(
    "C05",
    lambda: Variant(
        "C05",
        f'the same `<c r="{D6}">` twice: 5, then an empty `<c r="{D6}" s=".."/>`',
        _DUP_CELL,
        _twice(f'<c r="{D6}" s="{{s}}"><v>5</v></c>', f'<c r="{D6}" s="{{s}}"/>')(),
    ),
)
_register(
    "C06",
    lambda: Variant(
        "C06",
        f'the same `<c r="{D6}">` twice: empty, then 7',
        _DUP_CELL,
        _twice(f'<c r="{D6}" s="{{s}}"/>', f'<c r="{D6}" s="{{s}}"><v>7</v></c>')(),
    ),
)


@variant(
    "C07",
    f"cells out of order in a row: {E6} before {D6}",
    "schema: no order of c required",
    ("rep-cell-order",),
)
def cells_out_of_order() -> bytes:
    def swap(xml: str) -> str:
        d, e = cell_element(xml, D6), cell_element(xml, E6)
        return once(xml, d + e, e + d)

    return edit_sheet(swap)


@variant(
    "C08",
    f'`<c r="{D7}">` (value 5) inside `<row r="{_R6}">`, in place of {D6}; row {_R7} has no {D7}',
    "schema-valid; the standard does not say which wins, the row's r or the cell's r",
)
def cell_in_wrong_row() -> bytes:
    def change(xml: str) -> str:
        s = style_of(xml, D6)
        xml = put(xml, D7, "")
        return put(xml, D6, f'<c r="{D7}" s="{s}"><v>5</v></c>')

    return edit_sheet(change)


_LEFT = tuple((SHEET, to_a1(row_of(D6) - 1, c)) for c in range(from_a1(D6)[1] - 3, from_a1(D6)[1]))


@variant(
    "C09",
    f"two cells without r after the row's third cell: the {D6} (5) and {E6} (7) elements lose r",
    "valid (r is optional)",
    ("OI-c",),
)
def cells_without_r() -> tuple[bytes, tuple[tuple[str, str], ...]]:
    def change(xml: str) -> str:
        for ref in (D6, E6):
            xml = once(
                xml, cell_element(xml, ref), cell_element(xml, ref).replace(f' r="{ref}"', "", 1)
            )
        return xml

    return edit_sheet(change), (*_LEFT, *WATCH, (SHEET, F6))


@variant(
    "C10",
    f"a cell without r as the first c of a row: row {_R7}'s {D7} element (1) moved to the "
    "row's front, without r",
    "valid (r is optional)",
    ("OI-c",),
)
def first_cell_without_r() -> tuple[bytes, tuple[tuple[str, str], ...]]:
    a7 = to_a1(_R7 - 1, 0)

    def change(xml: str) -> str:
        row = row_element(xml, _R7)
        cell = cell_element(row, D7)
        bare = cell.replace(f' r="{D7}"', "", 1)
        new_row = once(row, cell, "")
        head = re.match(r"<row [^>]*>", new_row).group(0)  # type: ignore[union-attr]
        return once(xml, row, once(new_row, head, head + bare))

    return edit_sheet(change), (*WATCH, (SHEET, a7))


@variant("C11", f"row {_R7} without r (its cells keep r)", "valid (row r is optional)")
def row_without_r() -> bytes:
    return edit_sheet(lambda xml: once(xml, f'<row r="{_R7}" ', "<row "))


@variant(
    "C12",
    f"row {_R7} without r and all its cells without r",
    "valid (both optional); position only by order",
    ("OI-c",),
)
def row_and_cells_without_r() -> bytes:
    def change(xml: str) -> str:
        row = row_element(xml, _R7)
        bare = re.sub(r'(<c) r="[A-Z]+\d+"', r"\1", row).replace(f'<row r="{_R7}" ', "<row ", 1)
        return once(xml, row, bare)

    return edit_sheet(change)


@variant(
    "C13",
    f'row {_R7} written as `<row r="0">` (its cells keep r="{D7}" ...)',
    "schema: r is xsd:unsignedInt, 0 is valid lexically; rows are 1-based (§18.3.1.73)",
)
def row_zero() -> bytes:
    return edit_sheet(lambda xml: once(xml, f'<row r="{_R7}" ', '<row r="0" '))


@variant(
    "C14",
    'an extra `<row r="1048577"><c r="D1048577"><v>9</v></c></row>` after the last row',
    "schema-valid (xsd:unsignedInt); past Excel's 1,048,576 rows",
)
def row_past_last() -> bytes:
    return edit_sheet(
        lambda xml: once(
            xml, "</sheetData>", '<row r="1048577"><c r="D1048577"><v>9</v></c></row></sheetData>'
        )
    )


@variant(
    "C15",
    'an extra `<row r="1048576"><c r="XFD1048576"><v>9</v></c></row>` (the last cell of a sheet)',
    "valid: XFD1048576 is Excel's last cell",
)
def last_cell() -> tuple[bytes, tuple[tuple[str, str], ...]]:
    data = edit_sheet(
        lambda xml: once(
            xml, "</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>9</v></c></row></sheetData>'
        )
    )
    return data, (*WATCH, (SHEET, "XFD1048576"), (SHEET, "AMJ1048576"))


# --- D. merges -----------------------------------------------------------------------------


def _label_merge() -> str:
    """The row label's merged range on the filled row (A6:C6 today), from the layout."""
    row, _ = from_a1(D6)
    box = next(
        b for b in LAYOUT.sheet(SHEET).boxes if b.row == row and b.role == "row_label" and b.merged
    )
    return f"{to_a1(box.row, box.col)}:{to_a1(box.last_row, box.last_col)}"


def _add_merge(xml: str, ref: str) -> str:
    count = int(re.search(r'<mergeCells count="(\d+)"', xml).group(1))  # type: ignore[union-attr]
    xml = once(xml, f'<mergeCells count="{count}">', f'<mergeCells count="{count + 1}">')
    return once(xml, "</mergeCells>", f'<mergeCell ref="{ref}"/></mergeCells>')


@variant(
    "D01",
    f'`<mergeCell ref="{D6}:{E6}"/>` added over two filled inputs (5, 7); re-saved by LibreOffice',
    "valid",
    ("merge",),
    resave=True,
)
def merge_over_inputs() -> bytes:
    return edit_sheet(lambda xml: _add_merge(xml, f"{D6}:{E6}"))


@variant(
    "D02",
    f"the row label's merge {_label_merge()} shrunk by one column and a new merge from that "
    f"(empty) label cell over {D6}",
    "valid",
    ("merge",),
)
def merge_from_empty_label() -> tuple[bytes, tuple[tuple[str, str], ...]]:
    first, last = _label_merge().split(":")
    last_row, last_col = from_a1(last)
    shrunk = f"{first}:{to_a1(last_row, last_col - 1)}"

    def change(xml: str) -> str:
        xml = once(xml, f'<mergeCell ref="{_label_merge()}"/>', f'<mergeCell ref="{shrunk}"/>')
        return _add_merge(xml, f"{last}:{D6}")

    return edit_sheet(change), (*WATCH, (SHEET, first), (SHEET, last))


@variant(
    "D03",
    f"the row label's merge {_label_merge()} widened over {D6} (top-left: the label text)",
    "valid",
    ("merge",),
)
def label_merge_over_input() -> tuple[bytes, tuple[tuple[str, str], ...]]:
    first, _ = _label_merge().split(":")

    def change(xml: str) -> str:
        return once(xml, f'<mergeCell ref="{_label_merge()}"/>', f'<mergeCell ref="{first}:{D6}"/>')

    return edit_sheet(change), (*WATCH, (SHEET, first))


# --- E. the zip and the workbook -----------------------------------------------------------


@variant(
    "E01",
    f"the form sheet's part twice in the zip, same name: first with {D6}=5 (base), last with {D6}=9",
    "INVALID package: two zip items for one part name",
    ("OPC-names",),
)
def duplicate_part() -> bytes:
    pkg = base_package()
    part = pkg.sheet_part(SHEET)
    second = put(pkg.text(part), D6, f'<c r="{D6}" s="{{s}}"><v>9</v></c>')
    return pkg.with_duplicate(part, second).to_bytes()


def _edit_workbook(change: Callable[[str], str]) -> bytes:
    return base_package().edit("xl/workbook.xml", change).to_bytes()


def _sheet_tag(xml: str, name: str) -> str:
    found = re.findall(rf'<sheet name="{re.escape(name)}"[^>]*/>', xml)
    assert len(found) == 1, name
    return found[0]


@variant(
    "E02",
    f'two `<sheet>` elements named "{SHEET}": the last sheet ({OTHER_SHEET}) renamed to it',
    "schema-valid; §18.2.19 sheet names are unique in a workbook",
    ("XLSB-sheet",),
)
def duplicate_sheet_name() -> tuple[bytes, tuple[tuple[str, str], ...]]:
    def change(xml: str) -> str:
        tag = _sheet_tag(xml, OTHER_SHEET)
        return once(xml, tag, tag.replace(f'name="{OTHER_SHEET}"', f'name="{SHEET}"'))

    title = to_a1(0, 0)  # each table sheet's title: tells which part a sheet shows
    cells = (*WATCH, (SHEET, title), (OTHER_SHEET, OTHER_INPUT), (SHEET, OTHER_INPUT))
    return _edit_workbook(change), cells


def _state(case: str, state: str) -> None:
    @variant(case, f'the form sheet {SHEET} with `state="{state}"`', "valid (ST_SheetState)")
    def build() -> bytes:
        def change(xml: str) -> str:
            tag = _sheet_tag(xml, SHEET)
            return once(xml, tag, tag.replace("/>", f' state="{state}"/>'))

        return _edit_workbook(change)


_state("E03", "hidden")
_state("E04", "veryHidden")


@variant(
    "E05",
    f'the form sheet renamed "{SHEET} " (a trailing space)',
    "valid (a sheet name may end in a space)",
    ("XLSB-sheet",),
)
def trailing_space_name() -> tuple[bytes, tuple[tuple[str, str], ...]]:
    def change(xml: str) -> str:
        tag = _sheet_tag(xml, SHEET)
        return once(xml, tag, tag.replace(f'name="{SHEET}"', f'name="{SHEET} "'))

    return _edit_workbook(change), (*WATCH, (f"{SHEET} ", D6))


@variant(
    "E06",
    f'two sheet names that differ only by case: {SECOND_SHEET} renamed "Sheet", '
    f'{OTHER_SHEET} renamed "SHEET" (the form\'s names are Chinese, which has no case)',
    "schema-valid; unique names are compared case-insensitively by Excel",
    ("XLSB-sheet",),
)
def case_only_names() -> tuple[bytes, tuple[tuple[str, str], ...]]:
    def change(xml: str) -> str:
        for old, new in ((SECOND_SHEET, "Sheet"), (OTHER_SHEET, "SHEET")):
            tag = _sheet_tag(xml, old)
            xml = once(xml, tag, tag.replace(f'name="{old}"', f'name="{new}"'))
        return xml

    return _edit_workbook(change), (*WATCH, ("Sheet", "A1"), ("SHEET", "A1"))


# --- F. number formats on an input cell ------------------------------------------------------


def _with_format(code: str | None, builtin: int | None, value: str) -> bytes:
    """The base with D6 = ``value`` in a copy of its own style using another number format:
    a custom ``code`` (added to numFmts) or a built-in id."""
    pkg = base_package()
    part = pkg.sheet_part(SHEET)
    styles = pkg.text("xl/styles.xml")
    old_style = int(style_of(pkg.text(part), D6))
    if code is not None:
        ids = [int(i) for i in re.findall(r'<numFmt numFmtId="(\d+)"', styles)]
        fmt_id = max([163, *ids]) + 1
        count = int(re.search(r'<numFmts count="(\d+)"', styles).group(1))  # type: ignore[union-attr]
        escaped = code.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
        styles = once(styles, f'<numFmts count="{count}">', f'<numFmts count="{count + 1}">')
        styles = once(
            styles, "</numFmts>", f'<numFmt numFmtId="{fmt_id}" formatCode="{escaped}"/></numFmts>'
        )
    else:
        assert builtin is not None
        fmt_id = builtin
    head, rest = styles.split("<cellXfs", 1)
    xfs_text, tail = rest.split("</cellXfs>", 1)
    xfs = re.findall(r"<xf [^>]*?(?:/>|>.*?</xf>)", xfs_text, re.S)
    new_xf = re.sub(r'numFmtId="\d+"', f'numFmtId="{fmt_id}"', xfs[old_style], count=1)
    count_xf = int(re.search(r'count="(\d+)"', xfs_text).group(1))  # type: ignore[union-attr]
    xfs_text = once(xfs_text, f'count="{count_xf}"', f'count="{count_xf + 1}"') + new_xf
    styles = f"{head}<cellXfs{xfs_text}</cellXfs>{tail}"
    pkg = pkg.replace("xl/styles.xml", styles)
    pkg = pkg.edit(part, lambda xml: put(xml, D6, f'<c r="{D6}" s="{count_xf}"><v>{value}</v></c>'))
    return pkg.to_bytes()


FORMATS: tuple[tuple[str, str | None, int | None, str, str], ...] = (
    ("F01", None, 14, "45000", "built-in format 14 (a date)"),
    ("F02", "yyyy-mm-dd", None, "45000", "`yyyy-mm-dd`"),
    ("F03", "0%", None, "0.12", "`0%`"),
    ("F04", "0.00E+00", None, "123456789", "`0.00E+00`"),
    ("F05", "#,##0,", None, "12000", "`#,##0,` (thousands scaling)"),
    ("F06", '"件"0', None, "12", '`"件"0` (literal text before)'),
    ("F07", '0"件"', None, "12", '`0"件"` (literal text after)'),
    ("F08", ";;;", None, "12", "`;;;` (everything hidden)"),
    ("F09", "@", None, "12", "`@` (text format on a number)"),
    ("F10", "0.0", None, "12", "`0.0`"),
    ("F11", "[Red]0", None, "12", "`[Red]0`"),
    ("F12", "0;-0;;@", None, "0", "`0;-0;;@` (zero hidden) holding 0"),
    ("F13", "[DBNum1][$-804]General", None, "12", "`[DBNum1][$-804]General` (Chinese numerals)"),
    (
        "F14",
        "[$-F800]dddd, mmmm dd, yyyy",
        None,
        "45000",
        "`[$-F800]dddd, mmmm dd, yyyy` (system long date)",
    ),
    ("F15", None, 0, "12000", "built-in format 0 (General) holding 12000"),
    ("F16", "0", None, "12.5", "`0` holding 12.5 (the shown text rounds)"),
)


def _format_case(case: str, code: str | None, builtin: int | None, value: str, label: str) -> None:
    def build() -> Variant:
        return Variant(
            case,
            f"{D6} = {value} with number format {label}",
            "valid (§18.8.30 numFmt, §18.8.31 format codes)",
            _with_format(code, builtin, value),
        )

    build.__name__ = f"format_{case}"
    _register(case, build)


for _case, _code, _builtin, _value, _label in FORMATS:
    _format_case(_case, _code, _builtin, _value, _label)


# --- G. XML syntax -------------------------------------------------------------------------

_XML_OK = "valid XML 1.0"


def _syntax(case: str, construct: str, element: str, grammar: str = _XML_OK) -> None:
    _register(case, lambda: Variant(case, construct, grammar, with_cell(element)))


_syntax(
    "G01",
    f"`<v><![CDATA[12]]></v>` in {D6}",
    f'<c r="{D6}" s="{{s}}"><v><![CDATA[12]]></v></c>',
    f"{_XML_OK}: text '12'",
)
_syntax(
    "G02",
    f"a comment inside `<c>` ({D6} = 12)",
    f'<c r="{D6}" s="{{s}}"><!-- typed --><v>12</v></c>',
)
_syntax(
    "G03",
    "a comment splitting the number: `<v>1<!-- -->2</v>`",
    f'<c r="{D6}" s="{{s}}"><v>1<!-- -->2</v></c>',
    f"{_XML_OK}: the element's text is '12' (comments are not character data)",
)
_syntax("G04", "attribute values in single quotes", f"<c r='{D6}' s='{{s}}'><v>12</v></c>")
_syntax(
    "G05",
    "whitespace around `=` in attributes",
    f'<c r = "{D6}" s = "{{s}}"><v>12</v></c>',
    f"{_XML_OK} (Eq ::= S? '=' S?)",
)
_syntax(
    "G06",
    "`</c >` with a space",
    f'<c r="{D6}" s="{{s}}"><v>12</v></c >',
    f"{_XML_OK} (ETag ::= '</' Name S? '>')",
)
_syntax(
    "G07",
    'inline string `<t xml:space="preserve"> 12 </t>`',
    f'<c r="{D6}" s="{{s}}" t="inlineStr"><is><t xml:space="preserve"> 12 </t></is></c>',
    "valid: text ' 12 ' with its spaces",
)
_syntax(
    "G08",
    "inline string `<t> 12 </t>` (no xml:space)",
    f'<c r="{D6}" s="{{s}}" t="inlineStr"><is><t> 12 </t></is></c>',
    "valid; whether the spaces count is the application's choice without xml:space",
)


@variant(
    "G09",
    "the whole form sheet with a namespace prefix (`<x:worksheet xmlns:x=...>`, every element prefixed)",
    "valid (Namespaces in XML)",
)
def prefixed_sheet() -> bytes:
    def change(xml: str) -> str:
        xml = re.sub(r"<(/?)([A-Za-z][\w]*)(?=[\s/>])", r"<\1x:\2", xml)
        return once(xml, f'<x:worksheet xmlns="{_MAIN_NS}"', f'<x:worksheet xmlns:x="{_MAIN_NS}"')

    return edit_sheet(change)


@variant(
    "G10",
    f'a DOCTYPE with an internal entity: `<!DOCTYPE worksheet [<!ENTITY n "12">]>`, {D6} = `<v>&n;</v>`',
    "XML-valid; INVALID in OOXML (no DTD allowed)",
    ("OPC-dtd",),
)
def doctype_entity() -> bytes:
    def change(xml: str) -> str:
        xml = once(xml, "<worksheet ", '<!DOCTYPE worksheet [<!ENTITY n "12">]><worksheet ')
        return put(xml, D6, f'<c r="{D6}" s="{{s}}"><v>&n;</v></c>')

    return edit_sheet(change)


@variant(
    "G11", "a UTF-8 byte order mark before the sheet's XML declaration", f"{_XML_OK} (BOM allowed)"
)
def byte_order_mark() -> bytes:
    pkg = base_package()
    part = pkg.sheet_part(SHEET)
    return pkg.replace(part, b"\xef\xbb\xbf" + pkg.read(part)).to_bytes()


# --- H. the grammar of the elements the reader uses (reader/grammar.py) ----------------------

_CT_CELL = "CT_Cell (§18.3.1.4): f?, v?, is?, extLst? (each at most once)"
_TEXT_ONLY = "v, f and t are text only (ST_Xstring): no child element"
_CT_RST = "CT_Rst (§18.4.8): t?, r*, rPh*, phoneticPr?; CT_RElt (§18.4.4): rPr?, t"

CELL_GRAMMAR: tuple[tuple[str, str, str, str], ...] = (
    ("H01", "", "<v>3</v><v>0</v>", _CT_CELL),
    ("H02", "", "<v>250</v><v>.83</v>", _CT_CELL),
    ("H03", "", "<v>1<x/>2</v>", _TEXT_ONLY),
    ("H04", "", "<v>1<x>9</x>2</v>", _TEXT_ONLY),
    ("H05", "", "<f>1+1</f><f>3+4</f><v>7</v>", _CT_CELL),
    ("H06", "", "<f>3<x/>+4</f><v>7</v>", _TEXT_ONLY),
    ("H07", "inlineStr", "<is><t>1</t></is><is><t>2</t></is>", _CT_CELL),
    ("H08", "inlineStr", "<is><t>1</t><t>2</t></is>", _CT_RST),
    ("H09", "inlineStr", "<is><t>1<x/>2</t></is>", _TEXT_ONLY),
    ("H10", "inlineStr", "<is><r><t>1</t><t>2</t></r></is>", _CT_RST),
    ("H11", "inlineStr", "<is><r><r><t>1</t></r><t>2</t></r></is>", _CT_RST),
    ("H12", "", "<v>5</v><x>7</x>", _CT_CELL + "; x is no child of c"),
)
"""(case, t, the cell's content, what the grammar says): D6's element is
``<c r="D6" s=".." t="..">content</c>``."""


def _cell_grammar_case(case: str, t: str, inner: str, grammar: str) -> None:
    t_attr = f' t="{t}"' if t else ""
    element = f'<c r="{D6}" s="{{s}}"{t_attr}>{inner}</c>'

    def build() -> Variant:
        construct = f"{D6}{t_attr.replace(chr(34), '')} with `{inner}`"
        return Variant(case, construct, f"INVALID: {grammar}", with_cell(element), WATCH)

    build.__name__ = f"cell_grammar_{case}"
    _register(case, build)


for _case, _t, _inner, _grammar in CELL_GRAMMAR:
    _cell_grammar_case(_case, _t, _inner, _grammar)


def _with_si(items: str, at: int) -> bytes:
    """The base with ``items`` (raw ``<si>`` elements) appended to the shared strings and
    D6 a text cell pointing at index ``unique + at``."""
    pkg = base_package()
    sst = pkg.text("xl/sharedStrings.xml")
    unique = int(re.search(r'uniqueCount="(\d+)"', sst).group(1))  # type: ignore[union-attr]
    sst = once(sst, "</sst>", f"{items}</sst>")
    pkg = pkg.replace("xl/sharedStrings.xml", sst)
    part = pkg.sheet_part(SHEET)
    index = unique + at
    return pkg.edit(
        part, lambda xml: put(xml, D6, f'<c r="{D6}" s="{{s}}" t="s"><v>{index}</v></c>')
    ).to_bytes()


SHARED_GRAMMAR: tuple[tuple[str, str, int, str], ...] = (
    ("H13", "<si><t>1</t><t>2</t></si>", 0, "t twice in one si"),
    ("H14", "<si><t>1<x/>2</t></si>", 0, "a child element inside t"),
    ("H15", "<si><r><t>1</t><t>2</t></r></si>", 0, "t twice in one rich run"),
    (
        "H16",
        "<si><t>1</t><si><t>2</t></si></si><si><t>3</t></si>",
        1,
        "an si nested in an si, D6 pointing at the string after it (`3` at the next index)",
    ),
)


def _shared_grammar_case(case: str, items: str, at: int, label: str) -> None:
    def build() -> Variant:
        return Variant(
            case,
            f'{D6} with t="s" pointing at a shared string with {label}: `{items}`',
            f"INVALID: {_CT_RST}; {_TEXT_ONLY}",
            _with_si(items, at),
            WATCH,
        )

    build.__name__ = f"shared_grammar_{case}"
    _register(case, build)


for _case, _items, _at, _label in SHARED_GRAMMAR:
    _shared_grammar_case(_case, _items, _at, _label)


@variant(
    "H17",
    f"{D6} = 12 in a style whose number format id is defined twice: `0%`, then `0`",
    "INVALID: numFmt ids are unique in numFmts (§18.8.31)",
)
def number_format_twice() -> bytes:
    pkg = Package.from_bytes(_with_format("0%", None, "12"))
    styles = pkg.text("xl/styles.xml")
    fmt_id = max(int(i) for i in re.findall(r'<numFmt numFmtId="(\d+)"', styles))
    first = f'<numFmt numFmtId="{fmt_id}" formatCode="0%"/>'
    styles = once(styles, first, first + f'<numFmt numFmtId="{fmt_id}" formatCode="0"/>')
    return pkg.replace("xl/styles.xml", styles).to_bytes()


def all_variants() -> list[Variant]:
    """The base first, then every case in id order."""
    return [base(), *(VARIANTS[k]() for k in sorted(VARIANTS))]


# --- I. formulas typed into input cells ----------------------------------------------------
# Excel writes a formula filled across cells (dragged) as one shared formula: the first
# cell holds its text and ``ref``, the others only ``<f t="shared" si=".."/>``; each child's
# formula is the master's with relative references shifted. D7 = 1 and E7 = 2 in the base,
# so D7+$D$7*4 is 5 in D6 and, shifted to E6, E7+$D$7*4 = 6.

_MASTER = f'<c r="{D6}" s="{{s}}"><f t="shared" ref="{D6}:{E6}" si="0">{D7}+$D$7*4</f><v>5</v></c>'
_SHARED = "ECMA-376 §18.3.1.40 f, §18.18.6 ST_CellFormulaType: shared"


def _shared_pair(child: str, master: str = _MASTER) -> bytes:
    return edit_sheet(lambda xml: put(put(xml, D6, master), E6, child))


@variant(
    "I01",
    f"a shared formula {D6}:{E6} (`{D7}+$D$7*4`), the child {E6} with its right result 6",
    f"valid ({_SHARED})",
)
def shared_formula() -> bytes:
    return _shared_pair(f'<c r="{E6}" s="{{s}}"><f t="shared" si="0"/><v>6</v></c>')


@variant(
    "I02",
    f"the shared formula of I01, the child {E6} storing 8 (its formula gives 6)",
    f"schema-valid ({_SHARED}); the stored result is not the formula's",
)
def shared_formula_wrong_result() -> bytes:
    return _shared_pair(f'<c r="{E6}" s="{{s}}"><f t="shared" si="0"/><v>8</v></c>')


@variant(
    "I03",
    f'a shared-formula child {E6} (`si="5"`, storing 7) whose master is nowhere in the sheet',
    f"INVALID ({_SHARED}): no cell holds the formula of shared group 5",
)
def shared_formula_without_master() -> bytes:
    return with_cell(f'<c r="{E6}" s="{{s}}"><f t="shared" si="5"/><v>7</v></c>', E6)


@variant(
    "I04",
    f"a plain formula `{D7}+{E7}` in {D6} storing 8 (it gives 3)",
    "schema-valid; the stored result is not the formula's",
)
def formula_wrong_result() -> bytes:
    return with_cell(f'<c r="{D6}" s="{{s}}"><f>{D7}+{E7}</f><v>8</v></c>')


@variant(
    "I05",
    f"the shared formula of I01 with its master in {E6}, after its child {D6} (storing 5)",
    f"schema-valid ({_SHARED}); the child comes before its master",
)
def shared_child_before_master() -> bytes:
    master = (
        f'<c r="{E6}" s="{{s}}"><f t="shared" ref="{D6}:{E6}" si="0">{E7}+$D$7*4</f><v>6</v></c>'
    )
    child = f'<c r="{D6}" s="{{s}}"><f t="shared" si="0"/><v>5</v></c>'
    return edit_sheet(lambda xml: put(put(xml, D6, child), E6, master))
