"""LibreOffice Calc as a second application in tests: fill, inspect, re-save, convert,
and ``witness`` (what Calc shows for many files, in one soffice: an oracle for readers).

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


class WitnessRequest(TypedDict, total=False):
    """One file for ``witness``: ``src`` (required), the ``(sheet, A1)`` cells to observe,
    and optionally ``resave_to``, where the file is saved again as xlsx (in the first mode
    only) the way a clerk's plain "save" in Calc would write it."""

    src: PathLike
    cells: Sequence[Sequence[str]]
    resave_to: PathLike


class WitnessCell(TypedDict, total=False):
    """What Calc shows in one cell; see ``witness``."""

    sheet: str
    cell: str
    found: bool
    sheet_name: str
    type: str
    value: float | str
    string: str
    formula: str
    result: str | None
    error: int
    format: str | None
    merge: str | None
    covered: bool
    error_text: str


class WitnessSheet(TypedDict):
    """One sheet of a loaded file, in the workbook's order."""

    name: str
    visible: bool
    protected: bool


class WitnessObservation(TypedDict, total=False):
    """One file in one mode; see ``witness``."""

    loaded: bool
    error: str | None
    sheets: list[WitnessSheet]
    cells: list[WitnessCell]
    resaved_to: str
    crashed: bool


class WitnessResult(TypedDict):
    """One file: its path and an observation per mode (``default``, ``recalc``)."""

    src: str
    modes: dict[str, WitnessObservation]


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


def _call(request: dict[str, Any], timeout_s: float = TIMEOUT_S) -> dict[str, Any]:
    """Run the worker once and return its answer; raise on any failure.

    ``-I`` keeps the caller's PYTHONPATH/PYTHONHOME (set for the project's interpreter)
    from leaking into the system interpreter; ``uno`` lives in its system site-packages,
    which isolated mode keeps.
    """
    request = {**request, "deadline": timeout_s - 30}
    try:
        proc = subprocess.run(
            [SYSTEM_PYTHON, "-I", str(WORKER)],
            input=json.dumps(request, ensure_ascii=False),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise RuntimeError(
            f"uno_worker {request['cmd']} timed out after {timeout_s:.0f} s; "
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


WITNESS_MODES = ("default", "recalc")


def witness(
    files: Sequence[WitnessRequest],
    modes: Sequence[str] = WITNESS_MODES,
    per_file_timeout_s: float = 60.0,
    timeout_s: float | None = None,
) -> list[WitnessResult]:
    """Open many files in ONE soffice and report what LibreOffice Calc shows in each.

    Nothing is typed or recalculated by the caller: each file is loaded as a person would
    open it, once per mode. ``default`` is LibreOffice 7.4's own load setting (cached
    formula results in the file are shown as they are); ``recalc`` recalculates every
    formula on load (the setting ``convert(recalc=True)``'s profile makes). The setting
    is switched in the running soffice, so all files and both modes share one start.

    Returns one ``WitnessResult`` per file, in order::

        {"src": "/path/x.xlsx",
         "modes": {"default": {
             "loaded": True, "error": None,
             "sheets": [{"name": "依申请公开", "visible": True, "protected": True}, ...],
             "cells": [{"sheet": "依申请公开", "cell": "D6", "found": True,
                        "sheet_name": "依申请公开",  # the sheet that answered
                        "type": "value",       # empty | value | text | formula
                        "value": 12.0,         # getValue(): 0.0 for text/empty
                        "string": "12",        # getString(): the displayed text
                        "formula": "12",       # content in Calc API syntax
                        "result": None,        # formula result: value | text | error
                        "error": 0,            # getError(), 0 = none
                        "format": "#,##0",     # number format code applied
                        "merge": None,         # e.g. "D6:E6" when inside a merge
                        "covered": False},     # inside a merge, not its top-left
                       ...]},
                   "recalc": {...}}}

    A cell on a sheet that does not exist has ``found: False`` and nothing else. A file
    that does not load has ``loaded: False`` and the loader's ``error``; one that crashes
    or hangs soffice (``per_file_timeout_s``) also has ``crashed: True``, and the next
    file gets a fresh soffice. Non-finite values are given as text (``"nan"``).
    ``timeout_s`` bounds the whole call (default: 90 s plus 5 s per file and mode).
    Raises ``RuntimeError`` only when the batch itself fails (soffice does not start).
    """
    entries: list[dict[str, Any]] = []
    for f in files:
        entry: dict[str, Any] = {
            "src": os.fspath(f["src"]),
            "cells": [[str(sheet), str(ref)] for sheet, ref in f.get("cells", ())],
        }
        if "resave_to" in f:
            entry["resave_to"] = os.fspath(f["resave_to"])
        entries.append(entry)
    if timeout_s is None:
        timeout_s = 90.0 + 5.0 * len(entries) * len(modes)
    answer = _call(
        {
            "cmd": "witness",
            "files": entries,
            "modes": list(modes),
            "per_file_timeout": per_file_timeout_s,
        },
        timeout_s=timeout_s,
    )
    return answer["files"]


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
