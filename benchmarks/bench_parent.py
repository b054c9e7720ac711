"""Benchmark: the parent's own memory with each option of ingest, at 1,000 and 10,000 returns
(issue 16, "the parent stays flat").

    python benchmarks/bench_parent.py [--n 10000] [--base 1000] [--jobs 2]
        [--options plain,roster,previous,summary] [--made FOLDER]

Returns are made as ``bench_ingest.py`` makes them (each naming its agency 某县第NNNNN局 on
its cover). For each option, ingest of ``--base`` and of ``--n`` of them runs in a fresh
process, each into an empty folder, and the parent's own peak (``ru_maxrss`` of the
ingest process itself, its workers not included) and CPU are printed, with the growth
from ``--base`` to ``--n`` (the goal: ≤ +10 MB). The options, each sized with the batch:

- ``plain``: ``ingest`` alone (the anchor);
- ``roster``: ``--roster`` of a CSV naming the agencies of the returns ingested;
- ``previous``: ``--previous`` of a folder of last year's canonical JSONs, one per agency
  (the plain run's outputs with their year set one back);
- ``summary``: ``--summary``.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_drop import ingest, show
from bench_ingest import FORM, xml_returns

from gongkai_xlsx.writer import TemplateOptions, write_template

OPTIONS = ("plain", "roster", "previous", "summary")


def roster_file(folder: Path, count: int) -> Path:
    """A roster naming the agencies of the first ``count`` returns made."""
    path = folder / f"名单_{count}.csv"
    lines = ["单位名称", *(f"某县第{i:05d}局" for i in range(count))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def previous_folder(outputs: Path, folder: Path, count: int) -> Path:
    """Last year's folder: the first ``count`` canonical JSONs of a plain run, a year back."""
    folder.mkdir()
    made = sorted(p for p in outputs.glob("*.json") if p.name != "report.json")[:count]
    for path in made:
        text = path.read_text(encoding="utf-8")
        year = int(re.search(r'"year": ?(\d{4})', text).group(1))  # type: ignore[union-attr]
        text = re.sub(r'"year": ?\d{4}', f'"year": {year - 1}', text, count=1)
        (folder / path.name.replace(str(year), str(year - 1))).write_text(text, encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description="各选项下主进程内存的基准")
    parser.add_argument("--n", type=int, default=10000, help="大批量的份数（默认 10000）")
    parser.add_argument("--base", type=int, default=1000, help="小批量的份数（默认 1000）")
    parser.add_argument("--jobs", type=int, default=2, help="并行进程数（默认 2）")
    parser.add_argument("--options", default=",".join(OPTIONS), help="要测的选项，逗号分隔")
    parser.add_argument("--made", type=Path, help="生成的报表放在这里，再次运行时沿用")
    args = parser.parse_args()
    wanted = [o for o in args.options.split(",") if o]
    unknown = set(wanted) - set(OPTIONS)
    if unknown:
        parser.error(f"未知选项：{'、'.join(sorted(unknown))}")
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; -j {args.jobs}")
    with tempfile.TemporaryDirectory(prefix="gk-parent-") as tmp:
        work = Path(tmp)
        template = work / "template.xlsx"
        write_template(FORM, TemplateOptions(2024), template)
        kept = args.made or work / "made"
        made = sorted(kept.glob("r*.xlsx")) if kept.is_dir() else []
        if len(made) < args.n:
            start = time.perf_counter()
            made = xml_returns(template, kept, args.n)
            print(f"made {args.n} returns in {time.perf_counter() - start:.1f} s")
        sizes = {"small": args.base, "big": args.n}
        inputs = {}
        for label, size in sizes.items():
            inputs[label] = work / label
            inputs[label].mkdir()
            for p in made[:size]:
                os.link(p, inputs[label] / p.name)
        plain: dict[str, Path] = {}
        for option in ("plain", *(o for o in wanted if o != "plain")):
            if option != "plain" and option not in wanted:
                continue
            print(f"{option} (-j {args.jobs}, each into an empty folder):", flush=True)
            ran = {}
            for label, size in sizes.items():
                out = work / f"o-{option}-{label}"
                extra: dict[str, object] = {}
                if option == "roster":
                    extra["roster"] = roster_file(work, size)
                elif option == "previous":
                    extra["previous"] = previous_folder(plain[label], work / f"prev-{label}", size)
                elif option == "summary":
                    extra["summary"] = True
                ran[label] = ingest(inputs[label], out, args.jobs, **extra)
                if option == "plain":
                    plain[label] = out
                show(f"{size} returns", ran[label])
            small, big = ran["small"], ran["big"]
            grown = big.peak_mib - small.peak_mib
            print(
                f"parent {option}: peak {small.peak_mib:.1f} MiB at {args.base}, "
                f"{big.peak_mib:.1f} MiB at {args.n} (+{grown:.1f} MiB; goal +10 MB); "
                f"parent CPU {small.cpu_parent:.2f} s, {big.cpu_parent:.2f} s",
                flush=True,
            )


if __name__ == "__main__":
    main()
