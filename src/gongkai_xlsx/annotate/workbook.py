"""workbook.xml and docProps/app.xml: one more sheet, first in the tab order.

Sheets are referred to by position in two places, and both are renumbered when the
results sheet goes in front: ``definedName/@localSheetId`` (print areas, print titles,
sheet-level names) and ``workbookView/@activeTab``/``@firstSheet``. The results sheet
becomes the active tab. app.xml lists sheet names (TitlesOfParts) with counts
(HeadingPairs); the sheet and the marker name are added there when the lists match
the workbook, and app.xml is left alone otherwise (applications rebuild it on save).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from gongkai_xlsx.ooxml import xmledit as xt
from gongkai_xlsx.ooxml.relationships import REL_NS
from gongkai_xlsx.ooxml.xmltext import escape, unescape_str

# CT_Workbook children after <definedNames> (ECMA-376 Part 1, 18.2.27).
_AFTER_DEFINED_NAMES = (
    "calcPr",
    "oleSize",
    "customWorkbookViews",
    "pivotCaches",
    "smartTagPr",
    "smartTagTypes",
    "webPublishing",
    "fileRecoveryPr",
    "webPublishObjects",
    "extLst",
)


@dataclass(frozen=True)
class SheetEntry:
    name: str
    rid: str | None
    state: str  # visible / hidden / veryHidden


_DEFINED_NAME = re.compile(
    r"<((?:[^\s/>!?:]+:)?)definedName(?=[\s/>])(?:[^>\"']|\"[^\"]*\"|'[^']*')*>"
)


class WorkbookXml:
    def __init__(self, text: str) -> None:
        self.text = text
        self.prefix = xt.root(text).prefix

    def _top(self, local: str) -> xt.Element | None:
        return xt.child(self.text, xt.root(self.text), local)

    def sheets(self) -> list[SheetEntry]:
        """The ``<sheet>`` entries in tab order (kept per text, as the edit below: every
        return of a template has its workbook.xml)."""
        return list(_sheet_entries(self.text))

    def _sheets(self) -> list[SheetEntry]:
        parent = self._top("sheets")
        if parent is None:
            return []
        found = []
        for element in xt.children(self.text, parent):
            if element.local != "sheet":
                continue
            tag = xt.start_tag(self.text, element)
            rid = xt.ns_attr(self.text, element, REL_NS, "id")
            found.append(
                SheetEntry(
                    xt.get_attr(tag, "name") or "", rid, xt.get_attr(tag, "state") or "visible"
                )
            )
        return found

    def defined_name(self, name: str) -> str | None:
        text = self.text
        if name not in text and escape(name) not in text and "&#" not in text:
            return None  # not written anywhere: no need to visit the template's many names
        parent = self._top("definedNames")
        if parent is None:
            return None
        for element in xt.children(self.text, parent):
            tag = xt.start_tag(self.text, element)
            if xt.get_attr(tag, "name") == name and xt.get_attr(tag, "localSheetId") is None:
                return unescape_str(self.text[element.tag_end : element.content_end])
        return None

    # -- writing
    def insert_first_sheet(self, name: str, rid: str) -> None:
        """Add ``<sheet>`` for ``name`` in front of all others; renumber positions.

        The same edit of the same text gives the same text: every return of a template
        has its workbook.xml, so the answer is kept for the next one (bounded)."""
        self.text = _inserted(self.text, name, rid)

    def _insert_first_sheet(self, name: str, rid: str) -> None:
        self.text, prefix = xt.ensure_namespace(self.text, REL_NS, "r")
        parent = self._top("sheets")
        if parent is None:
            raise xt.XmlTextError("workbook without <sheets>")
        ids = [
            int(v)
            for e in xt.children(self.text, parent)
            if (v := xt.get_attr(xt.start_tag(self.text, e), "sheetId") or "").isdigit()
        ]
        count = len([e for e in xt.children(self.text, parent) if e.local == "sheet"])
        element = (
            f'<{self.prefix}sheet name="{escape(name)}" sheetId="{max(ids, default=0) + 1}" '
            f'{prefix}:id="{rid}"/>'
        )
        self.text = xt.insert_at(self.text, parent.tag_end, element)
        self._renumber({i: i + 1 for i in range(count)})

    def move_sheet_first(self, index: int) -> None:
        """Put the sheet at ``index`` in front (a marked copy whose results sheet was moved)."""
        if index == 0:
            self._renumber({})
            return
        parent = self._top("sheets")
        assert parent is not None
        entries = [e for e in xt.children(self.text, parent) if e.local == "sheet"]
        moving = entries[index]
        piece = self.text[moving.start : moving.end]
        self.text = self.text[: moving.start] + self.text[moving.end :]
        parent = self._top("sheets")
        assert parent is not None
        self.text = xt.insert_at(self.text, parent.tag_end, piece)
        mapping = {i: (0 if i == index else i + 1 if i < index else i) for i in range(len(entries))}
        self._renumber(mapping)

    def _renumber(self, mapping: dict[int, int]) -> None:
        """Sheet positions old → new in defined names; the first sheet becomes active."""
        parent = self._top("definedNames")
        if parent is not None and not parent.empty and mapping:
            # A name holds text only (no element), and only a start tag with a
            # localSheetId changes (a template names every cell): each is found from
            # that word, the ``<`` before it and the start tag there.
            edits = []
            text, lo, hi = self.text, parent.tag_end, parent.content_end
            at = text.find("localSheetId", lo, hi)
            while at >= 0:
                opened = text.rfind("<", lo, at)
                match = _DEFINED_NAME.match(text, opened) if opened >= 0 else None
                if match is None or match.end() <= at:  # the word is a name's text
                    at = text.find("localSheetId", at + 1, hi)
                    continue
                at = text.find("localSheetId", match.end(), hi)
                if match.group(1) != self.prefix:
                    continue
                tag = match.group(0)
                local = xt.get_attr(tag, "localSheetId")
                if local is not None and local.isdigit() and int(local) in mapping:
                    new = xt.set_attr(tag, "localSheetId", str(mapping[int(local)]))
                    edits.append((match.start(), match.end(), new))
            for start, end, new in reversed(edits):
                self.text = self.text[:start] + new + self.text[end:]
        views = self._top("bookViews")
        if views is not None and not views.empty:
            for view in reversed(xt.children(self.text, views)):
                tag = xt.start_tag(self.text, view)
                new = tag
                for attr in ("activeTab", "firstSheet"):
                    if xt.get_attr(new, attr) not in (None, "0"):
                        new = xt.set_attr(new, attr, "0")
                if new != tag:
                    self.text = xt.replace_tag(self.text, view, new)

    def add_defined_name(self, name: str, target: str) -> bool:
        """A workbook-level name (unless it exists already); True when added (kept per
        text, as :meth:`insert_first_sheet` is)."""
        self.text, added = _named(self.text, name, target)
        return added

    def _add_defined_name(self, name: str, target: str) -> bool:
        if self.defined_name(name) is not None:
            return False
        element = f'<{self.prefix}definedName name="{escape(name)}">{escape(target)}</{self.prefix}definedName>'
        parent = self._top("definedNames")
        if parent is None:
            top = xt.root(self.text)
            following = [e for e in xt.children(self.text, top) if e.local in _AFTER_DEFINED_NAMES]
            at = following[0].start if following else top.content_end
            wrapped = f"<{self.prefix}definedNames>{element}</{self.prefix}definedNames>"
            self.text = xt.insert_at(self.text, at, wrapped)
        else:
            self.text = xt.append_child(self.text, parent, element)
        return True


def add_to_app_properties(text: str, sheets: list[str], sheet: str, name: str) -> str | None:
    """app.xml with ``sheet`` listed first among the worksheets and ``name`` among the
    named ranges; None when its lists do not describe ``sheets`` (then leave it alone).

    HeadingPairs holds (group title, count) pairs; TitlesOfParts lists the titles of
    every group in turn. The worksheet group is the one whose titles are ``sheets``;
    the named-range group follows it (Excel and xlsxwriter keep its names sorted).
    """
    top = xt.root(text)
    pairs_el, titles_el = xt.child(text, top, "HeadingPairs"), xt.child(text, top, "TitlesOfParts")
    pairs_vec = xt.child(text, pairs_el, "vector") if pairs_el else None
    titles_vec = xt.child(text, titles_el, "vector") if titles_el else None
    if pairs_vec is None or titles_vec is None or titles_vec.empty:
        return None
    counts: list[xt.Element] = []  # the <vt:i4> of each pair
    for variant in xt.children(text, pairs_vec)[1::2]:
        number = xt.child(text, variant, "i4")
        if number is None or not text[number.tag_end : number.content_end].strip().isdigit():
            return None
        counts.append(number)
    values = [int(text[c.tag_end : c.content_end]) for c in counts]
    items = [e for e in xt.children(text, titles_vec) if e.local == "lpstr"]
    titles = [unescape_str(text[e.tag_end : e.content_end]) for e in items]
    if sum(values) != len(titles) or not sheets:
        return None
    starts = [sum(values[:k]) for k in range(len(values))]
    group = next(
        (
            k
            for k, (at, n) in enumerate(zip(starts, values, strict=True))
            if titles[at : at + n] == sheets
        ),
        None,
    )
    if group is None:
        return None
    p = items[0].prefix
    edits = [
        (
            items[starts[group]].start,
            items[starts[group]].start,
            f"<{p}lpstr>{escape(sheet)}</{p}lpstr>",
        )
    ]
    bumps = {group: 1}
    if group + 1 < len(values):
        at, n = starts[group + 1], values[group + 1]
        plain = [t for t in titles[at : at + n] if "!" not in t]  # sheet-level names have "!"
        if plain == sorted(plain) and name not in titles:
            index = at + sum(1 for t in plain if t < name)
            where = items[index].start if index < len(items) else titles_vec.content_end
            edits.append((where, where, f"<{p}lpstr>{escape(name)}</{p}lpstr>"))
            bumps[group + 1] = 1
    size_tag = xt.start_tag(text, titles_vec)
    new_size = xt.set_attr(size_tag, "size", str(len(titles) + len(bumps)))
    edits.append((titles_vec.start, titles_vec.tag_end, new_size))
    for k, extra in bumps.items():
        edits.append((counts[k].tag_end, counts[k].content_end, str(values[k] + extra)))
    for start, end, new in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        text = text[:start] + new + text[end:]
    return text


@lru_cache(maxsize=8)
def _named(text: str, name: str, target: str) -> tuple[str, bool]:
    """workbook.xml ``text`` with the workbook-level name ``name`` (whether added)."""
    wb = WorkbookXml(text)
    added = wb._add_defined_name(name, target)
    return wb.text, added


@lru_cache(maxsize=8)
def _sheet_entries(text: str) -> tuple[SheetEntry, ...]:
    """The sheets of workbook.xml ``text``."""
    return tuple(WorkbookXml(text)._sheets())


@lru_cache(maxsize=8)
def _inserted(text: str, name: str, rid: str) -> str:
    """workbook.xml ``text`` with sheet ``name`` (``rid``) put first."""
    wb = WorkbookXml(text)
    wb._insert_first_sheet(name, rid)
    return wb.text
