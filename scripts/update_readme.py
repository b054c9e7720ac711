"""Rewrite the finding-code table of README.md from the catalogue.

    python scripts/update_readme.py

tests/test_docs.py fails when the README and the catalogue differ; run this, then commit.
"""

from __future__ import annotations

from pathlib import Path

from gongkai_xlsx.catalogue import Code

README = Path(__file__).resolve().parent.parent / "README.md"
HEAD = "| 代码 | 级别 | 说明模板 |\n|---|---|---|\n"
END = "\n\n勾稽关系"


def table() -> str:
    return "\n".join(
        f"| `{c.code}` | {c.severity.chinese} | {c.template.replace('|', '/')} |" for c in Code
    )


def main() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index(HEAD) + len(HEAD)
    end = text.index(END, start)
    README.write_text(text[:start] + table() + text[end:], encoding="utf-8")


if __name__ == "__main__":
    main()
