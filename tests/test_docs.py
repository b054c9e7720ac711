"""Docs that cannot go stale: every finding code and every command is in the README."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import balanced, fill_with_openpyxl
from project_scripts import script
from typer.testing import CliRunner

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cli import app
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.definition.model import Form

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_readme_leads_in_chinese_and_shows_the_main_job() -> None:
    assert re.search("[\u4e00-\u9fff]", README[:200])
    assert "gongkai-xlsx new 2024" in README
    assert "bash scripts/test.sh" in README


def test_every_finding_code_is_documented_with_its_message() -> None:
    for code in Code:
        assert f"| `{code.code}` | {code.severity.chinese} | {code.template} |" in README, code


def test_every_command_is_documented_and_has_chinese_help() -> None:
    for command in ("new", "schema", "check", "ingest", "annotate", "aggregate", "render"):
        assert f"gongkai-xlsx {command}" in README
        result = CliRunner().invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert re.search("[\u4e00-\u9fff]", result.output), command


def test_ci_runs_exactly_the_readme_test_command() -> None:
    """First the README's test command as it stands, then the bundle, separately (it needs
    the package index and has its own time budget)."""
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if line.startswith("bash ")]
    assert commands == ["bash scripts/test.sh", "bash scripts/bundle-ci.sh"]
    assert "set -euo pipefail" in ci  # a failing test run stops CI before the bundle


def test_the_readme_shows_what_the_tool_prints_now() -> None:
    """The ingest example is a real run over samples/ (and the code table the catalogue):
    scripts/update_readme.py writes both; here they are written again and compared."""
    assert script("update_readme").rewritten(README) == README, "run scripts/update_readme.py"


def test_the_january_walkthrough_runs_as_written(
    tmp_path: Path, monkeypatch, form: Form, layout: Layout
) -> None:
    """Every command of the README's 一月份的全流程, run as written in a folder holding what
    the text says is there: the roster, last year's results, the returns, the report text."""
    import json
    import shlex
    import shutil

    from conftest import run

    root = Path(__file__).resolve().parent.parent
    block = README.split("<!-- january:start -->")[1].split("<!-- january:end -->")[0]
    commands = [
        shlex.split(line)[1:] for line in block.splitlines() if line.startswith("gongkai-xlsx ")
    ]
    assert [c[0] for c in commands] == [
        "new",
        "ingest",
        "ingest",
        "aggregate",
        "aggregate",
        "render",
        "render",
    ]

    samples = root / "samples"
    agencies = [
        "互助县城市管理综合行政执法局",
        "某县交通运输局",
        "某县教育局",
        "某县民政局",
        "某县新设局",
    ]
    (tmp_path / "名单.csv").write_text("单位名称\n" + "\n".join(agencies) + "\n", encoding="utf-8")
    last_year = tmp_path / "2023结果"
    last_year.mkdir()
    for document in sorted((samples / "expected").glob("*_2024.json")):  # last year's, re-dated
        data = json.loads(document.read_bytes())
        data["year"] = 2023
        (last_year / document.name.replace("2024", "2023")).write_text(
            json.dumps(data, ensure_ascii=False), encoding="utf-8"
        )
    returns = tmp_path / "报表"
    returns.mkdir()
    for sample in sorted(samples.glob("*.xlsx")):
        shutil.copy(sample, returns / sample.name)
    (tmp_path / "正文.md").write_text(
        "一、总体情况\n本机关认真贯彻落实《条例》。\n五、存在的主要问题及改进情况\n无。\n"
        "六、其他需要报告的事项\n无。\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    results = [run(*command) for command in commands[:2]]
    assert [r.exit_code for r in results] == [0, 1]  # ingest: one sample has a B1 error

    assert len(list((tmp_path / "模板").glob("*.xlsx"))) == len(agencies)
    report = json.loads((tmp_path / "结果" / "report.json").read_bytes())
    assert report["roster"]["missing"] == ["某县新设局"]
    assert report["previous"]["returns_matched"] >= 3
    marked, listing = sorted(p.name for p in (tmp_path / "退回").rglob("*.xlsx"))
    # named for sending: the agency, 退回修改 and the day the return arrived
    assert re.fullmatch(r"某县交通运输局_退回修改_\d{8}\.xlsx", marked), marked
    assert listing == "退回清单.xlsx"  # whom to send it to

    # step 4: the agency fills its own template again, the fix arrives in a new subfolder
    (template,) = (tmp_path / "模板").glob("*某县交通运输局*.xlsx")
    resent = returns / "1月20日微信"
    resent.mkdir()
    fixed = balanced(form, {"b.received.natural_person": 3, "a.regulations.issued": 1})
    fill_with_openpyxl(layout, template, resent / "交通局年报（改）.xlsx", fixed)
    results += [run(*command) for command in commands[2:]]
    assert [r.exit_code for r in results] == [0, 1, 0, 0, 0, 0, 0], results[2].output
    report = json.loads((tmp_path / "结果" / "report.json").read_bytes())
    old = next(r for r in report["returns"] if r["file"].endswith("B1不平衡.xlsx"))
    assert old["status"] == "superseded" and old["superseded_by"].endswith("（改）.xlsx")
    assert not list((tmp_path / "退回").rglob("*.xlsx"))  # nothing left to send back
    assert report["roster"]["missing"] == ["某县新设局"]
    warned = results[3].output  # aggregate --roster: only the silent agency is missing
    (warning,) = [line for line in warned.splitlines() if line.startswith("注意：")]
    assert warning.startswith("注意：汇总不完整——未报送 1 个单位，均未计入。"), warned
    assert "  未报送 1 个：某县新设局" in warned.splitlines(), warned
    for made in ("某县_2024_汇总.xlsx", "某县_2024_汇总.json", "某县_2024_汇总.html"):
        assert (tmp_path / made).stat().st_size > 0, made
    assert (tmp_path / "某县教育局_2024年度报告.docx").stat().st_size > 0


def test_the_set_up_command_is_given_for_linux_cmd_and_powershell() -> None:
    """Windows' own PowerShell 5.1 has no ``&&`` and blocks Activate.ps1; ``python3`` opens
    the Microsoft Store on Windows: the Windows forms avoid all three."""
    blocks: dict[str, str] = {}
    for shell, code in re.findall(r"```(bash|bat|powershell)\n(.*?)```", README, re.S):
        blocks.setdefault(shell, code)  # the first block of each: the set-up command
    assert blocks["bash"].startswith("python3 -m venv .venv && . .venv/bin/activate")
    for shell in ("bat", "powershell"):
        assert blocks[shell].startswith("py -m venv .venv") and "python3" not in blocks[shell]
        assert "new 2024" in blocks[shell]
    assert "&&" not in blocks["powershell"] and "Activate.ps1" not in blocks["powershell"]
    assert (
        "bash scripts/test.sh" in README.split("## 一月份")[0]
    )  # the developers' command, at the top
