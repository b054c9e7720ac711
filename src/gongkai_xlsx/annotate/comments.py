"""Legacy comments (批注): the comments part with the text, the VML drawing with the boxes.

Excel, WPS and LibreOffice all read these two parts (threaded comments are Excel 365
only). A sheet that already has comments keeps them: our comments are added to its
parts, and on a cell that already has one the messages are appended below the agency's
text under our heading line, never replacing it. The heading line (:data:`HEAD`) lets
a later marking find and remove what we added, whoever re-saved the file.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.ooxml import xmledit as xt
from gongkai_xlsx.ooxml.xmltext import escape, escape_each, unescape_str
from gongkai_xlsx.text import kept_width, text_width

AUTHOR = "gongkai-xlsx"
HEAD = "gongkai-xlsx:"
"""First line of our comment text (as Excel starts a comment with its author's name).
It, not the author, identifies our comments later: LibreOffice drops authors on save."""
COMMENTS_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.vmlDrawing"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

_FONT = '<{p}sz val="9"/><{p}rFont val="宋体"/><{p}charset val="134"/>'
CHARS_PER_LINE = 36  # display width of one line in our boxes (4 columns, 9 pt)


class Note(NamedTuple):
    """One cell's comment: its position and its lines (level word, message)."""

    row: int  # 0-based
    col: int
    lines: tuple[tuple[str, str], ...]

    @property
    def ref(self) -> str:
        return to_a1(self.row, self.col)

    def text(self) -> str:
        """The comment as plain text, as an application shows it."""
        return "\n".join(f"{level}：{message}" for level, message in self.lines)


@lru_cache(maxsize=8)
def _run_parts(p: str) -> tuple[str, str, str]:
    """The start of a bold run and of a plain run up to their text, and a run's end,
    for namespace prefix ``p``."""
    font = _FONT.format(p=p)
    bold = f'<{p}r><{p}rPr><{p}b/>{font}</{p}rPr><{p}t xml:space="preserve">'
    plain = f'<{p}r><{p}rPr>{font}</{p}rPr><{p}t xml:space="preserve">'
    return bold, plain, f"</{p}t></{p}r>"


def _runs(note: Note, p: str, appended: bool = False) -> str:
    """The comment's rich-text runs: our heading line in bold, then per finding the
    level word in bold and the message."""
    bold, plain, end = _run_parts(p)
    lead = "\n" if appended else ""
    runs = [f"{bold}{lead}{HEAD}\n{end}"]
    gap = ""
    for level, message in note.lines:
        runs.append(f"{bold}{gap}{escape(level)}：{end}{plain}{escape(message)}{end}")
        gap = "\n"
    return "".join(runs)


@lru_cache(maxsize=4096)
def _comment_start(row: int, col: int) -> bytes:
    """A new comment's markup up to its first finding, UTF-8: its cell and our heading
    line (kept: a form's cells are few, and every marked return comments on some)."""
    bold, _, end = _run_parts("")
    return f'<comment ref="{to_a1(row, col)}" authorId="0"><text>{bold}{HEAD}\n{end}'.encode()


@lru_cache(maxsize=64)
def _line_start(level: str, gap: str) -> bytes:
    """A finding's runs up to its message, UTF-8: the level word in bold, the plain
    run's start."""
    bold, plain, end = _run_parts("")
    return f"{bold}{gap}{escape(level)}：{end}{plain}".encode()


_COMMENT_END = b"</text></comment>"


def new_comments(notes: list[Note]) -> bytes:
    """A comments part holding only our notes, as UTF-8 (each note's :func:`_runs`
    written in place, from pieces kept per cell and per level word: this is the
    marking's per-cell loop). The part is joined as bytes: its text, markup with Chinese
    messages throughout, costs twice as much to encode whole as to write. The messages
    are escaped and encoded together (none holds a NUL: :func:`escape` replaces it)."""
    run_end = _run_parts("")[2].encode()
    escaped = escape_each([message for note in notes for _, message in note.lines])
    messages = "\0".join(escaped).encode().split(b"\0")
    pieces: list[bytes] = []
    add = pieces.append
    at = 0
    for row, col, lines in notes:
        add(_comment_start(row, col))
        gap = ""
        for level, _ in lines:
            add(_line_start(level, gap))
            add(messages[at])
            add(run_end)
            at += 1
            gap = "\n"
        add(_COMMENT_END)
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<comments xmlns="{MAIN_NS}"><authors><author>{AUTHOR}</author></authors>'
        "<commentList>"
    )
    return b"".join([head.encode(), *pieces, b"</commentList></comments>"])


def merge_comments(text: str, notes: list[Note]) -> tuple[str, list[Note]]:
    """Add ``notes`` to an existing comments part; return it and the notes that are new
    comments (they need a box in the VML drawing; the others already have one)."""
    top = xt.root(text)
    p = top.prefix
    authors = xt.child(text, top, "authors")
    if authors is None:
        text = xt.insert_at(text, top.tag_end, f"<{p}authors></{p}authors>")
        top = xt.root(text)
        authors = xt.child(text, top, "authors")
        assert authors is not None
    names = [unescape_str(text[a.tag_end : a.content_end]) for a in xt.children(text, authors)]
    if AUTHOR in names:
        author_id = names.index(AUTHOR)
    else:
        author_id = len(names)
        text = xt.append_child(text, authors, f"<{p}author>{AUTHOR}</{p}author>")
    top = xt.root(text)
    comment_list = xt.child(text, top, "commentList")
    if comment_list is None:
        text = xt.append_child(text, top, f"<{p}commentList></{p}commentList>")
        top = xt.root(text)
        comment_list = xt.child(text, top, "commentList")
        assert comment_list is not None
    existing = {
        (xt.get_attr(xt.start_tag(text, c), "ref") or "").replace("$", "").upper(): c
        for c in xt.children(text, comment_list)
        if c.local == "comment"
    }
    fresh: list[Note] = []
    # Edits from the end backwards, so earlier positions stay valid.
    appended = sorted(
        ((existing[n.ref], n) for n in notes if n.ref in existing),
        key=lambda pair: pair[0].start,
        reverse=True,
    )
    new_xml = ""
    for note in notes:
        if note.ref not in existing:
            fresh.append(note)
            new_xml += (
                f'<{p}comment ref="{note.ref}" authorId="{author_id}">'
                f"<{p}text>{_runs(note, p)}</{p}text></{p}comment>"
            )
    if new_xml:
        text = xt.append_child(text, comment_list, new_xml)
    for comment, note in appended:
        body = xt.child(text, comment, "text")
        if body is None:
            continue
        tail = [e for e in xt.children(text, body) if e.local in ("rPh", "phoneticPr")]
        runs = _runs(note, p, appended=True)
        if tail:
            text = xt.insert_at(text, tail[0].start, runs)
        else:
            text = xt.append_child(text, body, runs)
    return text, fresh


def _text_pieces(text: str, body: xt.Element) -> list[tuple[xt.Element, xt.Element]]:
    """The ``<t>`` elements of a comment's ``<text>``, each with its run (or itself)."""
    pieces = []
    for element in xt.children(text, body):
        if element.local == "t":
            pieces.append((element, element))
        elif element.local == "r":
            t = xt.child(text, element, "t")
            if t is not None:
                pieces.append((element, t))
    return pieces


def _cut_from(
    text: str, pieces: list[tuple[xt.Element, xt.Element]], values: list[str], cut: int
) -> str:
    """Drop a comment's text from character ``cut`` on: the run holding it is shortened
    (or dropped when nothing of it is left), the runs after it are removed."""
    offset = 0
    last = pieces[-1][0]
    for (run, t), value in zip(pieces, values, strict=True):
        if offset + len(value) > cut:
            keep = value[: cut - offset]
            if not keep:
                return text[: run.start] + text[last.end :]
            new_t = text[t.start : t.tag_end] + escape(keep) + text[t.content_end : t.end]
            run_xml = text[run.start : t.start] + new_t + text[t.end : run.end]
            return text[: run.start] + run_xml + text[last.end :]
        offset += len(value)
    return text


def strip_comments(text: str) -> tuple[str, list[str]]:
    """Remove what an earlier marking added: whole comments that begin with our heading
    (their refs are returned: their boxes must go too), and our block appended below
    an agency's comment. Text is compared across runs: LibreOffice re-splits them."""
    top = xt.root(text)
    comment_list = xt.child(text, top, "commentList")
    removed: list[str] = []
    if comment_list is None:
        return text, removed
    for comment in reversed(xt.children(text, comment_list)):
        body = xt.child(text, comment, "text")
        if comment.local != "comment" or body is None:
            continue
        pieces = _text_pieces(text, body)
        values = [unescape_str(text[t.tag_end : t.content_end]) for _, t in pieces]
        whole = "".join(values)
        if whole.lstrip().startswith(HEAD):
            ref = xt.get_attr(xt.start_tag(text, comment), "ref") or ""
            removed.append(ref.replace("$", "").upper())
            text = text[: comment.start] + text[comment.end :]
            continue
        cut = whole.find("\n" + HEAD)
        if cut < 0:
            continue
        text = _cut_from(text, pieces, values, cut)
    return text, removed


# -- the VML drawing: one hidden box per comment, anchored beside its cell

_SHAPETYPE = (
    '<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
    'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
    '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>'
)
_VML_NS = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "x": "urn:schemas-microsoft-com:office:excel",
}


def _box_rows(note: Note) -> int:
    lines = note.lines
    if len(lines) == 1:  # most boxes
        return max(3, 1 + _line_rows(*lines[0]))
    rows = 1
    for level, message in note.lines:
        rows += _line_rows(level, message)
    return max(3, rows)


@lru_cache(maxsize=1024)
def _line_rows(level: str, message: str) -> int:
    """Lines one finding takes in a box (kept: a finding on a sum is commented on each
    of its cells, with the same words)."""
    width = kept_width(level) + _COLON + kept_width(message)  # of f"{level}：{message}"
    return max(1, -(-width // CHARS_PER_LINE))


_COLON = text_width("：")


# a box's markup around its height and z-index (plain strings: formatting the long
# template for each box cost more than the rest of the box)
_SHAPE_HEIGHT = 'style="position:absolute;margin-left:60pt;margin-top:2pt;width:216pt;height:'
_SHAPE_Z = "pt;z-index:"
_SHAPE_REST = (
    ';visibility:hidden" fillcolor="#ffffe1" '
    'o:insetmode="auto"><v:fill color2="#ffffe1"/>'
    '<v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
    '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div>'
    '</v:textbox><x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
    "<x:Anchor>"
)


@lru_cache(maxsize=4096)
def _shape_end(row: int, col: int, rows: int) -> str:
    """A box's markup after its z-index: its anchor beside cell (row, col), ``rows``
    lines high (kept: a form's cells are few, and the heights of boxes fewer)."""
    left, top = col + 1, max(row - 1, 0)
    return (
        f"{_SHAPE_REST}{left}, 15, {top}, 10, {left + 4}, 15, {top + rows}, 4"
        f"</x:Anchor><x:AutoFill>False</x:AutoFill>"
        f"<x:Row>{row}</x:Row><x:Column>{col}</x:Column></x:ClientData></v:shape>"
    )


@lru_cache(maxsize=256)
def _shape_middle(rows: int) -> str:
    """A box's markup between its id and its z-index, for a box ``rows`` lines high."""
    return f'" type="#_x0000_t202" {_SHAPE_HEIGHT}{rows * 15}{_SHAPE_Z}'


def _shape(note: Note, number: int, z: int) -> str:
    rows = _box_rows(note)
    end = _shape_end(note.row, note.col, rows)
    return f'<v:shape id="_x0000_s{number}{_shape_middle(rows)}{z}{end}'


def vml_block(text: str) -> int:
    """The shape-id block (``o:idmap data``) a VML drawing uses, 0 when none."""
    match = re.search(r'<o:idmap\b[^>]*\bdata="(\d+)', text)
    return int(match.group(1)) if match else 0


def new_vml(notes: list[Note], block: int) -> str:
    """A VML drawing with a box for each note; shape ids from ``block`` × 1024 + 1."""
    first = block * 1024 + 1
    shapes = "".join([_shape(n, first + i, i + 1) for i, n in enumerate(notes)])
    return (
        '<xml xmlns:v="urn:schemas-microsoft-com:vml" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel">'
        f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{block}"/></o:shapelayout>'
        f"{_SHAPETYPE}{shapes}</xml>"
    )


def merge_vml(text: str, notes: list[Note]) -> str:
    """Add boxes for ``notes`` to an existing VML drawing (as text: Excel's VML is not
    always well-formed XML)."""
    end = text.rfind("</xml>")
    if end < 0:
        raise xt.XmlTextError("VML drawing without </xml>")
    root_end = text.find(">", text.find("<xml")) + 1
    head = text[:root_end]
    for prefix, uri in _VML_NS.items():
        if f"xmlns:{prefix}=" not in head:
            head = head[:-1] + f' xmlns:{prefix}="{uri}">'
    text = head + text[root_end:]
    end = text.rfind("</xml>")
    numbers = [int(n) for n in re.findall(r"_x0000_s(\d+)", text)]
    first = max(numbers, default=vml_block(text) * 1024) + 1
    extra = "" if 'id="_x0000_t202"' in text else _SHAPETYPE
    shapes = "".join([_shape(n, first + i, first + i) for i, n in enumerate(notes)])
    return text[:end] + extra + shapes + text[end:]


def strip_vml(text: str, refs: list[tuple[int, int]]) -> str:
    """Remove the note boxes at these (row, col) positions (any namespace prefix:
    openpyxl writes ``ns1:shape``, Excel ``v:shape``)."""
    wanted = set(refs)

    def keep(match: re.Match[str]) -> str:
        shape = match.group(0)
        row = re.search(r"<(?:\w+:)?Row>\s*(\d+)\s*</(?:\w+:)?Row>", shape)
        col = re.search(r"<(?:\w+:)?Column>\s*(\d+)\s*</(?:\w+:)?Column>", shape)
        is_note = re.search(r"ObjectType=[\"']Note[\"']", shape)
        if is_note and row and col and (int(row.group(1)), int(col.group(1))) in wanted:
            return ""
        return shape

    return re.sub(r"<((?:\w+:)?)shape\b.*?</\1shape>", keep, text, flags=re.S)
