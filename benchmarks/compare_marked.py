"""Check: the marked copies of this tree hold the same bytes as another tree's.

    python benchmarks/compare_marked.py --against OTHER/src

A change that makes marking faster must not change a marked copy: every zip member's
inflated bytes (not the zip's: the compressor may change) of each copy below is hashed in
a process under each tree, and the two lists compared. Prints one line per case and the
members that differ; exits 1 when any does.

The cases: every file of samples/ marked with its findings, then marked again (twice
marked: once with the same findings, once with half of them, as a return that comes back
partly fixed); the marked copies of samples/expected/annotated marked again; one return
with 200 and with 600 marks spread over every input cell (bench_annotate's
construction), also marked twice; and marks whose messages hold markup, control
characters and line breaks, on cells, on sheets and on the whole file. Each case is made
twice in the process (with nothing kept, then with what the first kept); the second time,
in a tree whose reader tells the marking which sheets it accepted (``well_formed``), as
``ingest --annotate`` marks after the check: those sheets are not checked again, and the
copy must not change for it.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def members(data: bytes) -> dict[str, str]:
    """Each zip member's name → the SHA-256 of its inflated bytes, in zip order."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: hashlib.sha256(z.read(i)).hexdigest() for i in z.infolist()}


def cases() -> dict[str, dict[str, str]]:
    """Every case's marked copy (made in the tree on the path), as :func:`members`."""
    from gongkai_xlsx.annotate import Mark, annotate_workbook, marks_from_findings
    from gongkai_xlsx.api import check_file
    from gongkai_xlsx.cellref import to_a1
    from gongkai_xlsx.definition import load_form
    from gongkai_xlsx.definition.layout import layout_of
    from gongkai_xlsx.reader import read_return

    form = load_form("gk2021")
    made: dict[str, dict[str, str]] = {}
    told = "well_formed" in inspect.signature(annotate_workbook).parameters

    def case(name: str, data: bytes, marks: list[Mark]) -> bytes:
        accepted = getattr(read_return(data, name), "well_formed", ()) if told else ()
        for turn in ("first", "again"):
            after_read = {"well_formed": accepted} if turn == "again" and accepted else {}
            out = annotate_workbook(data, marks, form, **after_read)
            made[f"{name} ({turn})"] = members(out)
        return out

    inputs = sorted(SAMPLES.glob("*.xlsx")) + sorted((SAMPLES / "expected").rglob("*.xlsx"))
    for path in inputs:
        marks = marks_from_findings(check_file(path).findings)
        data = path.read_bytes()
        once = case(path.name, data, marks)
        case(f"{path.name} twice", once, marks)
        case(f"{path.name} twice, half", once, marks[::2])
        case(f"{path.name} no marks", data, [])

    layout = layout_of(form)
    places = [(s, to_a1(r, c)) for s, r, c in layout.cell_positions.values()]
    ids = list(layout.cell_positions)
    data = (SAMPLES / "某县民政局_2024_LibreOffice保存.xlsx").read_bytes()
    for count in (200, 600):
        many = [
            Mark("error" if i % 2 else "warning", *places[i % len(places)], f"问题 {i}", "bench")
            for i in range(count)
        ]
        once = case(f"{count} marks", data, many)
        case(f"{count} marks twice", once, many[::3])
    odd = ['<a href="x">&amp;</a>', "行一\n行二\r\n行三", "控制\x01字符\x0b", "'单引号' > < &"]
    hostile = [
        Mark("error", *places[0], odd[0], "x", also=(ids[5], ids[9])),
        Mark("warning", *places[0], odd[1], "y"),
        Mark("warning", places[3][0], None, odd[2], "z"),
        Mark("error", None, None, odd[3], "w"),
        Mark("warning", places[7][0], "ZZZ0", odd[0], "v"),
        Mark("warning", "没有这张表", "B2", odd[1], "u"),
    ] + [Mark("warning", *places[i], odd[i % 4], "g", what_text=odd[i % 3]) for i in range(40)]
    once = case("hostile messages", data, hostile)
    case("hostile messages twice", once, hostile[1:])
    return made


def run_under(src: Path) -> dict[str, dict[str, str]]:
    """:func:`cases` in a process whose ``gongkai_xlsx`` is the one in ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = f"import sys, json; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); "
    code += "import compare_marked; print(json.dumps(compare_marked.cases()))"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description="比较两个源码树生成的标注副本内容")
    parser.add_argument("--against", type=Path, required=True, help="另一个源码树的 src 目录")
    args = parser.parse_args()
    before, after = run_under(args.against.resolve()), run_under(ROOT / "src")
    differ = 0
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, {}), after.get(name, {})
        if list(old.items()) == list(new.items()):
            print(f"same: {name} ({len(new)} members)")
            continue
        differ += 1
        changed = [m for m in sorted(set(old) | set(new)) if old.get(m) != new.get(m)]
        order = "" if list(old) == list(new) or changed else " (member order)"
        print(f"DIFFERENT: {name}{order}: {', '.join(changed)}")
    print(f"{len(after)} cases, {differ} different")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
