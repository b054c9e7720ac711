"""The front door: one library function per command, each taking a frozen options object
and returning a result object with its exit code, runnable without the command line; one
error class hierarchy carrying exit codes, shown by one handler; ``-o``/``--output``/
``--out`` alike for every command that writes; ``python -m gongkai_xlsx``."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from child_env import child_env
from conftest import run
from typer.testing import CliRunner

from gongkai_xlsx import api
from gongkai_xlsx.api import (
    AggregateOptions,
    AnnotateOptions,
    CheckOptions,
    IngestOptions,
    NewOptions,
    RenderOptions,
    SchemaOptions,
)
from gongkai_xlsx.definition.load import UnsupportedYearError, form_for_year
from gongkai_xlsx.documents import DocumentError
from gongkai_xlsx.errors import GongkaiError, Interrupted, UsageError
from gongkai_xlsx.outputs import OutputConflict, OutputLocked
from gongkai_xlsx.previous import PreviousError
from gongkai_xlsx.render.request import RenderError
from gongkai_xlsx.roster import RosterError
from gongkai_xlsx.schema import committed_schema_path
from gongkai_xlsx.terminal import ChineseTyper
from gongkai_xlsx.terminal import run as run_program
from gongkai_xlsx.writer.options import TemplateOptionsError

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
EXPECTED = SAMPLES / "expected"
GOOD = SAMPLES / "互助县城市管理综合行政执法局_2024.xlsx"
B1_SAMPLE = SAMPLES / "某县交通运输局_2024_B1不平衡.xlsx"
SEED_JSON = EXPECTED / "某县民政局_2024.json"


# ----------------------------------------------------------------- one function per command
def test_options_are_frozen() -> None:
    options = NewOptions(2024)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.year = 2025  # type: ignore[misc]


def test_new_without_the_cli(tmp_path: Path) -> None:
    result = api.new(NewOptions(2024, output=tmp_path / "t.xlsx", agency="某县交通运输局"))
    assert isinstance(result, api.NewResult) and result.roster is None
    assert result.made is not None and result.made.path == tmp_path / "t.xlsx"
    assert result.exit_code == 0
    assert api.check_file(result.made.path).agency == "某县交通运输局"


def test_new_from_a_roster_without_the_cli_sizes_the_progress(tmp_path: Path) -> None:
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n甲局\n乙局\n", encoding="utf-8")
    sizes: list[int] = []
    ticks: list[object] = []

    @contextmanager
    def progress(total: int) -> Iterator[api.Advance]:
        sizes.append(total)
        yield lambda *_: ticks.append(None)

    options = NewOptions(2024, roster=roster, out_dir=tmp_path / "out")
    result = api.new(options, progress=progress)
    assert result.roster is not None and result.made is None
    assert (sizes, len(ticks), len(result.roster.written), result.exit_code) == ([2], 2, 2, 0)


def test_new_usage_rules_live_in_the_library(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="按名单生成时请用 --out-dir"):
        api.new(NewOptions(2024, roster=tmp_path / "名单.csv"))
    with pytest.raises(UsageError, match="--out-dir 只能与 --roster 一起使用"):
        api.new(NewOptions(2024, out_dir=tmp_path))


def test_schema_without_the_cli() -> None:
    result = api.schema(SchemaOptions(2024))
    assert isinstance(result, api.SchemaResult) and result.exit_code == 0
    assert result.text == committed_schema_path(form_for_year(2024)).read_text(encoding="utf-8")
    with pytest.raises(UnsupportedYearError):
        api.schema(SchemaOptions(2019))


def test_check_without_the_cli(tmp_path: Path) -> None:
    bad = api.check(CheckOptions(B1_SAMPLE))
    assert isinstance(bad, api.CheckResult)
    assert (bad.outcome.status, bad.exit_code) == ("errors", 1)
    assert bad.data()["file"] == str(B1_SAMPLE) and bad.data()["document"] is None
    good = api.check(CheckOptions(GOOD))
    assert good.exit_code == 0 and good.data()["document"]["agency"] == good.outcome.agency
    with pytest.raises(UsageError, match="这是文件夹，不是文件。检查整个文件夹请用"):
        api.check(CheckOptions(tmp_path))
    with pytest.raises(UsageError, match="文件不存在"):
        api.check(CheckOptions(tmp_path / "无.xlsx"))
    with pytest.raises(UsageError, match="时间上限必须大于 0 秒"):
        api.check(CheckOptions(GOOD, time_limit=0))


def test_annotate_without_the_cli(tmp_path: Path) -> None:
    result = api.annotate(AnnotateOptions(B1_SAMPLE, tmp_path))
    assert isinstance(result, api.AnnotateResult)
    assert result.written == tmp_path / B1_SAMPLE.name and result.written.is_file()
    assert result.exit_code == 0 and any(f.is_error for f in result.findings)
    nothing = api.annotate(AnnotateOptions(GOOD, tmp_path / "good.xlsx"))
    if not nothing.findings:
        assert nothing.written is None and nothing.exit_code == 0


def test_ingest_without_the_cli_collects_once_and_sizes_the_progress(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    for sample in (GOOD, B1_SAMPLE):
        shutil.copy(sample, inbox / sample.name)
    sizes: list[int] = []

    @contextmanager
    def progress(total: int) -> Iterator[api.Advance]:
        sizes.append(total)
        yield lambda *_: None

    done = api.ingest(IngestOptions([inbox], tmp_path / "out", jobs=1), progress=progress)
    assert isinstance(done, api.Ingested)
    assert sizes == [2] and len(done.entries) == 2
    assert done.exit_code == 1  # the B1 sample has errors
    assert json.loads((tmp_path / "out" / "report.json").read_bytes())["summary"]["returns"] == 2
    with pytest.raises(UsageError, match="--name 是汇总的名称，只能与 --summary 一起使用"):
        api.ingest(IngestOptions([inbox], tmp_path / "o2", name="某县"))


def test_aggregate_without_the_cli_and_its_rules(tmp_path: Path) -> None:
    output = tmp_path / "某县_2024_汇总.json"
    result = api.aggregate(AggregateOptions([EXPECTED], output, "某县"))
    assert isinstance(result, api.AggregateResult)
    assert (result.written, result.refused, result.exit_code) == (True, None, 0)
    assert json.loads(output.read_bytes())["kind"] == "summary"
    # the rules that lived only in the command line
    with pytest.raises(UsageError, match="请用 -o 指定汇总结果文件"):
        api.aggregate(AggregateOptions([EXPECTED], None, "某县"))
    with pytest.raises(UsageError, match=r"应以 \.json（规范 JSON）或 \.xlsx"):
        api.aggregate(AggregateOptions([EXPECTED], tmp_path / "s.txt", "某县"))
    data = tmp_path / "data.json"
    data.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(UsageError, match="文件已存在且不是汇总结果"):
        api.aggregate(AggregateOptions([EXPECTED], data, "某县"))
    with pytest.raises(UsageError, match=r"aggregate 只读取规范 JSON（\.json）"):
        api.aggregate(AggregateOptions([GOOD], tmp_path / "s.json", "某县"))
    with pytest.raises(UsageError, match="文件已存在。如需覆盖，请加 --force。"):
        api.aggregate(AggregateOptions([EXPECTED], output, "某县"))  # as render refuses
    forced = AggregateOptions([EXPECTED], output, "某县", force=True)
    assert api.aggregate(forced).written  # overwrites its own with force
    empty = tmp_path / "empty"
    empty.mkdir()
    nothing = api.aggregate(AggregateOptions([empty], tmp_path / "n.json", "某县"))
    assert (nothing.written, nothing.exit_code) == (False, 2)
    assert nothing.refused is not None and "没有找到任何规范 JSON" in nothing.refused
    assert not (tmp_path / "n.json").exists()


def test_render_without_the_cli_writes_its_file(tmp_path: Path) -> None:
    result = api.render(RenderOptions(SEED_JSON, output=tmp_path / "r.html"))
    assert isinstance(result, api.RenderResult)
    assert (result.path, result.format, result.exit_code) == (tmp_path / "r.html", "html", 0)
    assert "<table" in (tmp_path / "r.html").read_text(encoding="utf-8")
    with pytest.raises(RenderError, match="文件已存在"):
        api.render(RenderOptions(SEED_JSON, output=tmp_path / "r.html"))


# ----------------------------------------------------------------------- the one handler
ERRORS: list[tuple[GongkaiError, int]] = [
    (UsageError("用法不对。"), 2),
    (RenderError("--to “pdf”无效：只能是 html 或 docx。"), 2),
    (RosterError("名单.csv：读不出单位名称。"), 2),
    (DocumentError("invalid", "不符合 JSON Schema", "甲.json"), 2),
    (PreviousError("上年结果中没有报表。"), 2),
    (UnsupportedYearError("2019 年度的报表格式不支持。"), 2),
    (TemplateOptionsError("单位名称过长。"), 2),
    (OutputLocked(Path("结果"), 1234, None, None), 2),
    (OutputConflict(Path("结果"), ["甲.json"]), 2),
    (GongkaiError("汇总未完成。", exit_code=1), 1),
    (Interrupted("已中断：输出文件夹保持上次的结果。"), 130),
]


@pytest.mark.parametrize("error, code", ERRORS, ids=lambda e: type(e).__name__)
def test_one_handler_shows_each_error_with_its_exit_code(error: GongkaiError, code: int) -> None:
    app = ChineseTyper(help="测试。")

    @app.command("fail", examples=["gongkai-xlsx fail"])
    def fail() -> None:
        """失败。"""
        raise error

    @app.command("other")
    def other() -> None:
        """另一个。"""

    result = CliRunner().invoke(app, ["fail"])
    assert result.exit_code == code == error.exit_code
    assert result.exception is None or isinstance(result.exception, SystemExit)
    said = str(error)
    assert said and not said.isascii()  # a Chinese message, not a repr
    expected = f"\n{said}\n" if isinstance(error, Interrupted) else f"错误：{said}\n"
    assert (result.stdout, result.stderr) == ("", expected)
    assert "Traceback" not in result.output


def test_an_internal_error_has_its_own_exit_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = ChineseTyper(help="测试。")

    @app.command("boom")
    def boom() -> None:
        """出错。"""
        raise KeyError("x")

    @app.command("other")
    def other() -> None:
        """另一个。"""

    monkeypatch.delenv("GONGKAI_TRACEBACK", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        run_program(app, ["boom"])
    assert exit_info.value.code == 3
    err = capsys.readouterr().err
    assert err.startswith("错误：gongkai-xlsx 内部出错") and "Traceback" not in err


# ------------------------------------------------------------------- -o, --output, --out
@pytest.mark.parametrize("spelling", ["-o", "--output", "--out"])
def test_every_command_that_writes_takes_o_output_and_out_alike(
    spelling: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(GOOD, inbox / GOOD.name)
    runs = [
        (["new", "2024", spelling, tmp_path / "t.xlsx"], 0, tmp_path / "t.xlsx"),
        (["annotate", B1_SAMPLE, spelling, tmp_path / "a.xlsx"], 0, tmp_path / "a.xlsx"),
        (["ingest", inbox, spelling, tmp_path / "out", "-j", "1"], None, tmp_path / "out"),
        (
            ["aggregate", EXPECTED, spelling, tmp_path / "s.json", "--name", "某县"],
            0,
            tmp_path / "s.json",
        ),
        (["render", SEED_JSON, spelling, tmp_path / "r.html"], 0, tmp_path / "r.html"),
    ]
    for args, code, written in runs:
        result = run(*args)
        assert result.exit_code in ((0, 1) if code is None else (code,)), (args, result.output)
        assert written.exists(), args
    assert (tmp_path / "out" / "report.json").is_file()


# ------------------------------------------------------------------- python -m gongkai_xlsx
@pytest.mark.parametrize("module", ["gongkai_xlsx", "gongkai_xlsx.cli"])
def test_python_m_runs_the_program(module: str) -> None:
    env = child_env()
    proc = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, env=env, check=False
    )
    out = proc.stdout.decode("utf-8")
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert out.startswith("用法：gongkai-xlsx ") and "ingest" in out
    bad = subprocess.run(
        [sys.executable, "-m", module, "check", "/nonexistent.xlsx"],
        capture_output=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.decode("utf-8") == "错误：/nonexistent.xlsx：文件不存在。\n"
