"""The witness study: what LibreOffice Calc and Gnumeric SHOW for odd OOXML in a return.

    python scripts/witness.py [--cases A01,B23 [--merge]] [--keep DIR] [--no-gnumeric] [--render]

A research tool, not a test. It builds every case of ``tests/oracle/variants.py`` (one
filled base return; each case differs from it in exactly one construct), opens all of them
in ONE LibreOffice (``harness.witness``: LibreOffice's default load, which keeps cached
formula results, and recalculate-on-load) and in Gnumeric (``ssconvert``, without and with
``--recalc``), then writes

- ``tests/oracle/witness.json``: the raw observations, one record per case;
- ``tests/oracle/WITNESS.md``: the tables, between the ``<!-- witness:begin -->`` and
  ``<!-- witness:end -->`` markers; the hand-written text around them is kept.

Each table cell shows only what differs from the base return under the same witness and
mode (``= base`` when nothing does). ``--cases`` limits the run (the outputs then hold only
those cases: use it to explore, not to regenerate), and with ``--merge`` the cases run
replace or join the recorded ones (new cases added without re-running the study); ``--render`` only rewrites
WITNESS.md from the recorded witness.json (after a change of presentation). Needs soffice with python3-uno and,
unless ``--no-gnumeric``, ``ssconvert`` (Debian package gnumeric). About a minute for the
whole set on two cores. ``tests/test_witness.py`` re-runs a few cases against witness.json.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from libreoffice import harness  # noqa: E402
from oracle import gnumeric  # noqa: E402
from oracle.observe import observe  # noqa: E402
from oracle.variants import BASE_VALUES, SHEET, SOURCES, VARIANTS, all_variants, base  # noqa: E402

OUT_JSON = ROOT / "tests" / "oracle" / "witness.json"
OUT_MD = ROOT / "tests" / "oracle" / "WITNESS.md"
BEGIN, END = "<!-- witness:begin -->", "<!-- witness:end -->"
GROUPS = {
    "A": "A. The text of a number cell's `<v>`",
    "B": "B. Cell types",
    "C": "C. Structure of sheetData",
    "D": "D. Merges",
    "E": "E. The zip and the workbook",
    "F": "F. Number formats on an input cell",
    "G": "G. XML syntax",
    "H": "H. The grammar of the elements the reader uses (count and content)",
    "I": "I. Formulas typed into input cells",
}
Obs = dict[str, Any]


def _num(v: float | str) -> str:
    if isinstance(v, str):
        return v
    if math.isfinite(v) and v == int(v) and abs(v) < 1e16:
        return str(int(v))
    return repr(v)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "⏎")


def _short(shown: str) -> str:
    """A displayed text for the table: very long ones (huge numbers) cut in the middle."""
    if len(shown) <= 48:
        return shown
    return f"{shown[:24]}…{shown[-12:]} ({len(shown)} chars)"


# --- one cell as a person sees it ---------------------------------------------------------


def lo_class(c: Obs) -> str:
    """empty | number | text | error, for a constant or a formula's result."""
    if c["type"] == "formula":
        return {"value": "number", "text": "text", "error": "error"}.get(c.get("result"), "?")
    return {"value": "number", "text": "text", "empty": "empty"}.get(c["type"], c["type"])


def lo_token(c: Obs, formula_cells: set[str]) -> str:
    if not c.get("found"):
        return "no such sheet"
    cls, shown = lo_class(c), c["string"]
    if cls == "empty":
        tok = "empty"
    elif cls == "number":
        value = _num(c["value"])
        tok = f"`{_short(shown)}`" + ("" if value == shown else f" ={value}")
    elif cls == "text":
        tok = f"`{_short(shown)}` text"
    else:
        tok = f"`{shown}` error"
    if c["type"] == "formula" and c["cell"] not in formula_cells:
        tok += f" [{c['formula']}]"
    if c.get("covered"):
        tok += f" (covered by {c['merge']})"
    elif c.get("merge"):
        tok += f" (top-left of {c['merge']})"
    if c.get("sheet_name") not in (None, c["sheet"]):
        tok += f" (from sheet '{c['sheet_name']}')"
    return tok


def gn_token(c: Obs, recalc: bool) -> str:
    if not c.get("found"):
        return "no such sheet"
    shown = c.get("shown_recalc" if recalc else "shown")
    if shown is None:
        return "not exported (CSV cut)"
    kind = c["type"]
    if kind == "empty" and shown == "":
        tok = "empty"
    elif kind == "number":
        raw = c.get("raw") or ""
        tok = f"`{_short(shown)}`" + ("" if raw == shown else f" ={raw}")
    elif kind == "formula":
        raw = c.get("raw_recalc") if recalc else None
        tok = f"`{_short(shown)}`" + ("" if raw in (None, shown) else f" ={raw}")
    else:
        tok = f"`{_short(shown)}` {kind}"
    if c.get("covered"):
        tok += f" (covered by {c['merge']})"
    elif c.get("merge"):
        tok += f" (top-left of {c['merge']})"
    return tok


def _sheets_lo(obs: Obs) -> list[str]:
    return [s["name"] + ("" if s["visible"] else " (hidden)") for s in obs.get("sheets", [])]


def _sheets_gn(obs: Obs) -> list[str]:
    return [
        s["name"] + ("" if s["visibility"] == "visible" else f" ({s['visibility']})")
        for s in obs.get("sheets", [])
    ]


def _diff(tokens: dict[str, str], base_tokens: dict[str, str]) -> list[str]:
    """The cells whose token differs from the base's, cells with one token grouped."""
    groups: dict[str, list[str]] = {}
    for ref, tok in tokens.items():
        if base_tokens.get(ref) != tok:
            groups.setdefault(tok, []).append(ref)
    return [f"{', '.join(refs)} {tok}" for tok, refs in groups.items()]


def _key(c: Obs) -> str:
    return c["cell"] if c["sheet"] == SHEET else f"{c['sheet']}!{c['cell']}"


def describe_lo(obs: Obs, base_obs: Obs, formula_cells: set[str]) -> str:
    if not obs["loaded"]:
        return f"NOT LOADED: {obs['error']}"
    parts = []
    if _sheets_lo(obs) != _sheets_lo(base_obs):
        parts.append("sheets: " + ", ".join(f"'{s}'" for s in _sheets_lo(obs)))
    tokens = {_key(c): lo_token(c, formula_cells) for c in obs["cells"]}
    base_tokens = {_key(c): lo_token(c, formula_cells) for c in base_obs["cells"]}
    parts += _diff(tokens, base_tokens)
    return "; ".join(parts) or "= base"


def describe_gn(obs: Obs | None, base_obs: Obs | None, recalc: bool) -> str:
    if obs is None or base_obs is None:
        return "not run"
    if not obs["loaded"]:
        return f"NOT LOADED: {obs['error']}"
    parts = []
    if _sheets_gn(obs) != _sheets_gn(base_obs):
        parts.append("sheets: " + ", ".join(f"'{s}'" for s in _sheets_gn(obs)))
    tokens = {_key(c): gn_token(c, recalc) for c in obs["cells"]}
    base_tokens = {_key(c): gn_token(c, recalc) for c in base_obs["cells"]}
    parts += _diff(tokens, base_tokens)
    if not recalc:
        noise = set(base_obs.get("warnings", []))
        new = [w for w in obs.get("warnings", []) if w not in noise]
        if new:
            more = f" / … ({len(new) - 2} more)" if len(new) > 2 else ""
            parts.append("ssconvert: " + " / ".join(new[:2]) + more)
    return "; ".join(parts) or "= base"


# --- do the witnesses agree? --------------------------------------------------------------


def disagreements(record: Obs) -> list[str]:
    """Where LibreOffice and Gnumeric show different things (empty: they agree)."""
    lo, gn = record["libreoffice"], record["gnumeric"]
    if gn is None:
        return ["Gnumeric not run"]
    if lo["default"]["loaded"] != gn["loaded"]:
        return [f"loaded: LO {lo['default']['loaded']} / Gn {gn['loaded']}"]
    if not gn["loaded"]:
        return []
    out = []
    lo_vis = [[s["name"], s["visible"]] for s in lo["default"]["sheets"]]
    gn_vis = [[s["name"], s["visibility"] == "visible"] for s in gn["sheets"]]
    if lo_vis != gn_vis:
        out.append("sheets")
    seen: dict[str, str] = {}  # cell → difference without recalculation
    for mode, recalc in (("default", False), ("recalc", True)):
        for lc, gc in zip(lo[mode]["cells"], gn["cells"], strict=True):
            why = _cell_difference(lc, gc, recalc)
            if not why or (recalc and seen.get(_key(lc)) == why):
                continue  # agree, or the same difference as without recalculation
            seen.setdefault(_key(lc), why)
            out.append(f"{_key(lc)}{' (recalc)' if recalc else ''}: {why}")
    return out


def _cell_difference(lc: Obs, gc: Obs, recalc: bool) -> str:
    """How one cell differs between LibreOffice and Gnumeric ("" when it does not)."""
    if not lc.get("found") or not gc.get("found"):
        same = lc.get("found") == gc.get("found")
        return "" if same else f"sheet found LO {lc.get('found')} / Gn {gc.get('found')}"
    shown = gc.get("shown_recalc" if recalc else "shown")
    if shown is None:
        return ""  # Gnumeric's export was cut before this row: nothing to compare
    why = []
    if lc["string"] != shown:
        why.append(f"shown `{_short(lc['string'])}` / `{_short(shown)}`")
    constants = lc["type"] != "formula" and gc["type"] != "formula"
    lcls, gcls = lo_class(lc), gc["type"]
    if constants and lcls != gcls:
        why.append(f"kind {lcls} / {gcls}")
    elif constants and lcls == "number" and _num(lc["value"]) != _num(_as_float(gc.get("raw"))):
        why.append(f"value {_num(lc['value'])} / {gc.get('raw')}")
    if bool(lc.get("covered")) != bool(gc.get("covered")):
        why.append("covered")
    return ", ".join(why)


def _as_float(raw: str | None) -> float | str:
    try:
        return float(raw) if raw is not None else "?"
    except ValueError:
        return raw or "?"


# --- the document -------------------------------------------------------------------------


def render(records: list[Obs], env: dict[str, str]) -> str:
    base_rec = records[0]
    assert base_rec["case"] == "base"
    formula_cells = {
        c["cell"] for c in base_rec["libreoffice"]["default"]["cells"] if c.get("type") == "formula"
    }
    lines = [
        f"Generated by `scripts/witness.py` with {env['libreoffice']} and {env['gnumeric']}.",
        "",
        f"The base return: sheet {SHEET}, "
        + ", ".join(f"{ref} = {v}" for ref, v in BASE_VALUES.items())
        + "; every case differs from it in one construct. Each witness column lists only the"
        " watched cells that differ from the base under the same witness and mode (`= base`:"
        " none). A token is the displayed text in backticks, then `=value` when the"
        " underlying number differs from the text, `text`/`error`/`boolean` for non-numbers,"
        " `[=formula]` when the cell became a formula. *LO*: LibreOffice's default load"
        " (cached formula results kept); *LO recalc*: recalculate on load. *Gn*: Gnumeric"
        " ssconvert, CSV with format=preserve; *Gn recalc*: with --recalc.",
        "",
    ]
    base_lo = base_rec["libreoffice"]
    base_gn = base_rec["gnumeric"]
    lines.append(
        "Base as seen: LO "
        + "; ".join(f"{_key(c)} {lo_token(c, set())}" for c in base_lo["default"]["cells"])
        + " — LO recalc "
        + "; ".join(
            f"{_key(c)} {lo_token(c, set())}"
            for c in base_lo["recalc"]["cells"]
            if c["type"] == "formula"
        )
    )
    lines.append("")
    all_disagree: list[str] = []
    failures: list[str] = []
    for group, title in GROUPS.items():
        lines += [f"### {title}", ""]
        lines.append(
            "| case | construct | LO | LO recalc | Gn | Gn recalc | grammar | Excel docs | agree? |"
        )
        lines.append("|---|---|---|---|---|---|---|---|---|")
        for rec in records:
            if not rec["case"].startswith(group):
                continue
            lo, gn = rec["libreoffice"], rec["gnumeric"]
            diff = disagreements(rec)
            agree = "yes" if not diff else "**no**: " + "; ".join(diff)
            if diff:
                all_disagree.append(
                    f"- **{rec['case']}** ({_md(rec['construct'])}): " + "; ".join(diff)
                )
            for who, obs in (("LibreOffice", lo["default"]), ("Gnumeric", gn)):
                if obs is not None and not obs["loaded"]:
                    failures.append(f"- **{rec['case']}** {who}: {_md(str(obs['error']))}")
            lo_recalc = describe_lo(lo["recalc"], base_lo["recalc"], formula_cells)
            resaved = rec.get("libreoffice_resaved")
            if resaved:
                merged = [c["cell"] for c in lo["default"]["cells"] if c.get("merge")]
                kept = "; ".join(f"{ref}: `{resaved['cells'].get(ref)}`" for ref in merged)
                lo_recalc += f"; re-saved by LO: {kept or 'no merged cell watched'}"
            row = [
                rec["case"],
                rec["construct"],
                describe_lo(lo["default"], base_lo["default"], formula_cells),
                lo_recalc,
                describe_gn(gn, base_gn, recalc=False),
                describe_gn(gn, base_gn, recalc=True),
                rec["grammar"],
                ", ".join(f"[{k}](#sources)" for k in rec["excel"]) or "—",
                agree,
            ]
            lines.append("| " + " | ".join(_md(x) for x in row) + " |")
        lines.append("")
    lines += ["### Where the witnesses disagree (computed)", ""]
    lines += all_disagree or ["- none"]
    lines += ["", "### Files that did not load (computed)", ""]
    lines += failures or ["- none: every variant loaded in both applications"]
    lines += ["", "### Sources", ""]
    lines += [f"- **{k}**: {v}" for k, v in SOURCES.items()]
    return "\n".join(lines) + "\n"


def dumps(obj: Any, indent: str = "") -> str:
    """JSON with one line per innermost object or list (a cell, a sheet): small, diffable."""
    flat = not isinstance(obj, dict | list) or not any(
        isinstance(v, dict | list) for v in (obj.values() if isinstance(obj, dict) else obj)
    )
    if flat:
        return json.dumps(obj, ensure_ascii=False)
    inner = indent + " "
    if isinstance(obj, dict):
        items = [
            f"{inner}{json.dumps(k, ensure_ascii=False)}: {dumps(v, inner)}" for k, v in obj.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    return "[\n" + ",\n".join(f"{inner}{dumps(v, inner)}" for v in obj) + f"\n{indent}]"


def _env() -> dict[str, str]:
    lo = subprocess.run(["soffice", "--version"], capture_output=True, text=True, check=False)
    return {
        "libreoffice": (lo.stdout.strip().splitlines() or ["LibreOffice ?"])[0],
        "gnumeric": gnumeric.version() if gnumeric.available() else "no Gnumeric",
    }


def write_markdown(body: str) -> None:
    text = (
        OUT_MD.read_text(encoding="utf-8")
        if OUT_MD.is_file()
        else f"# Witness study\n\n{BEGIN}\n{END}\n"
    )
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    OUT_MD.write_text(f"{head}{BEGIN}\n{body}{END}{tail}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", help="comma-separated case ids (default: all)")
    parser.add_argument("--keep", type=Path, help="keep the variant files in this folder")
    parser.add_argument("--no-gnumeric", action="store_true")
    parser.add_argument(
        "--render", action="store_true", help="only rewrite WITNESS.md from witness.json"
    )
    parser.add_argument(
        "--merge", action="store_true", help="with --cases: merge them into witness.json"
    )
    args = parser.parse_args()
    if args.render:
        recorded = json.loads(OUT_JSON.read_text(encoding="utf-8"))
        write_markdown(render(recorded["cases"], recorded["environment"]))
        return 0
    if not harness.available():
        print("needs soffice with python3-uno", file=sys.stderr)
        return 2
    with_gn = not args.no_gnumeric
    if with_gn and not gnumeric.available():
        print("needs ssconvert (apt-get install gnumeric), or --no-gnumeric", file=sys.stderr)
        return 2
    if args.cases:
        wanted = args.cases.split(",")
        unknown = [c for c in wanted if c not in VARIANTS]
        if unknown:
            print(f"unknown cases: {unknown}", file=sys.stderr)
            return 2
        variants = [base(), *(VARIANTS[c]() for c in wanted)]
    else:
        variants = all_variants()
    with tempfile.TemporaryDirectory(prefix="gk-witness-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        records = observe(variants, workdir, with_gnumeric=with_gn)
    env = _env()
    if args.merge and args.cases:
        recorded = json.loads(OUT_JSON.read_text(encoding="utf-8"))
        if recorded["environment"] != env:
            print(f"recorded with {recorded['environment']}, now {env}", file=sys.stderr)
            return 2
        fresh = {r["case"]: r for r in records if r["case"] != "base"}
        kept = [r for r in recorded["cases"] if r["case"] not in fresh]
        records = [kept[0], *sorted([*kept[1:], *fresh.values()], key=lambda r: r["case"])]
    OUT_JSON.write_text(dumps({"environment": env, "cases": records}) + "\n", encoding="utf-8")
    write_markdown(render(records, env))
    print(f"{len(records)} cases → {OUT_JSON.relative_to(ROOT)}, {OUT_MD.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
