"""Files that are not the plain transitional xlsx the template is: each gets exactly one
finding that says what the file is and what to do, never an exception. Then workbooks that
are xlsx but not quite the template: missing or extra sheets, other formats and versions,
lost properties and names, changed labels."""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import zipfile
import zlib
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import SEED_AGENCY, Filler, run
from libreoffice import harness
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl.packaging.custom import CustomPropertyList

from gongkai_xlsx.annotate import AnnotateError, annotate_workbook
from gongkai_xlsx.api import check_file
from gongkai_xlsx.checks.run import Outcome

GOOD_VALUES = {"a.licensing.decisions": 44, "a.penalty.decisions": 31, "a.fees.amount": 250.83}
MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def only_error(outcome: Outcome) -> tuple[str, str, str]:
    """(code, status, message) of a file with exactly one finding, an error."""
    assert len(outcome.findings) == 1, [f.code.code for f in outcome.findings]
    finding = outcome.findings[0]
    assert finding.is_error
    assert outcome.document is None and outcome.form_id is None
    return finding.code.code, outcome.status, finding.message


def flat(outcome: Outcome) -> list[tuple[str, str, str | None, str | None]]:
    return [(f.code.code, f.severity.value, f.sheet, f.cell) for f in outcome.findings]


def rewrite_zip(src: Path, dst: Path, edit: dict[str, Callable[[bytes], bytes]]) -> Path:
    """Copy the zip ``src`` to ``dst``, passing the named members through ``edit``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in edit:
                data = edit[info.filename](data)
            zout.writestr(info, data)
    return dst


@pytest.fixture
def good(fill: Filler) -> Path:
    return fill(GOOD_VALUES, name="good.xlsx")


def assert_good_values(outcome: Outcome) -> None:
    assert outcome.document is not None
    doc = outcome.document.to_json()
    assert doc is not None
    assert (doc["agency"], doc["year"]) == (SEED_AGENCY, 2024)
    assert doc["tables"]["a"]["licensing"] == {"decisions": 44}
    assert doc["tables"]["a"]["penalty"] == {"decisions": 31}
    assert doc["tables"]["a"]["fees"] == {"amount": Decimal("250.83")}


# ------------------------------------------------------------------ not a plain xlsx at all
def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "报表.xlsx"
    path.write_bytes(b"")
    assert only_error(check_file(path)) == (
        "file-empty",
        "unreadable",
        "文件是空的（0 字节）。请重新保存填好的 .xlsx 模板后报送。",
    )


def test_csv_renamed_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "报表.xlsx"
    path.write_bytes("栏目,自然人\n新收申请,5\n".encode("gbk"))
    assert only_error(check_file(path)) == (
        "file-text",
        "unreadable",
        "这是文本文件（CSV 或纯文本），不是 Excel 工作簿。请直接填写下发的 .xlsx 模板后报送。",
    )


def test_html_saved_as_xls(tmp_path: Path) -> None:
    path = tmp_path / "报表.xls"
    path.write_text(
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>新收申请</td>"
        "<td>5</td></tr></table></body></html>",
        encoding="utf-8",
    )
    assert only_error(check_file(path)) == (
        "file-text",
        "unreadable",
        "这是文本文件（HTML 网页），不是 Excel 工作簿。请直接填写下发的 .xlsx 模板后报送。",
    )


def test_random_bytes(tmp_path: Path) -> None:
    path = tmp_path / "报表.xlsx"
    path.write_bytes(bytes(range(256)) * 20)
    code, status, message = only_error(check_file(path))
    assert (code, status) == ("file-corrupt", "unreadable")
    assert message.startswith("文件已损坏或不是 Excel 工作簿（无法识别的文件内容）")


def test_truncated_template(tmp_path: Path, good: Path) -> None:
    data = good.read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    code, status, message = only_error(check_file(path))
    assert (code, status) == ("file-corrupt", "unreadable")
    assert message.startswith("文件已损坏或不是 Excel 工作簿（压缩结构损坏）")


def test_word_document_renamed(tmp_path: Path) -> None:
    path = tmp_path / "报表.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("_rels/.rels", "<Relationships/>")
        zf.writestr("word/document.xml", "<w:document/>")
    assert only_error(check_file(path)) == (
        "file-not-workbook",
        "unreadable",
        "这是一份 Word 文档（.docx），不是 Excel 工作簿，无法读取其中的数字。"
        "请单位报送填写好的 Excel 工作簿（.xlsx）本身，不要转成 PDF、拍照或截图、粘贴到文档中。",
    )


def test_zip_without_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "报表.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("报表/说明.txt", "见附件")
    code, status, message = only_error(check_file(path))
    assert (code, status) == ("file-corrupt", "unreadable")
    assert message.startswith("文件已损坏或不是 Excel 工作簿（压缩包中没有 Excel 工作簿）")


def test_strict_open_xml(tmp_path: Path, good: Path) -> None:
    path = rewrite_zip(
        good,
        tmp_path / "strict.xlsx",
        {"xl/workbook.xml": lambda b: b.replace(MAIN_NS, STRICT_NS)},
    )
    assert STRICT_NS in zipfile.ZipFile(path).read("xl/workbook.xml")
    assert only_error(check_file(path)) == (
        "file-strict",
        "unreadable",
        "文件保存成了“Strict Open XML 电子表格”格式。请另存为普通“Excel 工作簿（*.xlsx）”后重新报送。",
    )


def test_password_encrypted(tmp_path: Path, good: Path) -> None:
    path = tmp_path / "encrypted.xlsx"
    with good.open("rb") as plain, path.open("wb") as out:
        OOXMLFile(plain).encrypt("s3cret", out)
    assert only_error(check_file(path)) == (
        "file-encrypted",
        "unreadable",
        "文件设置了打开密码，无法读取。请在 Excel 或 WPS 中取消文档加密（打开密码）后重新报送。",
    )


def test_zip_bomb(tmp_path: Path, good: Path) -> None:
    """A real template plus one member that inflates to 250 MB of zeros (~250 KB on disk)."""
    path = tmp_path / "bomb.xlsx"
    shutil.copy(good, path)
    zeros = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as zf,
        zf.open("xl/media/zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(250):
            member.write(zeros)
    assert path.stat().st_size < 2 * 1024 * 1024
    total = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    assert 250 * 2**20 < total < 251 * 2**20
    assert only_error(check_file(path)) == (
        "file-too-large",
        "unreadable",
        f"文件过大（解压后 {total / 2**20:.1f} MB），超过 200.0 MB 的上限，不像是填报模板。"
        "请报送下发的 .xlsx 模板。",
    )


def test_a_cell_at_the_last_address_is_read_quickly(fill: Filler) -> None:
    path = fill(GOOD_VALUES, raw={("依申请公开", "XFD1048576"): "x"}, name="far.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb["依申请公开"].calculate_dimension().endswith(":XFD1048576")
    wb.close()
    outcome = check_file(path)
    assert (outcome.status, flat(outcome)) == ("ok", [])
    assert_good_values(outcome)


def test_a_stale_dimension_is_not_trusted(tmp_path: Path, good: Path) -> None:
    """WPS and other writers may leave <dimension ref="A1"/>; every value is still read."""

    def stale(data: bytes) -> bytes:
        data, n = re.subn(rb'<dimension ref="[^"]*"\s*/>', b'<dimension ref="A1"/>', data)
        assert n == 1
        return data

    sheets = [f"xl/worksheets/sheet{i}.xml" for i in range(1, 5)]
    path = rewrite_zip(good, tmp_path / "stale.xlsx", dict.fromkeys(sheets, stale))
    outcome = check_file(path)
    assert (outcome.status, flat(outcome)) == ("ok", [])
    assert_good_values(outcome)


# ------------------------------------------------------------- made by another application
@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory, template_2024: Path) -> dict[str, Path]:
    """The template saved by LibreOffice as .xls and .ods (converted once per module)."""
    if not harness.available():
        pytest.skip("LibreOffice Calc with python3-uno is not installed")
    out = tmp_path_factory.mktemp("converted")
    src = out / "return.xlsx"
    shutil.copy(template_2024, src)
    return {fmt: harness.convert(src, out / fmt, fmt=fmt, recalc=False) for fmt in ("xls", "ods")}


@pytest.mark.libreoffice
def test_xls_saved_by_libreoffice(converted: dict[str, Path]) -> None:
    assert converted["xls"].read_bytes()[:8] == OLE_MAGIC
    assert only_error(check_file(converted["xls"])) == (
        "file-xls",
        "unreadable",
        "这是旧版 .xls 格式的文件。请用 Excel 或 WPS 打开，另存为“Excel 工作簿（*.xlsx）”后重新报送。",
    )


@pytest.mark.libreoffice
def test_xls_renamed_et(tmp_path: Path, converted: dict[str, Path]) -> None:
    path = tmp_path / "return.et"
    shutil.copy(converted["xls"], path)
    assert only_error(check_file(path)) == (
        "file-et",
        "unreadable",
        "这是 WPS 表格 .et 格式的文件。请在 WPS 中“另存为”“Excel 工作簿（*.xlsx）”后重新报送。",
    )


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", ["return.ods", "return.xlsx"])
def test_ods_saved_by_libreoffice(tmp_path: Path, converted: dict[str, Path], name: str) -> None:
    path = tmp_path / name  # also renamed to .xlsx: the bytes decide, not the extension
    shutil.copy(converted["ods"], path)
    assert only_error(check_file(path)) == (
        "file-ods",
        "unreadable",
        "这是 OpenDocument 电子表格（.ods）。请另存为“Excel 2007-365（.xlsx）”格式后重新报送。",
    )


# ------------------------------------------------------------ an xlsx, but not the template
def test_a_deleted_sheet(tmp_path: Path, good: Path) -> None:
    wb = openpyxl.load_workbook(good)
    del wb["复议诉讼"]
    wb.save(tmp_path / "deleted.xlsx")
    outcome = check_file(tmp_path / "deleted.xlsx")
    assert (outcome.status, flat(outcome)) == (
        "errors",
        [("sheet-missing", "error", None, None)],
    )
    assert outcome.findings[0].message == (
        "缺少工作表“复议诉讼”。请使用下发的模板，不要删除或重命名工作表。"
    )
    assert outcome.document is None


def test_an_extra_sheet(tmp_path: Path, good: Path) -> None:
    wb = openpyxl.load_workbook(good)
    wb.create_sheet("草稿")["A1"] = 123
    wb.save(tmp_path / "extra.xlsx")
    outcome = check_file(tmp_path / "extra.xlsx")
    assert (outcome.status, flat(outcome)) == (
        "warnings",
        [("sheet-extra", "warning", None, None)],
    )
    assert outcome.findings[0].message == "多出工作表“草稿”，其中的内容不会被读取。"
    assert_good_values(outcome)


def _with_property(src: Path, dst: Path, name: str, value: str) -> Path:
    wb = openpyxl.load_workbook(src)
    props = {p.name: p for p in wb.custom_doc_props.props}
    props[name].value = value
    wb.save(dst)
    return dst


def test_a_template_of_another_format(tmp_path: Path, good: Path) -> None:
    path = _with_property(good, tmp_path / "other.xlsx", "gongkai.format", "gk2019")
    assert only_error(check_file(path)) == (
        "format-other",
        "unreadable",
        "模板格式标识为“gk2019”，本工具不认识这种格式（支持的是“政府信息公开工作年度报告（2021年格式）”）。请使用下发的模板重新填报。",
    )


def test_an_unknown_template_version(tmp_path: Path, good: Path) -> None:
    path = _with_property(good, tmp_path / "v99.xlsx", "gongkai.template_version", "99")
    assert only_error(check_file(path)) == (
        "version-unknown",
        "unreadable",
        "模板版本“99”无法识别（当前版本为“1”）。请使用下发的最新模板重新填报。",
    )


def _strip(wb: openpyxl.Workbook, properties: bool) -> None:
    """What a re-typed copy loses: the defined names, and maybe the custom properties."""
    for name in list(wb.defined_names):
        del wb.defined_names[name]
    for ws in wb:
        for name in list(ws.defined_names):
            del ws.defined_names[name]
    if properties:
        wb.custom_doc_props = CustomPropertyList()


def test_a_retyped_copy_is_read_by_its_labels(tmp_path: Path, good: Path) -> None:
    wb = openpyxl.load_workbook(good)
    _strip(wb, properties=True)
    wb.save(tmp_path / "retyped.xlsx")
    check = openpyxl.load_workbook(tmp_path / "retyped.xlsx")
    assert (len(check.defined_names), len(check.custom_doc_props.props)) == (0, 0)

    outcome = check_file(tmp_path / "retyped.xlsx")
    assert (outcome.status, flat(outcome)) == (
        "warnings",
        [
            ("names-missing", "warning", None, None),
            ("props-missing", "warning", None, None),
        ],
    )
    assert outcome.findings[1].message == (
        "模板属性已丢失（可能是复制到新工作簿中填写的），已按工作表名称识别为“政府信息公开工作年度报告（2021年格式）”。"
    )
    assert_good_values(outcome)


def test_changed_labels_without_names_cannot_be_located(tmp_path: Path, good: Path) -> None:
    wb = openpyxl.load_workbook(good)
    _strip(wb, properties=False)
    wb["依申请公开"]["A6"] = "收到申请"
    wb["主动公开"]["A1"] = "主动公开情况"
    wb.save(tmp_path / "relabelled.xlsx")
    outcome = check_file(tmp_path / "relabelled.xlsx")
    assert (outcome.status, flat(outcome)) == (
        "errors",
        [
            ("layout-mismatch", "error", "主动公开", "A1"),
            ("layout-mismatch", "error", "依申请公开", "A6"),
        ],
    )
    assert outcome.findings[1].message == (
        "依申请公开!A6：应为“一、本年新收政府信息公开申请数量”，实际为“收到申请”。"
        "表格结构被改动，无法确定数据位置，请使用下发的模板重新填报。"
    )
    assert outcome.document is None


def test_a_retyped_copy_with_a_moved_label_points_at_it(tmp_path: Path, good: Path) -> None:
    """No properties, no names, one label changed: recognised by its sheets, and the
    changed label is named, instead of a vague "not a template"."""
    wb = openpyxl.load_workbook(good)
    _strip(wb, properties=True)
    wb["依申请公开"]["A6"] = "收到申请"
    wb.save(tmp_path / "moved.xlsx")
    outcome = check_file(tmp_path / "moved.xlsx")
    assert [(f.code.code, f.sheet, f.cell, f.actual) for f in outcome.findings] == [
        ("layout-mismatch", "依申请公开", "A6", "收到申请"),
        ("props-missing", None, None, "政府信息公开工作年度报告（2021年格式）"),
    ]
    assert outcome.document is None


def test_no_properties_and_other_sheets_is_not_recognised(tmp_path: Path, good: Path) -> None:
    wb = openpyxl.load_workbook(good)
    _strip(wb, properties=True)
    wb["依申请公开"].title = "Sheet3"
    wb.save(tmp_path / "unknown.xlsx")
    assert only_error(check_file(tmp_path / "unknown.xlsx"))[:2] == (
        "format-unknown",
        "unreadable",
    )


def test_no_file_kind_raises(tmp_path: Path, good: Path) -> None:
    """Every odd file above in one folder: check_file answers for each, none raises."""
    noise = random.Random(2024).randbytes
    odd = {
        "empty.xlsx": b"",
        "csv.xlsx": b"a,b\n1,2\n",
        "random.xlsx": noise(4096),
        "truncated.xlsx": good.read_bytes()[:1000],
        "ole-too-short.xls": OLE_MAGIC + noise(300),
        "zip-garbage.xlsx": b"PK\x03\x04" + noise(2000),
    }
    found = {}
    for name, data in odd.items():
        (tmp_path / name).write_bytes(data)
        outcome = check_file(tmp_path / name)
        found[name] = (outcome.status, [f.code.code for f in outcome.findings])
    assert found == {
        "empty.xlsx": ("unreadable", ["file-empty"]),
        "csv.xlsx": ("unreadable", ["file-text"]),
        "random.xlsx": ("unreadable", ["file-corrupt"]),
        "truncated.xlsx": ("unreadable", ["file-corrupt"]),
        "ole-too-short.xls": ("unreadable", ["file-corrupt"]),
        "zip-garbage.xlsx": ("unreadable", ["file-corrupt"]),
    }


def test_an_ole_file_with_a_broken_header(tmp_path: Path) -> None:
    # sector shift (offset 30) 0xFFFF: olefile formats 2**65535 and Python refuses
    path = tmp_path / "broken.xls"
    path.write_bytes(OLE_MAGIC + bytes(22) + b"\xff\xff" + bytes(992))
    code, status, message = only_error(check_file(path))
    assert (code, status) == ("file-corrupt", "unreadable")
    assert message.startswith("文件已损坏或不是 Excel 工作簿（")


def _data_offset(data: bytes, name: str) -> int:
    """Where member ``name``'s compressed bytes start (after its local file header)."""
    h = zipfile.ZipFile(io.BytesIO(data)).getinfo(name).header_offset
    name_len = int.from_bytes(data[h + 26 : h + 28], "little")
    extra_len = int.from_bytes(data[h + 28 : h + 30], "little")
    return h + 30 + name_len + extra_len


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/styles.xml"])
def test_a_damaged_deflate_stream(tmp_path: Path, good: Path, member: str) -> None:
    # xl/workbook.xml is read for the Strict check, xl/styles.xml only by testzip()
    data = bytearray(good.read_bytes())
    data[_data_offset(bytes(data), member)] = 0x07  # BFINAL=1, BTYPE=11: invalid block type
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(data))
    code, status, message = only_error(check_file(path))
    assert (code, status) == ("file-corrupt", "unreadable")
    assert message.startswith("文件已损坏或不是 Excel 工作簿（")


@pytest.mark.parametrize("method", [9, 99])
def test_an_unsupported_compression_method(tmp_path: Path, good: Path, method: int) -> None:
    data = bytearray(good.read_bytes())
    name = b"xl/styles.xml"
    header = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name.decode()).header_offset
    data[header + 8 : header + 10] = method.to_bytes(2, "little")  # local file header
    entry = data.find(b"PK\x01\x02")
    while entry != -1:  # and its central directory entry
        name_len = int.from_bytes(data[entry + 28 : entry + 30], "little")
        if data[entry + 46 : entry + 46 + name_len] == name:
            data[entry + 10 : entry + 12] = method.to_bytes(2, "little")
        entry = data.find(b"PK\x01\x02", entry + 1)
    path = tmp_path / "method.xlsx"
    path.write_bytes(bytes(data))
    assert zipfile.ZipFile(path).getinfo(name.decode()).compress_type == method
    code, status, message = only_error(check_file(path))
    # LibreOffice does not open either (tests/oracle/WITNESS.md, Z08, Z14)
    assert (code, status) == ("file-zip-unsupported", "unreadable")
    assert "xl/styles.xml" in message


def _rezipped(src: Path, dst: Path, method_of: Callable[[str], int], comment: bytes = b"") -> Path:
    """``src``'s parts written again, each with ``method_of(name)``, and a zip comment."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info), compress_type=method_of(info.filename))
        zout.comment = comment
    return dst


def _flag_encrypted(path: Path, name: str) -> None:
    """Set bit 0 (encrypted) of ``name``'s flags in its local and central headers."""
    data = bytearray(path.read_bytes())
    h = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(name).header_offset
    data[h + 6] |= 1
    entry = data.find(b"PK\x01\x02")
    while entry != -1:
        name_len = int.from_bytes(data[entry + 28 : entry + 30], "little")
        if data[entry + 46 : entry + 46 + name_len] == name.encode():
            data[entry + 8] |= 1
        entry = data.find(b"PK\x01\x02", entry + 1)
    path.write_bytes(bytes(data))


SHEET_A = "xl/worksheets/sheet2.xml"  # 主动公开, where GOOD_VALUES are
_BZ2, _LZMA, _DEFLATE = zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, zipfile.ZIP_DEFLATED


@pytest.mark.parametrize(
    ("method_of", "comment", "said"),
    [
        (lambda n: _BZ2, b"", "bzip2（第 12 种）压缩方式"),
        (lambda n: _LZMA if n == SHEET_A else _DEFLATE, b"", f"部件 {SHEET_A} 使用了 LZMA"),
        # a part nothing reads: LibreOffice still refuses the whole file (WITNESS.md, Z06)
        (lambda n: _BZ2 if n == "docProps/app.xml" else _DEFLATE, b"", "docProps/app.xml"),
        (lambda n: _DEFLATE, b"x" * 513, "513 字节的注释"),
        (lambda n: _DEFLATE, b"x" * 65535, "65535 字节的注释"),
    ],
    ids=["bzip2", "lzma-sheet", "bzip2-unread-part", "comment-513", "comment-max"],
)
def test_a_zip_the_applications_do_not_open_is_refused(
    tmp_path: Path, good: Path, method_of: Callable[[str], int], comment: bytes, said: str
) -> None:
    path = _rezipped(good, tmp_path / "rezipped.xlsx", method_of, comment)
    assert zipfile.ZipFile(path).read(SHEET_A)  # Python itself reads every part
    code, status, message = only_error(check_file(path))
    assert (code, status) == ("file-zip-unsupported", "unreadable")
    assert said in message and "请报送用 Excel 或 WPS 直接保存的 .xlsx 文件" in message
    with pytest.raises(AnnotateError, match=re.escape(said)):  # one rule for annotate too
        annotate_workbook(path.read_bytes(), [])


def test_an_encryption_flag_on_any_part_is_refused(tmp_path: Path, good: Path) -> None:
    path = _rezipped(good, tmp_path / "flagged.xlsx", lambda n: _DEFLATE)
    _flag_encrypted(path, "docProps/app.xml")
    code, _status, message = only_error(check_file(path))
    assert code == "file-zip-unsupported"
    assert "部件 docProps/app.xml 被标记为加密" in message


@pytest.mark.parametrize(
    ("method", "comment"),
    [(zipfile.ZIP_STORED, b""), (zipfile.ZIP_DEFLATED, b"x" * 512)],
    ids=["stored", "comment-512"],
)
def test_a_zip_the_applications_open_is_read(
    tmp_path: Path, good: Path, method: int, comment: bytes
) -> None:
    path = _rezipped(good, tmp_path / "rezipped.xlsx", lambda n: method, comment)
    assert_good_values(check_file(path))


def test_data_descriptors_are_read(tmp_path: Path, good: Path) -> None:
    """A zip written as a stream (every entry's sizes after its data, flag bit 3), as
    some programs write: both applications open it (WITNESS.md, Z12)."""

    class Stream(io.RawIOBase):
        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            self.data += b
            return len(b)

    sink = Stream()
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(sink, "w", _DEFLATE) as zout:  # type: ignore[arg-type]
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    path = tmp_path / "streamed.xlsx"
    path.write_bytes(bytes(sink.data))
    assert all(i.flag_bits & 0x08 for i in zipfile.ZipFile(path).infolist())
    assert_good_values(check_file(path))


# ------------------------------------------------- sent instead of the workbook: one answer
SEND_THE_WORKBOOK = "请单位报送填写好的 Excel 工作簿（.xlsx）本身"
UNPACK = "请解压后放入要收集的文件夹"


def _png(width: int = 4, height: int = 3) -> bytes:
    """A real PNG (white pixels), as a screenshot tool writes one."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body).to_bytes(4, "big")
        return len(body).to_bytes(4, "big") + kind + body + crc

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    rows = b"".join(b"\x00" + b"\xff" * 3 * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _zip_with_gbk_names(path: Path, members: dict[str, bytes]) -> Path:
    """A zip as a Chinese Windows PC makes one: member names in GBK, without the UTF-8
    flag (zipfile writes UTF-8, so each name is written as ASCII of the same length and
    its bytes replaced in the local and central headers)."""
    stand_ins = {}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i, (name, data) in enumerate(members.items()):
            raw = name.encode("gbk")
            stand_in = f"{i}".rjust(len(raw), "x").encode("ascii")
            stand_ins[stand_in] = raw
            zf.writestr(stand_in.decode("ascii"), data)
    data = path.read_bytes()
    for stand_in, raw in stand_ins.items():
        assert data.count(stand_in) == 2
        data = data.replace(stand_in, raw)
    path.write_bytes(data)
    assert not any(i.flag_bits & 0x800 for i in zipfile.ZipFile(path).infolist())
    return path


def _answers(folder: Path, tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Each file's one finding (code, message) as ``check FILE`` prints it, after checking
    that ``check --json`` and ``ingest FOLDER`` (terminal and report.json) say the same."""
    out = tmp_path / "结果"
    ingested = run("ingest", folder, "-o", out)
    assert ingested.exit_code == 1
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["skipped_files"] == []  # none passed over as “not a spreadsheet”
    rows = {r["file"]: r for r in report["returns"]}
    answers = {}
    for path in sorted(folder.iterdir()):
        checked = run("check", path)
        assert checked.exit_code == 1
        as_json = run("check", path, "--json")
        (finding,) = json.loads(as_json.stdout)["findings"]
        row = rows[path.name]
        assert row["status"] == "unreadable"
        assert [(f["code"], f["message"]) for f in row["findings"]] == [
            (finding["code"], finding["message"])
        ]
        line = f"  错误 [{finding['code']}] {finding['message']}"
        assert checked.stdout.splitlines()[1] == line  # the same line from both commands
        assert f"{path.name}：\n{line}\n" in ingested.stdout
        answers[path.name] = (finding["code"], finding["message"])
    return answers


def test_a_picture_a_word_file_or_an_archive_gets_one_answer_from_check_and_ingest(
    tmp_path: Path, good: Path
) -> None:
    """The defect: ``check`` said 文件已损坏 of a photo, ``ingest`` passed it over as 不是电子
    表格, and neither asked for the workbook. Now both read it, say what it is and that the
    agency should send the filled workbook itself; an archive is to be unpacked."""
    inbox = tmp_path / "报表"
    inbox.mkdir()
    (inbox / "截图.png").write_bytes(_png())
    word = docx.Document()
    word.add_paragraph("政府信息公开工作年度报告")
    word.add_table(rows=2, cols=3).cell(0, 0).text = "新收申请"
    word.save(inbox / "报表.docx")
    _zip_with_gbk_names(inbox / "某县民政局.zip", {"某县民政局.xlsx": good.read_bytes()})
    (inbox / "报表.rar").write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(64))  # RAR 5 signature
    answers = _answers(inbox, tmp_path)
    assert answers["截图.png"] == (
        "file-not-workbook",
        "这是一张图片（PNG），不是 Excel 工作簿，无法读取其中的数字。"
        "请单位报送填写好的 Excel 工作簿（.xlsx）本身，不要转成 PDF、拍照或截图、粘贴到文档中。",
    )
    assert answers["报表.docx"][0] == "file-not-workbook"
    assert answers["报表.docx"][1].startswith("这是一份 Word 文档（.docx），")
    assert answers["某县民政局.zip"] == (
        "file-archive",
        "这是压缩包（ZIP，内有 某县民政局.xlsx），本工具不读取压缩包中的文件。"
        "请解压后放入要收集的文件夹，再重新运行。",
    )
    assert answers["报表.rar"] == (
        "file-archive",
        "这是压缩包（RAR），本工具不读取压缩包中的文件。请解压后放入要收集的文件夹，再重新运行。",
    )
    for name in ("截图.png", "报表.docx"):
        assert SEND_THE_WORKBOOK in answers[name][1]
    for name in ("某县民政局.zip", "报表.rar"):
        assert UNPACK in answers[name][1]


@pytest.mark.libreoffice
def test_a_pdf_a_photo_and_a_doc_made_from_a_return_get_one_answer(
    tmp_path: Path, good: Path
) -> None:
    """A return printed to PDF, the page as a JPEG (as a phone or scanner sends it), the
    table in a Word 97 .doc and the same file saved by WPS Writer as .wps; the workbook
    itself as .et and .xls keeps its own advice."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) is not installed")
    made = tmp_path / "made"
    pdf = harness.convert(good, made, fmt="pdf", recalc=False)
    subprocess.run(
        ["pdftoppm", "-jpeg", "-r", "40", "-f", "1", "-l", "1", pdf, made / "page"], check=True
    )
    word = docx.Document()
    word.add_table(rows=2, cols=3).cell(0, 0).text = "新收申请"
    word.save(made / "表格.docx")
    doc = harness.convert(made / "表格.docx", made, fmt="doc", recalc=False)
    assert doc.read_bytes()[:8] == OLE_MAGIC
    # the .wps another document (an identical copy would count once, as a version)
    word.add_paragraph("另一份")
    word.save(made / "文字.docx")
    wps = harness.convert(made / "文字.docx", made, fmt="doc", recalc=False)
    assert wps.read_bytes()[:8] == OLE_MAGIC and wps.read_bytes() != doc.read_bytes()
    inbox = tmp_path / "报表"
    inbox.mkdir()
    shutil.copy(pdf, inbox / "年报.pdf")
    shutil.copy(made / "page-1.jpg", inbox / "照片.jpg")
    shutil.copy(doc, inbox / "表格.doc")
    shutil.copy(wps, inbox / "表格.wps")
    answers = _answers(inbox, tmp_path)
    kinds = {
        "年报.pdf": "这是一份 PDF 文件，",
        "照片.jpg": "这是一张图片（JPEG），",
        "表格.doc": "这是一份 Word 文档（.doc），",
        "表格.wps": "这是一份 WPS 文字文档（.wps），",
    }
    for name, kind in kinds.items():
        code, message = answers[name]
        assert code == "file-not-workbook"
        assert message.startswith(kind) and SEND_THE_WORKBOOK in message
