"""What one template is made with, and the checks that keep bad options out of the writer.

Every limit here is one the workbook itself has (the cover's 最多100个字, Excel's legacy
password hash, the cell kinds of the definition), so an option the workbook would refuse
never reaches xlsxwriter, where it would end as an English warning or a missing rule.
Messages are Chinese: the CLI shows them as they are.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from gongkai_xlsx.definition.model import Form, Kind
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
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.text import utf16_len

NOTE_MAX_LENGTH = 500  # a cover line and a comment: a sentence or two, not a document
MAX_CELL_TEXT = 32_767  # Excel's limit for the text of a cell
_SHA256 = re.compile(r"[0-9a-f]{64}")


class TemplateOptionsError(UsageError):
    """An option the template cannot carry; the message is Chinese and says why."""


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


@dataclass(frozen=True)
class TemplateOptions:
    """One template: its year, and optionally its agency, password and prefilled values.

    ``prefill`` maps input cell identifiers to the numbers written into them (the 汇总
    workbook of ``aggregate``: every cell; ``new --previous``: 二、上年结转). Totals, the
    B1 row and the cover status are computed for them, so the file shows right results
    before any recalculation. ``lock_prefill`` locks those cells (a 汇总 is not edited);
    otherwise they stay open for the agency to correct. ``note`` is shown on the cover
    under the title, and as a comment on each prefilled cell that stays editable, e.g.
    "二、上年结转 已按 2023 年度报告预填，如有出入请直接修改". ``members`` makes the
    workbook a summary: every input cell is locked (its numbers come from the members,
    blank ones included), and the members are listed in a sheet after the tables.
    """

    year: int
    agency: str | None = None
    password: str = ""
    prefill: Mapping[str, int | Decimal] = field(default_factory=dict)
    lock_prefill: bool = False
    note: str | None = None
    members: MembersSheet | None = None


def _has_control(text: str, allow: str = "") -> bool:
    return any(unicodedata.category(ch)[0] == "C" and ch not in allow for ch in text)


def _preview(text: str, length: int = 20) -> str:
    return text if len(text) <= length else text[:length] + "…"


def agency_problem(form: Form, agency: str) -> str | None:
    """Why ``agency`` cannot be a template's 填报单位, in Chinese; None when it can."""
    cover_field = next(f for f in form.cover.fields if f.key == "agency")
    label, limit = cover_field.label, cover_field.max_length
    if not agency.strip():
        return f"{label}不能只有空格：请写本单位全称。"
    if _has_control(agency):
        return f"{label}中有换行或不可见的控制字符：请写成一行文字。"
    if limit is not None and utf16_len(agency) > limit:
        return (
            f"{label}最多{limit}个字，“{_preview(agency)}”有 {utf16_len(agency)} 个字："
            "请写本单位全称。"
        )
    return None


def password_problem(password: str) -> str | None:
    if password and not (password.isascii() and password.isprintable()):
        return (
            "保护密码只能使用英文字母、数字和英文符号：Excel 与本工具对中文等字符的密码加密方式不同，"
            "会导致无法撤销保护。"
        )
    return None


def _value_problem(kind: Kind, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return "不是整数或 Decimal"
    number = Decimal(value)
    if not number.is_finite() or number < kind.minimum or number > kind.maximum:
        return f"不在 {kind.minimum} 至 {kind.maximum} 之间"
    if number != round(number, kind.decimals):
        return "是小数" if kind.decimals == 0 else f"超过 {kind.decimals} 位小数"
    return None


def check_options(form: Form, options: TemplateOptions) -> None:
    """Raise :class:`TemplateOptionsError` for any option the template cannot carry."""
    if options.agency is not None:
        problem = agency_problem(form, options.agency)
        if problem:
            raise TemplateOptionsError(problem)
    problem = password_problem(options.password)
    if problem:
        raise TemplateOptionsError(problem)
    ids = {c.id for c in form.cells}
    for cell_id, value in options.prefill.items():
        if cell_id not in ids:
            raise TemplateOptionsError(f"预填的单元格“{cell_id}”不是{form.name}中的单元格。")
        cell = form.cell(cell_id)
        if cell.computed:
            raise TemplateOptionsError(f"“{cell.label}”是自动计算的合计，不能预填。")
        problem = _value_problem(cell.kind, value)
        if problem:
            raise TemplateOptionsError(f"预填的“{cell.label}”为 {value!r}，{problem}。")
    if options.note is not None:
        if not options.note.strip() or _has_control(options.note, allow="\n"):
            raise TemplateOptionsError("模板说明不能为空，也不能含有控制字符。")
        if utf16_len(options.note) > NOTE_MAX_LENGTH:
            raise TemplateOptionsError(f"模板说明最多{NOTE_MAX_LENGTH}个字。")
    if options.members is not None:
        _check_members(form, options.members)


def _check_members(form: Form, members: MembersSheet) -> None:
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
        where = f"第 {number} 个成员（{_preview(row.agency)}）"
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
            problem = _value_problem(cell.kind, value)
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
                f"第 {number} 个成员（{_preview(row.agency)}）的单位名称或来源文件名过长，"
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
