"""A summary as a workbook the county sends upward, which the next level ingests like any
return: the template of that year filled with the sums (totals as formulas, every number
locked, 填报单位 the summary's name), and the members in the 汇总明细 sheet with their
count and digest in the document properties, so the city still sees every member; a
summary made against a roster also lists who is missing and extra in 报送情况. A summary
too large for 汇总明细 to hold its numbers (a province's) lists its members there and
carries their numbers in the hidden 成员数据 sheet, one cell per member.
"""

from __future__ import annotations

from pathlib import Path

from gongkai_xlsx.aggregate.summary import Summary
from gongkai_xlsx.definition.names import COMPLETENESS_SHEET, MEMBERS_SHEET
from gongkai_xlsx.document_members import Member
from gongkai_xlsx.writer import TemplateOptions, write_template
from gongkai_xlsx.writer.members import MemberRow, MembersSheet, RosterCheck

XLSX_SUFFIX = ".xlsx"


def member_row(member: Member) -> MemberRow:
    return MemberRow(
        agency=member.agency,
        year=member.year,
        kind=member.kind,
        source_file=member.source_file,
        sha256=member.sha256,
        values=dict(member.values),
    )


def summary_note(summary: Summary, in_data: bool = False) -> str:
    """The cover line saying what this workbook is (``in_data``: the members' numbers
    travel in the hidden 成员数据 sheet, 汇总明细 only lists them)."""
    c = summary.completeness
    completeness = (
        f"。名单 {c.expected} 个单位：{c.lines[0]}"
        + ("，尚不完整" if c.pending else "")
        + f"（见“{COMPLETENESS_SHEET}”工作表）"
        if c
        else ""
    )
    return (
        f"本表为{summary.name} {summary.year} 年度报表的汇总，计入 {len(summary.members)} 个单位"
        f"{completeness}；数字由 gongkai-xlsx 汇总并锁定，"
        + (
            f"各单位见“{MEMBERS_SHEET}”工作表（单位较多，各单位的数字随文件保存，供上级读取）。"
            if in_data
            else f"各单位的数字见“{MEMBERS_SHEET}”工作表。"
        )
    )


def summary_options(
    summary: Summary, password: str = "", data: bool | None = None
) -> TemplateOptions:
    """The template options of ``summary``'s workbook (raises ValueError without one);
    ``data``: whether the members travel in 成员数据 (None: when 汇总明细 cannot hold
    their numbers)."""
    if summary.document is None or summary.cells is None or summary.year is None:
        raise ValueError("no summary: an error stopped it")
    assert summary.form is not None
    prefill = {
        c.id: value
        for c in summary.form.input_cells()
        if (value := summary.cells[c.id]) is not None
    }
    c = summary.completeness
    check = (
        RosterCheck(
            c.roster,
            c.expected,
            c.submitted,
            c.missing,
            c.extra,
            c.to_fix,
            c.unreadable,
            tuple((a.name, a.label, a.files) for a in c.agencies),
        )
        if c
        else None
    )
    members = MembersSheet(
        rows=tuple(member_row(m) for m in summary.members),
        digest=summary.document.source.sha256,
        completeness=check,
        data=data,
    )
    return TemplateOptions(
        year=summary.year,
        agency=summary.name,
        password=password,
        prefill=prefill,
        lock_prefill=True,
        note=summary_note(summary, members.in_data(summary.form)),
        members=members,
    )


def write_summary_xlsx(summary: Summary, path: Path, password: str = "") -> None:
    """Write ``summary`` as a workbook at ``path``, atomically (never half a file).

    Raises :class:`~gongkai_xlsx.writer.TemplateOptionsError` (Chinese) when the workbook
    cannot carry it (a name over 100 characters), ``OSError`` when it cannot be written."""
    options = summary_options(summary, password)
    assert summary.form is not None  # summary_options checked there is a summary
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_template(summary.form, options, path)
