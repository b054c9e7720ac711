"""The fuzz corpus: mutants of the samples with what LibreOffice and Gnumeric show in them.

    python scripts/make_fuzz_corpus.py [--n 40] [--no-gnumeric]
    python scripts/make_fuzz_corpus.py --add --operators a,b --n 8 --seed S

A research tool, not a test. It makes mutants of the four samples and the witness study's
base return with the fuzz test's operators (``tests/fuzz/mutate.py``), from fixed seeds,
mostly operators that change the cells, rows, names, styles and strings a person sees
(a few of the package too), keeping at most a fifth whose reading stops at a file-level
error, and always the mutants of ``ALSO`` (found by exploring with ``--out``). It opens all
of them in ONE LibreOffice (``harness.witness``, its default load) and in Gnumeric
(``ssconvert``), drops those that crash or hang LibreOffice, and writes

- ``tests/fuzz/corpus/<id>.xlsx``: the mutants (the old ones are removed first);
- ``tests/fuzz/corpus/oracle.json``: how each was made, and what both applications show at
  every input cell of the form (and wherever else the reader read one).

With ``--add`` it rewrites nothing: it makes ``--n`` NEW mutants per operator of
``--operators`` (one or two steps of that operator alone; seeds from ``--seed`` on, one
counter for all the operators in the order given; numbered after the last mutant), observes
them the same way, and adds their files and their lines at the end of oracle.json; the
lines already there stay byte for byte (the last one gains its comma). It refuses when the
form, LibreOffice or Gnumeric is not the one the corpus saw. A file LibreOffice does not
load is recorded ``"loaded": false`` (what a zip operator is for), one that crashes it is
left out.

The corpus: mutants 00-39 from ``--n 40`` (seeds from 20,240,000 and ``ALSO``); 40-87 from
``--add --operators element_repeat,value_child,shared_string_grammar,shared_formula,
zip_method,zip_comment --n 8 --seed 12000000`` (issue 12, classes 1-3; 8 per operator).

``tests/test_fuzz_oracle.py`` holds the reader to it (every input cell a finding or the
value both show; a file LibreOffice does not open refused) and re-runs the witnesses on a
few mutants. About three minutes on two cores (``--add`` of 48: under two). Needs soffice
with python3-uno and, unless ``--no-gnumeric``, ssconvert (always with ``--add``).
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
from fuzz.mutate import OPERATORS, input_cells, mutate  # noqa: E402
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


def additions(
    operators: list[str], n: int, seed_base: int, first: int, known: set[str]
) -> list[dict]:
    """``n`` new mutants per operator, each one or two steps of that operator alone on a
    base, from seeds ``seed_base`` on (one counter for all operators, in the order given),
    numbered from ``first``; none whose bytes are already in the corpus (``known``: their
    sha256) and none past ``MAX_BYTES``. No cap on file-level stops: a zip LibreOffice
    refuses is what the zip operators are for."""
    names = sorted(bases())
    kept: list[dict] = []
    seeds = iter(range(seed_base, seed_base + 1_000_000))
    for op in operators:
        made = 0
        while made < n:
            seed = next(seeds)
            rng = Random(seed)
            base = rng.choice(names)
            steps = [(op, rng.randrange(2**32)) for _ in range(rng.randint(1, 2))]
            data, done = mutate(bases()[base], steps)
            digest = hashlib.sha256(data).hexdigest()
            if not done or len(data) > MAX_BYTES or digest in known:
                continue
            known.add(digest)
            made += 1
            ident = f"{first + len(kept):02d}-{op.replace('_', '-')}"
            ret = read_return(data, "mutant.xlsx")
            kept.append(
                {"id": ident, "seed": seed, "base": base, "steps": steps, "done": done,
                 "data": data, "ret": ret}
            )  # fmt: skip
    return kept


def soffice_version() -> str:
    out = subprocess.run(["soffice", "--version"], capture_output=True, text=True, check=False)
    return (out.stdout.strip().splitlines() or ["LibreOffice ?"])[0]


def record(m: dict, lo: dict, gn: dict | None) -> dict:
    """A mutant's line in oracle.json: how it was made and what both applications show."""
    layout_cells = set(input_cells())
    return {
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


def record_line(r: dict) -> str:
    return "  " + json.dumps(r, ensure_ascii=False, sort_keys=True)


def observed(made: list[dict], with_gnumeric: bool) -> list[tuple[dict, dict | None]]:
    """Every mutant opened in one LibreOffice and in Gnumeric, at the cells it watches."""
    with tempfile.TemporaryDirectory(prefix="gk-corpus-") as tmp:
        files = []
        for m in made:
            path = Path(tmp) / f"{m['id']}.xlsx"
            path.write_bytes(m["data"])
            m["cells"] = watched(m["ret"])
            files.append((path, m["cells"]))
        return observe(files, with_gnumeric=with_gnumeric)


END = "\n ]\n}\n"
"""How oracle.json ends: the last mutant's line is right before it."""


def append(args: argparse.Namespace) -> int:
    """New mutants of ``args.operators`` appended to the corpus: their files added, their
    lines added after the last one of oracle.json. Nothing already there is rewritten."""
    out: Path = args.out
    oracle_path = out / ORACLE.name
    text = oracle_path.read_text(encoding="utf-8")
    oracle = json.loads(text)
    if not text.endswith(END):
        print(f"{oracle_path} is not as this script writes it", file=sys.stderr)
        return 2
    if oracle["layout"] != layout_fingerprint():
        print("the form moved: regenerate the corpus, do not append to it", file=sys.stderr)
        return 2
    versions = {"libreoffice": soffice_version(), "gnumeric": gnumeric.version()}
    for app, version in versions.items():
        if oracle[app] != version:
            print(f"{app} is {version}, the corpus saw {oracle[app]}", file=sys.stderr)
            return 2
    operators = [op.strip() for op in args.operators.split(",") if op.strip()]
    unknown = [op for op in operators if op not in OPERATORS]
    if not operators or unknown:
        print(f"unknown operators {unknown}; known: {', '.join(OPERATORS)}", file=sys.stderr)
        return 2
    existing = oracle["mutants"]
    first = 1 + max(int(m["id"].split("-")[0]) for m in existing)
    made = additions(operators, args.n, args.seed, first, {m["sha256"] for m in existing})
    seen = observed(made, with_gnumeric=True)
    lines, dropped = [], []
    for m, (lo, gn) in zip(made, seen, strict=True):
        if lo.get("crashed"):
            dropped.append(m["id"])
            continue
        (out / f"{m['id']}.xlsx").write_bytes(m["data"])
        lines.append(record_line(record(m, lo, gn)))
    new_text = text[: -len(END)] + ",\n" + ",\n".join(lines) + END
    oracle_path.write_text(new_text, encoding="utf-8")
    print(f"{len(lines)} mutants added ({len(dropped)} crashed LibreOffice, not added: {dropped})")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="mutants to make (default 40)")
    parser.add_argument("--no-gnumeric", action="store_true", help="LibreOffice only")
    parser.add_argument("--out", type=Path, default=CORPUS, help="where to write (exploring)")
    parser.add_argument("--seed", type=int, default=SEED_BASE, help="first seed")
    parser.add_argument(
        "--add", action="store_true", help="append --n mutants per operator of --operators"
    )
    parser.add_argument("--operators", default="", help="with --add: operators, comma-separated")
    args = parser.parse_args()
    if not harness.available():
        print("needs soffice with python3-uno", file=sys.stderr)
        return 2
    with_gnumeric = not args.no_gnumeric
    if (with_gnumeric or args.add) and not gnumeric.available():
        print("needs ssconvert (Debian package gnumeric), or --no-gnumeric", file=sys.stderr)
        return 2
    if args.add:
        return append(args)
    made = candidates(args.n, args.seed, ALSO if args.out == CORPUS else ())
    out: Path = args.out
    seen = observed(made, with_gnumeric)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.xlsx"):
        old.unlink()
    records = []
    dropped = []
    for m, (lo, gn) in zip(made, seen, strict=True):
        if lo.get("crashed"):
            dropped.append(m["id"])
            continue
        (out / f"{m['id']}.xlsx").write_bytes(m["data"])
        records.append(record(m, lo, gn))
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
    lines = ",\n".join(record_line(r) for r in oracle.pop("mutants"))
    head = json.dumps(oracle, ensure_ascii=False, indent=1, sort_keys=True)[:-2]
    oracle_path = out / ORACLE.name
    oracle_path.write_text(f'{head},\n "mutants": [\n{lines}{END}', encoding="utf-8")
    size = sum(p.stat().st_size for p in out.iterdir())
    print(f"{len(records)} mutants ({len(dropped)} dropped), {size / 1024:.0f} KB in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
