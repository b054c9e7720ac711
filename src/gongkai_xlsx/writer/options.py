"""What one template is made with, and the checks that keep bad options out of the writer.

Every limit here is one the workbook itself has (the cover's 最多100个字, Excel's legacy
password hash, the cell kinds of the definition), so an option the workbook would refuse
never reaches xlsxwriter, where it would end as an English warning or a missing rule.
Messages are Chinese: the CLI shows them as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.text import utf16_len
from gongkai_xlsx.writer.limits import TemplateOptionsError as TemplateOptionsError  # re-exported
from gongkai_xlsx.writer.limits import has_control, preview, value_problem

if TYPE_CHECKING:
    from gongkai_xlsx.writer.members import MembersSheet

NOTE_MAX_LENGTH = 500  # a cover line and a comment: a sentence or two, not a document


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


def agency_problem(form: Form, agency: str) -> str | None:
    """Why ``agency`` cannot be a template's 填报单位, in Chinese; None when it can."""
    cover_field = next(f for f in form.cover.fields if f.key == "agency")
    label, limit = cover_field.label, cover_field.max_length
    if not agency.strip():
        return f"{label}不能只有空格：请写本单位全称。"
    if has_control(agency):
        return f"{label}中有换行或不可见的控制字符：请写成一行文字。"
    if limit is not None and utf16_len(agency) > limit:
        return (
            f"{label}最多{limit}个字，“{preview(agency)}”有 {utf16_len(agency)} 个字："
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
        problem = value_problem(cell.kind, value)
        if problem:
            raise TemplateOptionsError(f"预填的“{cell.label}”为 {value!r}，{problem}。")
    if options.note is not None:
        if not options.note.strip() or has_control(options.note, allow="\n"):
            raise TemplateOptionsError("模板说明不能为空，也不能含有控制字符。")
        if utf16_len(options.note) > NOTE_MAX_LENGTH:
            raise TemplateOptionsError(f"模板说明最多{NOTE_MAX_LENGTH}个字。")
    if options.members is not None:
        from gongkai_xlsx.writer.members import check_members  # a summary's only

        check_members(form, options.members)
