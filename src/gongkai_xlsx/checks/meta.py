"""The cover: report year and agency, from the cover cells and the template's properties.

A function of the return and the year asked for: it gives its findings, and what later
stages use (the year and the agency it settled on), as one frozen :class:`Cover`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath

from gongkai_xlsx.agency import same_agency
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.numbers import parse_text, parse_year
from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.findings import Finding, excerpt
from gongkai_xlsx.reader.model import CellRead, Return
from gongkai_xlsx.text import utf16_len

CODES = (
    Code.YEAR_DIFFERS,
    Code.YEAR_UNKNOWN,
    Code.YEAR_INVALID,
    Code.YEAR_MISMATCH,
    Code.AGENCY_DIFFERS,
    Code.AGENCY_MISSING,
    Code.AGENCY_TOO_LONG,
    Code.LABEL_CHANGED,
)


MAX_YEAR = 2099
"""The last report year read from a file: fixed, so that a re-run gives the same bytes
whatever the date; far enough ahead for the format's life, near enough to catch a typo."""


@dataclass(frozen=True)
class Cover:
    """What the cover says: its findings, the report year (None when unknown or out of
    range) and the agency; when the cover names none, the file name's stem with
    ``agency_from_file_name`` (shown in the batch table only)."""

    findings: tuple[Finding, ...]
    year: int | None
    agency: str
    agency_from_file_name: bool = False


@dataclass(frozen=True)
class _Year:
    findings: tuple[Finding, ...]
    year: int | None


def _field(fields: Mapping[str, CellRead], key: str) -> object:
    read = fields.get(key)
    return read.value if read is not None else None


def _unread(fields: Mapping[str, CellRead], key: str) -> bool:
    """The reader could not read the field (its finding says why): not a cleared one."""
    read = fields.get(key)
    return read is not None and not read.sure


def _year(ret: Return, form: Form, expected_year: int | None) -> _Year:
    """The report year: the template's property first, then the cover cell."""
    props = ret.properties
    raw_year = _field(ret.fields, "year")
    cover_year = parse_year(raw_year)
    prop_year = parse_year(props.get(names.PROP_YEAR))
    year = prop_year or cover_year
    in_range = cover_year is not None and cover_year <= MAX_YEAR
    cover_shown = cover_year if in_range else parse_text(raw_year)  # 1e300 as typed
    found: list[Finding] = []
    if prop_year and cover_shown is not None and cover_year != prop_year:
        shown = cover_shown if isinstance(cover_shown, int) else excerpt(cover_shown)
        found.append(Finding(Code.YEAR_DIFFERS, field="year", actual=shown, expected=prop_year))
    elif prop_year and cover_shown is None and not _unread(ret.fields, "year"):  # cleared
        found.append(Finding(Code.LABEL_CHANGED, field="year", expected=prop_year))
    if year is None:
        found.append(Finding(Code.YEAR_UNKNOWN))
    elif year < form.first_year:
        found.append(
            Finding(Code.YEAR_INVALID, actual=year, expected=f"{form.first_year} 年及以后")
        )
    elif year > MAX_YEAR:
        raw = props.get(names.PROP_YEAR) if prop_year else raw_year
        shown = excerpt(raw if isinstance(raw, str) else repr(raw))  # 1e+300, not 301 digits
        found.append(Finding(Code.YEAR_INVALID, actual=shown, expected=f"{MAX_YEAR} 年及以前"))
        year = None  # not carried on: report.json cannot hold an integer past 64 bits
    elif expected_year is not None and year != expected_year:
        found.append(Finding(Code.YEAR_MISMATCH, actual=year, expected=expected_year))
    return _Year(tuple(found), year)


def _agency(ret: Return, form: Form, year: _Year) -> Cover:
    """The agency: the cover cell first, then the template's property."""
    cover_agency = parse_text(_field(ret.fields, "agency"))
    prop_agency = parse_text(ret.properties.get(names.PROP_AGENCY))
    agency = cover_agency or prop_agency
    found = list(year.findings)
    if cover_agency and prop_agency and not same_agency(cover_agency, prop_agency):
        found.append(
            Finding(Code.AGENCY_DIFFERS, field="agency", actual=cover_agency, expected=prop_agency)
        )
    elif prop_agency and not cover_agency and not _unread(ret.fields, "agency"):  # cleared
        found.append(Finding(Code.LABEL_CHANGED, field="agency", expected=prop_agency))
    if not agency:  # an error: the workbook's own status says 请填写“填报单位”
        found.append(Finding(Code.AGENCY_MISSING, field="agency"))
        return Cover(tuple(found), year.year, PurePath(ret.source.name).stem, True)
    limit = next((f.max_length for f in form.cover.fields if f.key == "agency"), None)
    if limit is not None and utf16_len(agency) > limit:
        found.append(
            Finding(Code.AGENCY_TOO_LONG, field="agency", actual=utf16_len(agency), expected=limit)
        )
    return Cover(tuple(found), year.year, agency)


def check(ret: Return, form: Form, expected_year: int | None = None) -> Cover:
    """The cover of ``ret`` (a located return of ``form``); ``expected_year``: the year
    the batch was asked for (``--year``), None for any."""
    return _agency(ret, form, _year(ret, form, expected_year))
