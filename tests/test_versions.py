"""Versions of a return (issue 14, part 1), through the real CLI: every return of one
agency in the input is a version of it, whatever subfolder it is in; the one that arrived
last (the output folder remembers the first run that saw each file) is its return, the
older ones are shown as superseded, go back no more and write no JSON."""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import fill_with_openpyxl, run, saved_at

from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.ingest.versions import Version, versions
from gongkai_xlsx.outputfolder import MANIFEST
from gongkai_xlsx.writer import TemplateOptions, write_template

BALANCED = {"b.received.natural_person": 5, "b.carried_forward.natural_person": 5}
TYPED_OVER = {("依申请公开", "J6"): 9}  # a total typed over with another number: an error
AGENCIES = ("某县民政局", "某县教育局", "某县财政局")
DAY = re.compile(r"\d{8}")


@pytest.fixture(scope="module")
def templates(form: Form, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each agency's template, as ``new --roster`` writes it (the agency in its property)."""
    folder = tmp_path_factory.mktemp("templates")
    made = {}
    for agency in AGENCIES:
        made[agency] = folder / f"{agency}.xlsx"
        write_template(form, TemplateOptions(year=2024, agency=agency), made[agency])
    return made


def filled(
    layout: Layout, template: Path, dest: Path, *, error: bool = False, **kw: object
) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    raw = TYPED_OVER if error else None
    return fill_with_openpyxl(layout, template, dest, BALANCED, raw=raw, **kw)  # type: ignore[arg-type]


def ingest(*args: str | Path) -> tuple[int, str, dict]:
    inbox, out = args[0], args[1]
    result = run("ingest", inbox, "-o", out, *args[2:])
    report = json.loads((Path(out) / "report.json").read_text("utf-8"))
    return result.exit_code, result.output, report


def rows(report: dict) -> dict[str, dict]:
    return {row["file"]: row for row in report["returns"]}


def test_a_second_round_in_a_new_subfolder_supersedes_the_first(
    layout: Layout, templates: dict[str, Path], tmp_path: Path
) -> None:
    inbox, out, back = tmp_path / "报表", tmp_path / "结果", tmp_path / "退回"
    first = inbox / "第一轮"
    filled(layout, templates["某县民政局"], first / "民政局.xlsx", error=True)
    filled(layout, templates["某县教育局"], first / "2024年度填报表.xlsx", error=True)
    filled(layout, templates["某县财政局"], first / "财政局.xlsx")
    (first / "副本").mkdir()
    shutil.copy(first / "财政局.xlsx", first / "副本" / "财政局(1).xlsx")  # the same bytes
    (first / "Thumbs.db").write_bytes(b"\x00" * 64)
    (first / "desktop.ini").write_text("[.ShellClassInfo]\n", "utf-8")

    code, output, report = ingest(inbox, out, "--annotate", back)
    assert code == 1
    marked = sorted(p.name for p in back.glob("*.xlsx") if "退回清单" not in p.name)
    assert len(marked) == 2 and all(DAY.search(n) for n in marked)
    assert [n.split("_退回修改_")[0] for n in marked] == ["某县教育局", "某县民政局"]
    by_file = rows(report)
    copies = ("第一轮/财政局.xlsx", "第一轮/副本/财政局(1).xlsx")
    statuses = sorted(by_file[name]["status"] for name in copies)
    assert statuses == ["ok", "superseded"]
    kept = next(name for name in copies if by_file[name]["status"] == "ok")
    assert {by_file[name]["superseded_by"] for name in copies} == {None, kept}
    assert report["summary"]["returns"] == 3 and report["summary"]["returns_superseded"] == 1
    assert "Thumbs.db" not in json.dumps(report, ensure_ascii=False)
    assert "desktop.ini" not in output
    assert report["schema_version"] == 3
    jsons = sorted(p.name for p in out.glob("*.json") if p.name != "report.json")
    assert jsons == ["某县财政局_2024.json"]  # the copy counts once: no _2

    code, _, again = ingest(inbox, out, "--annotate", back)  # a re-run: the same names
    assert sorted(p.name for p in back.glob("*.xlsx") if "退回清单" not in p.name) == marked
    assert [r["annotated"] for r in again["returns"]] == [r["annotated"] for r in report["returns"]]

    second = inbox / "1月20日微信"
    filled(layout, templates["某县民政局"], second / "民政局（改）.xlsx")
    filled(layout, templates["某县教育局"], second / "教育局修改后.xlsx")
    code, output, report = ingest(inbox, out, "--annotate", back)
    assert code == 0, output
    by_file = rows(report)
    assert by_file["第一轮/民政局.xlsx"]["status"] == "superseded"
    assert by_file["第一轮/民政局.xlsx"]["superseded_by"] == "1月20日微信/民政局（改）.xlsx"
    assert by_file["第一轮/2024年度填报表.xlsx"]["superseded_by"] == "1月20日微信/教育局修改后.xlsx"
    assert all(
        r["annotated"] is None and r["output"] is None
        for r in report["returns"]
        if r["status"] == "superseded"
    )
    assert report["summary"]["returns_errors"] == 0 and report["summary"]["returns"] == 3
    assert list(back.glob("*.xlsx")) == []  # last run's marked copies removed
    assert "已被新版本取代" in output and "1月20日微信/民政局（改）.xlsx" in output
    jsons = sorted(p.name for p in out.glob("*.json") if p.name != "report.json")
    assert jsons == ["某县教育局_2024.json", "某县民政局_2024.json", "某县财政局_2024.json"]
    html = (out / "report.html").read_text("utf-8")
    assert "已被新版本取代" in html
    result = run("aggregate", out, "-o", tmp_path / "汇总.xlsx", "--name", "某县")
    assert result.exit_code == 0, result.output
    assert "aggregate-conflict" not in result.output

    # the arrivals are the folder's own, kept run to run in its manifest: each distinct
    # file once (the two identical copies are one)
    manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    assert len(manifest["arrivals"]) == 5


def test_two_final_versions_arriving_together_are_ordered_by_their_times(
    layout: Layout, templates: dict[str, Path], tmp_path: Path
) -> None:
    inbox, out = tmp_path / "报表", tmp_path / "结果"
    older = filled(layout, templates["某县民政局"], inbox / "民政局(终稿).xlsx")
    newer = filled(
        layout, templates["某县民政局"], inbox / "民政局(终稿2).xlsx", fields={"contact": "张三"}
    )
    saved_at(older, "2025-01-10T08:00:00Z")
    saved_at(newer, "2025-01-12T08:00:00Z")
    os.utime(older, (1736496000, 1736496000))
    os.utime(newer, (1736668800, 1736668800))
    code, output, report = ingest(inbox, out)
    assert code == 0, output
    assert rows(report)["民政局(终稿).xlsx"]["superseded_by"] == "民政局(终稿2).xlsx"
    document = json.loads((out / "某县民政局_2024.json").read_text("utf-8"))
    assert document["source"]["file"] == "民政局(终稿2).xlsx"
    result = run("aggregate", out, "-o", tmp_path / "汇总.xlsx", "--name", "某县")
    assert result.exit_code == 0, result.output


def test_versions_nothing_orders_are_the_coordinators_error_naming_both(
    layout: Layout, templates: dict[str, Path], tmp_path: Path
) -> None:
    inbox, out = tmp_path / "报表", tmp_path / "结果"
    one = filled(layout, templates["某县民政局"], inbox / "民政局(终稿).xlsx")
    two = filled(
        layout, templates["某县民政局"], inbox / "民政局(终稿2).xlsx", fields={"contact": "张三"}
    )
    for path in (one, two):
        saved_at(path, "2025-01-10T08:00:00Z")
        os.utime(path, (1736496000, 1736496000))
    code, output, report = ingest(inbox, out)
    assert code == 1
    assert "民政局(终稿).xlsx" in output and "民政局(终稿2).xlsx" in output
    assert "移出报表文件夹" in output
    [undecided] = report["versions_undecided"]
    assert undecided["files"] == ["民政局(终稿).xlsx", "民政局(终稿2).xlsx"]
    assert [r["output"] for r in report["returns"]] == [None, None]
    assert all(not r["findings_errors"] for r in report["returns"])  # not the agency's error
    # the coordinator moves the older one out: the other is the return
    one.unlink()
    code, output, report = ingest(inbox, out)
    assert code == 0, output
    assert (out / "某县民政局_2024.json").exists()


def test_an_unnamed_first_return_and_a_pdf_are_superseded_by_the_named_fixed_one(
    layout: Layout, templates: dict[str, Path], blank_template_2024: Path, tmp_path: Path
) -> None:
    inbox, out, back = tmp_path / "报表", tmp_path / "结果", tmp_path / "退回"
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n" + "\n".join(AGENCIES) + "\n", "utf-8")
    # the agency cell cleared: the template's agency property says whose it is
    filled(
        layout, templates["某县民政局"], inbox / "第一轮" / "填报表.xlsx", fields={"agency": None}
    )
    # a blank template, unnamed: the roster name its file name contains
    filled(layout, blank_template_2024, inbox / "第一轮" / "某县教育局报表.xlsx")
    (inbox / "第一轮" / "某县财政局.pdf").write_bytes(
        b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n"
    )
    code, _, report = ingest(inbox, out, "--annotate", back, "--roster", roster)
    assert code == 1
    assert all(r["status"] != "superseded" for r in report["returns"])

    second = inbox / "第二轮"
    filled(layout, templates["某县民政局"], second / "民政局.xlsx")
    filled(layout, templates["某县教育局"], second / "教育局.xlsx")
    filled(layout, templates["某县财政局"], second / "财政局.xlsx")
    code, output, report = ingest(inbox, out, "--annotate", back, "--roster", roster)
    assert code == 0, output
    by_file = rows(report)
    assert by_file["第一轮/填报表.xlsx"]["superseded_by"] == "第二轮/民政局.xlsx"
    assert by_file["第一轮/某县教育局报表.xlsx"]["superseded_by"] == "第二轮/教育局.xlsx"
    assert by_file["第一轮/某县财政局.pdf"]["superseded_by"] == "第二轮/财政局.xlsx"
    assert report["roster"]["submitted"] == 3 and report["roster"]["missing"] == []
    assert list(back.glob("*.xlsx")) == []


def test_a_workbook_beats_a_pdf_that_arrived_later() -> None:
    pdf = Version(0, "民政局.pdf", "a" * 64, "k", workbook=False)  # type: ignore[arg-type]
    book = Version(1, "民政局.xlsx", "b" * 64, "k")  # type: ignore[arg-type]
    decided = versions(
        [pdf, book], {"b" * 64: "2025-01-01T00:00:00+08:00"}, "2025-01-20T00:00:00+08:00"
    )
    assert decided.superseded == {0: 1} and decided.current(1)


def broken_copy(src: Path, dest: Path) -> Path:
    """``src`` with its workbook part cut short (not well-formed XML), as a file damaged
    in transit or by a failed save: nothing of its sheets can be read, while the package
    still holds the template's custom properties."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/workbook.xml":
                data = data[: len(data) // 2]
            zout.writestr(info, data)
    return dest


def test_a_broken_return_is_its_template_agencys_by_the_package_property(
    layout: Layout, templates: dict[str, Path], tmp_path: Path
) -> None:
    """A return that cannot be read, named after no agency (or after another one), whose
    package still says which agency's template it is: that agency has sent something that
    could not be read (已收到但无法读取), not nothing; the fixed return supersedes it."""
    inbox, out = tmp_path / "报表", tmp_path / "结果"
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n" + "\n".join(AGENCIES) + "\n", "utf-8")
    first = inbox / "第一轮"
    broken_copy(
        filled(layout, templates["某县民政局"], tmp_path / "民政局.xlsx"), first / "填报表.xlsx"
    )
    # the file name says 教育局 (forwarded by it), the package says 财政局: the package wins
    broken_copy(
        filled(layout, templates["某县财政局"], tmp_path / "财政局.xlsx"),
        first / "某县教育局转来的报表.xlsx",
    )
    code, _, report = ingest(inbox, out, "--roster", roster)
    assert code == 1
    statuses = {a["name"]: (a["status"], a["files"]) for a in report["roster"]["agencies"]}
    assert statuses == {
        "某县民政局": ("unreadable", ["第一轮/填报表.xlsx"]),
        "某县教育局": ("missing", []),
        "某县财政局": ("unreadable", ["第一轮/某县教育局转来的报表.xlsx"]),
    }
    assert report["roster"]["unreadable"] == 2 and report["roster"]["missing"] == ["某县教育局"]

    filled(layout, templates["某县民政局"], inbox / "第二轮" / "民政局（改）.xlsx")
    code, _, report = ingest(inbox, out, "--roster", roster)
    assert code == 1  # 财政局's return is still not read
    assert rows(report)["第一轮/填报表.xlsx"]["superseded_by"] == "第二轮/民政局（改）.xlsx"
    statuses = {a["name"]: a["status"] for a in report["roster"]["agencies"]}
    assert statuses == {"某县民政局": "ok", "某县教育局": "missing", "某县财政局": "unreadable"}


def test_a_file_not_read_replaces_a_return_only_by_arriving_later() -> None:
    """A file that could not be read (known as the agency's by its package or its name)
    beside a readable return of the same run stays to be looked at, replacing nothing and
    replaced by nothing; one that arrived in a later run is the agency's current version."""
    day1, day2 = "2025-01-10T00:00:00+08:00", "2025-01-20T00:00:00+08:00"
    good = Version(0, "民政局.xlsx", "a" * 64, "k", mtime=1)  # type: ignore[arg-type]
    broken = Version(1, "坏.xlsx", "b" * 64, "k", mtime=2, readable=False)  # type: ignore[arg-type]
    together = versions([good, broken], {}, day1)
    assert together.superseded == {} and together.undecided == ()
    later = versions([good, broken], {"a" * 64: day1}, day2)
    assert later.superseded == {0: 1}
    earlier = versions([good, broken], {"b" * 64: day1}, day2)
    assert earlier.superseded == {1: 0}
