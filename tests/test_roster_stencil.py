"""A roster's templates are copies of one stencil, each equal to the template built from
scratch for its agency.

``new --roster`` builds the template once and writes each agency's copy by putting its
name where a stand-in was (src/gongkai_xlsx/writer/stencil.py). These tests run the real
command over a roster of awkward names and compare every file, part by part by meaning
(each XML part canonicalised; the time the file was made aside), with what ``new
--agency`` builds from scratch for that agency; they also prove the copies really were
copies, and that the stencil refuses itself when a part depends on the name otherwise.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import run

from gongkai_xlsx import api
from gongkai_xlsx import pool as pool_module
from gongkai_xlsx.api import _new as api_new
from gongkai_xlsx.canonical import Document, Meta, dumps
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.names import PROP_AGENCY
from gongkai_xlsx.naming import template_file_name
from gongkai_xlsx.ooxml.archive import ZipIn, ZipStencil
from gongkai_xlsx.reader import read_return
from gongkai_xlsx.writer import stencil as stencil_module
from gongkai_xlsx.writer import workbook as template_workbook
from gongkai_xlsx.writer.stencil import TemplateStencil

PASSWORD = "pw1"
PREFILLED = "某县交通运输局（本级）"  # last year's 四 its own: prefilled, built from scratch
SAME_PREFILL = ["某县甲局", "某县乙局", "某县丙局&<>"]  # the same numbers: one stencil
BLANK_LAST_YEAR = "某县民政局"  # last year's document, 四 blank: not prefilled, a copy
COPIED = [
    "某县教育局",
    "甲",  # one character
    "某" * 98 + "局",  # as long as the cover allows (row heights, widths)
    "A&B<局>\"双引号\"'单引号'",  # every character XML escapes
    "某县 人民政府 办公室",  # inner spaces
    BLANK_LAST_YEAR,
    "某县新设局",  # no document last year
    *SAME_PREFILL,
]
FROM_SCRATCH = [
    "填报单位",  # a text the workbook already holds: xlsxwriter shares the string
    "某局_x0041_分局",  # what xlsxwriter escapes in shared strings
    PREFILLED,
]
CARRIED = {"b.carried_forward.natural_person": 5, "b.carried_forward.commercial_enterprise": 2}
OWN = {"b.carried_forward.natural_person": 7}
_TIMES = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def last_year_folder(form: Form, folder: Path) -> Path:
    """Last year's output: the canonical documents of five agencies."""
    folder.mkdir(parents=True)
    last_year = [
        (PREFILLED, OWN),
        (BLANK_LAST_YEAR, {"a.penalty.decisions": 3}),
        *((name, CARRIED) for name in SAME_PREFILL),
    ]
    for agency, values in last_year:
        meta = Meta(2023, agency, None, None, f"{agency}.xlsx", "0" * 64)
        exact: dict[str, int | Decimal | None] = {k: Decimal(v) for k, v in values.items()}
        document = Document.build(form, meta, with_totals(form, exact)).to_json()
        (folder / f"{len(list(folder.iterdir()))}_2023.json").write_bytes(dumps(document))
    return folder


def meaning(data: bytes) -> list[tuple[str, str]]:
    """The parts of an xlsx in order, each XML part canonicalised (C14N 2.0), the times in
    docProps/core.xml aside."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every member's CRC holds
        for name in archive.namelist():
            text = ET.canonicalize(archive.read(name).decode("utf-8"))
            if name == "docProps/core.xml":
                text = _TIMES.sub("", text)
            parts.append((name, text))
    return parts


def test_each_roster_copy_equals_the_template_built_from_scratch_for_its_agency(
    form: Form, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    previous = last_year_folder(form, tmp_path / "2023结果")
    names = COPIED + FROM_SCRATCH
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n" + "\n".join(names) + "\n", encoding="utf-8")
    copied: dict[str, bool] = {}
    real_copy = TemplateStencil.copy_for

    def spied(self: TemplateStencil, agency: str) -> bytes | None:
        data = real_copy(self, agency)
        copied[agency] = data is not None
        return data

    monkeypatch.setattr(TemplateStencil, "copy_for", spied)
    out = tmp_path / "模板"
    args: list[str | Path] = ["--out-dir", out, "--password", PASSWORD, "--previous", previous]
    result = run("new", "2024", "--roster", roster, *args)
    assert result.exit_code == 0, result.output
    assert "其中 4 份已按上年报表预填上年结转数" in result.output
    # the copies were copies; the names substitution cannot reproduce were built
    assert copied == {**dict.fromkeys(COPIED, True), **dict.fromkeys(FROM_SCRATCH[:2], False)}

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    for name in names:
        made = api.new_template(
            2024, scratch / f"{len(list(scratch.iterdir()))}.xlsx", name, PASSWORD, False, previous
        )
        copy = out / template_file_name(2024, name)
        assert meaning(copy.read_bytes()) == meaning(made.path.read_bytes()), name
        # and the reader reads the agency back, exactly as written
        read = read_return(copy)
        assert (read.fields["agency"].value, read.properties[PROP_AGENCY]) == (name, name)


def test_the_stencil_refuses_itself_when_a_part_depends_on_the_name_otherwise(
    form: Form, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part that depends on the name other than by holding it (here: a property with
    the name's length, as a row height would be) makes substitution wrong: the stencil
    is not used, and every template is built from scratch, right."""
    assert TemplateStencil.build(form, 2024) is not None
    real = template_workbook._TemplateWriter._properties

    def with_length(self: template_workbook._TemplateWriter) -> None:
        real(self)
        self.wb.set_custom_property("gk.test.length", str(len(self.options.agency or "")))

    monkeypatch.setattr(template_workbook._TemplateWriter, "_properties", with_length)
    assert TemplateStencil.build(form, 2024) is None
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n甲局\n乙单位某某\n丙\n", encoding="utf-8")
    result = run("new", "2024", "--roster", roster, "--out-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    for name in ("甲局", "乙单位某某", "丙"):
        data = (tmp_path / "out" / template_file_name(2024, name)).read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert f"<vt:lpwstr>{len(name)}</vt:lpwstr>" in archive.read(
                "docProps/custom.xml"
            ).decode("utf-8")


def test_a_zip_stencil_copies_untouched_members_and_fills_the_holes(form: Form) -> None:
    data = template_workbook.template_bytes(form, stencil_module._options(2024, "甲局", ""))
    original = ZipIn(data)
    assert ZipStencil(original, {}).fill({}) == data  # nothing to fill: the same bytes
    part = "docProps/app.xml"
    pieces = original.read(original.find(part)).split("甲局".encode())  # type: ignore[arg-type]
    filled = ZipStencil(original, {part: pieces}).fill({part: "乙县&amp;局".encode()})
    again = ZipIn(filled)
    assert [m.filename for m in again.members] == [m.filename for m in original.members]
    assert [m.date_time for m in again.members] == [m.date_time for m in original.members]
    for info in original.members:
        expected = original.read(info)
        if info.filename == part:
            expected = expected.replace("甲局".encode(), "乙县&amp;局".encode())
        assert again.read(again.find(info.filename)) == expected  # type: ignore[arg-type]


def test_templates_built_by_workers_equal_the_templates_built_from_scratch(
    form: Form, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Agencies whose last year left numbers of their own are built from scratch; with
    ``-j 2`` (and enough of them) by two worker processes, each file equal to the one
    ``new --agency`` writes, and the roster's counts said as before."""
    names = [f"某县第{i}局" for i in range(4)]
    folder = tmp_path / "2023结果"
    folder.mkdir()
    for i, agency in enumerate(names):
        meta = Meta(2023, agency, None, None, f"{agency}.xlsx", "0" * 64)
        own: dict[str, int | Decimal | None] = {"b.carried_forward.natural_person": Decimal(i + 1)}
        document = Document.build(form, meta, with_totals(form, own)).to_json()
        (folder / f"{i}_2023.json").write_bytes(dumps(document))
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n" + "\n".join(names) + "\n", encoding="utf-8")
    pools: list[int] = []
    real_init = pool_module.WorkerPool.__init__

    def counted(
        self: pool_module.WorkerPool[object, object], func: object, jobs: int, *rest: object
    ) -> None:
        pools.append(jobs)
        real_init(self, func, jobs, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(pool_module.WorkerPool, "__init__", counted)
    monkeypatch.setattr(api_new, "MIN_POOL", 2)
    out = tmp_path / "模板"
    result = run(
        "new", "2024", "--roster", roster, "--out-dir", out, "--previous", folder, "-j", "2"
    )
    assert result.exit_code == 0, result.output
    assert pools == [2]
    assert result.output.splitlines()[:2] == [
        f"已生成 4 份 2024 年度填报模板，保存在 {out}。",
        "其中 4 份已按上年报表预填上年结转数（蓝色单元格，单位仍可修改）。",
    ]
    for name in names:
        made = api.new_template(2024, tmp_path / f"{name}.xlsx", name, "", False, folder)
        copy = out / template_file_name(2024, name)
        assert meaning(copy.read_bytes()) == meaning(made.path.read_bytes()), name
