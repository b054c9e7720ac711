"""Rewrite the generated parts of README.md: the finding-code table (from the catalogue)
and the ingest example (a real run over samples/).

    python scripts/update_readme.py

tests/test_docs.py fails when the README and what the tool says differ; run this, then
commit.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from gongkai_xlsx.catalogue import Code

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
HEAD = "| 代码 | 级别 | 说明模板 |\n|---|---|---|\n"
END = "\n\n勾稽关系"
EXAMPLE_BEGIN = "<!-- ingest-example:begin -->\n"
EXAMPLE_END = "<!-- ingest-example:end -->"
EXAMPLE_COMMAND = ["ingest", "samples/", "-o", "out/", "--annotate", "退回/"]


def table() -> str:
    return "\n".join(
        f"| `{c.code}` | {c.severity.chinese} | {c.template.replace('|', '/')} |" for c in Code
    )


def ingest_example() -> str:
    """What ``gongkai-xlsx ingest samples/ -o out/ --annotate 退回/`` prints, run in a copy of
    the samples so that nothing in the checkout changes."""
    with tempfile.TemporaryDirectory(prefix="gk-readme-") as tmp:
        shutil.copytree(
            ROOT / "samples", Path(tmp) / "samples", ignore=shutil.ignore_patterns("expected")
        )
        done = subprocess.run(
            [sys.executable, "-m", "gongkai_xlsx.cli", *EXAMPLE_COMMAND],
            cwd=tmp,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env={**__import__("os").environ, "PYTHONIOENCODING": "utf-8"},
            check=False,
        )
    shown = " ".join(EXAMPLE_COMMAND)
    return f"```text\n$ gongkai-xlsx {shown}\n{done.stdout}```\n"


def rewritten(text: str) -> str:
    start = text.index(HEAD) + len(HEAD)
    end = text.index(END, start)
    text = text[:start] + table() + text[end:]
    start = text.index(EXAMPLE_BEGIN) + len(EXAMPLE_BEGIN)
    end = text.index(EXAMPLE_END, start)
    return text[:start] + ingest_example() + text[end:]


def main() -> None:
    README.write_text(rewritten(README.read_text(encoding="utf-8")), encoding="utf-8")


if __name__ == "__main__":
    main()
