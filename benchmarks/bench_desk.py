"""Benchmark: the desk (``gongkai-xlsx ui``) as a coordinator uses it.

    python benchmarks/bench_desk.py [--existing 60] [--drop 20]

Starts the real server (waitress, a subprocess) on a work folder already holding
``--existing`` returns, then prints:

- its memory (VmRSS, Linux) idle after start, after the first check, idle again; anchored by
  the memory of a bare ``python -c "import gongkai_xlsx.cli"``;
- a drop of ``--drop`` new returns through the page's upload: the time from the POST until
  the status table has the new version (the check of the whole folder), anchored by
  ``gongkai-xlsx ingest`` of the same folder in the terminal (the same library call).

Once ingest keeps results by SHA-256 (issue 15), the drop re-reads only the new files; the
anchor shows what a full re-check costs. Figures only; nothing here fails on a time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from conftest import fill_with_openpyxl  # noqa: E402
from desk_helpers import multipart, real_server  # noqa: E402

from gongkai_xlsx.definition import load_form  # noqa: E402
from gongkai_xlsx.definition.layout import layout_of  # noqa: E402
from gongkai_xlsx.writer import TemplateOptions, write_template  # noqa: E402


def returns(folder: Path, count: int, start: int) -> list[Path]:
    """``count`` filled returns of distinct agencies (某县单位N)."""
    form = load_form("gk2021")
    layout = layout_of(form)
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for n in range(start, start + count):
        template = folder / f".t{n}.xlsx"
        write_template(form, TemplateOptions(year=2024, agency=f"某县单位{n}"), template)
        made.append(
            fill_with_openpyxl(
                layout, template, folder / f"单位{n}.xlsx", {"a.licensing.decisions": n % 7}
            )
        )
        template.unlink()
    return made


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bare_import_rss() -> float:
    code = (
        "import gongkai_xlsx.cli, pathlib;"
        "print([l for l in pathlib.Path('/proc/self/status').read_text().splitlines()"
        " if l.startswith('VmRSS')][0].split()[1])"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    return int(out.stdout.strip()) / 1024


def wait_version(server, cookie: str, version: int, timeout: float = 3600) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        _status, _, body = server.request(
            "GET", f"/collect/status.json?v={version}", headers={"Cookie": cookie}
        )
        data = json.loads(body)
        jobs = data["jobs"]
        if data["version"] >= version and not jobs["running"] and not jobs["waiting"]:
            return
        time.sleep(0.1)
    raise TimeoutError


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--existing", type=int, default=60)
    parser.add_argument("--drop", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "工作文件夹"
        t0 = time.perf_counter()
        returns(work / "报表" / "2025-01-10", args.existing, 0)
        new = returns(Path(tmp) / "new", args.drop, args.existing)
        print(f"made {args.existing + args.drop} returns in {time.perf_counter() - t0:.1f} s")
        print(f"anchor: bare `import gongkai_xlsx.cli` RSS {bare_import_rss():.1f} MB")
        with real_server(work) as server:
            pid = server.process.pid
            print(f"server idle after start: RSS {rss_mb(pid):.1f} MB")
            cookie, csrf = server.sign_in()
            t0 = time.perf_counter()
            wait_version(server, cookie, 1)
            first = time.perf_counter() - t0
            print(
                f"first check of {args.existing} returns (started with the server; waited from sign-in): {first:.2f} s"
            )
            time.sleep(1)
            print(f"server idle after the check: RSS {rss_mb(pid):.1f} MB")
            body, kind = multipart({}, [(p.name, p.read_bytes()) for p in new])
            t0 = time.perf_counter()
            status, _, _ = server.request(
                "POST",
                "/collect/upload",
                body,
                {
                    "Cookie": cookie,
                    "Content-Type": kind,
                    "Origin": f"http://127.0.0.1:{server.port}",
                    "X-CSRF-Token": csrf,
                    "X-Requested-With": "gongkai-desk",
                },
            )
            assert status == 200
            uploaded = time.perf_counter() - t0
            wait_version(server, cookie, 2)
            drop = time.perf_counter() - t0
            print(
                f"drop of {args.drop} new returns into {args.existing}: upload {uploaded:.2f} s, "
                f"table updated after {drop:.2f} s"
            )
            time.sleep(1)
            print(f"server idle after the drop: RSS {rss_mb(pid):.1f} MB")
        out = Path(tmp) / "anchor"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "gongkai_xlsx", "ingest", str(work / "报表"), "-o", str(out)],
            capture_output=True,
            env=env,
        )
        anchor = time.perf_counter() - t0
        print(
            f"anchor: `gongkai-xlsx ingest` of the same {args.existing + args.drop} returns "
            f"in the terminal, from scratch: {anchor:.2f} s (ratio drop/anchor {drop / anchor:.2f})"
        )


if __name__ == "__main__":
    main()
