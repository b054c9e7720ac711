"""Ingest a batch of returns: find the files, check them (in parallel when many), add the
findings only a batch can see, and write one canonical JSON per passing return plus
``report.json``, every file atomically and with the same bytes on every re-run.
"""

from __future__ import annotations

import json
import os
import signal
import tempfile
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gongkai_xlsx import __version__
from gongkai_xlsx.api import check_file
from gongkai_xlsx.canonical import dumps
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.run import Outcome
from gongkai_xlsx.findings import Finding, sort_key
from gongkai_xlsx.naming import dedupe, json_file_name
from gongkai_xlsx.reader.model import Source
from gongkai_xlsx.reader.sniff import SPREADSHEET_SUFFIXES
from gongkai_xlsx.text import clean, file_name_text

REPORT_NAME = "report.json"
PARALLEL_FROM = 16  # below this, starting worker processes costs more than it saves


@dataclass
class Item:
    path: Path
    display: str  # relative to the PATH the user gave, POSIX separators
    outcome: Outcome | None = None
    output: str | None = None  # JSON file name in OUTDIR


@dataclass
class Batch:
    items: list[Item] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # files that are not spreadsheets

    @property
    def failed(self) -> bool:
        return any(i.outcome is None or i.outcome.errors for i in self.items)


def _hidden(part: str) -> bool:
    return part.startswith((".", "~$"))


def is_output_dir(folder: Path) -> bool:
    """A folder an earlier ``ingest`` wrote (its report.json names this tool): its JSON
    files are our outputs, not returns, so a walk over a parent folder skips it."""
    try:
        with (folder / REPORT_NAME).open("rb") as fh:
            return b'"tool": "gongkai-xlsx' in fh.read(200)
    except OSError:
        return False


def collect(paths: Iterable[Path], outdir: Path | None = None) -> Batch:
    """Every spreadsheet-like file under ``paths`` (recursively), skipping Office lock
    files, hidden files and ``outdir``; sorted for a deterministic batch."""
    batch = Batch()
    out = outdir.resolve() if outdir else None
    seen: set[Path] = set()
    paths = [Path(p) for p in paths]
    for given in paths:
        # With several PATHs, each file is shown under the PATH it was found in, so two
        # folders holding the same file name give two distinct rows.
        prefix = f"{given.as_posix().rstrip('/')}/" if len(paths) > 1 else ""
        if given.is_file():
            candidates = [(given, given.as_posix() if prefix else given.name)]
        else:
            candidates = []
            for root, dirs, files in os.walk(given):
                root_path = Path(root)
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not _hidden(d)
                    and (root_path / d).resolve() != out
                    and not is_output_dir(root_path / d)
                )
                for name in sorted(files):
                    file = root_path / name
                    candidates.append((file, prefix + file.relative_to(given).as_posix()))
        for file, shown in candidates:
            display = "/".join(file_name_text(part) for part in shown.split("/"))
            resolved = file.resolve()
            ours = out is not None and resolved.parent == out and file.suffix.lower() == ".json"
            if resolved in seen or _hidden(file.name) or ours:
                continue  # OUTDIR may be the folder being read: its JSON files are our outputs
            seen.add(resolved)
            if file.suffix.lower() in SPREADSHEET_SUFFIXES:
                batch.items.append(Item(file, display))
            else:
                batch.skipped.append(display)
    batch.items.sort(key=lambda i: i.display)
    return batch


def run_checks(
    batch: Batch,
    expected_year: int | None,
    jobs: int = 1,
    progress: Callable[[Item], None] | None = None,
) -> None:
    """Check every item, in worker processes when ``jobs`` > 1 and the batch is large."""
    paths = [i.path for i in batch.items]
    years = [expected_year] * len(paths)
    if jobs > 1 and len(paths) >= PARALLEL_FROM:
        try:
            with ProcessPoolExecutor(max_workers=jobs, initializer=_ignore_interrupts) as pool:
                results = pool.map(check_file, paths, years, chunksize=8)
                for item, outcome in zip(batch.items, results, strict=True):
                    item.outcome = outcome
                    if progress:
                        progress(item)
        except BrokenProcessPool:
            # A worker died (out of memory, a crashing parser). Which file did it is unknown:
            # check each remaining file alone, so a crash costs only that file.
            for item in batch.items:
                if item.outcome is None:
                    item.outcome = _isolated_check(item.path, expected_year)
                    if progress:
                        progress(item)
    for item in batch.items:
        if item.outcome is None:
            item.outcome = check_file(item.path, expected_year)
            if progress:
                progress(item)
    _batch_findings(batch, expected_year)
    _plan_outputs(batch)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the main process, which stops the batch in one place
    instead of every worker printing its own traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _isolated_check(path: Path, expected_year: int | None) -> Outcome:
    try:
        with ProcessPoolExecutor(max_workers=1) as pool:
            return pool.submit(check_file, path, expected_year).result()
    except BrokenProcessPool:
        return Outcome(
            source=Source(file_name_text(path.name), None, 0),
            path=path,
            findings=[Finding(Code.FILE_LIMIT, detail="读取程序异常退出")],
        )


def _batch_findings(batch: Batch, expected_year: int | None) -> None:
    """What only the whole batch shows: two returns of one agency, mixed years."""
    outcomes = [i for i in batch.items if i.outcome and i.outcome.readable]
    groups: dict[tuple[str, int | None], list[Item]] = {}
    for item in outcomes:
        assert item.outcome is not None
        if item.outcome.agency and not item.outcome.agency_from_file_name:
            groups.setdefault((clean(item.outcome.agency), item.outcome.year), []).append(item)
    for (agency, _year), items in groups.items():
        if len(items) > 1:
            files = "、".join(i.display for i in items)
            for item in items:
                assert item.outcome is not None
                item.outcome.findings.append(
                    Finding(Code.AGENCY_DUPLICATE, actual=agency, detail=files)
                )
    years = sorted({i.outcome.year for i in outcomes if i.outcome and i.outcome.year})
    if expected_year is None and len(years) > 1:
        listing = "、".join(str(y) for y in years)
        for item in outcomes:
            assert item.outcome is not None
            if item.outcome.year:
                item.outcome.findings.append(
                    Finding(Code.YEAR_MIXED, actual=item.outcome.year, detail=listing)
                )
    for item in batch.items:
        if item.outcome:
            item.outcome.findings.sort(key=sort_key)


def _plan_outputs(batch: Batch) -> None:
    passing = [i for i in batch.items if i.outcome and i.outcome.document is not None]
    names = dedupe(
        [
            json_file_name(i.outcome.agency or i.path.stem, i.outcome.year)
            for i in passing
            if i.outcome
        ]
    )
    for item, name in zip(passing, names, strict=True):
        item.output = name


def outcome_row(display: str, o: Outcome, output: str | None = None) -> dict[str, Any]:
    """One return as plain data: a row of ``report.json``, and ``check --json``."""
    return {
        "file": display,
        "sha256": o.sha256,
        "agency": o.agency,
        "year": o.year,
        "format": o.form_id,
        "status": o.status,
        "errors": len(o.errors),
        "warnings": len(o.warnings),
        "output": output,
        "findings": [f.to_dict() for f in o.findings],
    }


def report(batch: Batch) -> dict[str, Any]:
    """The batch report as plain data (``report.json``); no timestamps, so re-runs match."""
    rows = []
    for item in batch.items:
        assert item.outcome is not None
        rows.append(outcome_row(item.display, item.outcome, item.output))
    statuses = [r["status"] for r in rows]
    return {
        "tool": f"gongkai-xlsx {__version__}",
        "summary": {
            "returns": len(rows),
            "ok": statuses.count("ok"),
            "warnings": statuses.count("warnings"),
            "errors": statuses.count("errors"),
            "unreadable": statuses.count("unreadable"),
            "skipped_files": len(batch.skipped),
        },
        "returns": rows,
        "skipped_files": batch.skipped,
    }


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: never half a file."""
    fd, tmp = tempfile.mkstemp(prefix=".gk-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _previous_outputs(outdir: Path) -> set[str]:
    """The outputs the run that last wrote ``outdir`` listed in its report.json."""
    try:
        old = json.loads((outdir / REPORT_NAME).read_text(encoding="utf-8"))
        return {r["output"] for r in old.get("returns", []) if r.get("output")}
    except (OSError, ValueError, AttributeError, TypeError, KeyError):
        return set()


@dataclass
class Written:
    report: dict[str, Any]
    removed: list[str]  # outputs of an earlier run that this run does not produce


def write_outputs(batch: Batch, outdir: Path) -> Written:
    """Write each passing return's canonical JSON and ``report.json`` into ``outdir``.

    ``outdir`` mirrors the latest run: outputs an earlier run wrote that this run does not
    (a return that now has errors, a file no longer in the batch, another batch written to
    the same folder) are removed and listed, so the folder always matches its report.json
    and no JSON of an older run can be mistaken for current data.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    previous = _previous_outputs(outdir)
    for item in batch.items:
        if item.output and item.outcome and item.outcome.document is not None:
            write_atomic(outdir / item.output, dumps(item.outcome.document))
    current = {i.output for i in batch.items if i.output}
    removed = []
    for stale in sorted(previous - current):  # before report.json: a failure here leaves
        # the old report, which still lists these, so the next run removes them
        if Path(stale).name == stale and stale.endswith(".json") and stale != REPORT_NAME:
            with suppress(FileNotFoundError):
                (outdir / stale).unlink()
                removed.append(stale)
    data = report(batch)
    text = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
    write_atomic(outdir / REPORT_NAME, text.encode("utf-8"))
    return Written(data, removed)
