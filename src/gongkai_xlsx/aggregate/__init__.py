"""汇总: the sum of many canonical documents, itself a canonical document.

``aggregate_paths(paths, name)`` reads JSON files and folders (what ``ingest`` wrote, or
earlier summaries), ``aggregate_documents(sources, name)`` takes documents already in
memory; both return a :class:`Summary`: the summary document, its members, the findings
(catalogue codes ``aggregate-*`` and ``roster-*``) and the roster's match
(:mod:`gongkai_xlsx.completeness`, the one owner of roster matching).
``write_summary`` writes it atomically as JSON, ``write_summary_xlsx`` as the workbook the
county sends upward (the template filled with the sums, the members in 汇总明细).
"""

from gongkai_xlsx.aggregate.merge import merge
from gongkai_xlsx.aggregate.summary import (
    Summary,
    aggregate_documents,
    aggregate_paths,
    default_file_name,
    write_summary,
)
from gongkai_xlsx.aggregate.xlsx import write_summary_xlsx
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.document_files import Document, Skipped, find_files, parse_document
from gongkai_xlsx.document_members import Member, sum_inputs

__all__ = [
    "Document",
    "Member",
    "Skipped",
    "Summary",
    "aggregate_documents",
    "aggregate_paths",
    "default_file_name",
    "find_files",
    "merge",
    "parse_document",
    "sum_inputs",
    "write_summary",
    "write_summary_xlsx",
]

# Every code a summary can give (tests/test_catalogue.py holds each stage to its list).
CODES = (
    Code.AGGREGATE_INVALID,
    Code.AGGREGATE_NOT_DOCUMENT,
    Code.AGGREGATE_UNREADABLE,
    Code.AGGREGATE_LISTED_MISSING,
    Code.AGGREGATE_CONFLICT,
    Code.AGGREGATE_SAME_FILE,
    Code.AGGREGATE_SAME_FILE_DIFFERS,
    Code.AGGREGATE_MIXED,
    Code.AGGREGATE_OUT_OF_RANGE,
    Code.ROSTER_DUPLICATE,
    Code.ROSTER_EXTRA,
    Code.ROSTER_MISSING,
    Code.SCHEMA_INVALID,
)
