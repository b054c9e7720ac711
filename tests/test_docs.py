"""Docs that cannot go stale: every finding code and every command is in the README."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cli import app

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
    ci = (Path(__file__).resolve().parent.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert "exec bash scripts/test.sh" in ci


def test_the_readme_shows_what_the_tool_prints_now() -> None:
    """The ingest example is a real run over samples/ (and the code table the catalogue):
    scripts/update_readme.py writes both; here they are written again and compared."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
    import update_readme

    assert update_readme.rewritten(README) == README, "run scripts/update_readme.py"
