"""The reader's boundary and its reading of odd files: every case the provincial-scale issue
lists, each with its exact finding (code, cell), and the two tokenizers agreeing."""

from __future__ import annotations

import io
import os
import re
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import as_nobody

sys.path.insert(0, str(Path(__file__).parent))
from oracle import variants as v

from gongkai_xlsx.api import check_file
from gongkai_xlsx.cellref import from_a1, to_a1
from gongkai_xlsx.checks.run import Outcome, check_return
from gongkai_xlsx.definition.names import PROP_AGENCY
from gongkai_xlsx.reader import read_return, sheet_fast
from gongkai_xlsx.reader.model import Return
from gongkai_xlsx.reader.sheet_cells import MAIN_NS, SheetTooLarge
from gongkai_xlsx.reader.sheetxml import scan_sheet
from gongkai_xlsx.writer import TemplateOptions, write_template

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SEED = SAMPLES / "互助县城市管理综合行政执法局_2024.xlsx"


def check(data: bytes, name: str = "return.xlsx") -> Outcome:
    return check_return(read_return(data, name))


def cells(outcome: Outcome, *codes: str) -> list[tuple[str, str | None]]:
    """(code, cell) of the outcome's findings, balance and total warnings left out unless
    asked for (the variants are not balanced and their cached totals are 0)."""
    quiet = {"balance", "total-mismatch"} - set(codes)
    return [(f.code.code, f.cell) for f in outcome.findings if f.code.code not in quiet]


# --------------------------------------------------------------------- one boundary
def test_a_fifo_is_reported_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "x.xlsx"
    os.mkfifo(fifo)
    outcome = check_file(fifo)  # must not block
    assert cells(outcome) == [("file-not-regular", None)]
    assert outcome.findings[0].message.startswith(
        "这不是普通文件（命名管道（FIFO）），不会被读取。"
    )


def test_links_gone_and_looping(tmp_path: Path) -> None:
    (tmp_path / "gone.xlsx").symlink_to(tmp_path / "nowhere.xlsx")
    (tmp_path / "loop.xlsx").symlink_to(tmp_path / "loop.xlsx")
    (tmp_path / "good.xlsx").symlink_to(SEED)
    assert cells(check_file(tmp_path / "gone.xlsx")) == [("file-link-broken", None)]
    assert cells(check_file(tmp_path / "loop.xlsx")) == [("file-link-loop", None)]
    assert check_file(tmp_path / "good.xlsx").document is not None  # a link to a return


def test_a_missing_file_and_a_folder(tmp_path: Path) -> None:
    assert cells(check_file(tmp_path / "away.xlsx")) == [("file-missing", None)]
    (tmp_path / "d.xlsx").mkdir()
    outcome = check_file(tmp_path / "d.xlsx")
    assert cells(outcome) == [("file-not-regular", None)]
    assert "（文件夹）" in outcome.findings[0].message


def test_an_unreadable_file(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    secret = tmp_path / "secret.xlsx"
    secret.write_bytes(SEED.read_bytes())
    secret.chmod(0o000)

    def read() -> str:
        return repr([(f.code.code, f.message) for f in check_file(secret).findings])

    answer = as_nobody(read)
    assert answer == repr(
        [
            (
                "file-unreadable",
                "文件无法读取（没有读取权限）。请检查文件权限，或把文件复制到本机后重新运行。",
            )
        ]
    )


def test_bytes_and_path_read_alike(tmp_path: Path) -> None:
    by_path = read_return(SEED)
    by_bytes = read_return(SEED.read_bytes(), SEED.name)
    assert by_path == by_bytes


# ------------------------------------------------------------- the number a person sees
@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1E+30", "too-large"),
        ("1E+28", "too-large"),
        ("1" * 50, "too-large"),
        ("1e309", "value-invalid"),
        ("NaN", "value-invalid"),
        ("INF", "value-invalid"),
        ("1_000", "value-invalid"),
        ("1_2", "value-invalid"),
        ("١٢", "value-invalid"),
        ("１２", "value-invalid"),
        ("12abc", "value-invalid"),
    ],
)
def test_v_is_read_by_the_grammar_of_the_format(text: str, code: str) -> None:
    outcome = check(v.with_cell(f'<c r="{v.D6}" s="{{s}}"><v>{text}</v></c>'))
    assert cells(outcome) == [(code, v.D6)]


@pytest.mark.parametrize(("text", "value"), [(" 12 ", 12), ("+12", 12), ("1e1", 10), ("12.0", 12)])
def test_v_forms_both_applications_read_alike(text: str, value: int) -> None:
    ret = read_return(v.with_cell(f'<c r="{v.D6}" s="{{s}}"><v>{text}</v></c>'))
    assert ret.cells["b.received.natural_person"].value == value
    assert check_return(ret).errors == [f for f in check_return(ret).errors if f.cell != v.D6]


def test_a_huge_number_is_a_finding_with_its_digits_not_an_exception() -> None:
    outcome = check(v.with_cell(f'<c r="{v.D6}" s="{{s}}"><v>1E+30</v></c>'))
    finding = outcome.findings[0]
    assert finding.message == (
        "依申请公开!D6（一、本年新收政府信息公开申请数量 · 自然人）："
        "1000000000000000000000000000000 超过上限 999999999，请核对。"
    )


def test_an_unknown_cell_type_is_an_error() -> None:
    outcome = check(v.with_cell(f'<c r="{v.D6}" s="{{s}}" t="zz"><v>12</v></c>'))
    assert cells(outcome) == [("value-invalid", v.D6)]
    assert '单元格类型（t="zz"）' in outcome.findings[0].message


def test_rows_out_of_order() -> None:
    outcome = check(v.rows_out_of_order())
    assert cells(outcome) == [("xml-structure", v.D6)]
    assert outcome.findings[0].message.startswith(
        "依申请公开!D6（一、本年新收政府信息公开申请数量 · 自然人）：第 6 行行的顺序颠倒或重复，"
    )


def test_a_reference_repeated_in_a_row() -> None:
    for twice in ("5then7", "5thenEmpty"):
        data = v.VARIANTS["C04" if twice == "5then7" else "C05"]().data
        assert cells(check(data)) == [("xml-structure", v.D6)]


def test_an_r_that_names_another_row() -> None:
    outcome = check(v.cell_in_wrong_row())
    assert ("xml-structure", v.D7) in cells(outcome)


def test_a_merge_laid_over_an_input() -> None:
    outcome = check(v.merge_over_inputs())
    assert cells(outcome) == [("cell-merged", v.E6)]
    assert "被合并单元格 D6:E6 遮住" in outcome.findings[0].message


def test_a_duplicated_zip_entry() -> None:
    outcome = check(v.duplicate_part())
    assert cells(outcome) == [("part-duplicate", None)]
    assert "xl/worksheets/sheet3.xml" in outcome.findings[0].message


def test_hidden_and_doubled_sheets() -> None:
    hidden = v.VARIANTS["E03"]().data
    assert ("sheet-hidden", None) in cells(check(hidden))
    doubled = v.VARIANTS["E02"]().data
    assert cells(check(doubled))[0] == ("sheet-duplicate", None)


def test_two_names_swapped_between_cells_of_one_row() -> None:
    """Each name is checked against its own cell's labels: both are errors there."""

    def swap(xml: str) -> str:
        d6, e6 = "'依申请公开'!$D$6", "'依申请公开'!$E$6"
        return xml.replace(d6, "@@").replace(e6, d6).replace("@@", e6)

    data = v.base_package().edit("xl/workbook.xml", swap).to_bytes()
    outcome = check(data)
    assert cells(outcome) == [("name-mismatch", v.D6), ("name-mismatch", v.E6)]
    assert outcome.findings[0].message.startswith(
        "依申请公开!D6（一、本年新收政府信息公开申请数量 · 法人或其他组织 · 商业企业）："
        "单元格名称 gk.b.received.commercial_enterprise 应指向“商业企业”，这里却是“自然人”"
    )


# ------------------------------------------------------------------------- bounds
def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def _with_sheet(xml: bytes) -> bytes:
    pkg = v.base_package()
    part = pkg.sheet_part(v.SHEET)
    with zipfile.ZipFile(io.BytesIO(pkg.to_bytes())) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts[part] = xml
    return _zip(parts)


def test_a_tag_padded_with_190_mb_of_spaces_costs_nothing() -> None:
    sheet = v.sheet_xml().encode()
    huge = sheet.replace(b"<sheetData>", b'<sheetData><row r="1"><c' + b" " * (190 << 20), 1)
    data = _with_sheet(huge)
    assert len(data) < 1 << 20  # a small file
    outcome = check(data)
    assert cells(outcome) == [("file-too-large", None)]
    assert "sheet3.xml 解压后 190." in outcome.findings[0].message


def test_a_20_mb_cell_text_is_quoted_briefly() -> None:
    text = b"x" * (20 << 20)
    sheet = (
        v.sheet_xml()
        .encode()
        .replace(
            f'<c r="{v.D6}"'.encode(),
            f'<c r="{v.D6}" t="inlineStr"><is><t>'.encode() + text + b'</t></is></c><c r="ZZ1"',
            1,
        )
    )
    outcome = check(_with_sheet(sheet))
    assert cells(outcome) == [("file-too-large", None)]
    assert len(outcome.findings[0].message) < 300


# ------------------------------------------------------------- two tokenizers, one reading
@pytest.mark.parametrize("case", sorted(v.VARIANTS))
def test_the_fast_tokenizer_reads_as_the_exact_one(case: str) -> None:
    data = v.VARIANTS[case]().data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if not name.startswith("xl/worksheets/"):
                continue
            xml = zf.read(name)
            try:
                fast = scan_sheet(xml, name)
            except Exception as exc:  # the same refusal from both
                with pytest.raises(type(exc)):
                    scan_sheet(xml, name, force_exact=True)
                continue
            exact = scan_sheet(xml, name, force_exact=True)
            assert fast.cells == exact.cells, name
            assert fast.merges == exact.merges, name
            assert set(fast.oddities) == set(exact.oddities), name


# ------------------------------------------------- found by the fuzz test (test_fuzz.py)
def _at(cell_id: str) -> str:
    _sheet, row, col = v.LAYOUT.cell_positions[cell_id]
    return to_a1(row, col)


def _name_text(ref: str) -> str:
    letters = ref.rstrip("0123456789")
    return f"'{v.SHEET}'!${letters}${ref[len(letters) :]}"


def test_two_names_swapped_across_rows_and_columns_are_errors_at_both() -> None:
    """gk.b.carried_over.natural_person (D7) and a cell four columns right and ten rows
    down swapped their targets: each cell's anchors, looked for as far moved as the name
    moved it, were blank there, and blank was taken for an edited label."""
    a, b = "b.carried_over.natural_person", "b.withheld_inquiry_matters.legal_service_agency"

    def swap(xml: str) -> str:
        first, second = _name_text(_at(a)), _name_text(_at(b))
        return xml.replace(first, "@@").replace(second, first).replace("@@", second)

    outcome = check(v.base_package().edit("xl/workbook.xml", swap).to_bytes())
    found = [(f.code.code, f.cell, f.cell_id) for f in outcome.findings if f.is_error]
    assert ("name-mismatch", _at(b), a) in found
    assert ("name-mismatch", _at(a), b) in found
    assert outcome.findings[0].message.startswith(
        "依申请公开!D7（（三）不予公开 · 8.属于行政查询事项 · 法人或其他组织 · 法律服务机构）："
        "单元格名称 gk.b.withheld_inquiry_matters.legal_service_agency 应指向“法律服务机构”，"
        "这里却是“自然人”"
    )


def test_a_name_pointed_past_the_table_is_an_error_where_it_points() -> None:
    """A name moved to a blank cell right of the table: its row label is there, its
    column header is not, and nothing confirms the column: not read as a blank."""
    cell = "b.carried_over.natural_person"
    outside = to_a1(v.LAYOUT.cell_positions[cell][1], 10)
    data = (
        v.base_package()
        .edit(
            "xl/workbook.xml", lambda xml: xml.replace(_name_text(_at(cell)), _name_text(outside))
        )
        .to_bytes()
    )
    ret = read_return(data)
    assert not ret.cells[cell].sure
    assert ("name-mismatch", outside) in cells(check_return(ret))


def _rows_moved(xml: str, by: int, first: int, names_of: str | None = None) -> str:
    """Rows from ``first`` on moved down ``by`` rows, as an application inserting rows
    writes them: rows, cells, merged ranges (or, with ``names_of``, the defined names of
    that sheet in workbook.xml)."""

    def bump(n: str) -> str:
        return str(int(n) + by if int(n) >= first else int(n))

    if names_of is not None:
        return re.sub(
            rf"('{names_of}'!\$[A-Z]+\$)(\d+)", lambda m: m.group(1) + bump(m.group(2)), xml
        )
    xml = re.sub(r'(<row r=")(\d+)', lambda m: m.group(1) + bump(m.group(2)), xml)
    xml = re.sub(r'(<c r="[A-Z]+)(\d+)', lambda m: m.group(1) + bump(m.group(2)), xml)
    return re.sub(
        r'(<mergeCell ref="[A-Z]+)(\d+)(:[A-Z]+)(\d+)',
        lambda m: m.group(1) + bump(m.group(2)) + m.group(3) + bump(m.group(4)),
        xml,
    )


@pytest.mark.parametrize("first", [1, v.row_of(v.D7) + 1])
def test_rows_inserted_with_their_names_moved_are_still_read(first: int) -> None:
    """What verifying moved names must keep accepting: rows inserted above the table or
    inside it, every name moved with its cell, every label beside it."""
    pkg = v.base_package()
    pkg = pkg.edit(pkg.sheet_part(v.SHEET), lambda xml: _rows_moved(xml, 2, first))
    pkg = pkg.edit("xl/workbook.xml", lambda xml: _rows_moved(xml, 2, first, v.SHEET))
    ret = read_return(pkg.to_bytes())
    moved = "b.carried_over.natural_person"
    assert ret.cells[moved].sure and ret.cells[moved].value == 1
    assert ret.cells[moved].ref == (v.D7 if first > 1 else "D9")
    assert check_return(ret).errors == [
        f for f in check_return(ret).errors if f.code.code in ("balance",)
    ]


def _cover_name(key: str, ref: str) -> bytes:
    old = re.compile(rf"(<definedName name=\"gk\.cover\.{key}\">)[^<]*")
    new = rf"\g<1>'{v.FIRST_SHEET}'!${ref[0]}${ref[1:]}"
    return v.base_package().edit("xl/workbook.xml", lambda xml: old.sub(new, xml)).to_bytes()


def test_a_cover_name_moved_along_its_row_is_an_error() -> None:
    """gk.cover.agency moved from B4 to C4: the label 填报单位 still stands in A4, which
    confirmed the field wherever in the row its name pointed; the agency typed in B4 was
    then read as blank."""
    _sheet, row, col = v.LAYOUT.field_positions["agency"]
    beside = to_a1(row, col + 1)
    ret = read_return(_cover_name("agency", beside))
    assert not ret.fields["agency"].sure
    assert ("name-mismatch", beside) in cells(check_return(ret))


def test_a_column_inserted_before_the_cover_moves_its_fields() -> None:
    """Labels and fields moved alike (a column inserted at A, names moved with it):
    read, with the shift said."""

    def right(ref: str) -> str:
        row, col = from_a1(ref)
        return to_a1(row, col + 1)

    def cells_moved(xml: str) -> str:
        xml = re.sub(r'(<c r=")([A-Z]+[0-9]+)', lambda m: m.group(1) + right(m.group(2)), xml)
        return re.sub(
            r'(<mergeCell ref=")([A-Z]+[0-9]+):([A-Z]+[0-9]+)',
            lambda m: f"{m.group(1)}{right(m.group(2))}:{right(m.group(3))}",
            xml,
        )

    def name_moved(m: re.Match[str]) -> str:
        ref = right(m.group(2).replace("$", ""))
        letters = ref.rstrip("0123456789")
        return f"{m.group(1)}${letters}${ref[len(letters) :]}"

    def names_moved(xml: str) -> str:
        return re.sub(rf"('{v.FIRST_SHEET}'!)\$([A-Z]+\$[0-9]+)", lambda m: name_moved(m), xml)

    pkg = v.base_package()
    pkg = pkg.edit(pkg.sheet_part(v.FIRST_SHEET), cells_moved).edit("xl/workbook.xml", names_moved)
    ret = read_return(pkg.to_bytes())
    assert ret.fields["agency"].sure and ret.fields["agency"].value == v.AGENCY
    assert ret.fields["agency"].ref == right(to_a1(*v.LAYOUT.field_positions["agency"][1:]))
    assert ("layout-shifted", None) in cells(check_return(ret))


def test_a_shared_string_written_si_space_keeps_every_index() -> None:
    """``<si >`` is the same element as ``<si>`` in XML; the fast reader of the shared
    strings skipped it, every later string moved up one index, and the labels no longer
    matched (or a text cell showed its neighbour's text)."""
    original = read_return(v.base().data)
    pkg = v.base_package()
    respelt = pkg.edit("xl/sharedStrings.xml", lambda xml: xml.replace("<si>", "<si >", 1))
    ret = read_return(respelt.to_bytes())
    assert ret.cells == original.cells and ret.fields == original.fields
    assert ret.findings == original.findings


FOREIGN = 'xmlns:gk="urn:gk" gk:note="a>b"'
"""An attribute of another namespace whose value holds a '>' (XML allows it)."""


def test_a_greater_than_sign_in_an_attribute_value_ends_no_tag() -> None:
    """The fast paths' regular expressions ended a tag at the first '>': the text after
    it was read as the element's content (a shared-string label, an inline string, a
    formula), and the fast tokenizer disagreed with the exact one."""
    original = read_return(v.base().data)
    pkg = v.base_package()
    label = pkg.edit("xl/sharedStrings.xml", lambda xml: xml.replace("<t>", f"<t {FOREIGN}>", 1))
    ret = read_return(label.to_bytes())
    assert ret.cells == original.cells and ret.findings == original.findings
    for element in (
        f'<c r="{v.D6}" s="{{s}}" t="inlineStr"><is><t {FOREIGN}>12</t></is></c>',
        f'<c r="{v.D6}" s="{{s}}"><f {FOREIGN}>1+1</f><v>12</v></c>',
    ):
        xml = v.put(v.sheet_xml(), v.D6, element).encode()
        fast, exact = scan_sheet(xml, v.SHEET), scan_sheet(xml, v.SHEET, force_exact=True)
        assert fast.cells == exact.cells
        cell = exact.cells[v.D6]
        assert (cell.inline, cell.f) in (("12", None), (None, "1+1"))


@pytest.mark.parametrize(
    "element",
    [
        # a '>' in a value, a '<' in a comment: as many of each as tags (the comment
        # makes the part exact all the same)
        f'<c r="{v.D6}" s="{{s}}"><f {FOREIGN}>1+1</f><v>12</v><!-- < --></c>',
        # a '>' in text, none in a value: more '>' than '<'; the search for one in a value
        # takes 'a=">' for one (it costs only speed)
        f'<c r="{v.D6}" s="{{s}}" t="inlineStr"><is><t>a=">b</t></is></c>',
        # '="' inside a value and a tag's end after it: no '>' in a value, read fast
        f'<c r="{v.D6}" s="{{s}}"><f xmlns:gk=\'urn:gk\' gk:n=\'a="b\'>1+1</f><v>12</v></c>',
        f'<c r="{v.D6}" s="{{s}}"><f {FOREIGN}>1+1</f><v>12</v></c>',
    ],
)
def test_a_sheet_with_a_greater_than_sign_anywhere_is_read_as_the_exact_tokenizer_reads_it(
    element: str,
) -> None:
    """The fast tokenizer needs every '>' of a value found: counting '<' and '>' proves
    there is none (one of each per tag) only where expat found no comment, CDATA or
    processing instruction; else the search for one in a value decides."""
    xml = v.put(v.sheet_xml(), v.D6, element).encode()
    fast, exact = scan_sheet(xml, v.SHEET), scan_sheet(xml, v.SHEET, force_exact=True)
    assert fast.cells == exact.cells
    assert set(fast.oddities) == set(exact.oddities)
    assert fast.exact == ("gk:n=" not in element)  # only the third is plainly fast


@pytest.mark.parametrize(
    ("element", "code"),
    [
        (f'<c r="{v.D6}" s="²"><v>5</v></c>', "number-format"),
        (f'<c r="{v.D6}" s="{"1" * 5000}"><v>5</v></c>', "number-format"),
        (f'<c r="{v.D6}" s="{{s}}" t="s"><v>{"7" * 5000}</v></c>', "value-invalid"),
        (f'<c r="{v.D6}" s="{{s}}" t="s"><v>¹</v></c>', "value-invalid"),
    ],
)
def test_an_index_written_in_other_digits_is_a_finding_not_an_exception(
    element: str, code: str
) -> None:
    """``str.isdigit`` takes ``²`` and ``١`` (and ``int`` then refuses the first), and
    ``int`` refuses more than 4,300 digits: a style index or a shared-string index
    written so raised ValueError (shown as file-corrupt outside the tests)."""
    assert cells(check(v.with_cell(element))) == [(code, v.D6)]


@pytest.mark.parametrize("index", ["7" * 5000, "¹", "١"])
def test_a_label_whose_index_is_no_index_is_a_changed_label(index: str) -> None:
    """The label test read a shared-string cell's index with ``isdigit`` and ``int()``
    before anything else (the fuzz test: 40,000 sevens in a label cell's ``<v>``): an
    exception, or ``١`` read as index 1, which no application does."""
    _sheet, row, col, _text, _role = next(
        label for label in v.LAYOUT.labels_with_roles() if label[0] == v.SHEET
    )
    ref = to_a1(row, col)
    data = v.edit_sheet(
        lambda xml: v.put(xml, ref, f'<c r="{ref}" s="{{s}}" t="s"><v>{index}</v></c>')
    )
    assert ("label-changed", ref) in cells(check(data))


def test_a_character_reference_with_5000_leading_zeros_is_read() -> None:
    """``&#000…049;`` is the digit 1 (XML allows any number of leading zeros); turning
    it into a character raised ValueError past 4,300 digits."""
    data = v.with_cell(f'<c r="{v.D6}" s="{{s}}"><v>&#{"0" * 5000}49;2</v></c>')
    assert read_return(data).cells["b.received.natural_person"].value == 12


def test_a_row_number_of_5000_digits_is_a_finding_not_an_exception() -> None:
    """``<row r="111…">`` (5,000 digits): ``int()`` refused it; it is a row whose number
    is invalid, placed where the grammar places it and reported at its first form cell."""
    row = v.row_of(v.D6)

    def change(xml: str) -> str:
        return xml.replace(f'<row r="{row}"', f'<row r="{"1" * 5000}"', 1)

    xml = change(v.sheet_xml()).encode()
    for exact in (False, True):
        assert [o.kind for o in scan_sheet(xml, v.SHEET, force_exact=exact).oddities] == ["row-ref"]
    assert cells(check(v.edit_sheet(change))) == [("xml-structure", v.D6)]


@pytest.mark.parametrize(
    "row_attrs",
    ['r="&#{n};"', 'xmlns:gk="urn:gk" gk:r="9" r="{r}"', 'r="{r}\'x"', 'r="²"'],
)
def test_a_row_number_is_read_as_xml_writes_it(row_attrs: str) -> None:
    """The fast tokenizer took a row's r from the raw bytes: a character reference was not
    resolved (an invalid row number where the exact tokenizer read row 6), another
    namespace's ``gk:r`` was taken for r, a quote inside the value ended it, and ``²``
    came out as two replacement characters."""
    row = v.row_of(v.D6)
    attrs = row_attrs.format(r=row, n=ord(str(row)))
    xml = re.sub(rf'<row r="{row}"', f"<row {attrs}", v.sheet_xml(), count=1).encode()
    fast, exact = scan_sheet(xml, v.SHEET), scan_sheet(xml, v.SHEET, force_exact=True)
    assert fast.cells == exact.cells
    assert set(fast.oddities) == set(exact.oddities)


def _cover_edit(change: Callable[[str], str]) -> bytes:
    return v.edit_sheet(change, sheet=v.FIRST_SHEET)


def test_a_broken_reference_in_a_cover_row_makes_its_field_unread() -> None:
    """The contact's cell written with r past the last row: the row's oddity was reported
    at its label (A5), the row having no cell of the form, and the field was read as
    blank. Cover fields are cells of the form for this too."""
    _sheet, row, col = v.LAYOUT.field_positions["agency"]
    ref = to_a1(row, col)
    data = _cover_edit(
        lambda xml: v.put(xml, ref, f'<c r="{ref[0]}1048577" s="{{s}}" t="s"><v>0</v></c>')
    )
    ret = read_return(data)
    assert not ret.fields["agency"].sure
    assert cells(check_return(ret)) == [("xml-structure", ref)]


def test_a_merge_over_a_cover_field_hides_it() -> None:
    """The agency's merged box widened over its label: applications show the label
    there, not the agency."""
    _sheet, row, col = v.LAYOUT.field_positions["agency"]
    box = re.compile(rf'<mergeCell ref="{to_a1(row, col)}:([A-Z]+[0-9]+)"')
    data = _cover_edit(lambda xml: box.sub(rf'<mergeCell ref="{to_a1(row, 0)}:\1"', xml))
    ret = read_return(data)
    assert not ret.fields["agency"].sure
    assert ("cell-merged", to_a1(row, col)) in cells(check_return(ret))


def test_overlapping_merged_ranges_are_a_file_error() -> None:
    """Merged ranges must not overlap ([MS-XLS] 2.4.168): Gnumeric refuses to open such a
    file (ssconvert exits 1) and Excel repairs it; the reader read it (the fuzz corpus:
    A14:H14 over the table's label boxes)."""
    row = v.row_of(v.D6)
    extra = f"B{row}:C{row + 1}"  # over the row label's box A6:C6, no input covered
    data = v.edit_sheet(
        lambda xml: xml.replace("</mergeCells>", f'<mergeCell ref="{extra}"/></mergeCells>')
    )
    outcome = check(data)
    assert cells(outcome) == [("file-corrupt", None)]
    assert f"合并单元格 A{row}:C{row} 与 {extra} 重叠" in outcome.findings[0].message


def test_a_part_named_in_another_case_is_a_file_error() -> None:
    """xl/worksheets/Sheet4.xml where the relationship says sheet4.xml: OPC calls the
    names equal, LibreOffice and Gnumeric do not find the part and show the sheet empty;
    the reader read its values (the fuzz corpus)."""
    pkg = v.base_package()
    part = pkg.sheet_part(v.OTHER_SHEET)
    folder, _, leaf = part.rpartition("/")
    renamed = f"{folder}/{leaf.capitalize()}"
    entries = []
    for info, data in pkg.entries:
        if info.filename == part:
            info = zipfile.ZipInfo(renamed, date_time=info.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
        entries.append((info, data))
    outcome = check(v.Package(tuple(entries)).to_bytes())
    assert cells(outcome) == [("file-corrupt", None)]
    assert f"部件 {renamed} 的名称与引用它的 {part} 大小写不同" in outcome.findings[0].message


def test_an_empty_number_format_is_an_error_at_the_cell() -> None:
    """formatCode="": LibreOffice shows the number, Gnumeric shows nothing (the fuzz
    corpus); the number was accepted as shown."""
    outcome = check(v._with_format("", None, "12"))
    assert cells(outcome) == [("number-format", v.D6)]


def _text_with_format(code: str) -> bytes:
    """D6 holding the text "12" (an inline string) in a style of format ``code``."""
    pkg = v.Package.from_bytes(v._with_format(code, None, "12"))
    part = pkg.sheet_part(v.SHEET)
    return pkg.edit(
        part,
        lambda xml: re.sub(
            rf'(<c r="{v.D6}" s="[0-9]+")><v>12</v>',
            r'\1 t="inlineStr"><is><t>12</t></is>',
            xml,
        ),
    ).to_bytes()


@pytest.mark.parametrize(
    ("code", "found"),
    [
        ("[DBNum1][$-804]General", "number-format"),  # Gnumeric shows nothing
        (";;;", "number-format"),  # the text section hides it
        ('0;-0;0;"见附表"', "number-format"),  # the text section replaces it
        ('0;-0;0;@"件"', "number-format"),  # and adds to it
        ("0;-0;0;@", "number-as-text"),
        ("#,##0", "number-as-text"),
    ],
)
def test_a_number_typed_as_text_is_read_only_where_the_text_is_shown(code: str, found: str) -> None:
    """Typed text was read as the number it spells (with a warning) whatever its format:
    under [DBNum1] LibreOffice showed "１２" and Gnumeric nothing (the fuzz corpus), and a
    text section without @ shows something else."""
    assert cells(check(_text_with_format(code))) == [(found, v.D6)]


@pytest.mark.parametrize(
    ("formula", "code"),
    [
        (f"SUM({v.D6}:{v.F6})", "value-invalid"),  # its own cell: Err:522 in LibreOffice
        (f"'{v.SHEET}'!{v.D6}+1", "value-invalid"),
        ("NOW()", "value-invalid"),  # both show a fresh result, not the stored one
        ('INDIRECT("D7")', "value-invalid"),  # LibreOffice recalculates it, Gnumeric not
        ("_xlfn.RANDARRAY(1)", "value-invalid"),
        ("1+1", "formula-input"),  # the stored result is what is shown
        ('IF(A1="NOW()",2,2)', "formula-input"),
    ],
)
def test_a_formula_whose_stored_result_is_not_shown_is_not_read(formula: str, code: str) -> None:
    """A formula typed into an input is read by its stored result (with a warning); the
    fuzz corpus found SUM(D6:I6) typed into D6 shown as Err:522 by LibreOffice and as the
    stored 45 by Gnumeric, and volatile functions are calculated again on opening."""
    outcome = check(v.with_cell(f'<c r="{v.D6}" s="{{s}}"><f>{formula}</f><v>2</v></c>'))
    assert cells(outcome) == [(code, v.D6)]


# ------------------------------------- the grammar of the elements read (reader/grammar.py)
def _through_exact(data: bytes) -> bytes:
    """The same return with a comment in the form sheet: read by the exact tokenizer."""
    pkg = v.Package.from_bytes(data)
    part = pkg.sheet_part(v.SHEET)
    return pkg.edit(
        part, lambda xml: xml.replace("<sheetData>", "<sheetData><!-- -->", 1)
    ).to_bytes()


@pytest.mark.parametrize(("case", "t", "inner", "_grammar"), v.CELL_GRAMMAR)
def test_a_cell_outside_the_grammar_is_a_finding_at_the_cell_not_a_number(
    case: str, t: str, inner: str, _grammar: str
) -> None:
    """Two <v> were read as their texts joined (<v>3</v><v>0</v> → 30, where LibreOffice
    and Gnumeric show 0), <v>1<x/>2</v> as 12 (they show 2 and 12): every departure from
    the grammar is xml-structure at the cell, by either tokenizer, and no number is read."""
    data = v.VARIANTS[case]().data
    for each in (data, _through_exact(data)):
        ret = read_return(each)
        assert ret.cells["b.received.natural_person"].value is None
        assert cells(check_return(ret)) == [("xml-structure", v.D6)]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        xml = zf.read(v.base_package().sheet_part(v.SHEET))
    fast, exact = scan_sheet(xml, v.SHEET), scan_sheet(xml, v.SHEET, force_exact=True)
    assert (fast.exact, exact.exact) == (False, True)
    assert fast.cells == exact.cells and fast.cells[v.D6].grammar is not None
    assert [o for o in fast.oddities if o.kind == "grammar"] == [
        o for o in exact.oddities if o.kind == "grammar"
    ]


def test_the_message_names_what_departs_from_the_grammar() -> None:
    outcome = check(v.VARIANTS["H01"]().data)
    (finding,) = [f for f in outcome.findings if f.code.code == "xml-structure"]
    assert "<v>出现了不止一次" in finding.message and "依申请公开!D6" in finding.message


@pytest.mark.parametrize(("case", "_items", "_at", "_label"), v.SHARED_GRAMMAR)
def test_a_shared_string_outside_the_grammar_is_a_finding_at_the_cell_showing_it(
    case: str, _items: str, _at: int, _label: str
) -> None:
    """A <si> with two <t>, a child inside <t>, or an <si> inside an <si> (after which an
    application may count the strings differently): the cell pointing at it is not read."""
    ret = read_return(v.VARIANTS[case]().data)
    assert ret.cells["b.received.natural_person"].value is None
    assert cells(check_return(ret)) == [("xml-structure", v.D6)]


def test_valid_rich_text_and_phonetic_runs_are_still_read() -> None:
    """The grammar allows what the writers write: runs with their properties, a phonetic
    run (not shown), an extension list, whitespace between elements."""
    inner = (
        '<is>\n <r><rPr><b/><sz val="11"/></rPr><t>1</t></r>\n <r><t>2</t></r>'
        '<rPh sb="0" eb="1"><t>x</t></rPh><phoneticPr fontId="1"/></is>\n'
    )
    data = v.with_cell(f'<c r="{v.D6}" s="{{s}}" t="inlineStr">{inner}<extLst/></c>')
    for each in (data, _through_exact(data)):
        ret = read_return(each)
        assert ret.cells["b.received.natural_person"].value == "12"  # text, as typed
        assert cells(check_return(ret)) == [("number-as-text", v.D6)]


_NAME = "<definedName name=\"gk.b.received.natural_person\">'依申请公开'!$D$6</definedName>"


@pytest.mark.parametrize(
    "names",
    [
        _NAME.replace("$D$6", "$E$6") + _NAME,  # defined twice: which one counts is unknown
        _NAME + _NAME.replace("natural_person", "NATURAL_PERSON").replace("$D$6", "$E$6"),
        _NAME.replace("$D$6", "$D<x/>$6"),  # an element inside the name's text
    ],
)
def test_a_defined_name_outside_the_grammar_is_not_followed(names: str) -> None:
    """The first of two names was followed silently; now such a name counts as missing
    and the cell is found by its labels (names-missing), never by a guess."""
    pkg = v.base_package()
    data = pkg.edit("xl/workbook.xml", lambda xml: v.once(xml, _NAME, names)).to_bytes()
    ret = read_return(data)
    assert (
        ret.cells["b.received.natural_person"].ref,
        ret.cells["b.received.natural_person"].value,
    ) == (v.D6, 5)
    assert cells(check_return(ret)) == [("names-missing", None)]


@pytest.mark.parametrize(
    "change",
    [
        lambda p: p + p.replace(">gk2021<", ">gk9999<"),  # the same name twice
        lambda p: p.replace("</vt:lpwstr>", "</vt:lpwstr><vt:lpwstr>gk9999</vt:lpwstr>"),
        lambda p: p.replace(">gk2021<", ">gk<x/>2021<"),  # an element inside the value
    ],
)
def test_a_property_outside_the_grammar_is_left_out(change: Callable[[str], str]) -> None:
    pkg = v.base_package()
    xml = pkg.text("docProps/custom.xml")
    prop = re.search(r'<property [^>]*name="gongkai.format".*?</property>', xml, re.S)
    assert prop is not None
    data = pkg.replace("docProps/custom.xml", xml.replace(prop.group(0), change(prop.group(0))))
    ret = read_return(data.to_bytes())
    assert "gongkai.format" not in ret.properties and ret.identified_by == "sheets"
    assert ret.cells["b.received.natural_person"].value == 5


@pytest.mark.parametrize(
    "name", ["某局_x0041_分局", "某局_X0041_分局_x004g_", "_x0041__x0042_局", "某局_x000D_"]
)
def test_a_name_that_looks_like_an_escape_reads_back_as_written(name: str, tmp_path: Path) -> None:
    """xlsxwriter stores a literal ``_x0041_`` as ``_x005F_x0041_`` (and a control
    character as ``_x0007_``), in the shared strings and in the custom properties alike;
    Excel and LibreOffice show the name as typed, and so must the reader (it gave
    ``某局_x005F_x0041_分局``). (xlsxwriter cannot store ``_x005F_x0041_`` so: it escapes
    only the first of two overlapping escapes, and Excel reads back ``_x005FA``.)"""
    path = tmp_path / "t.xlsx"
    write_template(v.FORM, TemplateOptions(2024, agency=name), path)
    with zipfile.ZipFile(path) as archive:
        written = archive.read("xl/sharedStrings.xml") + archive.read("docProps/custom.xml")
    if "_x0041_" in name:
        assert b"_x005F_x0041_" in written  # the escape this test is about is there
    ret = read_return(path)
    assert (ret.fields["agency"].value, ret.properties[PROP_AGENCY]) == (name, name)


def _agency_stored_as(text: str, inline: bool = False) -> Return:
    """The base return with its agency's shared string (or, ``inline``, its cell as an
    inline string) holding ``text`` exactly as written into the XML."""
    pkg = v.base_package()
    if inline:
        _sheet, row, col = v.LAYOUT.field_positions["agency"]
        ref = to_a1(row, col)
        element = f'<c r="{ref}" s="{{s}}" t="inlineStr"><is><t>{text}</t></is></c>'
        pkg = pkg.edit(pkg.sheet_part(v.FIRST_SHEET), lambda xml: v.put(xml, ref, element))
    else:
        pkg = pkg.edit(
            "xl/sharedStrings.xml", lambda xml: v.once(xml, f">{v.AGENCY}<", f">{text}<")
        )
    return read_return(pkg.to_bytes())


@pytest.mark.parametrize("inline", [False, True], ids=["shared", "inline"])
@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("某_x0041_局", "某A局"),  # Excel shows the character the escape stands for
        ("某_x005f_x0041_局", "某_x0041_局"),  # an escape is consumed whole, left to right
        ("某_x4E2D__x000A_局", "某中\n局"),
        ("_xD842__xDFB7_局", "𠮷局"),  # a surrogate pair, written as two escapes
        ("_xD842_局", "\ufffd局"),  # a lone surrogate: no text can hold it
        ("某_x41_局_x00G1_", "某_x41_局_x00G1_"),  # not an escape: four hex digits
    ],
)
def test_an_escaped_character_in_a_cell_text_reads_as_excel_shows_it(
    stored: str, shown: str, inline: bool
) -> None:
    ret = _agency_stored_as(stored, inline)
    assert ret.fields["agency"].value == shown


_ROWS = {
    "1": b'<row r="1"><c r="A1"><v>1</v></c><c r="B1" s="2"/><c r="C1" t="s"><v>0</v></c></row>',
    "2": b'<row r="2" ht="20"><c r="A2"><f>A1+1</f><v>2</v></c></row>',
    "3": b'<row r="3"><c r="B3" t="inlineStr"><is><t>x</t></is></c></row>',
    "s": b'<row r="1"><c r="A2"><v>9</v></c></row>',  # names a cell of row 2
    "e": b'<row r="4"></row>',
}


@pytest.mark.parametrize("rows", ["123", "1231", "132", "s2", "s12", "22", "e3", "321", "1e2e"])
def test_a_row_read_before_is_placed_as_if_read_again(
    rows: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast tokenizer remembers a row by its bytes and places it again without
    reading it, where nothing before it changes its reading: a row again after a higher
    one, a row whose cell another row has named, a row within a row are read afresh. Each
    reading equals the exact tokenizer's and the fast one's with no row remembered (a row
    within a row: the two tokenizers note its oddities differently, both unsure of it)."""
    head = f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    xml = head + b"".join(_ROWS[r] for r in rows) + b"</sheetData></worksheet>"
    nested = xml.replace(b"<sheetData>", b'<sheetData><row r="9">').replace(
        b"</sheetData>", b"</row></sheetData>"
    )  # a row that holds the rest
    with monkeypatch.context() as m:
        m.setattr(sheet_fast, "MAX_ROW_BYTES", 0)  # nothing remembered, nothing recalled
        afresh = {data: scan_sheet(data, "表") for data in (xml, nested)}
    assert afresh[xml].cells == scan_sheet(xml, "表", force_exact=True).cells
    assert set(afresh[xml].oddities) == set(scan_sheet(xml, "表", force_exact=True).oddities)
    for data in (xml, nested, xml):  # the second reading of xml meets its rows remembered
        for _ in range(2):
            fast = scan_sheet(data, "表")
            assert not fast.exact
            assert fast.cells == afresh[data].cells
            assert list(fast.cells) == list(afresh[data].cells)  # in the same order
            assert fast.oddities == afresh[data].oddities
            assert fast.merges == afresh[data].merges
    assert any(_ROWS[r] in sheet_fast._ROWS for r in rows)


@pytest.mark.parametrize("offset", [0, 1, 4_000, 32_767, 32_768, 40_000])
@pytest.mark.parametrize("length", [65_535, 65_536, 70_000])
def test_a_start_tag_of_64_kb_or_more_makes_the_sheet_unreadable(offset: int, length: int) -> None:
    """A start tag whose text after ``<`` runs to 64 KB or more is refused before anything
    is read, wherever it stands in the part (the bound is looked for block by block, then
    confirmed); one byte shorter is read. A long text in a cell is no tag: read."""
    head = f'<worksheet xmlns="{MAIN_NS}"><sheetData>'.encode()
    pad = b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"x" * offset + b"</t></is></c>"
    # "<c" + r="B1" + x="…" + ">": the tag's text after "<" is exactly ``length`` bytes
    value = b"y" * (length - len(b'c r="B1" x=""'))
    tag = b'<c r="B1" x="' + value + b'"><v>1</v></c></row>'
    xml = head + pad + tag + b"</sheetData></worksheet>"
    assert re.search(rb"<c r=\"B1\"[^<>]*", xml).end() - xml.index(b'<c r="B1"') - 1 == length  # type: ignore[union-attr]
    if length >= 65_536:
        with pytest.raises(SheetTooLarge, match="超长的 XML 标记"):
            scan_sheet(xml, "表")
    else:
        assert scan_sheet(xml, "表").cells["B1"].v == "1"
    text = head + b'<row r="1"><c r="A1" t="inlineStr"><is><t>' + b"z" * 200_000
    text += b"</t></is></c></row></sheetData></worksheet>"  # 200 KB of text, no long tag
    assert len(scan_sheet(text, "表").cells["A1"].inline or "") == 32_767
