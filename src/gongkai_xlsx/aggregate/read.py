"""Canonical documents as the aggregator reads them: found in files and folders, parsed
with exact decimals, and checked against the schema and against their own arithmetic
(a document edited by hand must not be summed as if it were ours).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema

from gongkai_xlsx.aggregate.members import (
    RETURN,
    SUMMARY,
    Member,
    exact,
    members_json,
    return_member,
    sum_inputs,
    summary_members,
)
from gongkai_xlsx.canonical import first_error, members_digest, value_at
from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.definition.evaluate import with_totals
from gongkai_xlsx.definition.load import available_formats, load_form
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.walk import Unreached, real_path, walk

JSON_SUFFIX = ".json"
INGEST_REPORT = "report.json"
INGEST_PAGE = "report.html"  # ingest writes it beside report.json


@dataclass(frozen=True)
class Skipped:
    """A file found in a folder and not read, and why (shown as one note)."""

    display: str
    reason: str


@dataclass(frozen=True)
class Document:
    """A canonical document that passed every check; numbers are ints and Decimals."""

    display: str
    form: Form
    data: dict[str, Any]
    members: tuple[Member, ...]  # a return: itself; a summary: the members it lists

    @property
    def kind(self) -> str:
        return self.data["kind"]

    @property
    def agency(self) -> str:
        return self.data["agency"]

    @property
    def year(self) -> int:
        return self.data["year"]


@dataclass
class JsonFiles:
    """What a walk over an aggregate's (or ``--previous``'s) input gives."""

    found: list[tuple[Path, str]]  # the JSON files, each with the name shown for it
    skipped: list[Skipped]  # files that are not documents: not JSON, ours, an ingest page
    passed_over: list[Skipped]  # entries the walk skips by design (hidden, system, lock)
    unreached: list[Unreached]  # entries the walk could not enter or read: errors


def find_files(paths: Iterable[Path], exclude: Path | None = None) -> JsonFiles:
    """The JSON files under ``paths`` (recursively, sorted) and every other entry with its
    answer; ``exclude`` is the summary being written, never read as an input."""
    excluded = real_path(exclude) if exclude else None
    walked = walk(paths)
    files = JsonFiles(
        [], [], [Skipped(p.display, p.reason) for p in walked.passed_over], walked.unreached
    )
    for file in walked.found:
        path, display = file.path, file.display
        if real_path(path) == excluded:
            files.skipped.append(Skipped(display, "本次汇总的输出文件"))
        elif path.name == INGEST_PAGE and (path.parent / INGEST_REPORT).is_file():
            files.skipped.append(Skipped(display, "ingest 的结果页面"))
        elif path.suffix.lower() != JSON_SUFFIX:
            files.skipped.append(Skipped(display, "不是 JSON 文件"))
        else:
            files.found.append((path, display))
    files.found.sort(key=lambda f: f[1])
    return files


def _no_constants(name: str) -> Any:
    raise ValueError(f"不是 JSON 的数值 {name}")


def load_json(path: Path, display: str) -> tuple[Any, Finding | None]:
    """The parsed file (floats as Decimal), or a warning saying why it is not JSON."""

    def not_json(reason: str) -> tuple[None, Finding]:
        return None, Finding(Code.AGGREGATE_NOT_DOCUMENT, actual=display, detail=reason)

    try:
        raw = path.read_bytes()
    except OSError as exc:
        from gongkai_xlsx.api import os_reason  # not at module top: api is the front door

        return not_json(f"无法读取：{os_reason(exc)}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return not_json("不是 UTF-8 编码的文本")
    try:
        return json.loads(text, parse_float=Decimal, parse_constant=_no_constants), None
    except json.JSONDecodeError as exc:
        return not_json(f"JSON 语法错误，第 {exc.lineno} 行第 {exc.colno} 列")
    except (ValueError, RecursionError) as exc:
        return not_json(str(exc) if isinstance(exc, ValueError) else "嵌套过深")


def is_ingest_report(data: Any) -> bool:
    """``report.json`` of an ``ingest`` run: the batch's findings, not a document."""
    tool = data.get("tool") if isinstance(data, dict) else None
    return isinstance(tool, str) and tool.startswith("gongkai-xlsx") and "returns" in data


def _path_text(form: Form, path: list[str]) -> str:
    """A JSON path as people read it: a cell by its official label, else the path."""
    cell_ids = {c.id for c in form.cells}
    if path[:1] == ["tables"] and ".".join(path[1:]) in cell_ids:
        return f"“{form.cell('.'.join(path[1:])).label}”"
    if len(path) >= 4 and path[0] == "members" and path[2] == "values" and path[3] in cell_ids:
        return f"第 {int(path[1]) + 1} 个成员的“{form.cell(path[3]).label}”"
    if path[:1] == ["members"] and len(path) >= 2:
        rest = "/".join(path[2:])
        return f"第 {int(path[1]) + 1} 个成员" + (f"的“{rest}”" if rest else "")
    return f"“{'/'.join(path)}”" if path else "文档"


def schema_problem(form: Form, error: jsonschema.ValidationError) -> str:
    """One schema error in Chinese: where, then what."""
    where = _path_text(form, [str(p) for p in error.absolute_path])
    keyword, wanted, instance = error.validator, error.validator_value, error.instance
    if keyword == "required" and isinstance(instance, dict):
        missing = "、".join(f"“{k}”" for k in wanted if k not in instance)
        return f"{where}缺少字段 {missing}"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        extra = "、".join(f"“{k}”" for k in instance if k not in known)
        return f"{where}有多余的字段 {extra}"
    if keyword in (None, "not"):  # a false schema, or {"not": {}}: the field may not be here
        return f"{where}不应出现"
    described = {
        "type": f"类型不对（应为 {wanted}）",
        "minimum": f"为 {instance}，小于下限 {wanted}",
        "maximum": f"为 {instance}，超过上限 {wanted}",
        "const": f"应为“{wanted}”",
        "enum": f"应为 {'、'.join(map(str, wanted)) if isinstance(wanted, list) else wanted}",
        "pattern": "格式不对",
        "minLength": "不能为空",
        "minItems": "不能为空",
    }
    return f"{where}{described.get(str(keyword), '不符合规范')}"


def _arithmetic_problem(form: Form, data: dict[str, Any], members: list[Member]) -> str | None:
    """Why a valid-looking document is not what this tool writes, or None: totals that are
    not the sum of their parts, a summary whose numbers are not its members' sums."""
    if data["kind"] == RETURN:
        inputs = {c.id: value_at(data, c) for c in form.input_cells()}
        expected, why = with_totals(form, inputs), "与各项之和不一致"
    else:
        for number, member in enumerate(members, start=1):
            if member.year != data["year"]:
                return f"第 {number} 个成员的年度为 {member.year}，与汇总年度 {data['year']} 不一致"
        if members_digest(members_json(members)) != data["source"]["sha256"]:
            return "成员列表与“source/sha256”不符"
        expected, why = with_totals(form, sum_inputs(form, members)), "与成员明细之和不一致"
    for cell in form.cells:
        if value_at(data, cell) != expected[cell.id]:
            return f"“{cell.label}”为 {value_at(data, cell)}，{why}（应为 {expected[cell.id]}）"
    return None


def parse_document(display: str, data: Any) -> tuple[Document | None, Finding | None]:
    """``data`` as a checked :class:`Document`; or a warning (not one of our documents)
    or an error (one of ours, but broken or edited)."""

    def not_ours(reason: str) -> tuple[None, Finding]:
        return None, Finding(Code.AGGREGATE_NOT_DOCUMENT, actual=display, detail=reason)

    def invalid(reason: str) -> tuple[None, Finding]:
        return None, Finding(Code.AGGREGATE_INVALID, actual=display, detail=reason)

    if not isinstance(data, dict):
        return not_ours("内容不是一个 JSON 对象")
    format_id = data.get("format")
    if not isinstance(format_id, str) or not format_id:
        return not_ours("没有“format”字段")
    if format_id not in available_formats():
        return not_ours(f"报告格式“{format_id}”本工具不认识")
    form = load_form(format_id)
    data = exact(data)
    error = first_error(form, data)
    if error is not None:
        return invalid(schema_problem(form, error))
    if data["kind"] == SUMMARY:
        members = summary_members(data, display)
    else:
        members = [return_member(form, data, display)]
    problem = _arithmetic_problem(form, data, members)
    if problem:
        return invalid(problem)
    return Document(display, form, data, tuple(members)), None
