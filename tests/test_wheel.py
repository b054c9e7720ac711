"""The package as a user gets it: a wheel built from the checkout, installed into a fresh
virtual environment, whose `gongkai-xlsx` writes a template, prints the committed schema and
renders a report without the source tree. One test, about a minute (the venv installs the
dependencies)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "gk2021.schema.json"
SHEETS = ["填报说明", "主动公开", "依申请公开", "复议诉讼"]
SEED_JSON = "互助县城市管理综合行政执法局_2024.json"


def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )
    assert proc.returncode == 0, (cmd, proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def test_wheel_installs_and_runs_in_a_fresh_venv(tmp_path: Path) -> None:
    leftovers = {name: (ROOT / name).exists() for name in ("build", "dist")}

    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], tmp_path
    )
    [wheel] = sorted(wheels.glob("gongkai_xlsx-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {
        "gongkai_xlsx/templates/gk2021.toml",
        "gongkai_xlsx/schemas/gk2021.schema.json",
        "gongkai_xlsx/cli/__init__.py",
        "gongkai_xlsx/ingest/page.js",  # report.html's script, read at import
        # the desk's templates and static files (package data, read by Flask)
        "gongkai_xlsx/desk/templates/base.html",
        "gongkai_xlsx/desk/templates/collect.html",
        "gongkai_xlsx/desk/static/desk.css",
        "gongkai_xlsx/desk/static/desk.js",
        "gongkai_xlsx/desk/static/collect.js",
    } <= names
    assert not any(n.startswith(("tests/", "gongkai_xlsx/tests/")) for n in names)
    # the wheel's copies are the committed files, byte for byte
    wz = zipfile.ZipFile(wheel)
    assert (
        wz.read("gongkai_xlsx/templates/gk2021.toml")
        == (ROOT / "templates" / "gk2021.toml").read_bytes()
    )
    assert wz.read("gongkai_xlsx/schemas/gk2021.schema.json") == SCHEMA.read_bytes()

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], tmp_path)
    exe = str(bin_dir / "gongkai-xlsx")

    work = tmp_path / "work"  # nowhere near the checkout: resources come from the wheel
    work.mkdir()
    proc = _run([exe, "new", "2024", "-o", "t.xlsx"], work)
    assert proc.stdout == "已生成 2024 年度填报模板：t.xlsx\n"
    wb = openpyxl.load_workbook(work / "t.xlsx")
    assert wb.sheetnames == SHEETS
    assert len(wb.worksheets) == 4

    proc = _run([exe, "schema", "2024"], work)
    assert proc.stdout == SCHEMA.read_text(encoding="utf-8")

    # render needs python-docx: the wheel's dependencies must bring it
    (work / "seed.json").write_bytes((ROOT / "samples" / "expected" / SEED_JSON).read_bytes())
    _run([exe, "render", "seed.json", "--to", "docx"], work)
    assert zipfile.is_zipfile(work / "seed.docx")

    where = _run(
        [str(bin_dir / "python"), "-c", "import gongkai_xlsx; print(gongkai_xlsx.__file__)"], work
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)

    # building left nothing behind in the checkout
    assert {name: (ROOT / name).exists() for name in ("build", "dist")} == leftovers
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--", "build", "dist"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert status.stdout == "" or any(leftovers.values()), status.stdout
