"""Marked copies (``gongkai-xlsx annotate``): the problems marked in the agency's own file,
and nothing else changed.

The oracle here is independent of the engine: the zip is read with zipfile, the XML with
ElementTree and openpyxl, and every claim the engine makes about minimal editing is
checked against the original part by part.
"""

from __future__ import annotations

import io
import posixpath
import re
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pytest
from conftest import SEED_AGENCY, Filler, balanced, console_script, run
from libreoffice import harness
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.formula import ArrayFormula
from zip_contents import zip_contents

from gongkai_xlsx.annotate import (
    AnnotateError,
    Mark,
    annotate_workbook,
    is_marked_copy,
    marks_from_findings,
    write_annotated,
)
from gongkai_xlsx.annotate.styles import ERROR_FILL, WARNING_FILL
from gongkai_xlsx.api import annotate_return, check_file
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.definition.load import load_form
from gongkai_xlsx.definition.names import MARK_NAME, RESULTS_SHEET, RESULTS_TITLE
from gongkai_xlsx.writer import TemplateOptions, write_template

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
B1_SAMPLE = SAMPLES / "某县交通运输局_2024_B1不平衡.xlsx"
TEXT_SAMPLE = SAMPLES / "某县教育局_2024_文本数字.xlsx"
ANNOTATED_SAMPLE = SAMPLES / "expected" / "annotated" / "某县交通运输局_退回修改_20250120.xlsx"

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
M = {"m": MAIN}


# ----------------------------------------------------------------------------- oracle
def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _target(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


def sheet_parts(parts: dict[str, bytes]) -> dict[str, str]:
    """{sheet name: part name}, in tab order, read through workbook.xml and its rels."""
    rels = ET.fromstring(parts["xl/_rels/workbook.xml.rels"])
    by_id = {r.get("Id"): _target("xl/workbook.xml", r.get("Target")) for r in rels}
    book = ET.fromstring(parts["xl/workbook.xml"])
    return {
        s.get("name"): by_id[s.get(f"{{{REL}}}id")]
        for s in book.find("m:sheets", M)  # type: ignore[union-attr]
    }


def cells(xml: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {c.get("r"): c for c in root.iter(f"{{{MAIN}}}c")}


def content(cell: ET.Element) -> tuple:
    """What a cell holds, ignoring its style: type, value, formula, inline text."""
    v, f = cell.find("m:v", M), cell.find("m:f", M)
    inline = "".join(t.text or "" for t in cell.iter(f"{{{MAIN}}}t"))
    return (
        cell.get("t"),
        v.text if v is not None else None,
        (f.text, tuple(sorted(f.attrib.items()))) if f is not None else None,
        inline,
        tuple(sorted((k, v) for k, v in cell.attrib.items() if k != "s")),
    )


def cell_xfs(parts: dict[str, bytes]) -> list[ET.Element]:
    return list(ET.fromstring(parts["xl/styles.xml"]).find("m:cellXfs", M))  # type: ignore[arg-type]


def fill_color(parts: dict[str, bytes], xf: ET.Element) -> str | None:
    fills = list(ET.fromstring(parts["xl/styles.xml"]).find("m:fills", M))  # type: ignore[arg-type]
    fg = fills[int(xf.get("fillId", "0"))].find("m:patternFill/m:fgColor", M)
    return fg.get("rgb") if fg is not None else None


def without_fill(xf: ET.Element) -> tuple:
    attrs = {k: v for k, v in xf.attrib.items() if k not in ("fillId", "applyFill")}
    return tuple(sorted(attrs.items())), ET.tostring(xf, encoding="unicode").split(">", 1)[1]


def element_text(xml: bytes, local: str) -> list[bytes]:
    """Every ``<local ...>...</local>`` (or empty) element of a part, as written."""
    pattern = rb"<(?:\w+:)?%s\b(?:[^>]*?/>|.*?</(?:\w+:)?%s>)" % (local.encode(), local.encode())
    return re.findall(pattern, xml, re.S)


def mark_file(path: Path, form: Form) -> tuple[bytes, list[Mark]]:
    marks = marks_from_findings(check_file(path).findings)
    return annotate_workbook(path.read_bytes(), marks, form), marks


def places_of(mark: Mark) -> list[tuple[str, str]]:
    """(sheet, A1) of every cell a mark fills and comments: its cell and the other cells
    it concerns (``also``, where the form's layout puts them)."""
    positions = layout_of(load_form("gk2021")).cell_positions
    where = [(mark.sheet, mark.cell)] if mark.sheet and mark.cell else []
    for cell_id in mark.also:
        sheet, r, c = positions[cell_id]
        where.append((sheet, to_a1(r, c)))
    return where


def marked_places(marks: list[Mark]) -> dict[str, dict[str, str]]:
    """{sheet: {cell: severity}} as the fills must show (errors win)."""
    places: dict[str, dict[str, str]] = {}
    for m in marks:
        for sheet, ref in places_of(m):
            cell = places.setdefault(sheet, {})
            cell[ref] = "error" if "error" in (cell.get(ref), m.severity) else "warning"
    return places


# ----------------------------------------------------------------------------- inputs
@pytest.fixture(scope="module")
def protected_template(tmp_path_factory: pytest.TempPathFactory, form: Form) -> Path:
    """An unfilled template, as xlsxwriter writes it, with a password."""
    path = tmp_path_factory.mktemp("annotate") / "protected.xlsx"
    write_template(form, TemplateOptions(year=2024, agency=SEED_AGENCY, password="abc123"), path)
    return path


@pytest.fixture
def commented(fill: Filler) -> Path:
    """A return with errors whose sheet already carries the agency's own comments."""
    path = fill(
        {"a.licensing.decisions": "十二", "a.penalty.decisions": -3, "a.fees.amount": 1.5},
        name="commented.xlsx",
    )
    wb = openpyxl.load_workbook(path)
    wb["主动公开"]["B9"].comment = Comment("单位备注：许可数待核", "李明")
    wb["主动公开"]["A1"].comment = Comment("表头说明", "李明")
    wb.save(path)
    return path


CASES = {
    "b1-openpyxl": B1_SAMPLE,  # the committed sample: openpyxl-saved, absolute rels targets
    "text-openpyxl": TEXT_SAMPLE,  # eleven warnings on three sheets
    "template-xlsxwriter": "protected_template",  # password hash, app.xml sheet lists
    "commented": "commented",  # the agency's own comments on a marked sheet
}


@pytest.fixture(params=list(CASES.values()), ids=list(CASES))
def case(request: pytest.FixtureRequest, form: Form) -> Iterator[tuple[Path, bytes, list[Mark]]]:
    """(the return, its marked copy, the marks) for each kind of input."""
    param = request.param
    path = request.getfixturevalue(param) if isinstance(param, str) else param
    data, marks = mark_file(path, form)
    assert marks, "every case has findings"
    yield path, data, marks


# ----------------------------------------------------------------------------- the marks
def test_marked_cells_are_exactly_the_findings_cells(case) -> None:
    path, data, marks = case
    before, after = members(path.read_bytes()), members(data)
    xfs_before, xfs_after = cell_xfs(before), cell_xfs(after)
    wanted = marked_places(marks)
    for sheet, part in sheet_parts(before).items():
        old, new = cells(before[part]), cells(after[part])
        changed = {
            ref for ref, c in new.items() if ref not in old or c.get("s") != old[ref].get("s")
        }
        assert changed == set(wanted.get(sheet, {})), sheet
        for ref in changed:
            old_xf = xfs_before[int(old[ref].get("s", "0"))] if ref in old else xfs_before[0]
            new_xf = xfs_after[int(new[ref].get("s", "0"))]
            assert without_fill(new_xf) == without_fill(old_xf), (sheet, ref)
            color = ERROR_FILL if wanted[sheet][ref] == "error" else WARNING_FILL
            assert fill_color(after, new_xf) == color, (sheet, ref)


def test_inputs_formulas_and_types_are_unchanged(case) -> None:
    path, data, _ = case
    before, after = members(path.read_bytes()), members(data)
    for sheet, part in sheet_parts(before).items():
        old, new = cells(before[part]), cells(after[part])
        assert {r: content(c) for r, c in old.items()} == {
            r: content(c) for r, c in new.items() if r in old
        }, sheet
        assert all(content(new[r])[:4] == (None, None, None, "") for r in set(new) - set(old))
    wb_old = openpyxl.load_workbook(path)
    wb_new = openpyxl.load_workbook(io.BytesIO(data))

    def value(cell: object) -> object:  # openpyxl's array formulas compare by identity
        v = getattr(cell, "value", None)
        return ("array", v.ref, v.text) if isinstance(v, ArrayFormula) else v

    for ws in wb_old:
        assert [[value(c) for c in row] for row in ws.iter_rows()] == [
            [value(c) for c in row] for row in wb_new[ws.title].iter_rows()
        ][: ws.max_row], ws.title


def _normalised(xml: bytes) -> bytes:
    """A sheet with the only things marking may change taken out: the cells' ``s``,
    tab selection, the legacyDrawing element and an added ``xmlns:r``."""
    xml = re.sub(rb'(<c\b[^>]*?)\s+s="\d+"', rb"\1", xml)
    xml = re.sub(rb'<c r="[A-Z]+\d+"/>', b"", xml)  # a marked cell the XML did not have
    xml = re.sub(rb'\s+tabSelected="(?:1|true)"', b"", xml)
    xml = re.sub(rb'<legacyDrawing r:id="rId\d+"/>', b"", xml)
    return xml.replace(
        b' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"', b""
    )


def test_untouched_parts_are_byte_identical_and_keep_their_order(case) -> None:
    path, data, marks = case
    before, after = members(path.read_bytes()), members(data)
    assert list(after)[: len(before)] == list(before)  # same members, same order, new ones after
    sheets = sheet_parts(before)
    marked_sheets = {sheets[s] for s in marked_places(marks)}
    loose = any(m.cell is None for m in marks)
    if loose:
        marked_sheets.add(sheets["填报说明"])
    allowed = {
        "xl/styles.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "docProps/app.xml",  # the sheet is listed there when app.xml lists sheets
        *sheets.values(),  # marked, or its tab was the selected one
        *(
            posixpath.join(posixpath.dirname(p), "_rels", posixpath.basename(p) + ".rels")
            for p in marked_sheets
        ),
        *(n for n in before if "comments" in n or n.endswith(".vml")),  # the sheet's own comments
    }
    touched = {n for n in before if before[n] != after[n]}
    assert touched <= allowed, touched - allowed
    for name in set(before) - allowed:
        assert after[name] == before[name], name
    assert after["docProps/custom.xml"] == before["docProps/custom.xml"]
    for part in set(sheets.values()) & touched:
        assert _normalised(after[part]) == _normalised(before[part]), part
    lists_sheets = b"TitlesOfParts" in before["docProps/app.xml"]
    assert ("docProps/app.xml" in touched) == lists_sheets
    changed_sheets = {p for p in sheets.values() if p in touched}
    selected = {p for p in sheets.values() if re.search(rb'tabSelected="(?:1|true)"', before[p])}
    assert changed_sheets == marked_sheets | selected


def test_protection_validations_and_formats_survive(case) -> None:
    path, data, _ = case
    before, after = members(path.read_bytes()), members(data)
    for part in sheet_parts(before).values():
        for local in ("sheetProtection", "dataValidations", "conditionalFormatting", "mergeCells"):
            assert element_text(after[part], local) == element_text(before[part], local), (
                part,
                local,
            )
    assert element_text(after["xl/workbook.xml"], "workbookProtection") == element_text(
        before["xl/workbook.xml"], "workbookProtection"
    )
    results = sheet_parts(after)[RESULTS_SHEET]
    cover = sheet_parts(before)["填报说明"]
    assert element_text(after[results], "sheetProtection") == element_text(
        before[cover], "sheetProtection"
    )
    assert element_text(after[results], "sheetProtection"), "the results sheet is protected"


def expected_rows(marks: list[Mark]) -> list[tuple[str, set[str] | str, str, Mark]]:
    """The results sheet's rows as the README promises them, worked out here: one row per
    mark, except that a hint of one code on more than five cells is one row, at its first
    cell's place, naming every such cell (as ranges) and how many there are."""
    per_code: dict[str, list[Mark]] = {}
    for m in marks:
        if m.severity == "warning" and m.cell:
            per_code.setdefault(m.code, []).append(m)
    rows: list[tuple[str, set[str] | str, str, Mark]] = []
    for m in marks:
        group = per_code.get(m.code, []) if m.severity == "warning" and m.cell else []
        if len(group) > 5:
            if m is group[0]:
                cells = {f"{g.sheet}!{g.cell}" for g in group}
                rows.append((m.level, cells, f"共 {len(group)} 个单元格：", m))
            continue
        rows.append((m.level, f"{m.sheet}!{m.cell}" if m.cell else "整个文件", m.message, m))
    return rows


def expand(place: str) -> set[str]:
    """``依申请公开!D7:H10、复议诉讼!B6`` → every cell it names."""
    cells = set()
    for part in place.split("、"):
        sheet, ref = part.split("!")
        c0, r0, c1, r1 = range_boundaries(ref)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                cells.add(f"{sheet}!{get_column_letter(c)}{r}")
    return cells


def test_results_sheet_lists_every_finding_with_a_working_link(case) -> None:
    _, data, marks = case
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == RESULTS_SHEET and wb.active.title == RESULTS_SHEET
    ws = wb[RESULTS_SHEET]
    assert ws["A1"].value == RESULTS_TITLE
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "级别")
    assert [ws.cell(header, c).value for c in (1, 2, 3)] == ["级别", "位置", "说明"]
    rows = [
        tuple(ws.cell(r, c).value for c in (1, 2, 3)) for r in range(header + 1, ws.max_row + 1)
    ]
    expected = expected_rows(marks)
    assert len(rows) == len(expected)
    for (level, place, message), (want_level, want_place, want_message, _) in zip(
        rows, expected, strict=True
    ):
        assert level == want_level
        if isinstance(want_place, set):  # a hint on many cells: one line naming them all
            assert expand(place) == want_place and message.startswith(want_message)
        else:
            assert (place, message) == (want_place, want_message)
    for offset, (_, _, _, mark) in enumerate(expected, start=header + 1):
        link = ws.cell(offset, 2).hyperlink
        sheet, cell = (mark.sheet, mark.cell) if mark.cell else ("填报说明", "B4")
        assert link is not None and link.location == f"'{sheet}'!{cell}"
        assert link.target is None  # internal: no relationship, nothing outside the file
        target_sheet, target_cell = link.location.split("!")
        assert target_sheet.strip("'") in wb.sheetnames
        assert wb[target_sheet.strip("'")][target_cell].coordinate == cell
    assert ws.protection.sheet


def test_sheet_positions_names_and_properties_follow_the_new_first_sheet(case) -> None:
    path, data, _ = case
    old = openpyxl.load_workbook(path)
    new = openpyxl.load_workbook(io.BytesIO(data))
    assert new.sheetnames == [RESULTS_SHEET, *old.sheetnames]
    for ws in old:
        assert new[ws.title].print_area == ws.print_area, ws.title
        assert new[ws.title].print_title_rows == ws.print_title_rows, ws.title
        assert new[ws.title].sheet_state == ws.sheet_state
    names = {n: d.attr_text for n, d in new.defined_names.items()}
    assert names == {
        **{n: d.attr_text for n, d in old.defined_names.items()},
        MARK_NAME: f"'{RESULTS_SHEET}'!$A$1",
    }
    assert [p.name for p in new.custom_doc_props.props] == [
        p.name for p in old.custom_doc_props.props
    ]
    assert is_marked_copy(data) and not is_marked_copy(path.read_bytes())


def test_app_properties_list_the_results_sheet(protected_template: Path, form: Form) -> None:
    data, _ = mark_file(protected_template, form)
    before = ET.fromstring(members(protected_template.read_bytes())["docProps/app.xml"])
    after = ET.fromstring(members(data)["docProps/app.xml"])
    vt = "{http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes}"

    def lists(root: ET.Element) -> tuple[list, list[str], str, str]:
        pairs = [next(iter(v)).text for v in root.iter(f"{vt}variant")]
        titles = [t.text for t in root.iter(f"{vt}lpstr") if t not in root.iter(f"{vt}variant")]
        vectors = list(root.iter(f"{vt}vector"))
        return pairs, titles, vectors[0].get("size"), vectors[1].get("size")

    pairs_b, titles_b, _, size_b = lists(before)
    pairs_a, titles_a, _, size_a = lists(after)
    titles_b = [t for t in titles_b if t not in pairs_b]
    titles_a = [t for t in titles_a if t not in pairs_a]
    assert pairs_a == ["Worksheets", "5", "Named Ranges", str(int(pairs_b[3]) + 1)]
    assert titles_a[0] == RESULTS_SHEET and titles_a[1:5] == titles_b[:4]
    assert sorted(titles_a) == sorted([*titles_b, RESULTS_SHEET, MARK_NAME])
    assert int(size_a) == int(size_b) + 2 == len(titles_a)


def test_the_copy_reads_back_with_the_same_findings(case) -> None:
    path, data, _ = case
    copy = path.parent / f"copy-{path.name}"
    copy.write_bytes(data)
    try:
        again = [
            f.to_dict()
            for f in check_file(copy).findings
            if not (f.code.code == "sheet-extra" and f.actual == RESULTS_SHEET)
        ]
        assert again == [f.to_dict() for f in check_file(path).findings]
    finally:
        copy.unlink()


def test_marking_is_deterministic(form: Form) -> None:
    assert mark_file(B1_SAMPLE, form)[0] == mark_file(B1_SAMPLE, form)[0]


def test_the_committed_marked_sample_is_current(tmp_path: Path) -> None:
    """Its members as written (names, dates, attributes, bytes): the deflated streams
    are the deflate engine's (ISA-L, or zlib without it), not the sample's."""
    out = annotate_return(B1_SAMPLE, tmp_path / "x.xlsx").written
    assert out is not None
    assert zip_contents(ANNOTATED_SAMPLE.read_bytes()) == zip_contents(out.read_bytes()), (
        "run scripts/make_annotated_sample.py"
    )


# ----------------------------------------------------------------------------- comments
def comments_of(parts: dict[str, bytes], sheet: str) -> dict[str, str]:
    """{cell: comment text} of a sheet, read through its rels."""
    part = sheet_parts(parts)[sheet]
    rels_name = posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")
    if rels_name not in parts:
        return {}
    found = {}
    for rel in ET.fromstring(parts[rels_name]):
        if rel.get("Type", "").endswith("/comments"):
            root = ET.fromstring(parts[_target(part, rel.get("Target"))])
            for c in root.iter(f"{{{MAIN}}}comment"):
                found[c.get("ref")] = "".join(t.text or "" for t in c.iter(f"{{{MAIN}}}t"))
    return found


def vml_notes(parts: dict[str, bytes], sheet: str) -> list[tuple[int, int]]:
    part = sheet_parts(parts)[sheet]
    rels = ET.fromstring(
        parts[posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")]
    )
    vml = next(
        _target(part, r.get("Target")) for r in rels if r.get("Type", "").endswith("/vmlDrawing")
    )
    excel = "{urn:schemas-microsoft-com:office:excel}"
    return [
        (int(data.findtext(f"{excel}Row")), int(data.findtext(f"{excel}Column")))  # type: ignore[arg-type]
        for data in ET.fromstring(parts[vml]).iter(f"{excel}ClientData")  # well-formed XML
    ]


def test_each_marked_cell_has_a_comment_with_its_messages(form: Form) -> None:
    data, marks = mark_file(TEXT_SAMPLE, form)
    parts = members(data)
    for sheet, places in marked_places(marks).items():
        notes = comments_of(parts, sheet)
        assert set(notes) == set(places), sheet
        for ref, text in notes.items():
            messages = [m for m in marks if m.sheet == sheet and m.cell == ref]
            assert text == "gongkai-xlsx:\n" + "\n".join(
                f"{m.level}：{m.message}" for m in messages
            )
        assert sorted(vml_notes(parts, sheet)) == sorted(
            (int(re.sub(r"\D", "", r)) - 1, ord(r[0]) - 65) for r in places
        )


def test_findings_without_a_cell_are_commented_on_the_agency_field(
    protected_template: Path, form: Form
) -> None:
    data, marks = mark_file(protected_template, form)
    assert [(m.code, m.cell) for m in marks] == [("no-numbers", None)]
    parts = members(data)
    assert comments_of(parts, "填报说明") == {"B4": f"gongkai-xlsx:\n错误：{marks[0].message}"}
    before = cells(members(protected_template.read_bytes())[sheet_parts(parts)["填报说明"]])
    after = cells(parts[sheet_parts(parts)["填报说明"]])
    assert after["B4"].get("s") == before["B4"].get("s")  # a comment, no fill: nothing to fix there


def test_the_agencys_own_comments_are_kept(commented: Path, form: Form) -> None:
    data, marks = mark_file(commented, form)
    parts = members(data)
    notes = comments_of(parts, "主动公开")
    assert notes["A1"] == "表头说明"
    b9 = [m for m in marks if m.cell == "B9"]
    assert notes["B9"] == "单位备注：许可数待核" + "\ngongkai-xlsx:\n" + "\n".join(
        f"{m.level}：{m.message}" for m in b9
    )
    assert set(notes) == {"A1", *marked_places(marks)["主动公开"]}
    # One box per comment: the agency's two and one per newly commented cell.
    assert len(vml_notes(parts, "主动公开")) == len(notes)


def test_a_marked_cell_missing_from_the_xml_is_created(form: Form, tmp_path: Path) -> None:
    mark = Mark("error", "复议诉讼", "P20", "测试：表格之外的单元格", "stray-number")
    data = annotate_workbook(B1_SAMPLE.read_bytes(), [mark], form)
    parts = members(data)
    part = sheet_parts(parts)["复议诉讼"]
    assert re.search(rb'<row r="20"><c r="P20" s="\d+"/></row>', parts[part])
    ws = openpyxl.load_workbook(io.BytesIO(data))["复议诉讼"]
    assert ws["P20"].fill.fgColor.rgb == ERROR_FILL and ws["P20"].value is None


# ----------------------------------------------------------------------------- again
def test_marking_a_marked_copy_again_replaces_the_old_marks(form: Form) -> None:
    first, marks = mark_file(TEXT_SAMPLE, form)
    kept = [m for m in marks if m.sheet == "主动公开"]
    second = annotate_workbook(first, kept, form)
    before, after = members(TEXT_SAMPLE.read_bytes()), members(second)
    for sheet, part in sheet_parts(before).items():
        old, new = cells(before[part]), cells(after[part])
        changed = {r for r in old if new[r].get("s") != old[r].get("s")}
        assert changed == set(marked_places(kept).get(sheet, {})), sheet
        assert set(comments_of(after, sheet)) == set(marked_places(kept).get(sheet, {})), sheet
    wb = openpyxl.load_workbook(io.BytesIO(second))
    assert wb.sheetnames == [RESULTS_SHEET, *openpyxl.load_workbook(TEXT_SAMPLE).sheetnames]
    ws = wb[RESULTS_SHEET]
    assert [ws.cell(r, 3).value for r in range(ws.max_row - len(kept) + 1, ws.max_row + 1)] == [
        m.message for m in kept
    ]
    assert list(wb.defined_names).count(MARK_NAME) == 1


def test_a_foreign_sheet_named_like_ours_is_refused(form: Form, tmp_path: Path) -> None:
    path = tmp_path / "foreign.xlsx"
    wb = openpyxl.load_workbook(B1_SAMPLE)
    wb.create_sheet(RESULTS_SHEET)
    wb.save(path)
    with pytest.raises(AnnotateError, match=RESULTS_SHEET):
        annotate_workbook(path.read_bytes(), [Mark("error", None, None, "x", "x")], form)


def test_written_atomically_and_nothing_left_on_failure(form: Form, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = write_annotated(
        B1_SAMPLE, out / "marked.xlsx", marks_from_findings(check_file(B1_SAMPLE).findings), form
    )
    assert [p.name for p in out.iterdir()] == ["marked.xlsx"] and is_marked_copy(
        target.read_bytes()
    )
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(B1_SAMPLE) as zin, zipfile.ZipFile(broken, "w") as zout:
        for info in zin.infolist():
            if info.filename != "xl/workbook.xml":
                zout.writestr(info, zin.read(info))
    with pytest.raises(AnnotateError, match="无法标注"):
        write_annotated(broken, out / "broken.xlsx", [Mark("error", None, None, "x", "x")], form)
    assert [p.name for p in out.iterdir()] == ["marked.xlsx"]


# ----------------------------------------------------------------------------- CLI
def test_cli_writes_the_marked_copy(tmp_path: Path) -> None:
    result = run("annotate", B1_SAMPLE, "-o", tmp_path / "退回.xlsx")
    assert result.exit_code == 0, result.output
    assert "已生成标注副本" in result.output and "错误 2 项，提示 0 项" in result.output
    assert is_marked_copy((tmp_path / "退回.xlsx").read_bytes())
    into_folder = run("annotate", B1_SAMPLE, "-o", tmp_path)
    assert into_folder.exit_code == 0 and (tmp_path / B1_SAMPLE.name).is_file()
    again = run("annotate", B1_SAMPLE, "-o", tmp_path / "退回.xlsx")
    assert again.exit_code == 2 and "--force" in again.output
    assert run("annotate", B1_SAMPLE, "-o", tmp_path / "退回.xlsx", "--force").exit_code == 0


def test_cli_without_findings_writes_nothing(tmp_path: Path) -> None:
    clean = SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx"
    result = run("annotate", clean, "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 0 and "没有需要标注的问题" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_unreadable_file_gets_no_copy_and_its_message(tmp_path: Path) -> None:
    bad = tmp_path / "坏文件.xlsx"
    bad.write_text("单位,数量\n", encoding="utf-8")
    result = run("annotate", bad, "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 1
    assert "无法读取" in result.output and "不是 Excel 工作簿" in result.output
    assert not (tmp_path / "x.xlsx").exists()


def test_cli_refuses_to_overwrite_the_return(tmp_path: Path) -> None:
    copy = tmp_path / B1_SAMPLE.name
    shutil.copyfile(B1_SAMPLE, copy)
    result = run("annotate", copy, "-o", copy, "--force")
    assert result.exit_code == 2 and "不能覆盖" in result.output
    assert copy.read_bytes() == B1_SAMPLE.read_bytes()
    assert run("annotate", copy, "-o", tmp_path / "x.csv").exit_code == 2


@pytest.mark.parametrize("into", ["folder", "file"])
def test_cli_says_first_that_the_return_is_not_an_xlsx_it_can_mark(
    tmp_path: Path, into: str
) -> None:
    """The defect: ``annotate x.xls -o 退回/`` said the copy's name should end in .xlsx. The
    return is looked at first: it is not a workbook, and that is all the person is told."""
    xls = tmp_path / "某县教育局.xls"  # what web systems export as “Excel”: an HTML table
    xls.write_text("<html><body><table><tr><td>新收申请</td><td>5</td></tr></table>", "utf-8")
    back = tmp_path / "退回"
    back.mkdir()
    output = back if into == "folder" else back / "某县教育局.xls"
    result = run("annotate", xls, "-o", output)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{xls}：无法读取，未生成标注副本。",
        "  错误 [file-text] 这是文本文件（HTML 网页），不是 Excel 工作簿。请直接填写下发的 .xlsx 模板后报送。",
    ]
    assert list(back.iterdir()) == []


@pytest.mark.libreoffice
def test_cli_on_an_xls_saved_by_libreoffice_into_a_folder(tmp_path: Path) -> None:
    if not harness.available():
        pytest.skip("LibreOffice Calc with python3-uno is not installed")
    xls = harness.convert(B1_SAMPLE, tmp_path, fmt="xls", recalc=False)
    back = tmp_path / "退回"
    back.mkdir()
    result = run("annotate", xls, "-o", back)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1].startswith("  错误 [file-xls] 这是旧版 .xls 格式的文件。")
    assert ".xlsx 结尾" not in result.output and list(back.iterdir()) == []


def test_cli_into_an_existing_folder_uses_the_returns_name(tmp_path: Path) -> None:
    """``-o 文件夹/`` puts the copy in that folder under the return's own name (as .xlsx);
    a name that is neither an existing folder nor an .xlsx is explained as both."""
    back = tmp_path / "退回"
    back.mkdir()
    result = run("annotate", B1_SAMPLE, "-o", back)
    assert result.exit_code == 0, result.output
    assert [p.name for p in back.iterdir()] == [B1_SAMPLE.name]
    assert is_marked_copy((back / B1_SAMPLE.name).read_bytes())
    assert f"已生成标注副本：{back / B1_SAMPLE.name}（" in result.stdout
    again = run("annotate", B1_SAMPLE, "-o", back)
    assert again.exit_code == 2
    assert f"{back / B1_SAMPLE.name}：文件已存在。如需覆盖，请加 --force。" in again.stderr
    missing = run("annotate", B1_SAMPLE, "-o", tmp_path / "没有的文件夹")
    assert missing.exit_code == 2
    assert "没有这个文件夹。请给出已有的文件夹，或以 .xlsx 结尾的文件名。" in missing.stderr


def _zeros_deflated(size: int) -> bytes:
    """Raw deflate of ``size`` zero bytes, built fast: a block that ends in a full flush
    does not depend on what came before it, so one 16 MB block repeated is a valid stream."""
    chunk = bytes(1 << 24)
    co = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = co.compress(chunk) + co.flush(zlib.Z_FULL_FLUSH)
    return block * (size >> 24) + co.flush()


def lying_bomb(good: bytes, real: int, claimed: int) -> bytes:
    """``good`` plus a member ``xl/media/image1.png`` (a part the reader does not read, the
    marked copy keeps) whose local and central headers claim ``claimed`` bytes and whose
    data inflates to ``real`` zero bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
    data = out.getvalue()
    end = data.rindex(b"PK\x05\x06")
    count, cd_size, cd_offset = struct.unpack("<HII", data[end + 10 : end + 20])
    body, directory = data[:cd_offset], data[cd_offset : cd_offset + cd_size]
    name, packed = b"xl/media/image1.png", _zeros_deflated(real)
    crc = zlib.crc32(b"\0" * claimed)
    fields = (20, 0, 8, 0, 0x5821, crc, len(packed), claimed, len(name))
    local = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name
    central = (
        struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0, len(body)) + name
    )
    body += local + packed
    directory += central
    tail = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, count + 1, count + 1, len(directory), len(body), 0
    )
    return body + directory + tail


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="memory caps hold on Linux")
def test_annotate_of_one_lying_zip_bomb_stays_within_the_memory_limit(tmp_path: Path) -> None:
    """A return with findings plus a member that claims 1 KB and inflates to 1 GB: the check
    passes the member by (the reader does not read it), marking reads every member. In the
    worker it costs the annotate-failed finding naming the limit; the program (parent and
    worker) stays near the limit, where in one process it took 2.16 GB for a 3 GB member."""
    bomb = tmp_path / "炸弹.xlsx"
    bomb.write_bytes(lying_bomb(B1_SAMPLE.read_bytes(), real=1 << 30, claimed=1024))
    assert check_file(bomb).readable  # the check alone is not where the memory goes
    out = tmp_path / "退回.xlsx"
    command = [console_script(), "annotate", bomb, "-o", out, "--memory-limit", "150"]
    measure = (
        "import resource, subprocess, sys; "
        "p = subprocess.run(sys.argv[1:], capture_output=True); "
        "sys.stdout.buffer.write(p.stderr); "
        "print(); print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", measure, *map(str, command)], capture_output=True, check=True
    )
    lines = done.stdout.decode("utf-8").splitlines()
    code, max_rss_kb = map(int, lines[-1].split())
    text = "\n".join(lines[:-1])
    assert code == 1, text
    assert "炸弹.xlsx：未生成标注副本。" in text
    assert "[annotate-failed] 没有为这份报表生成标注副本：超过 150 MB 内存限制" in text
    assert "Traceback" not in text
    assert max_rss_kb < 400 * 1024, max_rss_kb  # a worker's baseline plus 150 MB, not 1 GB
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["炸弹.xlsx"]  # no temporary file left


def test_annotate_that_cannot_mark_says_so_with_the_finding(tmp_path: Path) -> None:
    """A member whose header claims more than its data holds: the check passes it by,
    marking finds the zip broken; one finding, exit 1, nothing written."""
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(lying_bomb(B1_SAMPLE.read_bytes(), real=1 << 24, claimed=1 << 25))
    result = run("annotate", broken, "-o", tmp_path / "x.xlsx")
    assert result.exit_code == 1, result.output
    assert "坏.xlsx：未生成标注副本。" in result.output
    assert (
        "[annotate-failed] 没有为这份报表生成标注副本：无法标注：文件不是完整的 zip 压缩包"
        in result.output
    )
    assert not (tmp_path / "x.xlsx").exists()


# ----------------------------------------------------------------------------- LibreOffice
B_MISTAKES = {
    "a.licensing.decisions": "十二",  # not-number error
    "a.penalty.decisions": "31",  # number-as-text warning
    "b.received.natural_person": 5,  # B1 broken in 自然人
}


@pytest.fixture(scope="module")
def lo_marked(
    tmp_path_factory: pytest.TempPathFactory, form: Form, layout, protected_template: Path
) -> dict:
    """Two marked copies opened in Calc (the B1 sample and a return Calc filled), the
    B1 copy re-saved by Calc and marked again: four soffice runs for the module."""
    from gongkai_xlsx.cellref import to_a1

    work = tmp_path_factory.mktemp("lo-annotate")
    filled = work / "calc-filled.xlsx"
    entries = []
    for cell_id, value in B_MISTAKES.items():
        sheet, r, c = layout.cell_positions[cell_id]
        entries.append((sheet, to_a1(r, c), value))
    harness.fill(protected_template, filled, entries)
    out: dict = {}
    for key, source in (("b1", B1_SAMPLE), ("calc", filled)):
        marks = marks_from_findings(check_file(source).findings)
        copy = work / f"{key}-marked.xlsx"
        write_annotated(source, copy, marks, form)
        asked = [(m.sheet, m.cell) for m in marks if m.cell]
        out[key] = {
            "source": source,
            "copy": copy,
            "marks": marks,
            "seen": harness.marks(copy, asked),
        }
    resaved = work / "b1-resaved.xlsx"
    harness.recalc_save(out["b1"]["copy"], resaved)
    only_e30 = [m for m in out["b1"]["marks"] if m.cell == "E30"]
    again = work / "b1-again.xlsx"
    write_annotated(resaved, again, only_e30, form)
    out["resaved"] = resaved
    out["again"] = {
        "copy": again,
        "marks": only_e30,
        "seen": harness.marks(again, [("依申请公开", "D30"), ("依申请公开", "E30")]),
    }
    return out


def _rgb(color: str) -> int:
    return int(color[2:], 16)


@pytest.mark.libreoffice
@pytest.mark.parametrize("key", ["b1", "calc"])
def test_libreoffice_shows_the_comments_on_the_right_cells(lo_marked: dict, key: str) -> None:
    seen, marks = lo_marked[key]["seen"], lo_marked[key]["marks"]
    names = [s["name"] for s in seen["sheets"]]
    assert names[0] == RESULTS_SHEET and seen["active"] == RESULTS_SHEET
    assert all(s["protected"] and s["visible"] for s in seen["sheets"])
    for sheet in seen["sheets"]:
        expected: dict[str, list[str]] = {}
        for m in marks:
            for where, ref in places_of(m):
                if where == sheet["name"]:
                    expected.setdefault(ref, []).append(f"{m.level}：{m.message}")
        shown = {a["cell"]: a["string"] for a in sheet["annotations"]}
        assert shown == {c: "gongkai-xlsx:\n" + "\n".join(t) for c, t in expected.items()}, sheet[
            "name"
        ]
        assert not any(a["visible"] for a in sheet["annotations"])  # shown on hover
    places = marked_places(marks)
    for cell in seen["cells"]:
        color = ERROR_FILL if places[cell["sheet"]][cell["cell"]] == "error" else WARNING_FILL
        assert cell["back_color"] == _rgb(color), cell


@pytest.mark.libreoffice
def test_libreoffice_resaves_the_copy_readably(lo_marked: dict) -> None:
    resaved = lo_marked["resaved"]
    source = lo_marked["b1"]["source"]
    values = [
        (f.code.code, f.sheet, f.cell, f.actual)
        for f in check_file(resaved).findings
        if f.code.code != "sheet-extra"
    ]
    assert values == [(f.code.code, f.sheet, f.cell, f.actual) for f in check_file(source).findings]
    assert is_marked_copy(resaved.read_bytes())  # name and sheet survive Calc's save


@pytest.mark.libreoffice
def test_a_copy_resaved_by_libreoffice_is_marked_again_cleanly(lo_marked: dict) -> None:
    seen = lo_marked["again"]["seen"]
    sheet = next(s for s in seen["sheets"] if s["name"] == "依申请公开")
    # E30's B1 mark: E30 and the other cells of its column's sums; none of column D.
    (mark,) = lo_marked["again"]["marks"]
    assert {a["cell"] for a in sheet["annotations"]} == {ref for _, ref in places_of(mark)}
    assert {ref for _, ref in places_of(mark)} == {"E6", "E7", "E29", "E30"}
    colors = {c["cell"]: c["back_color"] for c in seen["cells"]}
    assert colors["E30"] == _rgb(ERROR_FILL)
    assert colors["D30"] == _rgb("FFFFF2CC")  # the input cells' light yellow again
    assert [s["name"] for s in seen["sheets"]].count(RESULTS_SHEET) == 1


@pytest.mark.libreoffice
def test_libreoffice_follows_the_links(lo_marked: dict) -> None:
    copy, marks = lo_marked["b1"]["copy"], lo_marked["b1"]["marks"]
    wb = openpyxl.load_workbook(copy)
    ws = wb[RESULTS_SHEET]
    rows = [
        r
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 2).value in {f"{m.sheet}!{m.cell}" for m in marks}
    ]
    seen = harness.marks(copy, [(RESULTS_SHEET, f"B{r}") for r in rows])
    assert [c["links"] for c in seen["cells"]] == [[f"#'{m.sheet}'.{m.cell}"] for m in marks]


def test_a_workbook_with_prefixed_elements_is_marked_in_its_own_prefix(
    form: Form, tmp_path: Path
) -> None:
    """Writers built on the Open XML SDK spell every element ``<x:c>``, ``<x:row>``."""
    main = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    path = tmp_path / "prefixed.xlsx"
    with zipfile.ZipFile(TEXT_SAMPLE) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.startswith("xl/") and main in data:
                data = re.sub(rb"<(/?)([A-Za-z]\w*)(?=[\s/>])", rb"<\1x:\2", data)
                data = data.replace(main, main.replace(b"xmlns=", b"xmlns:x="))
            zout.writestr(info, data)
    data, marks = mark_file(path, form)
    assert [(m.sheet, m.cell) for m in marks] == [
        (m.sheet, m.cell) for m in marks_from_findings(check_file(TEXT_SAMPLE).findings)
    ]
    parts = members(data)
    for part in sheet_parts(parts).values():
        ET.fromstring(parts[part])  # still well-formed
    sheet = parts[sheet_parts(parts)["主动公开"]]
    assert b"<x:legacyDrawing " in sheet and b"<legacyDrawing" not in sheet
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[0] == RESULTS_SHEET
    assert wb["主动公开"]["B6"].fill.fgColor.rgb == WARNING_FILL
    assert wb["主动公开"]["B6"].value == "１２"


# ----------------------------------------------------------------------------- B1 and looks
def test_a_b1_typo_in_row_one_marks_every_cell_of_both_sums(
    form: Form, fill: Filler, tmp_path: Path
) -> None:
    """A typo in 一 breaks B1 in its column: the marked copy marks 一, 二, （七）总计 and 四 of
    that column red, each with the comment naming both sums and the difference, so the
    clerk does not "fix" 四; the other columns keep their look; the results sheet lists
    the finding once."""
    values = balanced(form, {c.id: 1 for c in form.input_cells()})
    values["b.received.natural_person"] = int(values["b.received.natural_person"]) + 7  # typo
    source = fill(values, {"agency": SEED_AGENCY})
    target = tmp_path / "退回.xlsx"
    assert annotate_return(source, target, force=True).written == target
    wb = openpyxl.load_workbook(target)
    ws = wb["依申请公开"]
    rows = {
        "一": "received",
        "二": "carried_over",
        "（七）总计": "results_total",
        "四": "carried_forward",
    }
    layout = layout_of(form)
    totals = with_totals(form, values)
    left = totals["b.received.natural_person"] + totals["b.carried_over.natural_person"]
    right = totals["b.results_total.natural_person"] + totals["b.carried_forward.natural_person"]
    assert left - right == 7
    for label, row in rows.items():
        for column, marked in (("natural_person", True), ("commercial_enterprise", False)):
            _, r, c = layout.cell_positions[f"b.{row}.{column}"]
            cell = ws.cell(r + 1, c + 1)
            assert (cell.fill.fgColor.rgb == ERROR_FILL) is marked, (label, column)
            if marked:
                text = cell.comment.text
                assert "第一项加第二项之和应等于第三项加第四项之和" in text, label
                assert f"第一项加第二项之和为 {left}，第三项加第四项之和为 {right}" in text
                assert "前者多 7" in text
            else:
                assert cell.comment is None, (label, column)
    listed = [r[0].value for r in wb[RESULTS_SHEET].iter_rows(min_col=1, max_col=1) if r[0].value]
    assert listed.count("错误") == 1


def test_marks_stand_out_from_the_inputs_in_black_and_white(
    form: Form, fill: Filler, template_2024: Path, tmp_path: Path
) -> None:
    """Hint and error marks print at least 40 grey levels (0.299R + 0.587G + 0.114B) darker
    than the light-yellow input, both as the template's live marks (the conditional
    formats on its input cells) and as the marked copy's fills, which look the same."""

    def grey(argb: str) -> float:
        r, g, b = (int(argb[-6:][i : i + 2], 16) for i in (0, 2, 4))
        return 0.299 * r + 0.587 * g + 0.114 * b

    template = openpyxl.load_workbook(template_2024)
    input_fill = template["主动公开"]["B5"].fill.fgColor.rgb
    live = {
        rule.dxf.fill.bgColor.rgb
        for name in ("主动公开", "依申请公开", "复议诉讼")
        for cf in template[name].conditional_formatting
        for rule in cf.rules
        if rule.type == "expression" and rule.dxf is not None and rule.dxf.fill is not None
    }
    assert live == {ERROR_FILL, WARNING_FILL}  # the same look as the marked copies
    source = fill({"a.licensing.decisions": "十二", "a.penalty.decisions": "/"})
    target = tmp_path / "退回.xlsx"
    annotate_return(source, target, force=True)
    ws = openpyxl.load_workbook(target)["主动公开"]
    positions = layout_of(form).cell_positions
    copy = {
        level: ws.cell(positions[cell_id][1] + 1, positions[cell_id][2] + 1).fill.fgColor.rgb
        for level, cell_id in (("error", "a.licensing.decisions"), ("hint", "a.penalty.decisions"))
    }
    assert copy == {"error": ERROR_FILL, "hint": WARNING_FILL}
    for mark in (*live, *copy.values()):
        assert grey(input_fill) - grey(mark) >= 40, mark


def test_a_copy_marked_in_the_old_colours_loses_them_when_marked_again(
    form: Form, tmp_path: Path
) -> None:
    """Copies sent back before the marks changed colour (red FF7C80, amber FFC000) come
    back too: marked again, their old fills go like today's."""
    marks = marks_from_findings(check_file(B1_SAMPLE).findings)
    data = annotate_workbook(B1_SAMPLE.read_bytes(), marks, form)
    old = {ERROR_FILL: "FFFF7C80", WARNING_FILL: "FFFFC000"}
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(buffer, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == "xl/styles.xml":
                for new, former in old.items():
                    body = body.replace(new.encode(), former.encode())
                assert b"FFFF7C80" in body
            zout.writestr(info, body)
    again = members(annotate_workbook(buffer.getvalue(), [], form))
    part = sheet_parts(again)["依申请公开"]
    colours = {
        fill_color(again, cell_xfs(again)[int(c.get("s", "0"))])
        for c in cells(again[part]).values()
    }
    assert not colours & {*old.values(), *old}


def test_cells_found_by_search_are_the_cells_the_scan_finds() -> None:
    """The marked cells of a big sheet are found by searching their text; where a sheet
    does not say every cell's place (a cell without ``r``), a position is absent or the
    cells are out of order, every cell is scanned instead: both give the same cells."""
    from gongkai_xlsx.annotate.sheet import Worksheet

    samples = Path(__file__).resolve().parent.parent / "samples"
    with zipfile.ZipFile(samples / "某县交通运输局_2024_B1不平衡.xlsx") as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        texts = [archive.read(n).decode() for n in names]
    implied = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="2"><c r="A2" s="3"/><c s="4"/><c r="D2" s="5"/></row>'
        '<row r="3"><c r="C3" s="6"/><c r="B3" s="7"/></row></sheetData></worksheet>'
    )
    # a reference written in another row than its own: not taken for the cell it names
    misplaced = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="2"><c r="A2" s="3"/></row>'
        '<row r="3"><c r="B2" s="4"/><c r="C3" s="6"/></row></sheetData></worksheet>'
    )
    checked = 0
    for text in [*texts, implied, misplaced]:
        everything = Worksheet(text).cells()
        wanted = [{(c.row, c.col) for c in everything[i::7]} for i in range(3)]
        wanted += [{(1, 1), (2, 1)}, {(1, 1), (40, 40)}, {(2, 2), (2, 1)}, {(2, 2)}]
        for places in wanted:
            found = Worksheet(text).cells_at(places)
            expected = [c for c in everything if (c.row, c.col) in places]
            assert [(c.row, c.col, c.style, c.element.start) for c in found] == [
                (c.row, c.col, c.style, c.element.start) for c in expected
            ]
            checked += len(found)
    assert checked > 50


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_styles_missing_or_empty_sections_are_made_in_schema_order(prefix: str) -> None:
    """A styles.xml without fills or borders and with an empty ``<cellXfs/>`` (as some
    writers leave them) gets them, in CT_Stylesheet's order, each count right, and the
    marked format wears the red fill; the same text marked twice gives the same text."""
    from gongkai_xlsx.annotate.styles import Styles

    p = prefix
    ns = f' xmlns{":" + p[:-1] if p else ""}="{M["m"]}"'
    text = (
        f'<?xml version="1.0"?>\n<{p}styleSheet{ns}><{p}fonts count="1"><{p}font>'
        f'<{p}sz val="11"/><{p}name val="宋体"/></{p}font></{p}fonts>'
        f'<{p}cellXfs count="0"/><{p}cellStyles count="0"/></{p}styleSheet>'
    )
    results = []
    for _ in range(2):
        styles = Styles(text)
        marked = styles.marked_xf(0, "error")
        styles.result_styles()
        results.append((marked, styles.text))
    assert results[0] == results[1]
    marked, out = results[0]
    root = ET.fromstring(out)
    order = [child.tag.rpartition("}")[2] for child in root]
    assert order == ["fonts", "fills", "borders", "cellXfs", "cellStyles"]
    for child in root:
        if child.get("count") is not None:
            assert int(child.get("count") or "") == len(child), child.tag
    xfs = root.find("m:cellXfs", M)
    fills = root.find("m:fills", M)
    assert xfs is not None and fills is not None
    fill = fills[int(xfs[marked].get("fillId") or "")]
    assert fill.find("m:patternFill/m:fgColor", M).get("rgb") == ERROR_FILL  # type: ignore[union-attr]


def test_sheet_level_names_move_with_their_sheets_when_one_goes_first() -> None:
    """Every ``localSheetId`` moves one on, whatever a name's text says (a sheet may be
    named ``localSheetId``); workbook-level names and texts are left as they are."""
    from gongkai_xlsx.annotate.workbook import WorkbookXml

    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    text = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{rel}"><sheets>'
        '<sheet name="封面" sheetId="1" r:id="rId1"/><sheet name="localSheetId" sheetId="2" '
        'r:id="rId2"/></sheets><definedNames>'
        "<definedName name=\"a\">'localSheetId'!$A$1</definedName>"
        '<definedName name="_xlnm.Print_Area" localSheetId="1">'
        "'localSheetId'!$A$1:$C$9</definedName>"
        '<definedName localSheetId="0" name="b">封面!$B$2</definedName>'
        "</definedNames></workbook>"
    )
    wb = WorkbookXml(text)
    wb.insert_first_sheet(RESULTS_SHEET, "rId9")
    names = ET.fromstring(wb.text).find("m:definedNames", M)
    assert names is not None
    assert [(n.get("name"), n.get("localSheetId"), n.text) for n in names] == [
        ("a", None, "'localSheetId'!$A$1"),
        ("_xlnm.Print_Area", "2", "'localSheetId'!$A$1:$C$9"),
        ("b", "1", "封面!$B$2"),
    ]
    sheets = ET.fromstring(wb.text).find("m:sheets", M)
    assert sheets is not None and [s.get("name") for s in sheets] == [
        RESULTS_SHEET,
        "封面",
        "localSheetId",
    ]


def test_a_word_outside_the_cells_is_found_in_the_bytes_as_read() -> None:
    """The marking asks a sheet's bytes (not decoded) whether it has a tab selection or
    a comment drawing: outside sheetData only, unless sheetData is named elsewhere (a
    comment), when the whole sheet is searched."""
    from gongkai_xlsx.annotate.sheet import mentions_outside_cells

    cells = '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>tabSelected 批注</t></is></c></row></sheetData>'
    head = '<?xml version="1.0"?><worksheet xmlns="x"><sheetViews><sheetView {}/></sheetViews>'
    selected = (head.format('tabSelected="1"') + cells + "<legacyDrawing/></worksheet>").encode()
    plain = (head.format('workbookViewId="0"') + cells + "</worksheet>").encode()
    assert mentions_outside_cells(selected, "tabSelected")
    assert mentions_outside_cells(selected, "legacyDrawing")
    assert not mentions_outside_cells(plain, "tabSelected")  # only a cell's text says it
    assert not mentions_outside_cells(plain, "legacyDrawing")
    hidden = plain.replace(b"<sheetViews>", b"<!-- sheetData --><sheetViews>")
    assert mentions_outside_cells(hidden, "tabSelected")  # searched whole: a cell says it
    assert not mentions_outside_cells(hidden, "legacyDrawing")
