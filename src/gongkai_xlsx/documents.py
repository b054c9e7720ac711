"""Read a canonical document back from its JSON file, for the commands that consume one.

``ingest`` writes canonical JSON; ``render`` (and anything else that reads such a file)
must refuse a file that is not one — report.json picked by mistake, a JSON of another
format, a document edited by hand into something the schema rejects — with a Chinese
message naming the file and saying what is wrong, never with a traceback.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema.exceptions import ValidationError

from gongkai_xlsx.canonical import validator
from gongkai_xlsx.definition.load import DefinitionError, available_formats, load_form
from gongkai_xlsx.definition.model import Form

MAX_SHOWN_ERRORS = 5
_TYPE_WORDS = {
    "integer": "整数",
    "number": "数字",
    "string": "文字",
    "object": "对象",
    "array": "列表",
    "boolean": "是或否",
    "null": "空白",
}


class DocumentError(ValueError):
    """The file is not a canonical document this tool can use (message in Chinese)."""


@dataclass(frozen=True)
class LoadedDocument:
    form: Form
    document: dict[str, Any]


def _where(form: Form, path: list[str]) -> str:
    """A JSON path in words: the cell's official label, or the field's path."""
    if len(path) >= 3 and path[0] == "tables":
        cell_id = ".".join(path[1:])
        try:
            return f"“{form.cell(cell_id).label}”"
        except KeyError:
            pass
    return f"“{'/'.join(path)}”" if path else "文档"


def _problem(error: ValidationError) -> str:
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "required" and isinstance(instance, dict):
        missing = [k for k in expected if k not in instance]
        return "缺少" + "、".join(f"“{k}”" for k in missing)
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {})
        extra = [k for k in instance if k not in known]
        return "多出" + "、".join(f"“{k}”" for k in extra)
    if kind == "type":
        types = [expected] if isinstance(expected, str) else list(expected)
        return "应为" + "或".join(_TYPE_WORDS.get(t, t) for t in types)
    if kind == "minimum":
        return f"不能小于 {expected}（实际为 {instance}）"
    if kind == "maximum":
        return f"不能大于 {expected}（实际为 {instance}）"
    if kind == "const":
        return f"应为“{expected}”"
    if kind == "minLength":
        return "不能为空"
    if kind == "pattern":
        return "格式不对"
    return f"不符合规范（{kind}）"


def schema_problems(form: Form, document: dict[str, Any]) -> list[str]:
    """Every way ``document`` fails the committed schema, in Chinese, in document order."""
    errors = sorted(validator(form).iter_errors(document), key=lambda e: list(e.absolute_path))
    # jsonschema reports each missing key of one object separately; _problem names them all
    problems = (f"{_where(form, [str(p) for p in e.absolute_path])}{_problem(e)}" for e in errors)
    return list(dict.fromkeys(problems))


def read_document(path: Path) -> LoadedDocument:
    """The canonical document in ``path`` with its form, or :class:`DocumentError`."""
    name = str(path)
    if path.is_dir():
        raise DocumentError(f"{name}：这是文件夹，请给出一个规范 JSON 文件。")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DocumentError(f"{name}：文件不存在。") from None
    except OSError as exc:
        raise DocumentError(f"{name}：无法读取（{exc.strerror}）。") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(
            f"{name}：不是 UTF-8 编码的 JSON 文件，不是 gongkai-xlsx ingest 输出的规范 JSON。"
        ) from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{name}：不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列有语法错误）。"
            "请使用 gongkai-xlsx ingest 输出的规范 JSON 文件。"
        ) from None
    if isinstance(document, dict) and "returns" in document and "summary" in document:
        raise DocumentError(
            f"{name}：这是批量收集的汇总报告（report.json），不是一个单位的报表。"
            "请选择输出文件夹中按“单位_年度.json”命名的文件。"
        )
    if not isinstance(document, dict) or "format" not in document:
        raise DocumentError(
            f"{name}：不是 gongkai-xlsx 的规范 JSON 文档（没有报表格式“format”）。"
            "请使用 gongkai-xlsx ingest 输出的 JSON 文件。"
        )
    known = available_formats()
    format_id = document["format"]
    if not isinstance(format_id, str) or format_id not in known:
        raise DocumentError(
            f"{name}：报表格式“{format_id}”无法识别（本工具支持：{'、'.join(known)}）。"
        )
    try:
        form = load_form(format_id)
    except DefinitionError as exc:  # a broken installation, not the user's file
        raise DocumentError(f"{name}：报表格式“{format_id}”的定义无法读取（{exc}）。") from None
    problems = schema_problems(form, document)
    if problems:
        shown = "；".join(problems[:MAX_SHOWN_ERRORS])
        more = (
            f"；另有 {len(problems) - MAX_SHOWN_ERRORS} 处"
            if len(problems) > MAX_SHOWN_ERRORS
            else ""
        )
        raise DocumentError(
            f"{name}：数据不符合规范 JSON 的要求（{shown}{more}）。"
            "请使用 gongkai-xlsx ingest 输出的文件，不要手工修改。"
        )
    return LoadedDocument(form, document)
