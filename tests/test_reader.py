"""The reader's boundary and its reading of odd files: every case the provincial-scale issue
lists, each with its exact finding (code, cell), and the two tokenizers agreeing."""

from __future__ import annotations

import io
import os
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from oracle import variants as v

from gongkai_xlsx.api import check_file
from gongkai_xlsx.checks.run import Outcome, check_return
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.reader.sheetxml import scan_sheet

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


def as_nobody(func: Callable[[], str]) -> str:
    """Run ``func`` in a forked child that gave up root for ``nobody`` (root reads any
    file; CI runs as root). The interpreter is already loaded, so nothing is exec'd from
    folders nobody cannot enter."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.setgid(65534)
            os.setuid(65534)
            os.write(write_end, func().encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        answer = fh.read().decode()
    os.waitpid(pid, 0)
    return answer


def test_an_unreadable_file(tmp_path: Path) -> None:
    tmp_path.chmod(0o755)
    secret = tmp_path / "secret.xlsx"
    secret.write_bytes(SEED.read_bytes())
    secret.chmod(0o000)

    def read() -> str:
        return repr([(f.code.code, f.message) for f in check_file(secret).findings])

    answer = as_nobody(read) if os.geteuid() == 0 else read()
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
