"""Wrapping mixed Chinese and ASCII text to a terminal width.

The framework's wrapper breaks at spaces only and counts characters, so a Chinese
paragraph (no spaces, two columns per character) either overflows or is cut in the
middle of a word. Here a line may break between any two CJK characters but never inside
an ASCII word (``report.json``, ``--out-dir``), a closing mark (，。）”) never starts a
line and an opening one (（“) never ends it.
"""

from __future__ import annotations

import re

from gongkai_xlsx.text import text_width

# An ASCII word with what sticks to it (paths, option names, numbers); a run of spaces;
# any other single character.
_TOKENS = re.compile(r"[!-~]+|[ ]+|.", re.DOTALL)
_NO_LINE_START = set("，。、；：？！）》」』”’】〕…%,.;:?!)]}")
_NO_LINE_END = set("（《「『“‘【〔([{")


def _tokens(text: str) -> list[str]:
    return _TOKENS.findall(text)


def _hard_split(word: str, width: int) -> list[str]:
    pieces, current = [], ""
    for ch in word:
        if current and text_width(current + ch) > width:
            pieces.append(current)
            current = ""
        current += ch
    return [*pieces, current] if current else pieces


def _is_closing(token: str) -> bool:
    return token[0] in _NO_LINE_START


def _is_opening(token: str) -> bool:
    return token[-1] in _NO_LINE_END


def _width(tokens: list[str]) -> int:
    return sum(text_width(t) for t in tokens)


def _break(line: list[str], token: str) -> tuple[list[str], list[str]]:
    """Where to end ``line`` when ``token`` does not fit: (the line, the next line's
    start). A closing mark may hang one character past the width; more marks push the
    character before them to the next line. An opening mark moves down with its text."""
    if _is_closing(token):
        marks = 0
        while marks < len(line) and _is_closing(line[len(line) - 1 - marks]):
            marks += 1
        if marks == 0:
            return [*line, token], []
        cut = len(line) - marks - 1  # the character the marks belong to moves with them
        if cut <= 0:
            return [*line, token], []
        return line[:cut], [*line[cut:], token]
    cut = len(line)
    while cut > 0 and _is_opening(line[cut - 1]):
        cut -= 1
    if cut == 0:
        return [*line, token], []
    return line[:cut], [*line[cut:], token]


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` columns (a closing mark may hang one
    character past it); line breaks in ``text`` are kept, trailing spaces dropped."""
    width = max(width, 4)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line: list[str] = []
        for token in _tokens(paragraph):
            if token.isspace() and not line:
                continue
            if text_width(token) > width:  # a word longer than a line: cut it
                *full, rest = _hard_split("".join(line) + token, width)
                lines.extend(full)
                line = [rest]
                continue
            fits = _width(line) + text_width(token) <= width
            hangs = _is_closing(token) and len(token) == 1 and _width(line) <= width
            if fits or hangs or not line:
                line.append(token)
                continue
            done, line = _break(line, token)
            lines.append("".join(done).rstrip())
            while line and line[0].isspace():
                line.pop(0)
        lines.append("".join(line).rstrip())
    return lines
