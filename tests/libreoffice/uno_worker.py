"""Drive a headless LibreOffice Calc over UNO on behalf of the test harness.

Run with the SYSTEM interpreter (``/usr/bin/python3``): Debian's ``python3-uno``
installs the ``uno`` bridge only there, never into a virtual environment or a pyenv
Python.  The test suite therefore talks to this script through JSON on stdin/stdout
(see ``harness.py``) instead of importing ``uno`` itself.

Commands (one JSON object on stdin, one JSON object on stdout):

``{"cmd": "fill", "src": P, "dst": P, "values": [[sheet, "D6", 12], ...]}``
    Open ``src``, act as a clerk typing the values, recalculate, save xlsx at ``dst``.
    A clerk cannot type into a locked cell of a protected sheet, but UNO writes ignore
    sheet protection (seen with LibreOffice 7.4), so the refusal is checked here, for
    every entry, before anything is written; a refused fill writes no ``dst``.
``{"cmd": "inspect", "src": P, "cells": [[sheet, "A1"], ...]}``
    Report every sheet's protection and, after ``calculateAll()``, each cell's lock
    state, number, displayed text and formula.
``{"cmd": "recalc_save", "src": P, "dst": P}``
    Open, recalculate and save, the way a clerk opens a file and saves it again.
``{"cmd": "witness", "files": [{"src": P, "cells": [[sheet, "A1"], ...], "resave_to": P?}],
"modes": ["default", "recalc"], "per_file_timeout": 60}``
    Open many files in one soffice and report what Calc shows, without changing or
    recalculating anything: per mode (``default``: LibreOffice's own load setting, cached
    formula results kept; ``recalc``: formulas recalculated on load, as with the harness's
    recalc profile) and per file, whether it loaded and, for each cell, its value, displayed
    text, type, formula, error code, number format and merge state.  A file that crashes or
    hangs soffice is reported as not loaded and the next file gets a fresh soffice.  See
    ``harness.witness`` for the answer's shape.
``{"cmd": "marks", "src": P, "cells": [[sheet, "A1"], ...]}``
    What a marked copy shows: every sheet in tab order with its protection, visibility
    and comments (``getAnnotations()``: cell, text, author), the active sheet, and each
    asked-for cell's background colour, text and hyperlink URLs.

Every invocation starts its own soffice with a unique pipe name and a fresh private
profile, so several workers can run at once, and always kills that soffice and deletes
the profile before exiting.  The answer is ``{"ok": true, ...}`` or
``{"ok": false, "error": "...", "refused": bool}``; ``refused`` is true only when a fill
was turned down because it would type into a locked cell of a protected sheet.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import Any, Self, TypeAlias

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

CONNECT_TIMEOUT_S = 60.0
"""How long soffice may take to accept the pipe connection (a fresh profile is slow)."""

DEFAULT_DEADLINE_S = 150.0
"""Whole-run limit; below the harness's 180 s so cleanup runs before it kills us."""

XLSX_FILTER = "Calc MS Excel 2007 XML"

Uno: TypeAlias = Any
"""A pyuno proxy (document, sheet, cell...): pyuno ships no type information."""

# com.sun.star.table.CellContentType and com.sun.star.sheet.FormulaResult, as plain
# values: comparing enum objects through pyuno is clumsier than comparing their names.
_TYPE_NAMES = {"EMPTY": "empty", "VALUE": "value", "TEXT": "text", "FORMULA": "formula"}
_FORMULA_RESULT_VALUE = 1


class RefusedError(Exception):
    """The clerk could not do this in Calc (locked cell on a protected sheet)."""


class WorkerError(Exception):
    """Bad request or a LibreOffice failure; reported as ``{"ok": false}``."""


def _prop(name: str, value: Uno) -> Uno:
    """Build a ``com.sun.star.beans.PropertyValue`` (UNO's keyword argument)."""
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


def _file_url(path: str) -> str:
    """Turn a filesystem path into the file URL that UNO loaders expect."""
    return str(uno.systemPathToFileUrl(str(Path(path).resolve())))


class Office:
    """One private headless soffice: started on enter, always killed on exit."""

    def __init__(self, deadline_s: float) -> None:
        """Prepare a unique pipe name and a fresh profile folder for this run only."""
        self.base = Path(tempfile.mkdtemp(prefix="gk-uno-"))
        self.profile = self.base / "profile"
        self.log_path = self.base / "soffice.log"
        self.pipe = f"gk_uno_{uuid.uuid4().hex}"
        self.deadline_s = deadline_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.desktop: Uno = None
        self.ctx: Uno = None
        self._watchdog: threading.Timer | None = None
        self.expired = False

    def __enter__(self) -> Self:
        """Start soffice and connect to it, retrying while it boots."""
        soffice = shutil.which("soffice") or "/usr/lib/libreoffice/program/soffice"
        # soffice keeps its scratch files (lu*.tmp) under TMPDIR: pointing that into
        # our folder means even a killed soffice leaves nothing behind in /tmp.
        tmpdir = self.base / "tmp"
        tmpdir.mkdir()
        env = {**os.environ, "TMPDIR": str(tmpdir)}
        with self.log_path.open("wb") as log:
            # A new session makes soffice (a shell script exec'ing oosplash, which forks
            # soffice.bin) its own process group, so one killpg reaches every process
            # of it and none of ours.  Its output must never reach our stdout (JSON).
            self.proc = subprocess.Popen(
                [
                    soffice,
                    "--headless",
                    "--invisible",
                    "--nologo",
                    "--norestore",
                    f"--accept=pipe,name={self.pipe};urp;",
                    f"-env:UserInstallation={self.profile.as_uri()}",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        # A UNO call blocked on a hung soffice never returns to Python, so signals and
        # timeouts in the main thread cannot help: killing soffice from a timer thread
        # breaks the bridge, the call raises, and the normal cleanup runs.
        self._watchdog = threading.Timer(self.deadline_s, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()
        try:
            self.desktop = self._connect()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _connect(self) -> Uno:
        """Resolve the remote component context; soffice needs seconds to listen."""
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local
        )
        url = f"uno:pipe,name={self.pipe};urp;StarOffice.ComponentContext"
        start = time.monotonic()
        while True:
            try:
                ctx = resolver.resolve(url)
                break
            except NoConnectException:
                if self.proc is not None and self.proc.poll() is not None:
                    raise WorkerError(
                        f"{self.why()}soffice exited with {self.proc.returncode} before accepting "
                        f"a connection: {self.log_tail()}"
                    ) from None
                if time.monotonic() - start > CONNECT_TIMEOUT_S:
                    raise WorkerError(
                        f"soffice did not accept a connection within "
                        f"{CONNECT_TIMEOUT_S:.0f} s: {self.log_tail()}"
                    ) from None
                time.sleep(0.1)
        self.ctx = ctx
        return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)

    def log_tail(self, limit: int = 2000) -> str:
        """Return the end of soffice's own output, for error messages."""
        try:
            return self.log_path.read_text(errors="replace")[-limit:].strip() or "(no output)"
        except OSError:
            return "(no log)"

    def _expire(self) -> None:
        """Watchdog: the run took longer than its deadline, so end soffice now."""
        self.expired = True
        self.kill()

    def why(self) -> str:
        """Explain a failure that the watchdog caused, or nothing."""
        return (
            f"deadline of {self.deadline_s:g} s reached, soffice killed; " if self.expired else ""
        )

    def alive(self) -> bool:
        """Tell whether soffice is still running (a crash or a watchdog kill ends it)."""
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL soffice's whole process group; harmless when it is already gone."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    def __exit__(self, *exc: object) -> None:
        """Ask the desktop to quit, then kill soffice anyway and drop the profile."""
        if self._watchdog is not None:
            self._watchdog.cancel()
        try:
            if self.desktop is not None:
                # terminate() tears the bridge down under our feet: whatever it raises
                # (DisposedException, RuntimeException) only says that it worked.
                with contextlib.suppress(Exception):
                    self.desktop.terminate()
                self.desktop = None
            if self.proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=10)
        finally:
            self.kill()
            if self.proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(timeout=10)
            shutil.rmtree(self.base, ignore_errors=True)
            # LibreOffice puts pipe sockets in /tmp whatever TMPDIR says; a soffice that
            # had to be killed leaves ours behind (and its SingleOfficeIPC one, whose
            # name we cannot know).
            Path(f"/tmp/OSL_PIPE_{os.getuid()}_{self.pipe}").unlink(missing_ok=True)

    def load(self, path: str) -> Uno:
        """Open a private copy of a spreadsheet, hidden; refuse non-Calc documents.

        Loading ``path`` itself would put a ``.~lock.NAME#`` file beside it, and a
        second soffice opening the same file at the same time (parallel tests sharing
        a template) then fails to load it.  A copy in our own folder avoids both.
        """
        source = Path(path)
        if not source.is_file():
            raise WorkerError(f"no such file: {path}")
        copy = self.base / "in" / source.name
        copy.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, copy)
        doc = self.desktop.loadComponentFromURL(
            _file_url(str(copy)), "_blank", 0, (_prop("Hidden", True),)
        )
        if doc is None:
            raise WorkerError(f"LibreOffice could not open {path}")
        if not doc.supportsService("com.sun.star.sheet.SpreadsheetDocument"):
            close(doc)
            raise WorkerError(f"{path} did not open as a spreadsheet")
        return doc


def close(doc: Uno) -> None:
    """Close a document, discarding changes; fall back to dispose on a veto."""
    try:
        doc.close(True)
    except Exception:  # CloseVetoException or a dead bridge
        with contextlib.suppress(Exception):
            doc.dispose()


def store_xlsx(doc: Uno, dst: str) -> None:
    """Save a copy as xlsx with the same filter a clerk's "Keep current format" uses."""
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    doc.storeToURL(_file_url(dst), (_prop("FilterName", XLSX_FILTER), _prop("Overwrite", True)))


def get_sheet(doc: Uno, name: object) -> Uno:
    """Look a sheet up by name, with an error that lists the ones that exist."""
    sheets = doc.Sheets
    if not isinstance(name, str) or not sheets.hasByName(name):
        raise WorkerError(f"no sheet {name!r}; sheets are {list(sheets.ElementNames)!r}")
    return sheets.getByName(name)


def get_cell(sheet: Uno, ref: object) -> Uno:
    """Resolve an A1 reference ("D6", "$D$6") to exactly one cell."""
    if not isinstance(ref, str) or not ref:
        raise WorkerError(f"bad cell reference {ref!r}")
    try:
        rng = sheet.getCellRangeByName(ref)
    except Exception as e:  # IllegalArgumentException or RuntimeException
        raise WorkerError(f"bad cell reference {ref!r}: {e}") from None
    addr = rng.RangeAddress
    if addr.StartColumn != addr.EndColumn or addr.StartRow != addr.EndRow:
        raise WorkerError(f"{ref!r} is a range, not one cell")
    return rng.getCellByPosition(0, 0)


def is_locked(cell: Uno) -> bool:
    """Report the cell's Protection > Protected flag (what Excel calls Locked)."""
    return bool(cell.CellProtection.IsLocked)


def cmd_fill(office: Office, req: dict[str, Any]) -> dict[str, Any]:
    """Type values like a clerk; refuse locked cells on protected sheets; save."""
    src, dst = _path(req, "src"), _path(req, "dst")
    entries = req.get("values")
    if not isinstance(entries, list):
        raise WorkerError("'values' must be a list of [sheet, cell, value]")
    doc = office.load(src)
    try:
        planned: list[tuple[Uno, object]] = []
        refused: list[str] = []
        # Check everything first: a fill that is refused anywhere writes nothing.
        for entry in entries:
            match entry:
                case [sheet_name, ref, value]:
                    pass
                case _:
                    raise WorkerError(f"bad entry {entry!r}: want [sheet, cell, value]")
            if isinstance(value, bool) or not isinstance(value, int | float | str):
                raise WorkerError(f"{sheet_name}!{ref}: value {value!r} is not a number or text")
            if isinstance(value, float) and not math.isfinite(value):
                raise WorkerError(f"{sheet_name}!{ref}: value {value!r} is not finite")
            sheet = get_sheet(doc, sheet_name)
            cell = get_cell(sheet, ref)
            if sheet.isProtected() and is_locked(cell):
                refused.append(f"{sheet_name}!{ref}")
            planned.append((cell, value))
        if refused:
            raise RefusedError(
                "cell is locked on a protected sheet, a clerk cannot type there: "
                + ", ".join(refused)
            )
        for cell, value in planned:
            if isinstance(value, str):
                cell.setString(value)
            else:
                cell.setValue(float(value))  # type: ignore[arg-type]
        doc.calculateAll()
        store_xlsx(doc, dst)
    finally:
        close(doc)
    return {"ok": True}


def cmd_inspect(office: Office, req: dict[str, Any]) -> dict[str, Any]:
    """Report protection of every sheet and the state of the asked-for cells."""
    src = _path(req, "src")
    wanted = req.get("cells", [])
    if not isinstance(wanted, list):
        raise WorkerError("'cells' must be a list of [sheet, cell]")
    doc = office.load(src)
    try:
        doc.calculateAll()
        sheets: dict[str, dict[str, Any]] = {}
        for name in doc.Sheets.ElementNames:
            sheet = doc.Sheets.getByName(name)
            sheets[name] = {
                "protected": bool(sheet.isProtected()),
                "visible": bool(sheet.IsVisible),
            }
        cells: list[dict[str, Any]] = []
        for entry in wanted:
            match entry:
                case [sheet_name, ref]:
                    pass
                case _:
                    raise WorkerError(f"bad entry {entry!r}: want [sheet, cell]")
            cell = get_cell(get_sheet(doc, sheet_name), ref)
            cells.append({"sheet": sheet_name, "cell": ref, **describe(cell)})
    finally:
        close(doc)
    return {"ok": True, "sheets": sheets, "cells": cells}


def describe(cell: Uno) -> dict[str, Any]:
    """Summarise one cell; ``value`` is null unless the cell shows a number."""
    kind = _TYPE_NAMES.get(cell.getType().value, "unknown")
    numeric = kind == "value" or (
        kind == "formula" and cell.FormulaResultType2 == _FORMULA_RESULT_VALUE
    )
    error = int(cell.getError())
    return {
        "locked": is_locked(cell),
        "value": float(cell.getValue()) if numeric and not error else None,
        "string": str(cell.getString()),
        "formula": str(cell.getFormula()),
        "type": kind,
        "error": error,
    }


def cmd_recalc_save(office: Office, req: dict[str, Any]) -> dict[str, Any]:
    """Open, recalculate and save as xlsx, like a clerk who opens and saves."""
    src, dst = _path(req, "src"), _path(req, "dst")
    doc = office.load(src)
    try:
        doc.calculateAll()
        store_xlsx(doc, dst)
    finally:
        close(doc)
    return {"ok": True}


# --- witness: what Calc shows for many files, one soffice ------------------------------

WITNESS_MODES = ("default", "recalc")
_LOAD_NODE = "/org.openoffice.Office.Calc/Formula/Load"
_RECALC_ALWAYS, _RECALC_NEVER = 0, 1
_RESULT_TYPES = {1: "value", 2: "text", 4: "error"}  # com.sun.star.sheet.FormulaResult


def set_recalc_on_load(office: Office, always: bool) -> None:
    """Switch the running soffice between keeping cached formula results (LibreOffice
    7.4's default for xlsx, OOXMLRecalcMode 1) and recalculating on load (0, what the
    harness's recalc profile sets): the same setting, changed live, applies to every
    document loaded afterwards, so one soffice serves both modes."""
    smgr = office.ctx.ServiceManager
    provider = smgr.createInstanceWithContext(
        "com.sun.star.configuration.ConfigurationProvider", office.ctx
    )
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationUpdateAccess", (_prop("nodepath", _LOAD_NODE),)
    )
    access.setPropertyValue("OOXMLRecalcMode", _RECALC_ALWAYS if always else _RECALC_NEVER)
    access.commitChanges()


def _a1(col: int, row: int) -> str:
    """0-based column and row → ``D6``."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _number(x: float) -> float | str:
    """A float for JSON; non-finite values as text (strict JSON has no NaN/Infinity)."""
    return x if math.isfinite(x) else repr(x)


def _uno_error(e: BaseException) -> str:
    """One line for an exception from pyuno (its ``Message``) or from us."""
    message = getattr(e, "Message", None) or str(e)
    return f"{type(e).__name__}: {message}".strip()


def witness_cell(doc: Uno, sheet_name: object, ref: object) -> dict[str, Any]:
    """What a person sees in one cell, without recalculating anything.

    ``value`` is ``getValue()`` (0 for text and empty cells), ``string`` the displayed
    text (``getString()``: the number formatted, as in the cell, ignoring column width),
    ``formula`` the cell's content in Calc's API syntax (constants as typed), ``result``
    the formula's result type, ``merge`` the merged range containing the cell (or null),
    ``covered`` true when the cell is inside a merge but not its top-left (a person sees
    only the top-left's content), ``format`` the number format code Calc applies,
    ``sheet_name`` the name of the sheet that answered (Calc finds sheets by name
    case-insensitively: "SHEET" can answer for a sheet named "Sheet").
    """
    out: dict[str, Any] = {"sheet": sheet_name, "cell": ref}
    if not isinstance(sheet_name, str) or not doc.Sheets.hasByName(sheet_name):
        return {**out, "found": False}
    sheet = doc.Sheets.getByName(sheet_name)
    try:
        cell = get_cell(sheet, ref)
    except WorkerError as e:
        return {**out, "found": False, "error_text": str(e)}
    kind = _TYPE_NAMES.get(cell.getType().value, "unknown")
    cursor = sheet.createCursorByRange(cell)
    cursor.collapseToMergedArea()
    area = cursor.RangeAddress
    pos = cell.CellAddress
    merged = (area.StartColumn, area.StartRow) != (area.EndColumn, area.EndRow)
    try:
        fmt = str(doc.NumberFormats.getByKey(cell.NumberFormat).FormatString)
    except Exception:  # a key Calc cannot resolve; keep the rest of the observation
        fmt = None
    return {
        **out,
        "found": True,
        "sheet_name": str(sheet.getName()),  # getByName matches names case-insensitively
        "type": kind,
        "value": _number(float(cell.getValue())),
        "string": str(cell.getString()),
        "formula": str(cell.getFormula()),
        "result": _RESULT_TYPES.get(int(cell.FormulaResultType2), "unknown")
        if kind == "formula"
        else None,
        "error": int(cell.getError()),
        "format": fmt,
        "merge": (
            f"{_a1(area.StartColumn, area.StartRow)}:{_a1(area.EndColumn, area.EndRow)}"
            if merged
            else None
        ),
        "covered": merged and (pos.Column, pos.Row) != (area.StartColumn, area.StartRow),
    }


def witness_file(
    office: Office, entry: dict[str, Any], per_file_s: float, resave: bool
) -> dict[str, Any]:
    """Load one file as it is and observe it; every failure is part of the observation."""
    obs: dict[str, Any] = {"loaded": False, "error": None, "sheets": [], "cells": []}
    timer = threading.Timer(per_file_s, office.kill)
    timer.daemon = True
    timer.start()
    doc = None
    try:
        doc = office.load(entry["src"])
        obs["loaded"] = True
        for name in doc.Sheets.ElementNames:
            sheet = doc.Sheets.getByName(name)
            obs["sheets"].append(
                {
                    "name": str(name),
                    "visible": bool(sheet.IsVisible),
                    "protected": bool(sheet.isProtected()),
                }
            )
        for wanted in entry.get("cells", []):
            match wanted:
                case [sheet_name, ref]:
                    obs["cells"].append(witness_cell(doc, sheet_name, ref))
                case _:
                    raise WorkerError(f"bad cell {wanted!r}: want [sheet, cell]")
        if resave and entry.get("resave_to"):
            store_xlsx(doc, entry["resave_to"])
            obs["resaved_to"] = entry["resave_to"]
    except Exception as e:  # WorkerError, or any UNO exception (no common base)
        obs["error"] = _uno_error(e)
    finally:
        timer.cancel()
        if doc is not None and office.alive():
            close(doc)
    if not office.alive():
        obs["error"] = (
            f"soffice died or hung ({per_file_s:g} s per file) while handling this file; "
            f"{obs['error'] or ''}"
        ).strip("; ")
        obs["crashed"] = True
    return obs


def cmd_witness(req: dict[str, Any], deadline_s: float) -> dict[str, Any]:
    """Observe many files, each mode in turn, restarting soffice after a crash."""
    files = req.get("files")
    if not isinstance(files, list) or not all(
        isinstance(f, dict) and isinstance(f.get("src"), str) for f in files
    ):
        raise WorkerError('\'files\' must be a list of {"src": path, "cells": [...]}')
    modes = req.get("modes", list(WITNESS_MODES))
    if not isinstance(modes, list) or not modes or any(m not in WITNESS_MODES for m in modes):
        raise WorkerError(f"'modes' must be a non-empty list from {list(WITNESS_MODES)}")
    per_file_s = req.get("per_file_timeout", 60)
    if isinstance(per_file_s, bool) or not isinstance(per_file_s, int | float) or per_file_s <= 0:
        raise WorkerError(f"bad per_file_timeout {per_file_s!r}")
    results: list[dict[str, Any]] = [{"src": f["src"], "modes": {}} for f in files]
    end = time.monotonic() + deadline_s
    office: Office | None = None
    office_mode: str | None = None
    restarts = 0
    try:
        for mode in modes:
            for entry, result in zip(files, results, strict=True):
                if time.monotonic() >= end:
                    result["modes"][mode] = {
                        "loaded": False,
                        "error": "batch deadline reached before this file",
                        "sheets": [],
                        "cells": [],
                    }
                    continue
                if office is None:
                    office = Office(end - time.monotonic()).__enter__()
                    office_mode = None
                if office_mode != mode:
                    set_recalc_on_load(office, always=mode == "recalc")
                    office_mode = mode
                result["modes"][mode] = witness_file(
                    office, entry, float(per_file_s), resave=mode == modes[0]
                )
                if not office.alive():  # crashed or killed: the next file gets a new one
                    office.__exit__(None, None, None)
                    office = None
                    restarts += 1
    finally:
        if office is not None:
            office.__exit__(None, None, None)
    return {"ok": True, "files": results, "restarts": restarts}


COMMANDS = {"fill": cmd_fill, "inspect": cmd_inspect, "recalc_save": cmd_recalc_save}
BATCH_COMMANDS = {"witness": cmd_witness}
"""Commands that manage their own soffice (restarting it when a file kills it)."""


def _links(cell: Uno) -> list[str]:
    """The URLs of the hyperlink text fields in a cell (how Calc imports hyperlinks)."""
    fields = cell.getTextFields().createEnumeration()
    urls = []
    while fields.hasMoreElements():
        field = fields.nextElement()
        if field.getPropertySetInfo().hasPropertyByName("URL"):
            urls.append(str(field.URL))
    return urls


def cmd_marks(office: Office, req: dict[str, Any]) -> dict[str, Any]:
    """What a marked copy shows: the sheets in tab order (protection, visibility, every
    comment with its cell, text and author), the active sheet, and for the asked-for
    cells their background colour, text and hyperlinks."""
    src = _path(req, "src")
    wanted = req.get("cells", [])
    if not isinstance(wanted, list):
        raise WorkerError("'cells' must be a list of [sheet, cell]")
    doc = office.load(src)
    try:
        sheets: list[dict[str, Any]] = []
        for index in range(doc.Sheets.getCount()):
            sheet = doc.Sheets.getByIndex(index)
            notes = []
            annotations = sheet.getAnnotations()
            for k in range(annotations.getCount()):
                note = annotations.getByIndex(k)
                pos = note.getPosition()
                notes.append(
                    {
                        "cell": _a1(pos.Column, pos.Row),
                        "string": str(note.getString()),
                        "author": str(note.getAuthor()),
                        "visible": bool(note.getIsVisible()),
                    }
                )
            sheets.append(
                {
                    "name": str(sheet.getName()),
                    "protected": bool(sheet.isProtected()),
                    "visible": bool(sheet.IsVisible),
                    "annotations": notes,
                }
            )
        controller = doc.getCurrentController()
        active = str(controller.getActiveSheet().getName()) if controller else None
        cells: list[dict[str, Any]] = []
        for entry in wanted:
            match entry:
                case [sheet_name, ref]:
                    pass
                case _:
                    raise WorkerError(f"bad entry {entry!r}: want [sheet, cell]")
            cell = get_cell(get_sheet(doc, sheet_name), ref)
            cells.append(
                {
                    "sheet": sheet_name,
                    "cell": ref,
                    "back_color": int(cell.CellBackColor),
                    "string": str(cell.getString()),
                    "links": _links(cell),
                    "locked": is_locked(cell),
                }
            )
    finally:
        close(doc)
    return {"ok": True, "sheets": sheets, "active": active, "cells": cells}


COMMANDS = {
    "fill": cmd_fill,
    "inspect": cmd_inspect,
    "recalc_save": cmd_recalc_save,
    "marks": cmd_marks,
}


def _path(req: dict[str, Any], key: str) -> str:
    """Fetch a required path argument from the request."""
    value = req.get(key)
    if not isinstance(value, str) or not value:
        raise WorkerError(f"'{key}' must be a path")
    return value


def run(req: object) -> dict[str, Any]:
    """Validate the request, run it inside a private soffice, shape the answer."""
    if not isinstance(req, dict):
        raise WorkerError("request must be a JSON object")
    cmd = req.get("cmd")
    handler = COMMANDS.get(cmd)  # type: ignore[arg-type]
    batch = BATCH_COMMANDS.get(cmd)  # type: ignore[arg-type]
    if handler is None and batch is None:
        known = sorted([*COMMANDS, *BATCH_COMMANDS])
        raise WorkerError(f"unknown cmd {cmd!r}; know {known}")
    deadline = req.get("deadline", DEFAULT_DEADLINE_S)
    if isinstance(deadline, bool) or not isinstance(deadline, int | float) or deadline <= 0:
        raise WorkerError(f"bad deadline {deadline!r}")
    if batch is not None:
        return batch(req, float(deadline))
    assert handler is not None
    src = _path(req, "src")
    if not Path(src).is_file():  # checked again on load; this saves starting soffice
        raise WorkerError(f"no such file: {src}")
    with Office(float(deadline)) as office:
        try:
            return handler(office, req)
        except RefusedError as e:
            return {"ok": False, "refused": True, "error": str(e)}
        except WorkerError as e:
            return {"ok": False, "refused": False, "error": f"{office.why()}{e}"}
        except Exception as e:  # UNO exceptions have no common base here
            print(traceback.format_exc(), file=sys.stderr)
            return {
                "ok": False,
                "refused": False,
                "error": f"{office.why()}{type(e).__name__}: {e}; "
                f"soffice said: {office.log_tail()}",
            }


def _terminate(signum: int, _frame: object) -> None:
    """Turn SIGTERM/SIGHUP into an exception so the ``finally`` cleanup still runs."""
    raise SystemExit(128 + signum)


def main() -> int:
    """Read one request, answer it; exit 0 on success or refusal, 1 otherwise."""
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        req = json.loads(sys.stdin.read())
    except json.JSONDecodeError as e:
        result: dict[str, Any] = {
            "ok": False,
            "refused": False,
            "error": f"bad JSON: {e}",
        }
    else:
        try:
            result = run(req)
        except WorkerError as e:
            result = {"ok": False, "refused": False, "error": str(e)}
        except Exception as e:  # always answer in JSON
            print(traceback.format_exc(), file=sys.stderr)
            result = {
                "ok": False,
                "refused": False,
                "error": f"{type(e).__name__}: {e}",
            }
    if not result["ok"]:
        print(result["error"], file=sys.stderr)
    sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()
    return 0 if result["ok"] or result.get("refused") else 1


if __name__ == "__main__":
    sys.exit(main())
