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
