"""The one answer to "is this an output folder of ours, and is this file its report?".

An ``ingest`` output folder holds report.json (the batch's report, for people), report.html
beside it, the outputs, and this tool's bookkeeping under names that start with
``.gongkai-xlsx`` (the manifest of the outputs, the lock, the commit journal, the staging
folder). The output commit (:mod:`gongkai_xlsx.outputs`), the walk of an input, the
collection of returns, the aggregator, ``--previous`` and the document reader all ask here,
so a folder or a report is recognised the same way by every command.

Folders written before the manifest existed (report.json was the manifest then, its
``outputs`` listed before its ``returns``) are recognised too: :func:`report_outputs`
reads that list as the commit did.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

REPORT_NAME = "report.json"
PAGE_NAME = "report.html"  # written beside report.json
RESERVED = ".gongkai-xlsx"  # every name of this tool's bookkeeping starts so
MANIFEST = ".gongkai-xlsx.manifest"  # the outputs of the run the folder holds
TOOL = "gongkai-xlsx"
_HEAD = 300  # bytes of report.json read to recognise it (its "tool" comes first)


def is_bookkeeping(name: str) -> bool:
    """A file or folder name this tool keeps in an output folder (never an input, never an
    output, never the user's)."""
    return name.startswith(RESERVED)


def is_report(data: Any) -> bool:
    """Parsed JSON that is an ``ingest`` report (report.json): it names this tool and has
    the returns of a batch. Not a document, and not a summary."""
    if not isinstance(data, dict):
        return False
    tool = data.get("tool")
    return isinstance(tool, str) and tool.startswith(TOOL) and "returns" in data


def is_output_folder(folder: str | os.PathLike[str]) -> bool:
    """A folder an earlier ``ingest`` wrote: it has our manifest, or a report.json that
    names this tool in its first bytes (as every version has written it). Its JSON files
    are outputs, not returns."""
    folder = Path(folder)
    if os.path.isfile(folder / MANIFEST):
        return True
    try:
        with (folder / REPORT_NAME).open("rb") as fh:
            return b'"tool": "gongkai-xlsx' in fh.read(_HEAD)
    except OSError:
        return False


def listed_documents(data: dict[str, Any]) -> list[str]:
    """The documents a report says its folder holds (each passing return's ``output``), as
    paths relative to the folder; names that would leave it are ignored."""
    listed = []
    for row in data.get("returns") or []:
        name = row.get("output") if isinstance(row, dict) else None
        if not isinstance(name, str) or not name or name.startswith(("/", "@")):
            continue
        if ".." not in name.split("/") and "\\" not in name:
            listed.append(name)
    return listed


_STATUSES = ("ok", "warnings", "errors", "unreadable")


def report_received(data: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """Every file a report says its run received, as (file, agency its cover names or
    None, status): what ``aggregate --roster`` of the folder knows is still pending (a
    return with errors or not read has no JSON, but its report lists it). A report of the
    earlier version (no ``received``) gives its returns, whose agency may be one guessed
    from the file name; entries that are not so are ignored."""
    rows = data.get("received")
    if not isinstance(rows, list):
        rows = data.get("returns") or []
    found = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        file, agency, status = row.get("file"), row.get("agency"), row.get("status")
        if not isinstance(file, str) or status not in _STATUSES:
            continue
        found.append((file, agency if isinstance(agency, str) and agency else None, status))
    return found


_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip(text: str, at: int) -> int:
    """Past the JSON white space at ``at``."""
    match = _WS.match(text, at)
    return match.end() if match else at


def report_outputs(text: str) -> tuple[list[Any], dict[str, str]] | None:
    """The ``outputs`` list near the top of a report (and the ``mounts`` written before
    it), else ``returns[].output``; None for a file that is neither. This is how the
    outputs of a folder are found where its manifest is missing (written by an earlier
    version, or deleted). Keys are read in order and ``outputs`` is taken as soon as it
    comes, so a report is not parsed whole (it may be tens of megabytes)."""
    at = _skip(text, 0)
    if text[at : at + 1] != "{":
        return None
    at = _skip(text, at + 1)
    returns = None
    mounts: dict[str, str] = {}
    while text[at : at + 1] == '"':
        key, at = _DECODER.raw_decode(text, at)
        at = _skip(text, at)
        if text[at : at + 1] != ":":
            return None
        value, at = _DECODER.raw_decode(text, _skip(text, at + 1))
        if key == "mounts" and isinstance(value, dict):
            mounts = {str(k): v for k, v in value.items() if isinstance(v, str) and v}
        if key == "outputs":
            return (value, mounts) if isinstance(value, list) else None
        if key == "returns":
            returns = value
        at = _skip(text, at)
        if text[at : at + 1] == ",":
            at = _skip(text, at + 1)
        elif text[at : at + 1] == "}":
            break
        else:
            return None
    if not isinstance(returns, list):
        return None
    return [r.get("output") for r in returns if isinstance(r, dict) and r.get("output")], mounts
