"""Defined names and document properties shared by the writer and the reader.

A defined name is ``gk.`` + the cell identifier: the prefix makes it impossible for a name
to look like a cell reference (``gk`` alone is a column, but ``gk.`` followed by a letter
is never an A1 or R1C1 reference), and identifiers are snake_case, so the name is valid
in Excel, WPS and LibreOffice alike.
"""

from __future__ import annotations

NAME_PREFIX = "gk."
COVER_PREFIX = "gk.cover."

# Custom document properties, all stored as text (LibreOffice turns numbers into floats
# on re-save; text survives unchanged).
PROP_FORMAT = "gongkai.format"
PROP_YEAR = "gongkai.year"
PROP_VERSION = "gongkai.template_version"
PROP_AGENCY = "gongkai.agency"
PROP_LAYOUT = "gongkai.layout"
PROP_TOOL = "gongkai.tool"


def cell_name(cell_id: str) -> str:
    return NAME_PREFIX + cell_id


def field_name(key: str) -> str:
    return COVER_PREFIX + key


def quote_sheet(sheet: str) -> str:
    """A sheet name as it must appear in a formula or a defined name's target."""
    return "'" + sheet.replace("'", "''") + "'"


# A marked copy (``gongkai-xlsx annotate``): the sheet it adds in front, the fixed text in
# that sheet's A1, and a workbook-level name pointing at that cell. Ingest tests the name
# (one dictionary look-up in what it reads anyway) to know the sheet is ours.
RESULTS_SHEET = "校验结果"
RESULTS_TITLE = "报表校验结果（由 gongkai-xlsx 生成）"
MARK_NAME = "gongkai.annotated"

# A summary workbook (``gongkai-xlsx aggregate -o X.xlsx``): the template filled with the
# sums, plus the sheet listing its members. The members travel in that sheet only; the
# properties hold their count and the SHA-256 of their canonical JSON (a summary's
# ``source.sha256``), so that a deleted or edited row is caught. Each column of the sheet
# has a workbook-level name on its header cell: ``gk.members.`` + a member field
# (:data:`MEMBER_FIELDS`) or a cell identifier.
KIND_SUMMARY = "summary"
PROP_KIND = "gongkai.kind"
PROP_MEMBERS = "gongkai.members"
PROP_MEMBERS_SHA256 = "gongkai.members_sha256"
PROP_COMPLETENESS = "gongkai.completeness"
MEMBERS_SHEET = "汇总明细"
MEMBER_PREFIX = "gk.members."
MEMBER_FIELDS = ("agency", "year", "kind", "source_file", "sha256")
MEMBER_KINDS = {"return": "填报表", "summary": "汇总"}  # a member's kind as the sheet shows it


def member_name(key: str) -> str:
    """The name of a column of 汇总明细: a member field or a cell identifier."""
    return MEMBER_PREFIX + key


# A summary of more members than 汇总明细 can hold with their numbers (a province's, of
# every agency below it): 汇总明细 lists who they are, and the members travel in a hidden
# sheet, one cell per member in column A holding its row as a JSON array (the fields, then
# the input cells in the order the header cell A1 lists them, null for a blank). The name
# below points at A1; its presence is what says the members travel there.
MEMBERS_DATA_SHEET = "成员数据"
MEMBERS_DATA_NAME = "gk.members_data"


# How complete a summary is against its roster, when it was made with one: the property
# holds "submitted/expected", the sheet the roster's file and the agencies missing and
# extra, each under a name ``gk.completeness.`` + a field of the summary's completeness.
COMPLETENESS_SHEET = "报送情况"
COMPLETENESS_PREFIX = "gk.completeness."
COMPLETENESS_FIELDS = ("roster", "expected", "submitted", "missing", "extra")
# The sheet's version (property ``gongkai.completeness_version``; absent: 1). 2 adds the
# counts of agencies to fix and not read (blank when not known) and every roster agency
# with its status and files (the columns from ``agencies`` on); version 1 stays readable.
PROP_COMPLETENESS_VERSION = "gongkai.completeness_version"
COMPLETENESS_VERSION = 2
COMPLETENESS_FIELDS_2 = (*COMPLETENESS_FIELDS, "to_fix", "unreadable", "agencies")


def completeness_name(key: str) -> str:
    return COMPLETENESS_PREFIX + key
