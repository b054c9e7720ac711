"""Run the witnesses (LibreOffice over UNO, Gnumeric's ssconvert) over variants, and reduce
their observations to the facts that are recorded and re-checked.

``observe`` is shared by ``scripts/witness.py`` (which records everything in
``tests/oracle/witness.json``) and ``tests/test_witness.py`` (which re-runs a few cases and
compares ``facts`` of the new observations with ``facts`` of the recorded ones).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from libreoffice import harness

from oracle import gnumeric
from oracle.variants import SHEET, Package, Variant

Record = dict[str, Any]
WARNINGS_KEPT = 12
"""ssconvert's messages kept per file (a renamed sheet makes it warn for every name)."""


def _clean_lo(obs: dict[str, Any]) -> dict[str, Any]:
    """Drop what differs between runs: the temporary path of a re-saved copy."""
    out = dict(obs)
    if "resaved_to" in out:
        out["resaved"] = True
        del out["resaved_to"]
    return out


_PID = re.compile(r"\(ssconvert:\d+\)")
_CLOCK = re.compile(r"\b\d\d:\d\d:\d\d\.\d+: ")


def _clean_gnumeric(obs: dict[str, Any]) -> dict[str, Any]:
    """Drop the temporary path and the process id and clock time in ssconvert's messages."""
    out = {k: v for k, v in obs.items() if k != "src"}
    warnings = [_CLOCK.sub("", _PID.sub("(ssconvert)", w)) for w in obs.get("warnings", [])]
    out["warnings"] = warnings[:WARNINGS_KEPT]
    if len(warnings) > WARNINGS_KEPT:
        out["warnings_total"] = len(warnings)
    return out


def resaved_cells(path: Path, cells: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """The ``<c>`` elements LibreOffice wrote for the watched cells of the form sheet, and
    the merged ranges it kept there: what a re-saved return would carry."""
    pkg = Package.from_bytes(path.read_bytes())
    xml = pkg.text(pkg.sheet_part(SHEET))
    found: dict[str, str | None] = {}
    for sheet, ref in cells:
        if sheet != SHEET:
            continue
        match = re.search(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', xml, re.S)
        found[ref] = match.group(0) if match else None
    return {"cells": found, "merges": re.findall(r'<mergeCell ref="([^"]+)"', xml)}


def observe(variants: Sequence[Variant], workdir: Path, with_gnumeric: bool = True) -> list[Record]:
    """Write each variant into ``workdir``, open all of them in one LibreOffice (both modes)
    and, when asked, in Gnumeric; one record per variant, in order."""
    requests: list[harness.WitnessRequest] = []
    for v in variants:
        req: harness.WitnessRequest = {"src": v.write(workdir), "cells": v.cells}
        if v.resave:
            req["resave_to"] = workdir / f"{v.case}.resaved.xlsx"
        requests.append(req)
    lo = harness.witness(requests)
    gn = (
        gnumeric.witness([(r["src"], v.cells) for r, v in zip(requests, variants, strict=True)])
        if with_gnumeric
        else [None] * len(variants)
    )
    records: list[Record] = []
    for v, lo_obs, gn_obs in zip(variants, lo, gn, strict=True):
        record: Record = {
            "case": v.case,
            "construct": v.construct,
            "grammar": v.grammar,
            "excel": list(v.excel),
            "cells": [list(c) for c in v.cells],
            "libreoffice": {mode: _clean_lo(obs) for mode, obs in lo_obs["modes"].items()},
            "gnumeric": _clean_gnumeric(gn_obs) if gn_obs is not None else None,
        }
        resaved = workdir / f"{v.case}.resaved.xlsx"
        if v.resave and resaved.is_file() and zipfile.is_zipfile(resaved):
            record["libreoffice_resaved"] = resaved_cells(resaved, v.cells)
        records.append(record)
    return records


# --- the facts that must keep holding ----------------------------------------------------

_LO_CELL_KEYS = ("found", "type", "value", "string", "error", "covered", "merge", "sheet_name")
_GN_CELL_KEYS = ("found", "type", "raw", "covered", "merge", "shown", "shown_recalc")


def lo_facts(obs: dict[str, Any]) -> dict[str, Any]:
    """What a person sees in LibreOffice, in one mode: load, sheets, the watched cells."""
    return {
        "loaded": obs["loaded"],
        "sheets": [[s["name"], s["visible"]] for s in obs.get("sheets", [])],
        "cells": [
            {k: c.get(k) for k in ("sheet", "cell", *_LO_CELL_KEYS) if k in c}
            for c in obs.get("cells", [])
        ],
    }


def gnumeric_facts(obs: dict[str, Any] | None) -> dict[str, Any] | None:
    """What a person sees in Gnumeric: load, sheets, the watched cells (no recalc, recalc)."""
    if obs is None:
        return None
    return {
        "loaded": obs["loaded"],
        "sheets": [[s["name"], s["visibility"]] for s in obs.get("sheets", [])],
        "cells": [
            {k: c.get(k) for k in ("sheet", "cell", *_GN_CELL_KEYS) if k in c}
            for c in obs.get("cells", [])
        ],
    }
