"""A marked copy made after the check trusts only what the reader accepted.

``ingest --annotate`` and ``annotate`` (the desk runs them) mark the very bytes the
reader has just read, and the reader's expat pass over each of the form's sheets is the
proof that they are well-formed UTF-8 XML: the marking then finds the closing tags of a
sheet's root and sheetData from the end and does not check UTF-8 again
(``Outcome.well_formed``). A sheet nobody parsed (one the form does not have) and bytes
given to ``annotate_workbook`` directly keep the full check: a damaged sheet that was
refused is refused still, through every public path.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from conftest import run

from gongkai_xlsx.annotate import AnnotateError, Mark, annotate_workbook, marks_from_findings
from gongkai_xlsx.api import check_file
from gongkai_xlsx.definition.load import load_form
from gongkai_xlsx.ooxml.xmltext import declares_utf8
from gongkai_xlsx.reader import read_return

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
B1_SAMPLE = SAMPLES / "某县交通运输局_2024_B1不平衡.xlsx"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Refused by the forward search (the root closes at the first </worksheet>, leaving
# sheetData open), though its last closing tags would pair if searched from the end.
DAMAGED = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{MAIN}"><sheetViews><sheetView tabSelected="1" workbookViewId="0"/>'
    '</sheetViews><sheetData><row r="1"></worksheet></sheetData></worksheet>'
).encode()
REFUSED = "没有为这份报表生成标注副本：无法标注"


def rezipped(data: bytes, change: dict[str, bytes], add: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for info in old.infolist():
            new.writestr(info, change.get(info.filename, old.read(info)), zipfile.ZIP_DEFLATED)
        for name, body in add.items():
            new.writestr(name, body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def with_extra_sheet(data: bytes, sheet: bytes) -> bytes:
    """The return with one more sheet, 附注, that the form does not have: the reader
    names it (sheet-extra) and does not parse it; the marking clears its tab selection."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        workbook = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
        types = z.read("[Content_Types].xml").decode()
    rel_ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    entry = f'<sheet xmlns:r="{rel_ns}" name="附注" sheetId="99" state="visible" r:id="rId99"/>'
    relationship = (
        f'<Relationship Type="{rel_ns}/worksheet" Target="/xl/worksheets/sheet99.xml" Id="rId99"/>'
    )
    override = (
        '<Override PartName="/xl/worksheets/sheet99.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    )
    change = {
        "xl/workbook.xml": workbook.replace("</sheets>", entry + "</sheets>").encode(),
        "xl/_rels/workbook.xml.rels": rels.replace(
            "</Relationships>", relationship + "</Relationships>"
        ).encode(),
        "[Content_Types].xml": types.replace("</Types>", override + "</Types>").encode(),
    }
    return rezipped(data, change, {"xl/worksheets/sheet99.xml": sheet})


def with_form_sheet(data: bytes, sheet: bytes) -> bytes:
    """The return with its 复议诉讼 sheet (a sheet of the form, read by the reader) replaced."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        workbook = z.read("xl/workbook.xml").decode()
    rid = re.search(r'name="复议诉讼"[^>]*r:id="(rId\d+)"', workbook)
    assert rid is not None
    return rezipped(data, {f"xl/worksheets/sheet{rid.group(1)[3:]}.xml": sheet}, {})


@pytest.fixture()
def extra_damaged(tmp_path: Path) -> Path:
    path = tmp_path / "报表" / "某县交通运输局_附注损坏.xlsx"
    path.parent.mkdir()
    path.write_bytes(with_extra_sheet(B1_SAMPLE.read_bytes(), DAMAGED))
    return path


def test_the_reader_accepts_the_form_sheets_and_not_the_one_it_did_not_read(
    extra_damaged: Path,
) -> None:
    ret = read_return(extra_damaged.read_bytes(), extra_damaged.name)
    assert ret.form is not None and ret.located
    assert len(ret.well_formed) == 4  # the form's sheets, each parsed by expat
    assert "xl/worksheets/sheet99.xml" not in {p.lstrip("/") for p in ret.well_formed}
    assert check_file(extra_damaged).well_formed == ret.well_formed


def test_a_damaged_sheet_the_reader_did_not_parse_is_refused_by_every_public_path(
    extra_damaged: Path, tmp_path: Path
) -> None:
    data = extra_damaged.read_bytes()
    marks = marks_from_findings(check_file(extra_damaged).findings)
    assert marks
    with pytest.raises(AnnotateError):
        annotate_workbook(data, marks, load_form("gk2021"))
    told = read_return(data, extra_damaged.name).well_formed
    with pytest.raises(AnnotateError):  # told only what the reader parsed
        annotate_workbook(data, marks, load_form("gk2021"), well_formed=told)

    result = run("annotate", extra_damaged, "-o", tmp_path / "副本.xlsx")
    assert result.exit_code == 1, result.output
    assert REFUSED in result.output
    assert not (tmp_path / "副本.xlsx").exists()

    out = tmp_path / "结果"
    result = run("ingest", extra_damaged.parent, "-o", out, "--annotate", tmp_path / "退回")
    assert REFUSED in (out / "report.json").read_text("utf-8"), result.output
    assert [p.name for p in (tmp_path / "退回").rglob("*.xlsx")] == ["退回清单.xlsx"]


def test_a_damaged_sheet_of_the_form_is_refused_by_every_public_path(tmp_path: Path) -> None:
    data = with_form_sheet(B1_SAMPLE.read_bytes(), DAMAGED)
    path = tmp_path / "报表" / "某县交通运输局_复议诉讼损坏.xlsx"
    path.parent.mkdir()
    path.write_bytes(data)
    ret = read_return(data, path.name)
    assert ret.form is None or not ret.located  # the reader refuses it
    assert not check_file(path).readable
    marks = marks_from_findings(check_file(B1_SAMPLE).findings)
    with pytest.raises(AnnotateError):
        annotate_workbook(data, marks, load_form("gk2021"))
    result = run("annotate", path, "-o", tmp_path / "副本.xlsx")
    assert result.exit_code == 1, result.output
    assert not (tmp_path / "副本.xlsx").exists()
    run("ingest", path.parent, "-o", tmp_path / "结果", "--annotate", tmp_path / "退回")
    copies = [p.name for p in (tmp_path / "退回").rglob("*.xlsx")]
    assert path.name not in copies and len(copies) <= 1  # at most the send-back list


def test_marking_after_the_read_gives_the_same_copy(tmp_path: Path) -> None:
    """Told what the reader accepted, the copy is the one made without being told."""
    form = load_form("gk2021")
    for path in sorted(SAMPLES.glob("*.xlsx")):
        data = path.read_bytes()
        marks = marks_from_findings(check_file(path).findings)
        told = read_return(data, path.name).well_formed
        assert annotate_workbook(data, marks, form, well_formed=told) == annotate_workbook(
            data, marks, form
        ), path.name


@pytest.mark.parametrize(
    ("head", "utf8"),
    [
        (b"<worksheet/>", True),
        (b"\xef\xbb\xbf<worksheet/>", True),
        (b'<?xml version="1.0"?><worksheet/>', True),
        (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w/>', True),
        (b"<?xml version='1.0' encoding='utf-8'?><w/>", True),
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><w/>', False),
        (b'<?xml version="1.0" encoding="GBK"?><w/>', False),
        (b"\xff\xfe<\x00w\x00/\x00>\x00", False),
        (b"<\x00w\x00/\x00>\x00", False),
        (b" <w/>", False),
    ],
)
def test_only_a_part_expat_read_as_utf8_counts_as_utf8(head: bytes, utf8: bool) -> None:
    assert declares_utf8(head) is utf8


WELL_FORMED = [
    f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"/></sheetData></worksheet>',
    f'<?xml version="1.0"?>\n<!-- a --><worksheet xmlns="{MAIN}"><sheetData/></worksheet>\n',
    f'<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row/></x:sheetData><x:pageMargins/>'
    "</x:worksheet><!-- </x:worksheet> -->",
    # a closing tag of the name in a comment, a CDATA section, a later sibling's content
    f'<worksheet xmlns="{MAIN}"><sheetData><row/></sheetData><!-- </sheetData> -->'
    "<pageMargins/></worksheet>",
    f'<worksheet xmlns="{MAIN}"><sheetData><row/></sheetData><extLst><ext>'
    "<sheetData><row/></sheetData></ext></extLst></worksheet>",
    f'<worksheet xmlns="{MAIN}"><sheetData><row/></sheetData><extLst><ext>'
    "<![CDATA[</sheetData>]]></ext></extLst></worksheet>",
    f'<worksheet xmlns="{MAIN}"><sheetData><sheetData/><sheetData></sheetData></sheetData>'
    '<?pi </sheetData> ?><cols a="-->"/></worksheet>',
    f'<worksheet xmlns="{MAIN}"><sheetViews/><sheetData>'
    '<row><c r="A1"><f>1-1</f></c></row></sheetData><x:y xmlns:x="u">a - b</x:y></worksheet>',
]


@pytest.mark.parametrize("text", WELL_FORMED)
def test_searching_from_the_end_finds_what_the_forward_search_finds(text: str) -> None:
    """On well-formed XML (expat says so here), the root and its children found from the
    end are those :func:`~gongkai_xlsx.ooxml.xmledit.children` finds from the start."""
    import pyexpat

    from gongkai_xlsx.ooxml import xmledit as xt

    pyexpat.ParserCreate().Parse(text.encode(), True)  # well-formed, else this raises
    top = xt.root(text)
    assert xt.root_of_well_formed(text) == top
    assert xt.children_of_well_formed(text, top, "sheetData") == xt.children(text, top)


def test_a_sheet_with_a_second_sheetdata_is_marked_as_if_nobody_had_read_it() -> None:
    """expat accepts two sheetData siblings, and the reader reads the first; searched from
    the end, the marking would take the second's end for the first's. The marking does not
    trust such a sheet: its marked copy is the one made with the full check."""
    data = B1_SAMPLE.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        workbook = z.read("xl/workbook.xml").decode()
        rid = re.search(r'name="复议诉讼"[^>]*r:id="(rId\d+)"', workbook)
        assert rid is not None
        part = f"xl/worksheets/sheet{rid.group(1)[3:]}.xml"
        sheet = z.read(part)
    second = b'<sheetData><row r="90"><c r="A90"/></row></sheetData>'
    at = sheet.index(b"</sheetData>") + len(b"</sheetData>")
    doubled = with_form_sheet(data, sheet[:at] + second + sheet[at:])
    ret = read_return(doubled, "两个sheetData.xlsx")
    assert ret.form is not None
    assert part in {p.lstrip("/") for p in ret.well_formed}  # expat accepted it
    marks = marks_from_findings(check_file(B1_SAMPLE).findings)
    marks.append(Mark("error", "复议诉讼", "A90", "问题", "test"))  # in the second sheetData
    form = load_form("gk2021")
    told = annotate_workbook(doubled, marks, form, well_formed=ret.well_formed)
    assert told == annotate_workbook(doubled, marks, form)
