"""A roster's templates made from one: built once, each agency's copy by substitution.

The templates of a roster run differ only by the agency's name (the 填报单位 cell, the
line under each table's title, the properties). Building each with xlsxwriter took 28 ms
a template (16.6 s for 500 agencies); the stencil builds the template twice, with two
stand-in names, and from then on writes a copy by putting the agency's name, escaped as
xlsxwriter escapes it, where the stand-in was. Only the parts holding the name are
deflated again (:class:`~gongkai_xlsx.ooxml.archive.ZipStencil`); the rest are copied.

It proves itself before it is used: the second stand-in is long, has every character XML
escapes and differs in width, so a part that depends on the name other than by holding
it (a row height, an escape of another kind, a length written somewhere) shows up as a
difference substitution does not explain, and :meth:`TemplateStencil.build` returns None:
every template is then built from scratch. A name substitution cannot reproduce (equal
to another text of the workbook, which xlsxwriter would share; ``_xHHHH_``, which it
escapes in shared strings; surrounding spaces) gets None from :meth:`copy_for`, and is
built from scratch too. tests/test_roster_stencil.py holds copies equal, part by part,
to templates built from scratch.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from gongkai_xlsx.definition.load import load_form
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.ooxml.archive import ZipIn, ZipStencil
from gongkai_xlsx.writer.options import TemplateOptions
from gongkai_xlsx.writer.workbook import template_bytes

# Two stand-ins for the name: ASCII the first (it escapes to itself), the second longer,
# wider, with every character XML escapes. Neither occurs in a template otherwise.
STAND_IN = "GKXSTANDINAGENCYNAME"
CHECK_STAND_IN = (
    "GKXCHECKAGENCY <&>\"' 某县某某某某某某某某某某某某某某某某某某某某某某某某某某某某局"
)
CORE = "docProps/core.xml"  # holds the time it was made: the first build's is kept
_TIMES = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_SHARED = "xl/sharedStrings.xml"
_SHARED_TEXT = re.compile(rb"<t(?: [^>]*)?>([^<]*)</t>")
_ESCAPED_BY_XLSXWRITER = re.compile(r"_x[0-9A-Fa-f]{4}_")


def escaped(name: str) -> bytes:
    """The name as xlsxwriter writes it in element text (``_escape_data``)."""
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


@dataclass(frozen=True)
class TemplateStencil:
    """The template of one year and password with a hole where the agency's name goes."""

    zip: ZipStencil  # each part holding the name split where the name goes
    texts: frozenset[bytes]  # the workbook's shared strings, the stand-in's aside
    parts: tuple[str, ...]  # the parts holding the name

    @classmethod
    def build(
        cls,
        form: Form,
        year: int,
        password: str = "",
        prefill: Mapping[str, int | Decimal] | None = None,
        note: str | None = None,
    ) -> TemplateStencil | None:
        """The stencil of the templates with these options (``prefill`` and ``note`` as in
        :class:`TemplateOptions`: agencies whose last year left the same numbers share
        one), or None when substituting the name does not reproduce a template built for
        another name (then every template is built from scratch)."""
        first = ZipIn(template_bytes(form, _options(year, STAND_IN, password, prefill, note)))
        check = ZipIn(template_bytes(form, _options(year, CHECK_STAND_IN, password, prefill, note)))
        names = [m.filename for m in first.members]
        if names != [m.filename for m in check.members]:
            return None
        hole, check_hole = escaped(STAND_IN), escaped(CHECK_STAND_IN)
        segments: dict[str, list[bytes]] = {}
        for info, other in zip(first.members, check.members, strict=True):
            part, check_part = first.read(info), check.read(other)
            if info.filename == CORE:
                part, check_part = _TIMES.sub(b"", part), _TIMES.sub(b"", check_part)
            pieces = part.split(hole)
            if check_hole.join(pieces) != check_part:
                return None
            if len(pieces) > 1:
                segments[info.filename] = first.read(info).split(hole)
        shared = first.read(first.members[names.index(_SHARED)]) if _SHARED in names else b""
        texts = frozenset(_SHARED_TEXT.findall(shared)) - {hole}
        return cls(ZipStencil(first, segments), texts, tuple(segments))

    def copy_for(self, agency: str) -> bytes | None:
        """The template for ``agency`` (a name :func:`agency_problem` accepts), or None
        when this name has to be built from scratch."""
        name = escaped(agency)
        if name in self.texts or agency != agency.strip() or _ESCAPED_BY_XLSXWRITER.search(agency):
            return None
        return self.zip.fill(dict.fromkeys(self.parts, name))


def _options(
    year: int,
    agency: str,
    password: str,
    prefill: Mapping[str, int | Decimal] | None = None,
    note: str | None = None,
) -> TemplateOptions:
    if not prefill:
        return TemplateOptions(year=year, agency=agency, password=password)
    return TemplateOptions(year=year, agency=agency, password=password, prefill=prefill, note=note)


def built(task: tuple[str, TemplateOptions]) -> bytes:
    """A template built from scratch in a worker process: (the form's id, its options)."""
    format_id, options = task
    return template_bytes(load_form(format_id), options)
