"""What the program loads to answer: ``--help`` and ``new`` import only what they use.

A clerk waits for every start. The help and a template must not pay for the schema
validator (jsonschema, jsonschema_rs), python-docx, the reader or openpyxl, which only
reading, checking and rendering need. Run as processes, as the console script runs,
and read back from ``python -X importtime`` what was imported (a behaviour, not a time).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from child_env import child_env

# Top-level packages (and our own modules) a start must not import.
FORBIDDEN = (
    "jsonschema",
    "jsonschema_rs",
    "docx",
    "openpyxl",
    "lxml",
    "isal",  # the zip layer's deflate engine: imported when a part is first inflated
    "gongkai_xlsx.reader",
    "gongkai_xlsx.canonical",
    "gongkai_xlsx.schema",
    "gongkai_xlsx.render",
    "gongkai_xlsx.ingest",
    "gongkai_xlsx.checks",
    # findings and the roster's statuses: printed by check, ingest, annotate, aggregate
    "gongkai_xlsx.findings",
    "gongkai_xlsx.completeness",
    "gongkai_xlsx.roster",
)


def imported(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime -m gongkai_xlsx ARGS``; the modules it imported."""
    env = child_env()
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "gongkai_xlsx", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert names, proc.stderr  # importtime spoke: the check below means something
    return proc, names


# Modules ``new`` does without (other commands load them).
# The definition is read from the form prepared with the package: no TOML parser.
# A summary's members sheet and its JSON rows: aggregate's, not a template's.
NEW_NEEDS_NOT = (
    "gongkai_xlsx.ooxml",
    "tomllib",
    "gongkai_xlsx.writer.summary_sheet",
    "orjson",
    "json",  # the layout comes prepared with its fingerprint
    # a summary's members (their rows, the roster's completeness, 成员数据's columns)
    "gongkai_xlsx.writer.members",
    "gongkai_xlsx.definition.summary_columns",
    # the status words and the findings' codes: printed by check, ingest, annotate
    "gongkai_xlsx.catalogue",
)


def forbidden_in(names: set[str], forbidden: tuple[str, ...] = FORBIDDEN) -> list[str]:
    return sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))


@pytest.mark.parametrize("args", [["--help"], ["new", "--help"], ["-h"]])
def test_help_imports_no_validator_docx_or_reader(tmp_path: Path, args: list[str]) -> None:
    proc, names = imported(args, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "gongkai-xlsx" in proc.stdout  # the help was printed, in full
    assert "gongkai_xlsx.cli" in names
    assert forbidden_in(names) == []
    # nor the catalogue (the help prints no status word), nor the template writer: the
    # help writes nothing
    assert "gongkai_xlsx.catalogue" not in names
    assert not any(n == "xlsxwriter" or n.startswith("gongkai_xlsx.writer") for n in names)


def test_new_imports_the_writer_and_nothing_it_does_not_use(tmp_path: Path) -> None:
    proc, names = imported(["new", "2024", "--agency", "某县交通运输局"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    written = list(tmp_path.glob("*.xlsx"))
    assert len(written) == 1 and written[0].stat().st_size > 10_000
    assert {"xlsxwriter", "gongkai_xlsx.writer.workbook"} <= names  # it did write
    assert forbidden_in(names) == []
    # xlsxwriter writes the structure lock with the zip: no zip editor is loaded
    assert forbidden_in(names, NEW_NEEDS_NOT) == []


def test_the_other_commands_still_load_what_they_need(tmp_path: Path) -> None:
    """The lazy front door still reaches everything: ``schema`` loads the schema module."""
    proc, names = imported(["schema", "2024"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert '"$schema"' in proc.stdout
    assert "gongkai_xlsx.schema" in names


def test_render_to_html_loads_neither_python_docx_nor_the_pure_python_validator(
    tmp_path: Path,
) -> None:
    """The published tables (.html) of a valid document need no Word library and no
    explaining validator; a Word report loads python-docx, as it must."""
    document = (
        Path(__file__).resolve().parent.parent / "samples" / "expected" / "某县教育局_2024.json"
    )
    proc, names = imported(["render", str(document), "-o", str(tmp_path / "t.html")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "t.html").stat().st_size > 0
    assert "gongkai_xlsx.render" in names and "jsonschema_rs" in names
    assert forbidden_in(names, ("docx", "jsonschema")) == []
    proc, names = imported(["render", str(document), "-o", str(tmp_path / "t.docx")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "docx" in names


def test_every_name_of_the_front_door_loads_from_where_it_is_said_to_live() -> None:
    """The lazy front door lists each name once, with its module: a name added to
    ``__all__`` without its place (or the other way round) fails here, not in a command."""
    from gongkai_xlsx import api

    assert sorted(api.__all__) == sorted(api._WHERE)
    for name in api.__all__:
        value = getattr(api, name)
        assert value is not None, name
        module = importlib.import_module(api._WHERE[name])
        assert getattr(module, name) is value, name


def test_loading_the_commands_leaves_garbage_collection_as_it_was() -> None:
    """The command line and a command behind the front door load with the collector paused
    (their modules live as long as the program): a library user or a test importing them
    finds the collector as it left it, and nothing frozen."""
    env = child_env()
    code = (
        "import gc, sys\n"
        "if sys.argv[1] == 'off': gc.disable()\n"
        "import gongkai_xlsx.cli\n"
        "from gongkai_xlsx import api\n"
        "api.new\n"
        "print(gc.isenabled(), gc.get_freeze_count())\n"
    )
    for state, expected in (("on", "True 0"), ("off", "False 0")):
        proc = subprocess.run(
            [sys.executable, "-c", code, state],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert proc.stdout.split() == expected.split(), proc.stderr


def test_the_program_freezes_what_it_has_loaded(tmp_path: Path) -> None:
    """In the program, what has loaded is frozen: the command line's modules, and the
    writer loaded for ``new`` once it ran; the collector still runs for the rest."""
    code = (
        "import atexit, gc, sys\n"
        "sys.argv = ['gongkai-xlsx', 'new', '2024', '-o', sys.argv[1]]\n"
        "def report():\n"
        "    import gongkai_xlsx.cli.app as a, gongkai_xlsx.writer.workbook as w\n"
        "    live = {id(o) for o in gc.get_objects()}\n"
        "    print(gc.isenabled(), gc.get_freeze_count() > 10_000,\n"
        "          id(vars(a)) in live, id(vars(w)) in live)\n"
        "atexit.register(report)\n"
        "from gongkai_xlsx.cli import main\n"
        "main()\n"
    )
    out = tmp_path / "t.xlsx"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(out)],
        env=child_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert out.stat().st_size > 10_000
    assert proc.stdout.splitlines()[-1].split() == ["True", "True", "False", "False"]


def test_the_program_freezes_the_command_line_as_it_loads() -> None:
    """In the program, the command line's modules are frozen as soon as they have loaded,
    before the collector is back on: the collection that would follow finds nothing of
    them to walk (it took a tenth of ``--help``). A library user's import is the test
    above: nothing frozen."""
    code = (
        "import gc, sys\n"
        "sys.argv = ['gongkai-xlsx', '--help']\n"
        "from gongkai_xlsx.cli.app import app\n"
        "from gongkai_xlsx.terminal.commands import ChineseCommand\n"
        "live = {id(o) for o in gc.get_objects()}\n"
        "print(gc.isenabled(), id(app) in live, id(ChineseCommand) in live)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        env=child_env(),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=True,
    )
    assert proc.stdout.split() == ["True", "False", "False"], proc.stderr
