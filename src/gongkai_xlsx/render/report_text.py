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
_YEAR = re.compile(r"(\d{4})年度?")
_TITLE_ENDINGS = ("年度报告", "年度报告汇总", "工作报告")


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
    title_dropped: str | None = None  # the report's own title, written again at the top
    title_kept: str | None = None  # a title at the top that is not the report's: kept as text


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


def _title_key(text: str) -> str:
    """A title as compared: :func:`label_key`, and 2024年 the same as 2024年度."""
    return _YEAR.sub(r"\1年", label_key(text))


def is_same_title(line: str, title: str, agency: str = "") -> bool:
    """Whether ``line`` is the report's ``title``, however written: 年 or 年度, spaces,
    brackets, the agency's name as any spelling of the same agency."""
    key, wanted = _title_key(line), _title_key(title)
    if not key or key == wanted:
        return bool(key)
    if not agency or not title.startswith(agency):
        return False
    rest = _title_key(title[len(agency) :])
    return key.endswith(rest) and len(key) > len(rest) and same_agency(key[: -len(rest)], agency)


def _looks_like_title(line: str) -> bool:
    return label_key(line).endswith(_TITLE_ENDINGS)


def _plain(line: str) -> str:
    """The line without Markdown heading marks or whole-line emphasis."""
    stripped = _MARKDOWN_HEADING.sub("", line).strip()
    emphasis = _EMPHASIS.match(stripped)
    return emphasis.group(2) if emphasis else stripped


def parse_report_text(text: str, form: Form, title: str = "", agency: str = "") -> ReportText:
    """Split ``text`` into the report's parts by the part headings of ``form``.

    ``title`` and ``agency`` (the report's own) are recognised to drop a pasted title line
    (said in ``title_dropped``) and a pasted closing name; a closing date line is dropped too.
    """
    by_key = {label_key(p.title): p for p in form.report.parts}
    result = ReportText()
    current: list[Paragraph] = result.preamble
    part: ReportPart | None = None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        key, markdown = _heading_key(line)
        if key in by_key:
            part = by_key[key]
            current = result.parts.setdefault(part.title, [])
            continue
        if part is None and not result.preamble and result.title_dropped is None:
            plain = _plain(line)
            following = _plain(lines[index]) if index < len(lines) else ""
            if title and is_same_title(plain, title, agency):
                result.title_dropped = plain
                continue
            if (
                title
                and agency
                and same_agency(plain, agency)
                and is_same_title(plain + following, title, agency)
            ):  # the title broken after the agency's name, as published
                result.title_dropped = f"{plain}{following}"
                index += 1
                continue
            if result.title_kept is None and _looks_like_title(plain):
                result.title_kept = plain
        if part is not None and part.table is not None:
            if part.title not in result.ignored:
                result.ignored.append(part.title)
            continue
        current.append(_paragraph(_plain(line) if markdown else line))
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
