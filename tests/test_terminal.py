"""The terminal as a clerk meets it: help and usage errors in Chinese from the first
keystroke (never the framework's English), exit code 2 for every usage error, and output
that survives any terminal encoding (GBK on a Chinese Windows PC when output is
redirected), piped output and names with control or bidi characters in them."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
import typer
import typer.main
from child_env import child_env
from conftest import Filler, console_script, fill_with_openpyxl, run

from gongkai_xlsx import cli
from gongkai_xlsx.api import _new as api_new
from gongkai_xlsx.definition import Form
from gongkai_xlsx.definition.layout import Layout
from gongkai_xlsx.terminal import ChineseTyper, echo, visible, write_utf8
from gongkai_xlsx.terminal import run as run_program
from gongkai_xlsx.terminal.progress import progress, progress_line, remaining_text
from gongkai_xlsx.terminal.words import HIDDEN_OPTION_NAMES, PROG
from gongkai_xlsx.terminal.wrap import wrap
from gongkai_xlsx.text import text_width
from gongkai_xlsx.writer import TemplateOptions, write_template

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schemas" / "gk2021.schema.json"
GOOD_VALUES = {"a.licensing.decisions": 44, "a.penalty.decisions": 31, "a.fees.amount": 250.83}
OUTSIDE_GBK = "𠮷野家✓"  # U+20BB7 and U+2713 have no GBK code

PROGRAM = typer.main.get_command(cli.app)
COMMANDS = list(PROGRAM.commands)  # type: ignore[attr-defined]

# What the framework would print in English: headings, marks, type names, error phrases.
FRAMEWORK_ENGLISH = re.compile(
    r"Usage|Options|Arguments|Commands|Show this message|default:|required|"
    r"(?-i:\bINTEGER\b|\bPATH\b|\bTEXT\b|\bFILE\b)|<int>|<path>|<str>|<list\[|list\[Path\]|"
    r"\{year\}|\{paths\}|\{file\}|Error:|\bTry\b|Missing|Invalid|No such|Got unexpected|"
    r"Did you mean|Possible options|requires an argument|does not take a value|"
    r"Input should|Aborted|Traceback",
    re.IGNORECASE,
)
# The Latin words the tool's own Chinese texts use: names of products, formats and files.
LATIN_WORDS_OF_THE_TOOL = {
    "MB",  # a unit, as Chinese Windows writes it
    "Linux",  # where the memory limit holds
    "Windows",  # where it holds through a job object
    "gongkai",
    "xlsx",
    "Excel",
    "JSON",
    "Schema",
    "draft",
    "CSV",
    "HTML",
    "html",
    "Word",
    "docx",
    "Markdown",
    "UTF",
    "GBK",  # the encoding Notepad calls “ANSI”
    "PDF",
    "WPS",
    "report",
    "json",
    "CPU",
    "md",
    "csv",
}


def latin_words(text: str) -> set[str]:
    """Latin words in ``text`` that are neither an option, a command nor one of the tool's."""
    text = re.sub(r"(?<![\w-])--?[a-z][a-z-]*", " ", text)  # option names
    words = set(re.findall(r"[A-Za-z]{2,}", text))
    return words - LATIN_WORDS_OF_THE_TOOL - set(COMMANDS)


def assert_chinese(text: str, typed: list[str] = []) -> None:  # noqa: B006
    """No English framework word in ``text``, and no Latin word but the tool's own and
    those the user ``typed`` (quoted back in an error)."""
    assert not FRAMEWORK_ENGLISH.search(text), text
    assert not latin_words(text) - latin_words(" ".join(typed)) - set(" ".join(typed).split()), (
        latin_words(text),
        text,
    )


def squashed(text: str) -> str:
    return re.sub(r"\s+", "", text)


# ----------------------------------------------------------------------------------- help
@pytest.mark.parametrize("flag", ["-h", "--help"])
@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_is_chinese_and_describes_every_parameter(command: str | None, flag: str) -> None:
    result = run(*([command] if command else []), flag)
    assert (result.exit_code, result.stderr) == (0, "")
    text = result.stdout
    assert_chinese(text)
    path = f"{PROG} {command}" if command else PROG
    assert text.startswith(f"用法：{path} ")
    ctx = typer.Context(PROGRAM, help_option_names=["-h", "--help"])
    target = PROGRAM.commands[command] if command else PROGRAM  # type: ignore[attr-defined]
    params = [p for p in target.get_params(ctx) if not getattr(p, "hidden", False)]
    headings = re.findall(r"^(\S+)：$", text, re.MULTILINE)
    expected = ["命令"] if command is None else []
    expected += ["参数"] if any(p.param_type_name == "argument" for p in params) else []
    assert headings == [*expected, "选项", "示例"]
    assert squashed(target.help or "") in squashed(text)
    for param in params:
        assert squashed(param.help or "") in squashed(text), param.name
        names = [*param.opts, *param.secondary_opts] if param.param_type_name == "option" else []
        # an old spelling kept working for scripts (``--out``) is not shown
        for name in [n for n in names if n not in HIDDEN_OPTION_NAMES]:
            assert re.search(rf"(^|[ ,]){re.escape(name)}([ ,]|$)", text, re.MULTILINE), name
        if param.metavar:
            assert param.metavar in text
    if command is None:
        for name in COMMANDS:
            assert re.search(rf"^  {name} ", text, re.MULTILINE), name


def test_help_marks_required_options_and_defaults_in_chinese() -> None:
    text = squashed(run("ingest", "-h").stdout)
    assert "用法：gongkai-xlsx ingest 文件或文件夹... -o 输出文件夹 [选项]".replace(" ", "") in text
    assert (
        "-o,--output输出文件夹输出文件夹：每份通过的报表一个JSON，另有report.json。（必填）" in text
    )
    assert "-j,--jobs进程数并行进程数；0表示按CPU核数。（默认：0）" in text
    assert "-h,--help显示本帮助后退出。" in text
    assert "gongkai-xlsxingest报表/-o结果/" in text  # the example


def test_the_program_without_a_command_shows_its_help_on_stderr() -> None:
    result = run()
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == run("-h").stdout
    assert_chinese(result.stderr)


@pytest.mark.parametrize("columns", ["40", "60", "200"])
def test_help_fits_the_terminal_and_never_breaks_a_word(
    columns: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    width = max(40, min(100, int(columns) - 1))
    for command in COMMANDS:
        text = run(command, "-h").stdout
        described, _, examples = text.partition("\n示例：\n")  # commands stay whole, to copy
        for line in described.splitlines():
            assert text_width(line) <= width + 2, line  # a closing mark may overhang
        assert all(line.startswith(f"  {PROG} {command}") for line in examples.splitlines())
    assert "report.json" in run("ingest", "-h").stdout


# ------------------------------------------------------------------------- usage errors
USAGE_ERRORS = [
    (["ingest", "报表"], "缺少 -o：请指定输出文件夹，例如 gongkai-xlsx ingest 报表/ -o 结果/"),
    (["ingest"], "缺少文件或文件夹，例如 gongkai-xlsx ingest 报表/ -o 结果/"),
    (["ingest", "报表", "-o"], "-o 后面缺少输出文件夹，例如 gongkai-xlsx ingest 报表/ -o 结果/"),
    (
        ["ingest", "报表", "-o", "--year", "2024"],
        "-o 的值“--year”不对：--year 是一个选项；请在 -o 后面写出输出文件夹。",
    ),
    (["ingest", "报表", "-o", "结果", "--jbos", "2"], "没有选项 --jbos，您是不是要用 --jobs？"),
    (["ingest", "报表", "-o", "结果", "-j", "-1"], "-j 的值“-1”不对：请写 0 或正整数，例如 4。"),
    (["ingest", "报表", "-o", "结果", "-j", "abc"], "-j 的值“abc”不对：请写 0 或正整数，例如 4。"),
    (
        ["ingest", "报表", "-o", "结果", "--agency", "某局"],
        "gongkai-xlsx ingest 没有选项 --agency，这是 new 命令的选项。",
    ),
    (["nwe", "2024"], "没有命令“nwe”，您是不是要用 new？"),
    (["2024"], "没有命令“2024”。生成模板请写 gongkai-xlsx new 2024。"),
    (
        ["report"],
        "没有命令“report”。可用的命令：new、schema、check、annotate、ingest、aggregate、render、ui。",
    ),
    (["new"], "缺少年度，例如 gongkai-xlsx new 2024"),
    (["new", "abc"], "年度“abc”不对：请写四位数的年份，例如 2024。"),
    (["new", "24"], "年度“24”不对：请写四位数的年份，例如 2024。"),
    (["new", "0"], "年度“0”不对：请写四位数的年份，例如 2024。"),
    (["schema", "二〇二四"], "年度“二〇二四”不对：请写四位数的年份，例如 2024。"),
    (["check", "--year", "24", "a.xlsx"], "--year 的值“24”不对：请写四位数的年份，例如 2024。"),
    (
        ["new", "2024", "某局"],
        "多出了“某局”，gongkai-xlsx new 不需要它。写法例如 gongkai-xlsx new 2024",
    ),
    (
        ["check", "我的", "报表.xlsx"],
        "多出了“报表.xlsx”，gongkai-xlsx check 不需要它；文件名中有空格时，请用英文双引号把整个名称括起来。"
        "写法例如 gongkai-xlsx check 某县交通运输局.xlsx",
    ),
    (["check"], "缺少报表文件，例如 gongkai-xlsx check 某县交通运输局.xlsx"),
    (["check", "a.xlsx", "--json=yes"], "--json 后面不带值，只写 --json 即可。"),
    (["new", "2024", "-x"], "没有选项 -x。"),
    (["new", "2024", "--outpt", "t.xlsx"], "没有选项 --outpt，您是不是要用 --output？"),
    (["--bogus"], "没有选项 --bogus。"),
    (
        ["--agency", "某局", "new", "2024"],
        '选项 --agency 要写在命令之后（new 命令有这个选项），例如 gongkai-xlsx new 2024 --agency "某县交通运输局"',
    ),
    (
        ["ingest", "报表/", "-o", "结果/", "--annotate"],
        "--annotate 后面缺少文件夹，例如 gongkai-xlsx ingest 报表/ -o 结果/ --annotate 退回/",
    ),
    (
        ["annotate", "a.xlsx"],
        "缺少 -o：请指定输出文件或文件夹，例如 gongkai-xlsx annotate 报表/某县交通运输局.xlsx -o 退回/",
    ),
    (["render"], "缺少JSON文件，例如 gongkai-xlsx render 结果/某县民政局_2024.json"),
    (
        ["aggregate"],
        "缺少文件或文件夹，例如 gongkai-xlsx aggregate 结果/ -o 某县_2024_汇总.json --name 某县",
    ),
    (
        ["new", "2024", "\u202e某局"],
        "多出了“\\u202e某局”，gongkai-xlsx new 不需要它。写法例如 gongkai-xlsx new 2024",
    ),
]


@pytest.mark.parametrize(
    ("args", "message"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS]
)
def test_each_usage_error_in_chinese_with_exit_code_2(args: list[str], message: str) -> None:
    result = run(*args)
    command = next((a for a in args if a in COMMANDS), None)
    hint = (
        f"查看说明：{PROG} {command} -h"
        if command and args[0] == command
        else f"查看说明：{PROG} -h"
    )
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"错误：{message}\n{hint}\n"
    assert_chinese(result.stderr, typed=args)


VALUE_OPTIONS = [
    (name, option.opts[0])
    for name, command in PROGRAM.commands.items()  # type: ignore[attr-defined]
    for option in command.params
    if option.opts[0].startswith("-") and not option.is_flag and not option.hidden
]


@pytest.mark.parametrize(("command", "option"), VALUE_OPTIONS)
def test_an_options_example_shows_that_option(command: str, option: str) -> None:
    """The defect: ``ingest … --annotate`` without its folder gave an example without
    --annotate. Every option that takes a value, given none, is shown in an example."""
    result = run(command, option)
    assert result.exit_code == 2
    message = result.stderr.splitlines()[0]
    assert message.startswith(f"错误：{option} 后面缺少"), message
    example = message.split("，例如 ", 1)[1]
    assert example.startswith(f"{PROG} {command} ")
    assert option in example.split(), message


def test_a_usage_error_reads_the_same_from_the_console_script(tmp_path: Path) -> None:
    proc = subprocess.run(
        [console_script(), "ingest", "报表"],
        cwd=tmp_path,
        capture_output=True,
        env=child_env(PYTHONIOENCODING="utf-8"),
        timeout=120,
        check=False,
    )
    assert (proc.returncode, proc.stdout) == (2, b"")
    assert proc.stderr.decode("utf-8") == run("ingest", "报表").stderr


def test_values_are_converted_without_pydantic(tmp_path: Path, fill: Filler) -> None:
    """typer would convert values through pydantic (English messages, ~100 ms of import);
    every parameter of every command is converted by the terminal layer instead: with
    pydantic made unimportable, each command still runs as it does normally."""
    fill(GOOD_VALUES, name="r.xlsx")
    script = (
        "import sys\nsys.modules['pydantic'] = None\nfrom gongkai_xlsx.cli import main\nmain()\n"
    )
    runs = [
        (["new", "2024", "-o", "t.xlsx", "--agency", "某局", "--password", "x", "--force"], 0),
        (["new", "abc"], 2),
        (["schema", "2024"], 0),
        (["check", "r.xlsx", "--year", "2024", "--json"], 0),
        (["ingest", "r.xlsx", "-o", "out", "-j", "1", "-v", "--year", "2024"], 0),
        (["annotate", "r.xlsx", "-o", "marked.xlsx", "--year", "2024", "--force"], 0),
        (["aggregate", "out", "-o", "s.json", "--name", "某县"], 0),
        (["render", "s.json", "--to", "docx", "-o", "s.docx", "--date", "2025-01-06"], 0),
        (["--version"], 0),
        (["-h"], 0),
    ]
    for args, code in runs:
        proc = subprocess.run(
            [sys.executable, "-c", script, *args],
            cwd=tmp_path,
            capture_output=True,
            timeout=120,
            check=False,
        )
        stderr = proc.stderr.decode("utf-8")
        assert "Traceback" not in stderr and "内部出错" not in stderr, (args, stderr)
        assert proc.returncode == code, (args, stderr)


def test_ctrl_c_and_end_of_input_are_said_in_chinese(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(api_new, "new_template", interrupted)
    result = run("new", "2024")
    assert (result.exit_code, result.stdout, result.stderr) == (130, "", "已中断。\n")

    def end_of_input(*_args: object, **_kwargs: object) -> Path:
        raise EOFError

    monkeypatch.setattr(api_new, "new_template", end_of_input)
    result = run("new", "2024")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "\n已取消。\n")


def test_an_unforeseen_error_is_one_chinese_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = ChineseTyper(help="测试。")

    @app.command("boom", examples=["gongkai-xlsx boom"])
    def boom() -> None:
        """出错。"""
        raise RuntimeError("坏了")

    @app.command("full")
    def full() -> None:
        """磁盘满。"""
        raise OSError(28, "No space left on device", "结果/report.json")

    monkeypatch.delenv("GONGKAI_TRACEBACK", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        run_program(app, ["boom"])
    assert exit_info.value.code == 3  # its own code: not 1, which says a return has errors
    assert capsys.readouterr().err == (
        "错误：gongkai-xlsx 内部出错，本次操作没有完成。"
        "请把这条信息和所用的命令告诉技术支持人员（RuntimeError: 坏了）。\n"
    )
    with pytest.raises(SystemExit) as exit_info:
        run_program(app, ["full"])
    assert exit_info.value.code == 2  # the disk, not a bug: as the commands' own write errors
    assert capsys.readouterr().err == (
        "错误：结果/report.json：读写文件时出错，本次操作没有完成（磁盘空间不足）。\n"
    )
    monkeypatch.setenv("GONGKAI_TRACEBACK", "1")
    with pytest.raises(RuntimeError, match="坏了"):
        run_program(app, ["boom"])


# --------------------------------------------------------------------------- output
def test_visible_escapes_what_a_terminal_would_not_show() -> None:
    assert visible("某局\n第二行") == "某局\\n第二行"
    assert visible("abc\u202etxt.xlsx") == "abc\\u202etxt.xlsx"
    assert visible("\x1b[31m红") == "\\x1b[31m红"
    assert visible("某\u200b局\t（一）") == "某\\u200b局\\t（一）"
    assert visible("第一批/某县交通局.xlsx") == "第一批/某县交通局.xlsx"
    assert visible("\udcc4\udcb3.xlsx") == "\\udcc4\\udcb3.xlsx"


def gbk_stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="gbk", errors="strict")


def test_echo_never_fails_on_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    out, err = gbk_stream(), gbk_stream()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    echo(f"已生成：{OUTSIDE_GBK}.xlsx\n第二行\u202e")
    echo("错误：\udcc4.xlsx", err=True)
    assert (
        out.buffer.getvalue().decode("gbk")
        == "已生成：\\U00020bb7野家\\u2713.xlsx\n第二行\\u202e\n"
    )
    assert err.buffer.getvalue().decode("gbk") == "错误：\\udcc4.xlsx\n"
    monkeypatch.setattr(sys, "stdout", None)  # pythonw: no console at all
    echo("无处可写")


def test_machine_output_is_utf8_whatever_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out = gbk_stream()
    monkeypatch.setattr(sys, "stdout", out)
    write_utf8('{"agency": "𠮷野家"}\n')
    write_utf8('{"file": "\udcc4"}\n')
    assert out.buffer.getvalue() == '{"agency": "𠮷野家"}\n{"file": "\\udcc4"}\n'.encode()


# --------------------------------------------------- subprocesses: GBK output, pipes
def cli_gbk(
    *args: str, cwd: Path, stdout: object = subprocess.PIPE
) -> subprocess.CompletedProcess[bytes]:
    """The console script with output encoded as a Chinese Windows PC encodes it when
    redirected (GBK), output piped."""
    return subprocess.run(
        [console_script(), *args],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=child_env(PYTHONIOENCODING="gbk"),
        timeout=300,
        check=False,
    )


def no_traceback(proc: subprocess.CompletedProcess[bytes]) -> str:
    stderr = proc.stderr.decode("gbk")
    assert "Traceback" not in stderr and "Error" not in stderr, stderr
    return stderr


@pytest.fixture
def returns(tmp_path: Path, form: Form, layout: Layout) -> Path:
    """A folder with a good return of agency 𠮷野家✓ saved as ✓报表.xlsx."""
    template = tmp_path / "template.xlsx"
    write_template(form, TemplateOptions(year=2024, agency=OUTSIDE_GBK), template)
    folder = tmp_path / "报表"
    folder.mkdir()
    fill_with_openpyxl(layout, template, folder / "✓报表.xlsx", GOOD_VALUES)
    return folder


def test_new_under_gbk_names_the_file_escaped_and_writes_it(tmp_path: Path) -> None:
    proc = cli_gbk("new", "2024", "--agency", OUTSIDE_GBK, cwd=tmp_path)
    assert proc.returncode == 0, no_traceback(proc)
    (made,) = tmp_path.glob("*.xlsx")
    assert OUTSIDE_GBK in made.name
    shown = made.name.replace("𠮷", "\\U00020bb7").replace("✓", "\\u2713")
    assert f"已生成 2024 年度填报模板：{shown}" in proc.stdout.decode("gbk")
    assert openpyxl.load_workbook(made)["填报说明"]["B4"].value == OUTSIDE_GBK
    again = cli_gbk("new", "2024", "--agency", OUTSIDE_GBK, cwd=tmp_path)  # exists: an error
    assert again.returncode == 2 and "\\U00020bb7" in no_traceback(again)


def test_ingest_under_gbk_writes_utf8_json(tmp_path: Path, returns: Path) -> None:
    proc = cli_gbk("ingest", str(returns), "-o", "结果", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0
    table = proc.stdout.decode("gbk")
    assert "\\u2713报表.xlsx  \\U00020bb7野家\\u2713" in table
    report = json.loads((tmp_path / "结果" / "report.json").read_bytes().decode("utf-8"))
    assert [r["agency"] for r in report["returns"]] == [OUTSIDE_GBK]
    (document,) = [p for p in (tmp_path / "结果").glob("*.json") if p.name != "report.json"]
    assert json.loads(document.read_bytes().decode("utf-8"))["agency"] == OUTSIDE_GBK


def test_check_under_gbk_and_its_json_in_utf8(tmp_path: Path, returns: Path) -> None:
    file = returns / "✓报表.xlsx"
    proc = cli_gbk("check", str(file), cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0
    head = proc.stdout.decode("gbk").splitlines()[0]
    assert "\\u2713报表.xlsx：通过" in head and "（\\U00020bb7野家\\u2713，2024）" in head
    as_json = cli_gbk("check", str(file), "--json", cwd=tmp_path)
    no_traceback(as_json)
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout.decode("utf-8"))["agency"] == OUTSIDE_GBK
    missing = cli_gbk("check", f"{OUTSIDE_GBK}.xlsx", cwd=tmp_path)
    assert missing.returncode == 2
    assert no_traceback(missing).startswith("错误：\\U00020bb7野家\\u2713.xlsx：")


def test_schema_redirected_under_gbk_is_the_utf8_file(tmp_path: Path) -> None:
    with (tmp_path / "s.json").open("wb") as redirected:
        proc = cli_gbk("schema", "2024", cwd=tmp_path, stdout=redirected)
    no_traceback(proc)
    assert proc.returncode == 0
    assert (tmp_path / "s.json").read_bytes() == SCHEMA.read_bytes()
    bad = cli_gbk("schema", "24", cwd=tmp_path)
    assert bad.returncode == 2
    assert no_traceback(bad).startswith("错误：年度“24”不对：")


def test_a_name_with_a_line_break_or_bidi_override_is_shown_escaped(
    tmp_path: Path, returns: Path
) -> None:
    (returns / "✓报表.xlsx").rename(returns / "甲\u202e局\n.xlsx")
    proc = cli_gbk("ingest", str(returns), "-o", "结果", cwd=tmp_path)
    assert proc.returncode == 0, no_traceback(proc)
    lines = proc.stdout.decode("gbk").splitlines()
    assert any(line.startswith("甲\\u202e局\\n.xlsx  ") for line in lines), lines
    assert not any("\u202e" in line or line.startswith(".xlsx") for line in lines)


def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` having exited before the schema is written
    try:
        proc = cli_gbk("schema", "2024", cwd=tmp_path, stdout=write_end)
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (1, b"")


# ----------------------------------------------------------------- progress and wrap
class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_on_a_terminal_only(monkeypatch: pytest.MonkeyPatch) -> None:
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stderr", piped)
    with progress(3, "正在检查") as advance:
        for _ in range(3):
            advance(object())
    assert piped.getvalue() == ""
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with progress(3, "正在检查") as advance:
        for _ in range(3):
            advance()
    drawn = screen.getvalue()
    assert drawn.startswith("\r正在检查  [------------------------]  0/3 份")
    assert drawn.endswith("\r正在检查  [########################]  3/3 份\n")


def test_progress_line_and_remaining_time_are_chinese() -> None:
    assert progress_line("正在生成", 1, 4, 10.0, "份") == (
        "正在生成  [######------------------]  1/4 份  剩余约 30 秒"
    )
    assert [remaining_text(s) for s in (0.2, 59, 150, 7200)] == [
        "剩余约 1 秒",
        "剩余约 59 秒",
        "剩余约 2 分钟",
        "剩余约 2 小时",
    ]


@pytest.mark.parametrize("width", [12, 20, 33])
def test_wrap_breaks_between_characters_never_inside_words(width: int) -> None:
    text = "只用于 docx：报告正文（UTF-8 文本或 Markdown，以“一、总体情况”为标题分段）；见 report.json。"
    lines = wrap(text, width)
    assert all(text_width(line) <= width + 2 for line in lines)  # closing marks overhang
    assert squashed("".join(lines)) == squashed(text)
    for word in ("docx", "UTF-8", "Markdown", "report.json"):
        assert any(word in line for line in lines), (word, lines)
    assert not any(line[:1] in "，。；：）”" for line in lines)
    assert not any(line[-1:] in "（“" for line in lines)


@pytest.mark.skipif(os.name != "posix", reason="SIGINT is sent to a child process (POSIX)")
@pytest.mark.parametrize("after_ms", [0, 5, 10, 20, 30, 45, 60, 80, 100])
def test_ctrl_c_while_the_program_loads_says_interrupted_without_a_traceback(
    tmp_path: Path, after_ms: int
) -> None:
    """Ctrl-C 0-100 ms after our package is loaded (typer and the library still loading,
    or the command just begun): one Chinese line, exit 130, never a traceback.

    The clock starts when Python reports our package imported (``PYTHONPROFILEIMPORTTIME``
    prints a line as each import ends), not at the process start: before that only the
    interpreter's own start runs, which no program can reach, and its length varies."""
    import signal
    import time

    env = child_env(PYTHONPROFILEIMPORTTIME="1")
    proc = subprocess.Popen(
        [console_script(), "new", "2024", "-o", tmp_path / "t.xlsx"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stderr is not None
    seen = b""
    while seen.split(b"|")[-1].strip() != b"gongkai_xlsx":
        seen = proc.stderr.readline()
        assert seen, "the program ended before its package was imported"
    time.sleep(after_ms / 1000)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    text = err.decode("utf-8", "replace")
    assert "Traceback" not in text and "KeyboardInterrupt" not in text, text
    assert proc.returncode == 130, (proc.returncode, text[-500:])
    assert text.rstrip().endswith("已中断。") or "已中断" in text.splitlines()[-1], text[-500:]
    assert not (tmp_path / "t.xlsx").exists()
