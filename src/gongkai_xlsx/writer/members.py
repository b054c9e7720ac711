"""A summary workbook's members: the rows of 汇总明细 (or 成员数据), the roster's
completeness, and the checks that keep a member the sheet cannot hold out of the writer.

Only ``aggregate`` writes members; a template (``new``) never loads this module
(tests/test_startup.py), so the options every template is made with
(:mod:`gongkai_xlsx.writer.options`) stay small.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.definition.names import MEMBER_KINDS, MEMBERS_DATA_SHEET, MEMBERS_SHEET
from gongkai_xlsx.definition.summary_columns import (
    MAX_DATA_BYTES,
    MAX_DATA_MEMBERS,
    MAX_DATA_ROW_CHARS,
    MAX_MEMBER_CELLS,
    data_header,
    fits_members_sheet,
    member_cells,
)
from gongkai_xlsx.text import utf16_len
from gongkai_xlsx.writer.limits import MAX_CELL_TEXT, TemplateOptionsError, preview, value_problem

_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class MemberRow:
    """One row of a summary workbook's 汇总明细: a member (one agency's return, or a
    summary whose members are unknown) and its input numbers, blanks absent."""

    agency: str
    year: int
    kind: str  # "return" or "summary" (definition.names.MEMBER_KINDS)
    source_file: str
    sha256: str
    values: Mapping[str, int | Decimal]

    def data_text(self, header: tuple[str, ...], index: Mapping[str, int]) -> str:
        """This member as one cell of 成员数据: a JSON array of the values of ``header``'s
        keys (``index``: each key's place; a blank is null, an amount in the shortest
        digits that give it back)."""
        row: list[object] = [None] * len(header)
        row[:5] = self.agency, self.year, self.kind, self.source_file, self.sha256
        for key, value in self.values.items():
            row[index[key]] = _json_number(value)
        import orjson  # a summary's members only: a template does without

        return orjson.dumps(row).decode("utf-8")


def _json_number(value: int | Decimal | None) -> int | float | None:
    # every amount the form allows has at most 13 significant digits: the double whose
    # shortest form is the decimal gives it back exactly (as canonical.json_number)
    if value is None or isinstance(value, int):
        return value
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class RosterCheck:
    """How complete a summary is against the roster it was made with (a summary's
    ``completeness``): written as the 报送情况 sheet and the property ``"3/4"``."""

    roster: str  # the roster's file name
    expected: int
    submitted: int
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    to_fix: int | None = None  # None: not known (blank in the sheet)
    unreadable: int | None = None
    # every roster agency: (name, its status as the sheet shows it, the files received)
    agencies: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @property
    def text(self) -> str:
        return f"{self.submitted}/{self.expected}"


@dataclass(frozen=True)
class MembersSheet:
    """The members of a summary workbook, in the order the summary lists them, with the
    SHA-256 of their canonical JSON (the summary's ``source.sha256``) and, when a roster
    was given, how complete the summary is: written as the 汇总明细 sheet (and 报送情况),
    and document properties."""

    rows: tuple[MemberRow, ...]
    digest: str
    completeness: RosterCheck | None = None
    # True: the members travel in the hidden 成员数据 sheet and 汇总明细 lists who they are;
    # None: only when 汇总明细 cannot hold their numbers (definition.summary_columns)
    data: bool | None = None

    def in_data(self, form: Form) -> bool:
        """Whether the members travel in 成员数据 (else in 汇总明细, with their numbers)."""
        if self.data is not None:
            return self.data
        return not fits_members_sheet(form, [len(row.values) for row in self.rows])


def check_members(form: Form, members: MembersSheet) -> None:
    """Every member as 汇总明细 can hold it (the sheet is read back exactly)."""
    if not members.rows:
        raise TemplateOptionsError("汇总表至少要有一个成员。")
    if not members.in_data(form):
        cells = member_cells(form, [len(row.values) for row in members.rows])
        if cells > MAX_MEMBER_CELLS:  # only when asked for: otherwise 成员数据 carries them
            raise TemplateOptionsError(
                f"{len(members.rows)} 个单位的明细需要 {cells} 个单元格，超过汇总表“{MEMBERS_SHEET}”"
                f"最多 {MAX_MEMBER_CELLS} 个的上限，上级无法在时限内读取。"
                "请把汇总输出为规范 JSON（.json）报送上级。"
            )
    elif len(members.rows) > MAX_DATA_MEMBERS:
        raise TemplateOptionsError(
            f"汇总表最多能带 {MAX_DATA_MEMBERS} 个单位的明细，这次有 {len(members.rows)} 个，"
            "上级无法在时限内读取。请把汇总输出为规范 JSON（.json）报送上级。"
        )
    if not _SHA256.fullmatch(members.digest):
        raise TemplateOptionsError(f"成员列表的 SHA-256“{members.digest}”格式不对。")
    check = members.completeness
    if check is not None:
        names_given = (check.roster, *check.missing, *check.extra)
        if any(not n.strip() or utf16_len(n) > MAX_CELL_TEXT for n in names_given):
            raise TemplateOptionsError("报送情况中的名单文件名和单位名称不能为空或过长。")
        if not 0 <= check.submitted <= check.expected or len(check.missing) != (
            check.expected - check.submitted
        ):
            raise TemplateOptionsError(
                f"报送情况 {check.text} 与未报送的 {len(check.missing)} 个单位不符。"
            )
    inputs = {c.id: c for c in form.input_cells()}
    for number, row in enumerate(members.rows, start=1):
        where = f"第 {number} 个成员（{preview(row.agency)}）"
        for what, text in (("单位名称", row.agency), ("来源文件名", row.source_file)):
            if not text.strip() or utf16_len(text) > MAX_CELL_TEXT:
                raise TemplateOptionsError(f"{where}的{what}为空或过长。")
        if row.kind not in MEMBER_KINDS:
            raise TemplateOptionsError(f"{where}的类型“{row.kind}”不是 {'、'.join(MEMBER_KINDS)}。")
        if isinstance(row.year, bool) or not isinstance(row.year, int):
            raise TemplateOptionsError(f"{where}的年度 {row.year!r} 不是整数。")
        if not _SHA256.fullmatch(row.sha256):
            raise TemplateOptionsError(f"{where}的 SHA-256“{row.sha256}”格式不对。")
        for cell_id, value in row.values.items():
            cell = inputs.get(cell_id)
            if cell is None:
                raise TemplateOptionsError(f"{where}的“{cell_id}”不是{form.name}中的输入单元格。")
            problem = value_problem(cell.kind, value)
            if problem:
                raise TemplateOptionsError(f"{where}的“{cell.label}”为 {value!r}，{problem}。")


def data_texts(form: Form, rows: tuple[MemberRow, ...]) -> list[str]:
    """The cells of 成员数据 (:data:`~gongkai_xlsx.definition.names.MEMBERS_DATA_SHEET`):
    the header, then each member's row (:meth:`MemberRow.data_text`); or
    :class:`TemplateOptionsError` when a row is beyond a cell's limit or all of them
    beyond the reader's (a member's row is some 2 KB at most: only names thousands of
    characters long come near). Made once, by the writer, after :func:`check_options`."""
    import orjson  # a summary's members only: a template does without

    header = data_header(form)
    index = {key: i for i, key in enumerate(header)}
    texts = [orjson.dumps(list(header)).decode("utf-8")]
    total = 0
    for number, row in enumerate(rows, start=1):
        text = row.data_text(header, index)
        if utf16_len(text) > MAX_DATA_ROW_CHARS:
            raise TemplateOptionsError(
                f"第 {number} 个成员（{preview(row.agency)}）的单位名称或来源文件名过长，"
                f"“{MEMBERS_DATA_SHEET}”工作表的一个单元格放不下它的明细。"
            )
        total += len(text.encode("utf-8"))
        texts.append(text)
    if total > MAX_DATA_BYTES:
        raise TemplateOptionsError(
            f"{len(rows)} 个单位的明细共 {total // 1024 // 1024} MB，超过汇总表最多 "
            f"{MAX_DATA_BYTES // 1024 // 1024} MB 的上限，上级无法在时限内读取。"
            "请把汇总输出为规范 JSON（.json）报送上级。"
        )
    return texts
