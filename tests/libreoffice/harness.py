"""LibreOffice Calc as a second application in tests: fill, inspect, re-save, convert.

The project's Python (pyenv or a venv) cannot import ``uno``: Debian's ``python3-uno``
serves only the system interpreter.  So UNO work happens in ``uno_worker.py`` run by
``/usr/bin/python3``, and this module only speaks JSON to it.  ``convert`` needs no UNO
at all: it is the plain ``soffice --convert-to`` a person could run.

Every call starts its own soffice with a fresh private profile, so tests may run in
parallel, and nothing is left running afterwards.  Tests should skip when
``available()`` is false, e.g. ``pytest.mark.skipif(not harness.available(), ...)``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TypedDict

SYSTEM_PYTHON = "/usr/bin/python3"
WORKER = Path(__file__).with_name("uno_worker.py")
TIMEOUT_S = 180.0
"""Per call; the worker is told to give up 30 s earlier, so it can still clean up."""

Value = int | float | str
PathLike = str | os.PathLike[str]

# /org.openoffice.Office.Calc/Formula/Load: 0 = always recalculate on load, 1 = never
# (the default in LibreOffice 7.4's main.xcd: cached results in the file are shown as
# they are), 2 = ask.  OOXMLRecalcMode covers xlsx; ODFRecalcMode does the same for
# .ods input.  The file is the one soffice itself writes into a profile's user/ folder.
_RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">\
<prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class SheetInfo(TypedDict):
    """Protection and visibility of one sheet, as LibreOffice sees them."""

    protected: bool
    visible: bool


class CellInfo(TypedDict):
    """One cell after ``calculateAll()``.

    ``value`` is the number the cell shows, or ``None`` for text, empty and error cells;
    ``string`` is the displayed text; ``formula`` is the formula or the constant
    content, in Calc's API syntax: English function names but ``;`` between arguments
    (``=SUM(1;2)`` for the file's ``SUM(1,2)``); ``type`` is empty/value/text/formula;
    ``error`` is LibreOffice's error code (0 = none).
    """

    sheet: str
    cell: str
    locked: bool
    value: float | None
    string: str
    formula: str
    type: str
    error: int


class Inspection(TypedDict):
    """What ``inspect`` returns: every sheet, plus the cells asked for, in order."""

    sheets: dict[str, SheetInfo]
    cells: list[CellInfo]


class RefusedError(RuntimeError):
    """A fill tried to type into a locked cell of a protected sheet; nothing was saved.

    A subclass of ``RuntimeError`` so ``pytest.raises(RuntimeError)`` also catches it,
    while a test that means "the clerk is stopped" can ask for exactly this.
    """


def _soffice() -> str | None:
    """Locate the soffice launcher."""
    return shutil.which("soffice")


@functools.cache
def available() -> bool:
    """Tell whether soffice and a system Python that can ``import uno`` are present."""
    if _soffice() is None or not os.access(SYSTEM_PYTHON, os.X_OK):
        return False
    try:
        probe = subprocess.run(
            [SYSTEM_PYTHON, "-I", "-c", "import uno"],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


def _call(request: dict[str, Any]) -> dict[str, Any]:
    """Run the worker once and return its answer; raise on any failure.

    ``-I`` keeps the caller's PYTHONPATH/PYTHONHOME (set for the project's interpreter)
    from leaking into the system interpreter; ``uno`` lives in its system site-packages,
    which isolated mode keeps.
    """
    request = {**request, "deadline": TIMEOUT_S - 30}
    try:
        proc = subprocess.run(
            [SYSTEM_PYTHON, "-I", str(WORKER)],
            input=json.dumps(request, ensure_ascii=False),
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(
            f"uno_worker {request['cmd']} timed out after {TIMEOUT_S:.0f} s; "
            f"stderr: {_text(e.stderr)}"
        ) from e
    answer = _last_json_object(proc.stdout)
    if answer is None:
        raise RuntimeError(
            f"uno_worker {request['cmd']} exited {proc.returncode} without an answer; "
            f"stdout: {proc.stdout[-2000:]!r}; stderr: {proc.stderr[-4000:]}"
        )
    if not answer.get("ok"):
        kind = RefusedError if answer.get("refused") else RuntimeError
        raise kind(
            f"uno_worker {request['cmd']} failed: {answer.get('error')}; "
            f"stderr: {proc.stderr[-4000:]}"
        )
    return answer


def _last_json_object(stdout: str) -> dict[str, Any] | None:
    """Parse the worker's answer: the last line of its stdout, if a JSON object."""
    lines = stdout.strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        return None
    return answer if isinstance(answer, dict) else None


def _text(data: str | bytes | None) -> str:
    """Decode whatever a timed-out subprocess left behind."""
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def fill(src: PathLike, dst: PathLike, values: Iterable[Sequence[Value]]) -> None:
    """Fill ``src`` as a clerk in Calc would and save the xlsx at ``dst``.

    ``values`` holds ``(sheet, "D6", value)`` triples: numbers go in with ``setValue``,
    text with ``setString`` (so "12" stays text, and "=1+1" is text, not a formula).
    Raises ``RefusedError`` (nothing is written) if any target is a locked cell on a
    protected sheet: UNO itself would happily overwrite it, a person could not.
    """
    entries = [[str(sheet), str(ref), value] for sheet, ref, value in values]
    _call({"cmd": "fill", "src": os.fspath(src), "dst": os.fspath(dst), "values": entries})


def inspect(src: PathLike, cells: Iterable[Sequence[str]] = ()) -> Inspection:
    """Open ``src`` in Calc, recalculate, and report protection and the given cells."""
    wanted = [[str(sheet), str(ref)] for sheet, ref in cells]
    answer = _call({"cmd": "inspect", "src": os.fspath(src), "cells": wanted})
    return {"sheets": answer["sheets"], "cells": answer["cells"]}


class NoteInfo(TypedDict):
    """One comment (annotation) as Calc shows it."""

    cell: str
    string: str
    author: str
    visible: bool


class MarkedSheet(TypedDict):
    name: str
    protected: bool
    visible: bool
    annotations: list[NoteInfo]


class MarkedCell(TypedDict):
    """``back_color`` is Calc's RGB integer (-1: no fill); ``links`` the hyperlink URLs."""

    sheet: str
    cell: str
    back_color: int
    string: str
    links: list[str]
    locked: bool


class Marks(TypedDict):
    """What ``marks`` returns: the sheets in tab order, the active sheet, the cells."""

    sheets: list[MarkedSheet]
    active: str | None
    cells: list[MarkedCell]


def marks(src: PathLike, cells: Iterable[Sequence[str]] = ()) -> Marks:
    """Open ``src`` in Calc and report its sheets' comments and protection, the active
    sheet, and the fill, text and hyperlinks of the given cells."""
    wanted = [[str(sheet), str(ref)] for sheet, ref in cells]
    answer = _call({"cmd": "marks", "src": os.fspath(src), "cells": wanted})
    return {"sheets": answer["sheets"], "active": answer["active"], "cells": answer["cells"]}


def recalc_save(src: PathLike, dst: PathLike) -> None:
    """Open ``src``, recalculate everything, save an xlsx at ``dst`` (open + save)."""
    _call({"cmd": "recalc_save", "src": os.fspath(src), "dst": os.fspath(dst)})


def convert(src: PathLike, outdir: PathLike, fmt: str = "xlsx", recalc: bool = True) -> Path:
    """Convert ``src`` with ``soffice --convert-to fmt`` and return the new file's path.

    ``fmt`` is what ``--convert-to`` takes: ``xlsx``, ``pdf``, ``ods``, or with an
    explicit filter such as ``xlsx:"Calc MS Excel 2007 XML"``.  With ``recalc=True``
    a private profile makes LibreOffice recalculate formulas on load; without it
    LibreOffice keeps the cached results in the file (xlsxwriter writes 0), which is
    what a default installation shows.  The output is ``outdir/<src stem>.<ext>``; an
    existing file there is replaced, and converting onto ``src`` itself is refused.
    """
    soffice = _soffice()
    if soffice is None:
        raise RuntimeError("soffice is not installed")
    src_path = Path(src).resolve()
    if not src_path.is_file():
        raise FileNotFoundError(src_path)
    out_dir = Path(outdir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    ext = fmt.split(":", 1)[0]
    out = out_dir / f"{src_path.stem}.{ext}"
    if out == src_path:
        raise ValueError(f"converting {src_path} would overwrite it; use another outdir")
    out.unlink(missing_ok=True)  # soffice can exit 0 without writing: don't read a stale file

    with tempfile.TemporaryDirectory(prefix="gk-convert-") as tmp:
        # Convert a private copy: soffice puts a lock file beside what it opens, and a
        # parallel conversion of the same file would then fail.
        copy = Path(tmp) / "in" / src_path.name
        copy.parent.mkdir()
        shutil.copyfile(src_path, copy)
        profile = Path(tmp) / "profile"
        if recalc:
            (profile / "user").mkdir(parents=True)
            (profile / "user" / "registrymodifications.xcu").write_text(
                _RECALC_XCU, encoding="utf-8"
            )
        cmd = [
            soffice,
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            f"-env:UserInstallation={profile.as_uri()}",
            "--convert-to",
            fmt,
            "--outdir",
            str(out_dir),
            str(copy),
        ]
        scratch = Path(tmp) / "tmp"  # soffice's lu*.tmp files, removed with tmp
        scratch.mkdir()
        stdout, stderr, code = _run_group(cmd, TIMEOUT_S, {**os.environ, "TMPDIR": str(scratch)})
    if not out.is_file():
        raise RuntimeError(
            f"soffice --convert-to {fmt} exited {code} without writing {out}; "
            f"stdout: {stdout[-2000:]}; stderr: {stderr[-4000:]}"
        )
    return out


def _run_group(cmd: list[str], timeout: float, env: dict[str, str]) -> tuple[str, str, int]:
    """Run soffice in its own process group and kill that whole group afterwards.

    The soffice script execs oosplash, which forks soffice.bin: killing only the
    child we started would orphan soffice.bin, so a timeout kills the group.
    """
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _killpg(proc.pid)
        stdout, stderr = proc.communicate()
        raise RuntimeError(
            f"{' '.join(cmd)} timed out after {timeout:.0f} s; stderr: {stderr[-4000:]}"
        ) from None
    finally:
        _killpg(proc.pid)
    return stdout, stderr, proc.returncode


def _killpg(pgid: int) -> None:
    """SIGKILL a process group we created; fine when it has already exited."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
