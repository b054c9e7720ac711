"""The county of the January tests (issue 14's terminal January, issue 15's desk January):
12 agencies on a GBK roster with contacts, and the returns of its three rounds.

Round 1 (第一轮/): clean returns, one with a hint, one with a B1 error, one with a total
typed over, one that names no agency (its file name does), a .xls made by LibreOffice from
a filled return, a PDF and a photo named after agencies, one agency off the roster, one
agency silent. Round 2 (1月20日微信/): the fixed returns, one still wrong. Round 3
(1月22日/): the last fix. ``ROUND_1``..``ROUND_3`` are every agency's one status after each.

Filling through LibreOffice costs a few seconds a return, so three returns are filled in
Calc as a clerk would (甲's clean one, 丙's B1 error and 丙's fix) and the .xls is saved by
LibreOffice from a Calc-filled return; the others are filled with openpyxl.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

from conftest import fill_with_openpyxl
from libreoffice import harness
from test_agency_status import BROKEN, GOOD, HINT, ROSTER
from test_versions import TYPED_OVER

from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.writer import TemplateOptions, write_template

__all__ = ["ROSTER"]

PASS, HINTED, TO_FIX, UNREADABLE, SILENT = (
    "通过",
    "有提示",
    "有错误（待退回）",
    "已收到但无法读取",
    "未报送",
)
A = dict(zip("甲乙丙丁戊己庚辛壬癸子丑", ROSTER, strict=True))  # 甲 → 某县甲局
OFF_ROSTER = "某县科协"
SILENT_ONE = A["子"]

ROUND_1 = {
    A["甲"]: PASS,
    A["乙"]: HINTED,
    A["丙"]: TO_FIX,  # B1 error
    A["丁"]: TO_FIX,  # a total typed over
    A["戊"]: TO_FIX,  # no agency name on the cover: an error; its file name names it
    A["己"]: UNREADABLE,  # .xls
    A["庚"]: UNREADABLE,  # PDF
    A["辛"]: UNREADABLE,  # photo
    A["壬"]: PASS,
    A["癸"]: PASS,
    A["子"]: SILENT,
    A["丑"]: PASS,
}
ROUND_2 = {**ROUND_1, **dict.fromkeys([A[c] for c in "丙戊己庚辛"], PASS)}  # 丁 still wrong
ROUND_3 = {**ROUND_2, A["丁"]: PASS}


def entries(layout: Layout, values: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """What a clerk types in Calc: (sheet, A1, value); text stays text."""
    out = []
    for cell_id, value in values.items():
        sheet, r, c = layout.cell_positions[cell_id]
        out.append((sheet, to_a1(r, c), value))
    return out


def make_templates(form: Form, folder: Path) -> dict[str, Path]:
    """Each agency's template as ``new --roster`` writes it, and a blank one ("")."""
    made = {}
    for agency in [*ROSTER, OFF_ROSTER, ""]:
        made[agency] = folder / f"模板_{agency or '空白'}.xlsx"
        write_template(form, TemplateOptions(year=2024, agency=agency or None), made[agency])
    return made


def write_roster(path: Path) -> Path:
    with path.open("w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["单位名称", "联系人", "联系电话", "邮箱"])
        for i, name in enumerate(ROSTER):
            writer.writerow([name, f"联系人{i}", f"0971-55500{i:02d}", f"u{i}@example.cn"])
    return path


def contact(agency: str) -> tuple[str, str, str]:
    i = ROSTER.index(agency)
    return f"联系人{i}", f"0971-55500{i:02d}", f"u{i}@example.cn"


def round_one(inbox: Path, layout: Layout, t: dict[str, Path], scratch: Path) -> None:
    first = inbox / "第一轮"
    first.mkdir(parents=True)
    harness.fill(t[A["甲"]], first / "甲局年报.xlsx", entries(layout, GOOD))
    harness.fill(t[A["丙"]], first / "丙局.xlsx", entries(layout, BROKEN))
    fill_with_openpyxl(layout, t[A["乙"]], first / "乙局.xlsx", HINT)
    fill_with_openpyxl(layout, t[A["丁"]], first / "丁局.xlsx", GOOD, raw=TYPED_OVER)
    fill_with_openpyxl(layout, t[""], first / "某县戊局2024年报.xlsx", GOOD)  # no agency
    for c in "壬癸丑":
        fill_with_openpyxl(layout, t[A[c]], first / f"{c}局.xlsx", GOOD)
    fill_with_openpyxl(layout, t[OFF_ROSTER], first / "科协.xlsx", GOOD)
    # 己 filled its return in Calc and saved it as .xls
    filled = scratch / f"{A['己']}报表.xlsx"
    harness.fill(t[A["己"]], filled, entries(layout, GOOD))
    xls = harness.convert(filled, scratch / "xls", fmt="xls", recalc=False)
    assert xls.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    shutil.copy(xls, first / xls.name)
    (first / f"{A['庚']}年报（扫描件）.pdf").write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
    )
    (first / f"{A['辛']}报表照片.jpg").write_bytes(
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(400)
    )


def round_two(inbox: Path, layout: Layout, t: dict[str, Path]) -> None:
    second = inbox / "1月20日微信"
    second.mkdir()
    harness.fill(t[A["丙"]], second / "丙局（改）.xlsx", entries(layout, GOOD))
    fill_with_openpyxl(layout, t[A["丁"]], second / "丁局修改后.xlsx", GOOD, raw=TYPED_OVER)
    fill_with_openpyxl(layout, t[A["戊"]], second / "戊局.xlsx", GOOD)
    fill_with_openpyxl(layout, t[A["己"]], second / "己局.xlsx", GOOD)
    fill_with_openpyxl(layout, t[A["庚"]], second / "2024年度填报表.xlsx", GOOD)
    fill_with_openpyxl(layout, t[A["辛"]], second / "辛局.xlsx", GOOD)


def round_three(inbox: Path, layout: Layout, t: dict[str, Path]) -> None:
    third = inbox / "1月22日"
    third.mkdir()
    fill_with_openpyxl(layout, t[A["丁"]], third / "丁局（终稿）.xlsx", GOOD)
