"""The text parts of a report (一、总体情况, 五、…, 六、…) from a text or Markdown file.

A publisher writes the words; the numbers come from the document. The file is read the way
people write it: plain lines or Markdown, headings as ``一、总体情况`` or ``## 一、总体情况``
(also with half-width brackets or stray spaces, as text copied out of a PDF has them), one
paragraph per line, ``**bold**`` kept. Last year's whole report pasted in works too: its
title line, the tables' text under 二、三、四 and its closing name and date are recognised and
left out, because the report writes those from the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from gongkai_xlsx.agency import same_agency
from gongkai_xlsx.definition.model import Form, ReportPart
from gongkai_xlsx.text import label_key

_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_EMPHASIS = re.compile(r"^(\*\*|__)(.+)\1$")
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


@dataclass(frozen=True)
class Paragraph:
    """One paragraph as runs of (text, bold)."""

    runs: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.runs)


@dataclass
class ReportText:
    """The publisher's words: an optional preamble, then paragraphs per text part.

    ``parts`` is keyed by the part's official title; a part not in it gets a placeholder.
    ``ignored`` lists the table parts under which the file had text (not used: the tables
    come from the document).
    """

    preamble: list[Paragraph] = field(default_factory=list)
    parts: dict[str, list[Paragraph]] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def _paragraph(line: str) -> Paragraph:
    runs: list[tuple[str, bool]] = []
    last = 0
    for match in _BOLD.finditer(line):
        if match.start() > last:
            runs.append((line[last : match.start()], False))
        runs.append((match.group(1), True))
        last = match.end()
    if last < len(line):
        runs.append((line[last:], False))
    return Paragraph(tuple(runs))


def _heading_key(line: str) -> tuple[str, bool]:
    """The line as compared with part titles, and whether it was a Markdown heading."""
    stripped = _MARKDOWN_HEADING.sub("", line)
    markdown = stripped != line
    stripped = stripped.strip()
    emphasis = _EMPHASIS.match(stripped)
    if emphasis:
        stripped = emphasis.group(2)
    return label_key(stripped), markdown


def parse_report_text(text: str, form: Form, title: str = "", agency: str = "") -> ReportText:
    """Split ``text`` into the report's parts by the part headings of ``form``.

    ``title`` and ``agency`` (the report's own) are recognised to drop a pasted title line
    and a pasted closing name; a closing date line is dropped too.
    """
    by_key = {label_key(p.title): p for p in form.report.parts}
    result = ReportText()
    current: list[Paragraph] = result.preamble
    part: ReportPart | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        key, markdown = _heading_key(line)
        if key in by_key:
            part = by_key[key]
            current = result.parts.setdefault(part.title, [])
            continue
        if part is None and (markdown or (title and key == label_key(title))):
            continue  # the report's own title, written again or as a Markdown heading
        if part is not None and part.table is not None:
            if part.title not in result.ignored:
                result.ignored.append(part.title)
            continue
        current.append(_paragraph(line))
    for p in form.report.parts:
        if p.table is not None:
            result.parts.pop(p.title, None)
    _drop_closing(result, agency)
    return result


def _drop_closing(result: ReportText, agency: str) -> None:
    """Remove a closing agency name and date from the end of the last part with text."""
    texts = [paragraphs for paragraphs in result.parts.values() if paragraphs]
    if not texts:
        return
    last = texts[-1]
    while last:
        key = label_key(last[-1].text)
        if _DATE.match(key) or (agency and same_agency(last[-1].text, agency)):
            last.pop()
        else:
            break
