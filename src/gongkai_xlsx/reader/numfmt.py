"""What a number format makes of a number: does the cell show the number it holds?

A clerk pastes a cell from another workbook and its format comes along (the notes: paste
replaces the number format even on a protected sheet). 45000 formatted as a date shows
2023/3/15, 0.12 as a percent shows 12%, 12000 formatted ``#,##0,`` shows 12, 250.83
formatted ``0`` shows 251. The person who checked the workbook saw those, not the stored
number, so a format that shows something else is a finding at the cell.

Only what decides that is parsed (ECMA-376 Part 1 §18.8.31): sections, literals, colours,
conditions, locale tags, digit placeholders, scaling commas, ``%``, exponents, fractions
and date/time codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_DATE_LETTERS = set("yYmMdDhHsSeEgGbB")
_GENERAL = re.compile(r"general", re.I)  # a section "General" shows the number as it is
_LOCALE_DATE = re.compile(r"\[\$-F[48]00\]", re.I)  # system long date / time


@dataclass(frozen=True)
class Section:
    placeholders: int  # digit placeholders before the decimal point
    decimals: int  # digit placeholders after it
    percent: bool
    exponent: bool
    fraction: bool
    date: bool
    scaled: bool  # a comma right after the last digit placeholder divides by 1000
    literal: bool  # text shown beside the number: "万", "¥", "件" may change its reading
    conditional: bool
    text_only: bool  # "@" or literal text without any digit placeholder
    chinese: bool  # [DBNum1]-[DBNum3]: Chinese numerals


@dataclass(frozen=True)
class Verdict:
    """``kind`` None when the cell shows its number; otherwise why it does not, in words
    for the message (``date`` is told apart: a date is "not a number")."""

    kind: str | None
    reason: str = ""


SHOWN = Verdict(None)


@lru_cache(maxsize=512)
def _sections(code: str) -> tuple[str, ...]:
    """The sections of a format code, "General" written as the placeholders it acts as."""
    return tuple(_GENERAL.sub("0.##########", part) for part in _split_sections(code))


def _split_sections(code: str) -> list[str]:
    sections, current, quoted, bracket, escape = [], [], False, False, False
    for ch in code:
        if escape:
            current.append(ch)
            escape = False
        elif ch == "\\" and not quoted:
            current.append(ch)
            escape = True
        elif ch == '"':
            quoted = not quoted
            current.append(ch)
        elif quoted:
            current.append(ch)
        elif ch == "[":
            bracket = True
            current.append(ch)
        elif ch == "]":
            bracket = False
            current.append(ch)
        elif ch == ";" and not bracket:
            sections.append("".join(current))
            current = []
        else:
            current.append(ch)
    sections.append("".join(current))
    return sections


@lru_cache(maxsize=512)
def _section(text: str) -> Section:
    placeholders = decimals = 0
    percent = exponent = fraction = date = scaled = literal = conditional = False
    chinese = False
    after_point = False
    last_was_digit = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            literal = literal or bool(text[i + 1 : end].strip())
            i = end + 1
            last_was_digit = False
            continue
        if ch == "\\" and i + 1 < n:
            literal = literal or not text[i + 1].isspace()
            i += 2
            last_was_digit = False
            continue
        if ch in "_*" and i + 1 < n:  # a space as wide as the next char / fill with it
            i += 2
            continue
        if ch == "[":
            end = text.find("]", i + 1)
            end = n if end < 0 else end
            inside = text[i + 1 : end]
            if inside[:1] in "<>=":
                conditional = True
            elif inside.upper().startswith("DBNUM"):
                chinese = True  # LibreOffice shows 一十二, Gnumeric nothing (WITNESS.md F13)
            elif _LOCALE_DATE.fullmatch(f"[{inside}]"):
                date = True
            elif inside.lower() in ("h", "hh", "m", "mm", "s", "ss"):
                date = True  # elapsed time
            i = end + 1
            continue
        if ch in "0#?":
            if after_point:
                decimals += 1
            else:
                placeholders += 1
            last_was_digit = True
            i += 1
            continue
        if ch == ",":
            # a comma followed by more placeholders groups thousands; one after the last
            # placeholder (or before the point) scales
            rest = text[i + 1 :]
            if last_was_digit and not re.match(r"[,]*[0#?]", rest):
                scaled = True
            i += 1
            continue
        if ch == ".":
            after_point = True
            i += 1
            continue
        if ch == "%":
            percent = True
        elif ch in "Ee" and text[i + 1 : i + 2] in ("+", "-"):
            exponent = True
        elif ch == "/" and last_was_digit:
            fraction = True
        elif ch in _DATE_LETTERS or text[i : i + 3].upper() in ("AM/", "A/P"):
            date = True  # y m d h s, era and Buddhist-year codes, AM/PM and A/P
        elif ch.isdigit() or ch == "$" or not ch.isascii():
            literal = True  # a digit, a currency sign or other text shown as it is
        last_was_digit = False
        i += 1
    text_only = placeholders + decimals == 0 and not date
    return Section(
        placeholders,
        decimals,
        percent,
        exponent,
        fraction,
        date,
        scaled,
        literal,
        conditional,
        text_only,
        chinese,
    )


def _rounds(value: float, decimals: int) -> bool:
    """Whether showing ``decimals`` places changes the number (float noise aside: Excel
    itself shows 15 significant digits)."""
    return abs(round(value, decimals) - value) > 1e-9 * max(1.0, abs(value))


@lru_cache(maxsize=4096)  # a batch's returns show the same few numbers in the same formats
def verdict(code: str | None, value: float) -> Verdict:
    """Does a cell with format ``code`` show ``value`` as the number it is? (-0.0 and 0.0,
    one key, are shown alike.)"""
    if code is None:
        return Verdict("style", "单元格样式编号在文件中不存在")
    stripped = code.strip()
    if stripped == "":  # LibreOffice shows the number, Gnumeric nothing (the fuzz corpus)
        return Verdict("hidden", "单元格格式为空")
    if stripped.lower() == "general" or stripped == "@":
        return SHOWN
    sections = _sections(code)
    if any(_section(s).conditional for s in sections):
        return Verdict("conditional", f"单元格格式“{code}”按条件显示")
    if value > 0 or len(sections) < 3:
        chosen = sections[0] if value >= 0 or len(sections) < 2 else sections[1]
    elif value == 0:
        chosen = sections[2]
    else:
        chosen = sections[1]
    if len(sections) >= 3 and value == 0 and chosen.strip() == "":
        return Verdict("hidden", f"单元格格式“{code}”使 0 不显示")
    s = _section(chosen)
    if s.date:
        return Verdict("date", f"单元格格式“{code}”是日期或时间格式")
    if s.chinese:
        return Verdict("chinese", f"单元格格式“{code}”把数字显示为中文数字")
    if chosen.strip() == "" or s.text_only:
        if chosen.strip() == "@" or "@" in chosen:
            return SHOWN
        return Verdict("hidden", f"单元格格式“{code}”不显示数字")
    if s.percent:
        return Verdict("percent", f"单元格格式“{code}”把数字显示为百分数")
    if s.exponent:
        return Verdict("exponent", f"单元格格式“{code}”把数字显示为科学计数")
    if s.fraction:
        return Verdict("fraction", f"单元格格式“{code}”把数字显示为分数")
    if s.scaled:
        return Verdict("scaled", f"单元格格式“{code}”把数字缩小显示（以千或百万为单位）")
    if s.literal:
        return Verdict("literal", f"单元格格式“{code}”在数字旁显示了其他文字或符号")
    if _rounds(value, s.decimals):
        shown = round(value, s.decimals)
        shown_text = f"{shown:.{s.decimals}f}"
        return Verdict(
            "rounded", f"单元格格式“{code}”只显示 {s.decimals} 位小数，表中显示为 {shown_text}"
        )
    return SHOWN


def text_verdict(code: str | None) -> Verdict:
    """Does a cell with format ``code`` show its text as typed? A number typed as text is
    read (with a warning) only if it is seen: a fourth section without ``@`` replaces the
    text (``;;;`` hides it), one with literals beside ``@`` adds to it, and Gnumeric shows
    nothing at all under a [DBNum] format or an empty one (the fuzz corpus), where
    LibreOffice shows the text."""
    if code is None:
        return Verdict("style", "单元格样式编号在文件中不存在")
    if code.strip() == "":
        return Verdict("hidden", "单元格格式为空")
    sections = _split_sections(code)
    if any(_section(s).chinese for s in sections):
        return Verdict("chinese", f"单元格格式“{code}”把数字显示为中文数字")
    if len(sections) >= 4:
        text = sections[3]
        if "@" not in text:
            return Verdict("hidden", f"单元格格式“{code}”不显示文字")
        if _section(text.replace("@", "")).literal:
            return Verdict("literal", f"单元格格式“{code}”在文字旁显示了其他文字或符号")
    return SHOWN
