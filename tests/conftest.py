"""Shared fixtures: the 2021 form, generated templates, and a clerk who fills them with
openpyxl (fast enough for property-based tests; LibreOffice fills live in
test_libreoffice.py)."""

from __future__ import annotations

import os
import re
import shutil
import sys
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula
from typer.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).parent))  # `from libreoffice import harness`
# The reader's last-resort guard turns an unforeseen exception into a finding; in tests it
# re-raises, so that no bug hides behind "file-corrupt".
os.environ.setdefault("GONGKAI_READER_STRICT", "1")

from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.cli import app
from gongkai_xlsx.definition import Form, load_form
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.layout import Layout, layout_of
from gongkai_xlsx.writer import TemplateOptions, write_template

SEED_AGENCY = "互助县城市管理综合行政执法局"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip LibreOffice tests where there is none, except where it is required (CI)."""
    from libreoffice import harness

    if harness.available():
        return
    if os.environ.get("GONGKAI_REQUIRE_LIBREOFFICE"):
        raise pytest.UsageError("LibreOffice (soffice + python3-uno) is required but missing")
    skip = pytest.mark.skip(reason="LibreOffice Calc with python3-uno is not installed")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)


def saved_at(path: Path, when: str) -> None:
    """Set the workbook's saved time (docProps/core.xml's dcterms:modified): with equal
    file times, versions that nothing orders (:mod:`gongkai_xlsx.ingest.versions`)."""
    with zipfile.ZipFile(path) as z:
        members = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + when.encode() + rb"\g<2>",
                    data,
                )
            z.writestr(info, data)


@pytest.fixture(scope="session")
def form() -> Form:
    return load_form("gk2021")


@pytest.fixture(scope="session")
def layout(form: Form) -> Layout:
    return layout_of(form)


@pytest.fixture(scope="session")
def template_2024(tmp_path_factory: pytest.TempPathFactory, form: Form) -> Path:
    path = tmp_path_factory.mktemp("templates") / "template.xlsx"
    write_template(form, TemplateOptions(year=2024, agency=SEED_AGENCY), path)
    return path


@pytest.fixture(scope="session")
def blank_template_2024(tmp_path_factory: pytest.TempPathFactory, form: Form) -> Path:
    path = tmp_path_factory.mktemp("templates") / "blank.xlsx"
    write_template(form, TemplateOptions(year=2024), path)
    return path


def b_columns(form: Form) -> list[str]:
    return [
        ".".join(c.key_path()) for c in form.table("b").blocks[0].column_leaves() if not c.total
    ]


def balanced(form: Form, values: dict[str, object]) -> dict[str, object]:
    """Make B1 hold in every column by choosing 四（结转下年度） (or raising 二 when needed)."""
    values = dict(values)
    for col in b_columns(form):
        totals = with_totals(form, values)
        left = (totals[f"b.received.{col}"] or 0) + (totals[f"b.carried_over.{col}"] or 0)
        results = totals[f"b.results_total.{col}"] or 0
        if left >= results:
            values[f"b.carried_forward.{col}"] = left - results
        else:
            values[f"b.carried_over.{col}"] = (values.get(f"b.carried_over.{col}") or 0) + (
                results - left
            )
            values[f"b.carried_forward.{col}"] = 0
    return values


Filler = Callable[..., Path]


def console_script() -> str:
    """The installed ``gongkai-xlsx`` next to this interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / "gongkai-xlsx"
    found = str(beside) if beside.is_file() else shutil.which("gongkai-xlsx")
    assert found, "the gongkai-xlsx console script is not installed"
    return found


def run(*args: str | os.PathLike[str]) -> Result:
    """Invoke the CLI in-process; whatever happens, never a Python traceback. It goes
    through the program's own ``main`` (``ChineseGroup.main``), as the console script does,
    so help and usage errors are the Chinese people see; only the console script's last
    guard (:func:`gongkai_xlsx.terminal.run`) is not in the way of a bug."""
    result = CliRunner().invoke(app, [os.fspath(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.output,
        result.exc_info,
    )
    return result


def formula_of(value: object) -> str | None:
    """The formula of a cell as openpyxl loads it (a string, or an ArrayFormula object for
    the template's array formulas), None for a value."""
    if isinstance(value, ArrayFormula):
        return value.text
    if isinstance(value, str) and value.startswith("="):
        return value
    return None


def fill_with_openpyxl(
    layout: Layout,
    template: Path,
    dest: Path,
    values: Mapping[str, Any],
    fields: Mapping[str, Any] | None = None,
    raw: Mapping[tuple[str, str], Any] | None = None,
) -> Path:
    """Type ``values`` ({cell id: value}) and cover ``fields`` into a copy of ``template``.

    ``raw`` writes arbitrary cells ({(sheet, A1): value}), for tampering tests.
    """
    wb = openpyxl.load_workbook(template)
    for cell_id, value in values.items():
        sheet, r, c = layout.cell_positions[cell_id]
        wb[sheet][to_a1(r, c)] = value
    for key, value in (fields or {}).items():
        sheet, r, c = layout.field_positions[key]
        wb[sheet][to_a1(r, c)] = value
    for (sheet, ref), value in (raw or {}).items():
        wb[sheet][ref] = value
    wb.save(dest)
    return dest


@pytest.fixture
def fill(layout: Layout, template_2024: Path, tmp_path: Path) -> Filler:
    """fill(values, fields=None, raw=None, name="return.xlsx", template=None) → path."""

    def _fill(
        values: Mapping[str, Any],
        fields: Mapping[str, Any] | None = None,
        raw: Mapping[tuple[str, str], Any] | None = None,
        name: str = "return.xlsx",
        template: Path | None = None,
    ) -> Path:
        return fill_with_openpyxl(
            layout, template or template_2024, tmp_path / name, values, fields, raw
        )

    return _fill


_CODECS = (
    "utf-8",
    "utf-8-sig",
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "gbk",
    "gb18030",
    "cp437",
    "ascii",
    "latin-1",
    "idna",
)


def as_nobody(func: Callable[[], object]) -> str:
    """``str(func())`` computed as ``nobody`` (root reads any file, and CI runs as root): in
    a forked child that gave up root, its exception's repr if it raised. Not root: in this
    process. The interpreter is already loaded, so nothing is exec'd from folders nobody
    cannot enter; what a worker pool needs to start is imported before giving up root."""
    if os.geteuid() != 0:
        return str(func())
    import codecs
    import multiprocessing.popen_fork
    import multiprocessing.synchronize  # noqa: F401

    # nobody cannot read the interpreter's library either, and codecs load on first use:
    # every codec the package may look up is loaded here, whatever ran before this test
    for name in _CODECS:
        codecs.lookup(name)

    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.setgid(65534)
            os.setuid(65534)
            os.write(write_end, str(func()).encode())
        except BaseException as exc:
            os.write(write_end, repr(exc).encode())
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        answer = fh.read().decode()
    os.waitpid(pid, 0)
    return answer
