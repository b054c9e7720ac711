"""The columns of a summary workbook's 汇总明细 sheet, shared by the writer and the reader.

One column per member field (who, which year, which kind of document, from which file),
one per cell of the form in the form's order, headed by the cell's official label (every
label of a form is unique, so each names its column), and the source file's SHA-256
last; the reader finds each column
by its defined name (:func:`~gongkai_xlsx.definition.names.member_name`) and checks the
header against this list.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from gongkai_xlsx.definition.model import CellDef, Form
from gongkai_xlsx.definition.names import MEMBER_FIELDS

_FIELD_HEADERS = {"kind": "类型", "source_file": "来源文件", "sha256": "SHA-256"}

# Cells 汇总明细 may hold (blanks are not stored): what one worker reads within ingest's
# default limits (about 360 MB and a few seconds; benchmarks/bench_summary.py), some 3,000
# members of half-filled returns. The writer refuses more, so the reader never meets more
# in a workbook of ours; a larger summary travels as JSON.
MAX_MEMBER_CELLS = 400_000

# A summary of more members travels in the hidden 成员数据 sheet
# (:data:`~gongkai_xlsx.definition.names.MEMBERS_DATA_SHEET`), one cell per member: a
# province's 10,000 agencies and room to spare, each row within Excel's limit for a cell,
# and all rows together well inside the reader's limit for one part (the shared strings
# hold them: 64 MB), so a file of ours is never refused; a hostile one is, at these bounds.
MAX_DATA_MEMBERS = 30_000
MAX_DATA_ROW_CHARS = 32_767  # Excel's limit for the text of a cell
MAX_DATA_BYTES = 40 * 1024 * 1024  # the rows' text, UTF-8

# The labels of the 报送情况 sheet, as the schema titles a summary's completeness.
COMPLETENESS_LABELS = {
    "roster": "名单文件",
    "expected": "名单单位数",
    "submitted": "已收到单位数",
    "missing": "未报送的单位",
    "extra": "不在名单中的单位（另计）",
    "to_fix": "其中有错误待修改",
    "unreadable": "其中无法读取",
    "agencies": "名单中的单位",
    "status": "状态",
    "files": "收到的文件",
}


@dataclass(frozen=True)
class MemberColumn:
    key: str  # a member field (MEMBER_FIELDS) or a cell identifier
    header: str
    cell: CellDef | None = None  # the form's cell, None for a member field


@cache
def member_columns(form: Form) -> tuple[MemberColumn, ...]:
    """The columns of 汇总明细, in order: who (填报单位 and 报告年度 as the cover labels
    them), the kind and the source file, every cell, and last the source's SHA-256 (for
    machines; last, so that its long text never runs over a blank cell people read)."""
    cover = {f.key: f.label for f in form.cover.fields}
    fields = {k: MemberColumn(k, cover.get(k) or _FIELD_HEADERS[k]) for k in MEMBER_FIELDS}
    cells = [MemberColumn(c.id, c.label, c) for c in form.cells]
    return (*(fields[k] for k in MEMBER_FIELDS if k != "sha256"), *cells, fields["sha256"])


def member_cells(form: Form, values_per_member: list[int]) -> int:
    """The cells 汇总明细 holds for members with so many input values each: the header,
    and per member its fields, its values and every total (a formula, even when 0)."""
    per_row = len(MEMBER_FIELDS) + len(form.computed_cells())
    return len(member_columns(form)) + sum(per_row + n for n in values_per_member)


def data_header(form: Form) -> tuple[str, ...]:
    """The keys of a row of 成员数据, in order: the member fields, then every input cell
    in the form's order (the header cell lists them, so the reader maps each by key)."""
    return (*MEMBER_FIELDS, *(c.id for c in form.input_cells()))


def fits_members_sheet(form: Form, values_per_member: list[int]) -> bool:
    """Whether 汇总明细 can carry these members with their numbers (else 成员数据 does)."""
    return member_cells(form, values_per_member) <= MAX_MEMBER_CELLS
