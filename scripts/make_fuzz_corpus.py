"""The fuzz corpus: mutants of the samples with what LibreOffice and Gnumeric show in them.

    python scripts/make_fuzz_corpus.py [--n 40] [--no-gnumeric]

A research tool, not a test. It makes mutants of the four samples and the witness study's
base return with the fuzz test's operators (``tests/fuzz/mutate.py``), from fixed seeds,
mostly operators that change the cells, rows, names, styles and strings a person sees
(a few of the package too), keeping at most a fifth whose reading stops at a file-level
error, and always the mutants of ``ALSO`` (found by exploring with ``--out``). It opens all of them in ONE LibreOffice (``harness.witness``, its default load) and
in Gnumeric (``ssconvert``), drops those that crash or hang LibreOffice, and writes

- ``tests/fuzz/corpus/<id>.xlsx``: the mutants (the old ones are removed first);
- ``tests/fuzz/corpus/oracle.json``: how each was made, and what both applications show at
  every input cell of the form (and wherever else the reader read one).

``tests/test_fuzz_oracle.py`` holds the reader to it (every input cell a finding or the
value both show) and re-runs the witnesses on a few mutants. About three minutes on two
cores. Needs soffice with python3-uno and, unless ``--no-gnumeric``, ssconvert.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from random import Random

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from fuzz.corpus import CORPUS, ORACLE, bases, layout_fingerprint, observe, watched  # noqa: E402
from fuzz.mutate import input_cells, mutate  # noqa: E402
from libreoffice import harness  # noqa: E402
from oracle import gnumeric  # noqa: E402

from gongkai_xlsx.reader import read_return  # noqa: E402

# What a person sees: values, types, strings, references, rows, merges, styles, names and
# sheets weigh most; the package a little (a duplicated or case-renamed part); no
# truncation or flipped bytes (no application opens those, nothing to compare).
WEIGHTS = {
    "cell_value": 6,
    "cell_type": 4,
    "inline_string": 3,
    "cell_ref": 3,
    "cell_duplicate": 3,
    "cell_swap": 2,
    "cell_remove": 1,
    "cell_formula": 2,
    "row_duplicate": 2,
    "row_swap": 2,
    "row_ref": 2,
    "row_remove": 1,
    "merge_add": 2,
    "cell_style": 2,
    "number_format": 3,
    "shared_string": 2,
    "cell_syntax": 2,
    "xml_spelling": 2,
    "name_swap": 2,
    "name_retarget": 2,
    "name_remove": 1,
    "sheet_state": 1,
    "sheet_name": 1,
    "custom_property": 1,
    "part_duplicate": 1,
    "part_case": 1,
}
MAX_BYTES = 64 * 1024  # a mutant holding a 40,000-digit text is not worth committing
SEED_BASE = 20_240_000


ALSO = (7_000_020, 7_000_120, 7_000_134)
"""Seeds of a 300-mutant exploration (``--n 300 --seed 7000000``) whose mutants the reader
read otherwise than both applications showed (an empty number format, a formula that
refers to its own cell, [DBNum1] over numbers typed as text): kept in the corpus."""


def candidates(
    n: int, seed_base: int = SEED_BASE, also: tuple[int, ...] = ALSO, stopping_share: float = 0.2
) -> list[dict]:
    """The mutants of the ``also`` seeds, then more from ``seed_base`` on, ``n`` in all, at
    most ``stopping_share`` of them read no further than a file-level error."""
    names = sorted(bases())
    ops = [op for op, w in WEIGHTS.items() for _ in range(w)]
    kept: list[dict] = []
    stopping = 0
    seeds = iter([*also, *range(seed_base, seed_base + 1_000_000)])
    while len(kept) < n:
        seed = next(seeds)
        rng = Random(seed)
        base = rng.choice(names)
        steps = [(rng.choice(ops), rng.randrange(2**32)) for _ in range(rng.randint(1, 3))]
        data, done = mutate(bases()[base], steps)
        if not done or len(data) > MAX_BYTES:
            continue
        ret = read_return(data, "mutant.xlsx")
        stops = any(f.is_error and f.cell is None for f in ret.findings)
        if stops and stopping >= stopping_share * n:
            continue
        stopping += stops
        ident = f"{len(kept):02d}-{done[0].split(':')[0].replace('_', '-')}"
        kept.append(
            {
                "id": ident,
                "seed": seed,
                "base": base,
                "steps": steps,
                "done": done,
                "data": data,
                "ret": ret,
            }
        )
    return kept


def soffice_version() -> str:
    out = subprocess.run(["soffice", "--version"], capture_output=True, text=True, check=False)
    return (out.stdout.strip().splitlines() or ["LibreOffice ?"])[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="mutants to make (default 40)")
    parser.add_argument("--no-gnumeric", action="store_true", help="LibreOffice only")
    parser.add_argument("--out", type=Path, default=CORPUS, help="where to write (exploring)")
    parser.add_argument("--seed", type=int, default=SEED_BASE, help="first seed")
    args = parser.parse_args()
    if not harness.available():
        print("needs soffice with python3-uno", file=sys.stderr)
        return 2
    with_gnumeric = not args.no_gnumeric
    if with_gnumeric and not gnumeric.available():
        print("needs ssconvert (Debian package gnumeric), or --no-gnumeric", file=sys.stderr)
        return 2
    made = candidates(args.n, args.seed, ALSO if args.out == CORPUS else ())
    out: Path = args.out
    with tempfile.TemporaryDirectory(prefix="gk-corpus-") as tmp:
        files = []
        for m in made:
            path = Path(tmp) / f"{m['id']}.xlsx"
            path.write_bytes(m["data"])
            m["cells"] = watched(m["ret"])
            files.append((path, m["cells"]))
        seen = observe(files, with_gnumeric=with_gnumeric)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.xlsx"):
        old.unlink()
    records = []
    dropped = []
    layout_cells = set(input_cells())
    for m, (lo, gn) in zip(made, seen, strict=True):
        if lo.get("crashed"):
            dropped.append(m["id"])
            continue
        (out / f"{m['id']}.xlsx").write_bytes(m["data"])
        records.append(
            {
                "id": m["id"],
                "seed": m["seed"],
                "base": m["base"],
                "steps": [list(s) for s in m["steps"]],
                "done": m["done"],
                "sha256": hashlib.sha256(m["data"]).hexdigest(),
                "extra_cells": [list(c) for c in m["cells"] if c not in layout_cells],
                "libreoffice": lo,
                "gnumeric": gn,
            }
        )
    oracle = {
        "about": "What LibreOffice (default load) and Gnumeric show at every input cell of "
        "the form in each mutant of tests/fuzz/corpus; written by scripts/make_fuzz_corpus.py. "
        "Per sheet and cell, where not simply empty: [type, displayed text, covered]; 0: no "
        "such sheet.",
        "libreoffice": soffice_version(),
        "gnumeric": gnumeric.version() if with_gnumeric else None,
        "layout": layout_fingerprint(),
        "dropped_crashing_libreoffice": dropped,
        "mutants": records,
    }
    lines = ",\n".join(
        "  " + json.dumps(r, ensure_ascii=False, sort_keys=True) for r in oracle.pop("mutants")
    )
    head = json.dumps(oracle, ensure_ascii=False, indent=1, sort_keys=True)[:-2]
    oracle_path = out / ORACLE.name
    oracle_path.write_text(f'{head},\n "mutants": [\n{lines}\n ]\n}}\n', encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir())
    print(f"{len(records)} mutants ({len(dropped)} dropped), {size / 1024:.0f} KB in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
