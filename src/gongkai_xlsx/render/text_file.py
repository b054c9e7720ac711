"""The ``--text`` file as people have it: a Word document, or a text in whatever encoding
their editor saved it.

Coordinators write the 正文 in Word or WPS; a text file comes from Notepad (UTF-8, “ANSI”
which is GBK, or “Unicode” which is UTF-16 with a byte-order mark) or another editor. So:

- a .docx gives its body paragraphs, one a line, with Word's automatic list numbering
  (一、 （一） 1. …) written out, because Word keeps that numbering out of the paragraph's
  text (in ``numbering.xml``) and the part headings are found by it; bold runs inside a
  paragraph are kept as ``**bold**``. The document is a zip from a person: its size and
  its members are held to the bounds of :mod:`gongkai_xlsx.ooxml.archive` before
  python-docx opens it.
- a text is read as UTF-16 (by its byte-order mark), UTF-8 (with or without one), or GBK.
- a .doc, a .wps, a PDF or a password-protected Word file gets a message that says how to
  save it in a form this tool reads.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from gongkai_xlsx import oserrors
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.ooxml import archive

MAX_TEXT_BYTES = 50 * 1024 * 1024  # a 正文 with pictures is a few MB; text is far smaller
_ZIP = b"PK\x03\x04"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def qn(tag: str) -> str:
    """``w:name`` in Clark notation, as python-docx's ``qn`` gives it (every name here is
    WordprocessingML's): the module loads without python-docx."""
    return "{" + _W + "}" + tag.removeprefix("w:")


_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .wps, .et, and an encrypted .docx
_PDF = b"%PDF"
_SAVE_AS = "请在 Word 或 WPS 中另存为 .docx 或 纯文本 后再用"

_CHINESE_DIGITS = "零一二三四五六七八九"
_TRADITIONAL = "甲乙丙丁戊己庚辛壬癸"
_ZODIAC = "子丑寅卯辰巳午未申酉戌亥"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PAREN = "⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇"
_FULLSTOP = "⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛"
_ROMAN = (
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
)


class TextFileError(UsageError):
    """The --text file cannot be read as the report's text (message in Chinese)."""


def read_report_text(path: Path) -> str:
    """The text of ``path``, one paragraph a line, whatever the file is."""
    try:
        size = path.stat().st_size
        if size > MAX_TEXT_BYTES:
            raise TextFileError(
                f"{path}：--text 文件太大（{size} 字节，最多 {MAX_TEXT_BYTES} 字节）。"
                "请只保存报告正文的文字。"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise TextFileError(f"{path}：--text 文件不存在。") from None
    except IsADirectoryError:
        raise TextFileError(f"{path}：--text 应为文本文件或 Word 文档，这是文件夹。") from None
    except OSError as exc:
        raise TextFileError(
            f"{path}：无法读取（{oserrors.reason(exc, oserrors.READ)}）。"
        ) from None
    suffix = path.suffix.lower()
    if data.startswith(_OLE):
        if suffix == ".docx":
            raise TextFileError(
                f"{path}：这个 Word 文档设有打开密码，本工具无法读取。"
                "请在 Word 或 WPS 中取消密码，或另存为纯文本后再用。"
            )
        raise TextFileError(f"{path}：这是旧版 Word/WPS 格式（{suffix or '.doc'}），{_SAVE_AS}。")
    if data.startswith(_PDF):
        raise TextFileError(f"{path}：这是 PDF 文件，不能作为正文读取。{_SAVE_AS}。")
    if data.startswith(_ZIP):
        return docx_text(data, path)
    if suffix in (".doc", ".wps", ".docx"):
        raise TextFileError(f"{path}：不是有效的 Word 文档（文件已损坏或扩展名不对），{_SAVE_AS}。")
    return decode_text(data, path)


def decode_text(data: bytes, path: Path) -> str:
    """UTF-16 by its byte-order mark, else UTF-8 (a BOM dropped), else GBK (GB 18030)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                continue
    raise TextFileError(
        f"{path}：--text 文件不是 UTF-8、UTF-16 或 GBK 编码的文本，请另存为 UTF-8 后重试。"
    )


# ----------------------------------------------------------------------------- .docx
def _bounded(data: bytes, path: Path) -> None:
    """Refuse a zip beyond the reader's bounds before python-docx inflates it."""
    damaged = f"{path}：Word 文档已损坏，无法读取。请在 Word 或 WPS 中打开后重新保存为 .docx，或另存为纯文本。"
    try:
        zin = archive.ZipIn(data)
    except archive.ZipDamaged:
        raise TextFileError(damaged) from None
    if (
        len(zin.members) > archive.MAX_ZIP_MEMBERS
        or zin.declared_size > archive.MAX_UNZIPPED_BYTES
        or any(m.file_size > archive.MAX_PART_BYTES for m in zin.members)
    ):
        raise TextFileError(f"{path}：Word 文档解压后过大，不像是报告正文。{_SAVE_AS}。")
    why = zin.unopenable()
    if why is not None:
        raise TextFileError(f"{path}：Word 文档无法读取（{why}）。{_SAVE_AS}。")
    if zin.find("word/document.xml") is None:
        raise TextFileError(f"{path}：不是 Word 文档（.docx）。{_SAVE_AS}。")


def docx_text(data: bytes, path: Path) -> str:
    """The body paragraphs of a .docx, numbering written out, one a line."""
    _bounded(data, path)
    try:
        import docx  # python-docx (~50 ms) only when a .docx is given

        document = docx.Document(io.BytesIO(data))
        numbering = _Numbering(document)
        lines = [numbering.label(p) + _runs_text(p) for p in document.paragraphs]
    except TextFileError:
        raise
    except Exception:  # python-docx parses a person's file lazily: any failure is damage
        raise TextFileError(
            f"{path}：Word 文档已损坏，无法读取。请在 Word 或 WPS 中打开后重新保存为 .docx，"
            "或另存为纯文本。"
        ) from None
    return "\n".join(lines)


def _runs_text(paragraph: Any) -> str:
    """The paragraph's text; runs in bold inside a paragraph as ``**bold**`` (a paragraph
    all in bold is plain: it is a heading or emphasis, not a marked phrase)."""
    runs = [(run.text, bool(run.bold)) for run in paragraph.runs if run.text]
    text = "".join(t for t, _ in runs)
    if not runs or all(b for _, b in runs) or not any(b for _, b in runs) or "**" in text:
        return str(paragraph.text)
    out: list[str] = []
    for run_text, bold in runs:
        if bold and out and out[-1].endswith("**"):
            out[-1] = out[-1][:-2] + run_text + "**"  # join consecutive bold runs
        else:
            out.append(f"**{run_text}**" if bold and run_text.strip() else run_text)
    return "".join(out)


def _int(element: Any, name: str = "w:val", default: int | None = None) -> int | None:
    if element is None:
        return default
    try:
        return int(element.get(qn(name)))
    except (TypeError, ValueError):
        return default


def chinese_number(n: int) -> str:
    """一 … 十, 十一, 二十一, 一百零五: Word's chineseCounting."""
    if n <= 0 or n >= 10000:
        return str(n)
    if n < 10:
        return _CHINESE_DIGITS[n]
    if n < 20:
        return "十" + (_CHINESE_DIGITS[n - 10] if n > 10 else "")
    if n < 100:
        tens, ones = divmod(n, 10)
        return _CHINESE_DIGITS[tens] + "十" + (_CHINESE_DIGITS[ones] if ones else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit, n = divmod(n, value)
        if digit:
            out += ("零" if zero and out else "") + _CHINESE_DIGITS[digit] + unit
            zero = False
        else:
            zero = True
    return out


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        while n >= value:
            out, n = out + letters, n - value
    return out


def _letters(n: int) -> str:
    """a … z, aa … zz, as Word counts letters."""
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_counter(n: int, fmt: str) -> str:
    """A list counter in Word's number format ``fmt`` (ST_NumberFormat)."""
    simple = {
        "ideographTraditional": _TRADITIONAL,
        "ideographZodiac": _ZODIAC,
        "decimalEnclosedCircle": _CIRCLED,
        "decimalEnclosedCircleChinese": _CIRCLED,
        "decimalEnclosedParen": _PAREN,
        "decimalEnclosedFullstop": _FULLSTOP,
    }
    if fmt in simple:
        table = simple[fmt]
        return table[n - 1] if 0 < n <= len(table) else str(n)
    if fmt in ("chineseCounting", "chineseCountingThousand", "taiwaneseCounting"):
        return chinese_number(n)
    if fmt in ("chineseLegalSimplified", "ideographLegalTraditional"):
        return "".join(_LEGAL[int(d)] for d in str(n)) if n < 10 else chinese_number(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "decimalFullWidth":
        return str(n).translate({ord(d): ord(d) - ord("0") + ord("０") for d in "0123456789"})
    if fmt in ("lowerLetter", "upperLetter"):
        return _letters(n) if fmt == "lowerLetter" else _letters(n).upper()
    if fmt in ("lowerRoman", "upperRoman"):
        return _roman(n) if fmt == "lowerRoman" else _roman(n).upper()
    if fmt == "none":
        return ""
    return str(n)  # decimal and the formats a 正文 does not use


class _Numbering:
    """Word's automatic list numbers, counted as Word counts them in document order: per
    list (numId) and level, a level's counter restarting after a higher level is used."""

    def __init__(self, document: Any) -> None:
        self.levels: dict[tuple[int, int], tuple[int, str, str]] = {}  # (numId, ilvl)
        self.counters: dict[int, dict[int, int]] = {}
        self.styles = document.styles
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError):
            return
        abstract: dict[int, dict[int, tuple[int, str, str]]] = {}
        for element in root.findall(qn("w:abstractNum")):
            key = _int(element, "w:abstractNumId")
            if key is not None:
                abstract[key] = self._levels(element)
        for num in root.findall(qn("w:num")):
            num_id = _int(num, "w:numId")
            base = _int(num.find(qn("w:abstractNumId")))
            if num_id is None or base not in abstract:
                continue
            levels = dict(abstract[base])
            for override in num.findall(qn("w:lvlOverride")):
                ilvl = _int(override, "w:ilvl")
                if ilvl is None:
                    continue
                lvl = override.find(qn("w:lvl"))
                if lvl is not None:
                    levels.update(self._levels(override))
                start = _int(override.find(qn("w:startOverride")))
                if start is not None and ilvl in levels:
                    _, fmt, text = levels[ilvl]
                    levels[ilvl] = (start, fmt, text)
            for ilvl, level in levels.items():
                self.levels[(num_id, ilvl)] = level

    @staticmethod
    def _levels(parent: Any) -> dict[int, tuple[int, str, str]]:
        """{ilvl: (start, numFmt, lvlText)} of the w:lvl children of ``parent``."""
        out: dict[int, tuple[int, str, str]] = {}
        for lvl in parent.findall(qn("w:lvl")):
            ilvl = _int(lvl, "w:ilvl")
            if ilvl is None or not 0 <= ilvl <= 8:
                continue
            fmt = lvl.find(qn("w:numFmt"))
            text = lvl.find(qn("w:lvlText"))
            out[ilvl] = (
                _int(lvl.find(qn("w:start")), default=1) or 0,
                (fmt.get(qn("w:val")) if fmt is not None else None) or "decimal",
                (text.get(qn("w:val")) if text is not None else None) or "",
            )
        return out

    def _num_pr(self, paragraph: Any) -> tuple[int, int] | None:
        """(numId, ilvl) of the paragraph, its own or its style's (a heading style may be
        tied to a list)."""
        ppr = paragraph._p.pPr
        num_pr = ppr.numPr if ppr is not None else None
        style = paragraph.style if num_pr is None else None
        seen = 0
        while num_pr is None and style is not None and seen < 20:
            style_ppr = style.element.pPr
            num_pr = style_ppr.numPr if style_ppr is not None else None
            style, seen = style.base_style, seen + 1
        if num_pr is None:
            return None
        num_id = _int(num_pr.find(qn("w:numId")))
        ilvl = _int(num_pr.find(qn("w:ilvl")), default=0)
        if not num_id or ilvl is None:
            return None  # numId 0: numbering switched off for this paragraph
        return num_id, ilvl

    def label(self, paragraph: Any) -> str:
        """The number Word shows before ``paragraph`` ('' when it has none)."""
        found = self._num_pr(paragraph)
        if found is None or found not in self.levels or not paragraph.text.strip():
            return ""
        num_id, ilvl = found
        counters = self.counters.setdefault(num_id, {})
        start = self.levels[found][0]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]  # a lower level starts again under each higher item
        _, fmt, text = self.levels[found]
        if fmt == "bullet":
            return ""
        for level in range(8, -1, -1):  # %10 is not a thing; %1 … %9
            placeholder = f"%{level + 1}"
            if placeholder in text:
                known = self.levels.get((num_id, level))
                n = counters.get(level, known[0] if known else 1)
                text = text.replace(placeholder, format_counter(n, known[1] if known else fmt))
        return text
