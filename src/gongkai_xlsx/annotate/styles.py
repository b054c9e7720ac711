"""styles.xml: a marked cell keeps its whole look except the fill.

A cell's ``s`` attribute is an index into ``<cellXfs>``. For each style a marked cell
uses, one clone of its ``<xf>`` is appended with ``fillId`` pointing at a new red (error)
or orange (warning) ``<fill>``; number format, font, border, alignment and protection
come with the clone untouched. The results sheet's few styles are appended the same
way. Nothing already in styles.xml changes except the ``count`` attributes.

When a marked copy is marked again, cells still wearing one of our fills are first
given back a style without it (see :meth:`Styles.unmarked_xf`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gongkai_xlsx.definition.looks import ERROR_MARK, HINT_MARK, OLD_MARKS
from gongkai_xlsx.ooxml import xmledit as xt
from gongkai_xlsx.ooxml.xmltext import escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

# Solid fills, ARGB: the marks the template itself shows (definition.looks), so a marked
# copy looks like the template's own live marks. Red and orange read as "look here"
# against the light-yellow inputs and the grey computed cells, in black-and-white too.
ERROR_FILL = "FF" + ERROR_MARK
WARNING_FILL = "FF" + HINT_MARK
HEADER_FILL = "FFD9D9D9"
LINK_COLOR = "FF0563C1"
FILL_OF = {"error": ERROR_FILL, "warning": WARNING_FILL}
# Every fill a marking wears or wore: a copy marked by an earlier version loses its marks too.
OUR_FILLS = frozenset([*FILL_OF.values(), *("FF" + old for old in OLD_MARKS)])

EMPTY_STYLESHEET = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{MAIN_NS}">'
    '<fonts count="1"><font><sz val="11"/><name val="宋体"/><charset val="134"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


@dataclass(frozen=True)
class ResultStyles:
    """``cellXfs`` indices of the results sheet's styles."""

    title: int
    text: int
    header: int
    level_error: int
    level_warning: int
    link: int
    text_link: int
    body: int


# The sections styles.xml can hold, in CT_Stylesheet's order (ECMA-376 Part 1, 18.8.39):
# sections created at one place go in this order.
_SECTION_ORDER = (
    "numFmts",
    "fonts",
    "fills",
    "borders",
    "cellStyleXfs",
    "cellXfs",
    "cellStyles",
    "dxfs",
    "tableStyles",
    "colors",
    "extLst",
)


@dataclass(frozen=True)
class _Parsed:
    """What a styles.xml text says, read once per text (every return of one template
    has the same styles.xml): its root's prefix and children, the cell formats, the
    solid colour of each fill, the number of children of each section."""

    prefix: str
    top: xt.Element
    sections: dict[str, xt.Element]
    counts: dict[str, int]
    xfs: tuple[str, ...]
    fill_colors: tuple[str | None, ...]
    first_font: str


@lru_cache(maxsize=8)  # templates of a few forms and versions; more are read again
def _parse(text: str) -> _Parsed:
    top = xt.root(text)
    sections: dict[str, xt.Element] = {}
    for element in xt.children(text, top):
        sections.setdefault(element.local, element)
    items: dict[str, list[str]] = {}
    for local, element in sections.items():
        if local in _SECTION_ORDER and not element.empty:
            items[local] = [text[e.start : e.end] for e in xt.children(text, element)]
    counts = {local: len(found) for local, found in items.items()}

    def of(section: str, local: str) -> list[str]:
        return [i for i in items.get(section, []) if _local(i) == local]

    fonts = of("fonts", "font")
    parsed = _Parsed(
        top.prefix,
        top,
        sections,
        counts,
        tuple(of("cellXfs", "xf")),
        tuple(Styles._solid_color(f) for f in of("fills", "fill")),
        fonts[0] if fonts else "",
    )
    return parsed


def _local(element: str) -> str:
    """The local name of the element ``element`` starts with."""
    name = re.match(r"<([^\s/>]+)", element)
    return name.group(1).rpartition(":")[2] if name else ""


class Styles:
    """Appends fills, fonts, borders and cell formats to one styles.xml text.

    The text is read once per template (:func:`_parse`) and the additions are kept
    apart, spliced in when :attr:`text` is asked for: a marked copy appends a dozen
    items, and re-reading the whole stylesheet for each was a tenth of its time."""

    def __init__(self, text: str) -> None:
        self._original = text
        self._parsed = _parse(text)
        self.prefix = self._parsed.prefix
        self._clones: dict[tuple[int, str], int] = {}
        self._fills: dict[str, int] = {}
        self._counts: dict[str, int] = dict(self._parsed.counts)
        self._added: dict[str, list[str]] = {}  # section → items appended, in order
        self._created: dict[str, tuple[str, ...]] = {}  # missing section → sections after it
        self._xfs = list(self._parsed.xfs)
        self._fill_colors = list(self._parsed.fill_colors)
        self._text: str | None = text

    @property
    def text(self) -> str:
        """The styles.xml text with everything appended so far."""
        if self._text is None:
            self._text = self._splice()
        return self._text

    def _splice(self) -> str:
        text, p, parsed = self._original, self.prefix, self._parsed
        edits: list[tuple[int, int, int, str]] = []  # start, schema order, end, replacement
        for section, added in self._added.items():
            order = _SECTION_ORDER.index(section)
            items = "".join(added)
            count = str(self._counts[section])
            element = parsed.sections.get(section)
            if element is None:
                after = self._created[section]
                following = [e for e in xt.children(text, parsed.top) if e.local in after]
                at = following[0].start if following else parsed.top.content_end
                new = f'<{p}{section} count="{count}">{items}</{p}{section}>'
                edits.append((at, order, at, new))
                continue
            tag = xt.start_tag(text, element)
            if xt.get_attr(tag, "count") is not None:
                tag = xt.set_attr(tag, "count", count)
            if element.empty:
                opened = tag[:-2].rstrip() + ">"
                new = f"{opened}{items}</{element.qname}>"
                edits.append((element.start, order, element.end, new))
            else:
                edits.append((element.start, order, element.tag_end, tag))
                edits.append((element.content_end, order, element.content_end, items))
        pieces, at = [], 0
        for start, _, end, new in sorted(edits, key=lambda e: (e[0], e[1], e[2])):
            pieces += [text[at:start], new]
            at = end
        return "".join([*pieces, text[at:]])

    # -- reading
    @staticmethod
    def _solid_color(fill: str) -> str | None:
        match = re.search(r"<(?:\w+:)?fgColor\b[^>]*\brgb=\"([0-9A-Fa-f]{8})\"", fill)
        return match.group(1).upper() if match and "solid" in fill else None

    @property
    def xf_count(self) -> int:
        return len(self._xfs)

    # -- writing
    def _append(self, section: str, xml: str, after: tuple[str, ...] = ()) -> int:
        """Append ``xml`` to ``section`` (created before the first of ``after`` when
        missing), keep its ``count`` right, and return the new item's index."""
        if section not in self._parsed.sections and section not in self._created:
            self._created[section] = after
        index = self._counts.get(section, 0)
        self._counts[section] = index + 1
        self._added.setdefault(section, []).append(xml)
        self._text = None
        return index

    def fill(self, color: str) -> int:
        """A solid fill of ``color`` (one per colour, added on first use)."""
        if color not in self._fills:
            p = self.prefix
            xml = (
                f'<{p}fill><{p}patternFill patternType="solid"><{p}fgColor rgb="{color}"/>'
                f'<{p}bgColor indexed="64"/></{p}patternFill></{p}fill>'
            )
            self._fills[color] = self._append("fills", xml, ("borders", "cellStyleXfs", "cellXfs"))
            self._fill_colors.append(color)
        return self._fills[color]

    def _add_xf(self, xf: str) -> int:
        index = self._append(
            "cellXfs", xf, ("cellStyles", "dxfs", "tableStyles", "colors", "extLst")
        )
        self._xfs.append(xf)
        return index

    def marked_xf(self, original: int, severity: str) -> int:
        """The clone of cell format ``original`` wearing the fill of ``severity``."""
        key = (original, severity)
        if key not in self._clones:
            fill_id = self.fill(FILL_OF[severity])
            xf = self._xfs[original] if 0 <= original < len(self._xfs) else self._default_xf()
            end = xf.index(">") + 1
            tag = xt.set_attr(xt.set_attr(xf[:end], "fillId", str(fill_id)), "applyFill", "1")
            if xf.endswith("/>") and not tag.endswith("/>"):
                tag = tag[:-1] + "/>"
            self._clones[key] = self._add_xf(tag + xf[end:])
        return self._clones[key]

    def _default_xf(self) -> str:
        return f'<{self.prefix}xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'

    # -- a marked copy marked again
    def our_fill(self, xf_index: int) -> bool:
        """Does cell format ``xf_index`` wear one of the marking fills?"""
        if not 0 <= xf_index < len(self._xfs):
            return False
        match = re.search(
            r'\sfillId="(\d+)"', self._xfs[xf_index][: self._xfs[xf_index].index(">")]
        )
        fill_id = int(match.group(1)) if match else 0
        return 0 < fill_id < len(self._fill_colors) and self._fill_colors[fill_id] in OUR_FILLS

    def unmarked_xf(self, xf_index: int, used: dict[int, int]) -> int:
        """A cell format like ``xf_index`` without a marking fill.

        Preferred: the format most used (``used``: xf → cell count) among those that
        equal it in everything but the fill, i.e. the format the cell had before it was
        marked, as whatever program re-saved the file numbered it. Failing that, a clone
        with no fill.
        """
        wanted = _signature(self._xfs[xf_index])
        candidates = [
            i
            for i, xf in enumerate(self._xfs)
            if i != xf_index and not self.our_fill(i) and _signature(xf) == wanted
        ]
        if candidates:
            return max(candidates, key=lambda i: (used.get(i, 0), -i))
        xf = self._xfs[xf_index]
        end = xf.index(">") + 1
        tag = xt.set_attr(xf[:end], "fillId", "0")
        if xf.endswith("/>") and not tag.endswith("/>"):
            tag = tag[:-1] + "/>"
        return self._add_xf(tag + xf[end:])

    # -- the results sheet
    def _base_font(self) -> tuple[str, str]:
        first = self._parsed.first_font
        name = re.search(r"<(?:\w+:)?name\b[^>]*\bval=\"([^\"]*)\"", first)
        size = re.search(r"<(?:\w+:)?sz\b[^>]*\bval=\"([^\"]*)\"", first)
        return (name.group(1) if name else "宋体"), (size.group(1) if size else "11")

    def _font(self, inner: str) -> int:
        return self._append(
            "fonts", f"<{self.prefix}font>{inner}</{self.prefix}font>", ("fills", "borders")
        )

    def result_styles(self) -> ResultStyles:
        """The styles the results sheet uses, appended once."""
        p = self.prefix
        name, size = self._base_font()
        tail = f'<{p}sz val="{size}"/><{p}name val="{escape(name)}"/>'
        bold = self._font(f"<{p}b/>{tail}")
        title = self._font(f'<{p}b/><{p}sz val="16"/><{p}name val="{escape(name)}"/>')
        link = self._font(f'<{p}u/><{p}color rgb="{LINK_COLOR}"/>{tail}')
        plain = self._font(tail)
        side = f'<{p}color auto="1"/>'
        border = self._append(
            "borders",
            f'<{p}border><{p}left style="thin">{side}</{p}left><{p}right style="thin">{side}'
            f'</{p}right><{p}top style="thin">{side}</{p}top><{p}bottom style="thin">{side}'
            f"</{p}bottom><{p}diagonal/></{p}border>",
            ("cellStyleXfs", "cellXfs"),
        )

        def xf(font: int, fill: int = 0, boxed: bool = True, align: str = "left") -> int:
            return self._add_xf(
                f'<{p}xf numFmtId="0" fontId="{font}" fillId="{fill}" '
                f'borderId="{border if boxed else 0}" xfId="0" applyFont="1" applyFill="1" '
                f'applyBorder="1" applyAlignment="1"><{p}alignment horizontal="{align}" '
                f'vertical="center" wrapText="1"/></{p}xf>'
            )

        return ResultStyles(
            title=xf(title, boxed=False),
            text=xf(plain, boxed=False),
            header=xf(bold, self.fill(HEADER_FILL), align="center"),
            level_error=xf(bold, self.fill(ERROR_FILL), align="center"),
            level_warning=xf(bold, self.fill(WARNING_FILL), align="center"),
            link=xf(link),
            text_link=xf(link, boxed=False),
            body=xf(plain),
        )


def _signature(xf: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """An ``<xf>`` compared without its fill: sorted attributes, then its children."""
    end = xf.index(">") + 1
    attrs = re.findall(r"([\w:]+)\s*=\s*\"([^\"]*)\"", xf[:end])
    kept = tuple(sorted((k, v) for k, v in attrs if k not in ("fillId", "applyFill")))
    return kept, re.sub(r"\s+", " ", xf[end:])
