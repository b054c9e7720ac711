"""The committed samples: ingesting ``samples/`` gives exactly ``samples/expected/``, byte
for byte (the recorded hashes are those of the committed files)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner
from zip_contents import zip_contents

from gongkai_xlsx.cli import app
from gongkai_xlsx.ingest.page import without_run as page_without_run
from gongkai_xlsx.ingest.report import without_run
from gongkai_xlsx.outputfolder import is_bookkeeping

SOURCE_DATE_EPOCH = "1737331200"  # scripts/make_annotated_sample.py: 2025-01-20, UTC

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
EXPECTED = SAMPLES / "expected"


def test_ingest_samples_reproduces_the_expected_outputs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", SOURCE_DATE_EPOCH)  # the day they arrived
    out = tmp_path / "out"
    args = ["ingest", str(SAMPLES), "-o", str(out), "--annotate", str(out / "annotated")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1  # one sample has B1 errors, on purpose
    expected = sorted(
        p.relative_to(EXPECTED).as_posix() for p in EXPECTED.rglob("*") if p.is_file()
    )
    assert (
        sorted(
            p.relative_to(out).as_posix()
            for p in out.rglob("*")
            if p.is_file() and not is_bookkeeping(p.name)
        )
        == expected
    )
    # the marked copy, named for sending: the agency, 退回修改, the day it arrived
    assert "annotated/某县交通运输局_退回修改_20250120.xlsx" in expected
    for name in expected:
        if name == "report.json":  # the same except the run's own record (time, inputs)
            got = json.loads((out / name).read_text(encoding="utf-8"))
            want = json.loads((EXPECTED / name).read_text(encoding="utf-8"))
            assert without_run(got) == without_run(want)
            continue
        if name == "report.html":  # the same except its one section of the run's record
            got_page = page_without_run((out / name).read_bytes())
            assert got_page == page_without_run((EXPECTED / name).read_bytes())
            continue
        if "_退回修改_" in name:  # a marked copy: deflated by the engine (ISA-L, else zlib)
            got_zip, want_zip = (out / name).read_bytes(), (EXPECTED / name).read_bytes()
            assert zip_contents(got_zip) == zip_contents(want_zip), name
            continue
        assert (out / name).read_bytes() == (EXPECTED / name).read_bytes(), name
    for line in ("某县交通运输局_2024_B1不平衡.xlsx", "有错误", "有提示"):
        assert line in result.output


def test_expected_documents_record_the_committed_files() -> None:
    report = json.loads((EXPECTED / "report.json").read_text(encoding="utf-8"))
    rows = {r["file"]: r for r in report["returns"]}
    assert {f: (r["status"], r["output"]) for f, r in rows.items()} == {
        "互助县城市管理综合行政执法局_2024.xlsx": ("ok", "互助县城市管理综合行政执法局_2024.json"),
        "某县交通运输局_2024_B1不平衡.xlsx": ("errors", None),
        "某县教育局_2024_文本数字.xlsx": ("warnings", "某县教育局_2024.json"),
        "某县民政局_2024_LibreOffice保存.xlsx": ("ok", "某县民政局_2024.json"),
    }
    for file, row in rows.items():
        digest = hashlib.sha256((SAMPLES / file).read_bytes()).hexdigest()
        assert row["sha256"] == digest
        if row["output"]:
            doc = json.loads((EXPECTED / row["output"]).read_text(encoding="utf-8"))
            assert doc["source"] == {"file": file, "sha256": digest}
    broken = rows["某县交通运输局_2024_B1不平衡.xlsx"]["findings"]
    assert [(f["code"], f["cell"], f["actual"]) for f in broken] == [
        ("balance", "D30", 22),  # the left side's sum; the right side's is 19
        ("balance", "E30", 3),  # and 6
    ]
    text = rows["某县教育局_2024_文本数字.xlsx"]["findings"]
    assert [(f["code"], f["sheet"], f["cell"]) for f in text] == [
        ("number-as-text", "主动公开", "B6"),
        ("number-as-text", "主动公开", "C6"),
        ("number-as-text", "主动公开", "D6"),
        ("number-as-text", "主动公开", "B9"),
        ("number-as-text", "主动公开", "B12"),
        ("blank-marker", "主动公开", "B13"),
        ("blank-marker", "主动公开", "B16"),
        ("number-as-text", "依申请公开", "D6"),
        ("blank-marker", "依申请公开", "D7"),
        ("number-as-text", "依申请公开", "D18"),
        ("blank-marker", "复议诉讼", "A6"),
    ]


def test_seed_sample_holds_the_seed_report_numbers() -> None:
    doc = json.loads((EXPECTED / "互助县城市管理综合行政执法局_2024.json").read_text("utf-8"))
    assert doc["tables"]["a"]["licensing"] == {"decisions": 44}
    assert doc["tables"]["a"]["penalty"] == {"decisions": 31}
    assert doc["tables"]["a"]["coercion"] == {"decisions": None}
    assert doc["tables"]["a"]["fees"] == {"amount": 250.83}
    assert doc["year"] == 2024 and doc["agency"] == "互助县城市管理综合行政执法局"


def test_libreoffice_saved_sample_was_saved_by_libreoffice() -> None:
    import zipfile

    path = SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx"
    app_xml = zipfile.ZipFile(path).read("docProps/app.xml").decode()
    assert "<Application>LibreOffice" in app_xml
