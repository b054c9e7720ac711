"""The cover: report year and agency, from the cover cells and the template's properties."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePath

from gongkai_xlsx.agency import same_agency
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.checks.context import Context
from gongkai_xlsx.checks.numbers import parse_text, parse_year
from gongkai_xlsx.definition import names
from gongkai_xlsx.findings import Finding, excerpt
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


def _field(ctx: Context, key: str) -> object:
    read = ctx.ret.fields.get(key)
    return read.value if read is not None else None


def _unread(ctx: Context, key: str) -> bool:
    """The reader could not read the field (its finding says why): not a cleared one."""
    read = ctx.ret.fields.get(key)
    return read is not None and not read.sure


def check(ctx: Context) -> Iterator[Finding]:
    props = ctx.ret.properties
    raw_year = _field(ctx, "year")
    cover_year = parse_year(raw_year)
    prop_year = parse_year(props.get(names.PROP_YEAR))
    year = prop_year or cover_year
    in_range = cover_year is not None and cover_year <= MAX_YEAR
    cover_shown = cover_year if in_range else parse_text(raw_year)  # 1e300 as typed
    if prop_year and cover_shown is not None and cover_year != prop_year:
        shown = cover_shown if isinstance(cover_shown, int) else excerpt(cover_shown)
        yield Finding(Code.YEAR_DIFFERS, field="year", actual=shown, expected=prop_year)
    elif prop_year and cover_shown is None and not _unread(ctx, "year"):  # the year cleared
        yield Finding(Code.LABEL_CHANGED, field="year", expected=prop_year)
    if year is None:
        yield Finding(Code.YEAR_UNKNOWN)
    elif year < ctx.form.first_year:
        yield Finding(Code.YEAR_INVALID, actual=year, expected=f"{ctx.form.first_year} 年及以后")
    elif year > MAX_YEAR:
        raw = props.get(names.PROP_YEAR) if prop_year else raw_year
        shown = excerpt(raw if isinstance(raw, str) else repr(raw))  # 1e+300, not 301 digits
        yield Finding(Code.YEAR_INVALID, actual=shown, expected=f"{MAX_YEAR} 年及以前")
        year = None  # not carried on: report.json cannot hold an integer past 64 bits
    elif ctx.expected_year is not None and year != ctx.expected_year:
        yield Finding(Code.YEAR_MISMATCH, actual=year, expected=ctx.expected_year)
    ctx.year = year

    cover_agency = parse_text(_field(ctx, "agency"))
    prop_agency = parse_text(props.get(names.PROP_AGENCY))
    agency = cover_agency or prop_agency
    if cover_agency and prop_agency and not same_agency(cover_agency, prop_agency):
        yield Finding(
            Code.AGENCY_DIFFERS, field="agency", actual=cover_agency, expected=prop_agency
        )
    elif prop_agency and not cover_agency and not _unread(ctx, "agency"):  # agency cleared
        yield Finding(Code.LABEL_CHANGED, field="agency", expected=prop_agency)
    if not agency:  # an error: the workbook's own status says 请填写“填报单位”
        agency = PurePath(ctx.ret.source.name).stem  # shown in the batch table only
        ctx.agency_from_file_name = True
        yield Finding(Code.AGENCY_MISSING, field="agency")
    else:
        limit = next((f.max_length for f in ctx.form.cover.fields if f.key == "agency"), None)
        if limit is not None and utf16_len(agency) > limit:
            yield Finding(
                Code.AGENCY_TOO_LONG, field="agency", actual=utf16_len(agency), expected=limit
            )
    ctx.agency = agency
