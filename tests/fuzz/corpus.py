"""The committed fuzz corpus: mutants of the bases with what LibreOffice and Gnumeric show at
every input cell of the form (``tests/fuzz/corpus/``: ``<id>.xlsx`` and ``oracle.json``).

Shared by ``scripts/make_fuzz_corpus.py`` (which writes it) and ``tests/test_fuzz_oracle.py``
(which holds the reader to it, and re-runs the witnesses on a few mutants so that it cannot
go stale). What a witness shows is kept compactly, per sheet and cell, only where the cell
is not simply empty: LibreOffice ``[type, displayed text, covered]``, Gnumeric
``[type, displayed text, covered]``, ``0`` where the sheet was not found; a text longer
than ``MAX_TEXT`` characters is cut (it is no number either way).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from oracle import variants

from fuzz.mutate import FORM, input_cells
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.reader import Return

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLES = ROOT / "samples"
CORPUS = Path(__file__).resolve().parent / "corpus"
ORACLE = CORPUS / "oracle.json"
MAX_TEXT = 120

Cell = tuple[str, str]
Compact = dict[str, Any]


@cache
def bases() -> dict[str, bytes]:
    """The four committed samples and the witness study's base return, by name."""
    found = {p.name: p.read_bytes() for p in sorted(SAMPLES.glob("*.xlsx"))}
    found["variant-base.xlsx"] = variants.base().data
    return found


def watched(ret: Return) -> list[Cell]:
    """Every input cell where the layout puts it, then wherever the reader found one
    elsewhere: the witnesses must have looked where the reader read."""
    cells = list(input_cells())
    seen = set(cells)
    for cell in FORM.input_cells():
        read = ret.cells.get(cell.id)
        if read is not None and (read.sheet, read.ref) not in seen:
            seen.add((read.sheet, read.ref))
            cells.append((read.sheet, read.ref))
    return cells


def layout_fingerprint() -> str:
    return layout_of(FORM).fingerprint


def _cut(text: str | None) -> str | None:
    return text if text is None or len(text) <= MAX_TEXT else text[:MAX_TEXT] + "…"


def compact_libreoffice(obs: dict[str, Any]) -> Compact:
    """One file's observation in LibreOffice's default mode, compactly."""
    out: Compact = {"loaded": bool(obs.get("loaded")), "cells": {}}
    if obs.get("crashed"):
        out["crashed"] = True
    for c in obs.get("cells", []):
        if not c.get("found"):
            entry: Any = 0
        elif c.get("type") == "empty" and not c.get("covered"):
            continue
        else:
            entry = [c.get("type"), _cut(c.get("string")), bool(c.get("covered"))]
        out["cells"].setdefault(c["sheet"], {})[c["cell"]] = entry
    return out


def compact_gnumeric(obs: dict[str, Any] | None) -> Compact | None:
    """One file as Gnumeric showed it (None: Gnumeric was not run), compactly."""
    if obs is None:
        return None
    out: Compact = {"loaded": bool(obs.get("loaded")), "cells": {}}
    for c in obs.get("cells", []):
        if not c.get("found"):
            entry: Any = 0
        elif not c.get("shown") and c.get("type") == "empty" and not c.get("covered"):
            continue
        else:
            entry = [c.get("type"), _cut(c.get("shown")), bool(c.get("covered"))]
        out["cells"].setdefault(c["sheet"], {})[c["cell"]] = entry
    return out


def libreoffice_cell(compact: Compact, sheet: str, ref: str) -> dict[str, Any] | None:
    """A compact cell back in the harness's shape (None when the file did not load)."""
    if not compact["loaded"]:
        return None
    entry = compact["cells"].get(sheet, {}).get(ref)
    if entry == 0:
        return {"found": False}
    if entry is None:
        return {"found": True, "type": "empty", "string": "", "covered": False}
    kind, text, covered = entry
    return {"found": True, "type": kind, "string": text, "covered": covered}


def gnumeric_cell(compact: Compact | None, sheet: str, ref: str) -> dict[str, Any] | None:
    if compact is None or not compact["loaded"]:
        return None
    entry = compact["cells"].get(sheet, {}).get(ref)
    if entry == 0:
        return {"found": False}
    if entry is None:
        return {"found": True, "type": "empty", "shown": None, "covered": False}
    kind, text, covered = entry
    return {"found": True, "type": kind, "shown": text, "covered": covered}


def observe(
    files: Sequence[tuple[Path, Sequence[Cell]]], with_gnumeric: bool = True
) -> list[tuple[Compact, Compact | None]]:
    """Open every file in one LibreOffice (its default load) and, when asked, in
    Gnumeric; what each shows at the given cells, compactly, in order."""
    from libreoffice import harness
    from oracle import gnumeric

    lo = harness.witness(
        [{"src": path, "cells": cells} for path, cells in files], modes=("default",)
    )
    gn: Iterable[dict[str, Any] | None] = (
        gnumeric.witness([(path, cells) for path, cells in files])  # type: ignore[arg-type]
        if with_gnumeric
        else [None] * len(files)
    )
    return [
        (compact_libreoffice(o["modes"]["default"]), compact_gnumeric(g))
        for o, g in zip(lo, gn, strict=True)
    ]


def load_oracle() -> dict[str, Any]:
    return json.loads(ORACLE.read_text(encoding="utf-8"))
