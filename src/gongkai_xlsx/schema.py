"""The JSON Schema (draft 2020-12) of the canonical JSON, generated from the definition.

The generated schema is committed under ``schemas/`` so that consumers can read it without
this tool; a test fails when the committed file and the definition drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gongkai_xlsx.catalogue import AGENCY_STATUS_LABELS
from gongkai_xlsx.definition.model import CellDef, Form, Kind, Node
from gongkai_xlsx.resources import schemas_dir

DRAFT = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("return", "summary")  # a document's ``kind``: one agency's return, or a summary


def _leaf_schema(cell: CellDef, form: Form, nullable: bool = True) -> dict[str, Any]:
    kind: Kind = cell.kind
    schema: dict[str, Any] = {"title": cell.label}
    json_type = "integer" if kind.type == "integer" else "number"
    schema["type"] = [json_type, "null"] if nullable else json_type
    if kind.type == "integer":
        schema["minimum"] = int(kind.minimum)
        if not cell.computed:  # a total may exceed one cell's limit
            schema["maximum"] = int(kind.maximum)
    else:
        schema["minimum"] = float(kind.minimum)
        schema["maximum"] = float(kind.maximum)
        schema["description"] = f"单位：万元；最多{kind.decimals}位小数（由本工具校验）"
    if cell.computed:
        parts = "、".join(form.cell(p).label for p in cell.parts)
        schema["readOnly"] = True
        schema["description"] = f"自动计算：{parts}之和；各项均为空时为 null"
    return schema


def _keyed_nodes(leaf: Node) -> list[Node]:
    return [n for n in [*leaf.ancestors(), leaf] if n.key is not None]


def _object(title: str | None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if title:
        schema["title"] = title
    schema.update(properties={}, required=[], additionalProperties=False)
    return schema


def _table_schema(form: Form, table_key: str) -> dict[str, Any]:
    table = form.table(table_key)
    root = _object(table.title)
    for cell in form.cells_of(table_key):
        nodes = _keyed_nodes(cell.row) + _keyed_nodes(cell.column)
        obj = root
        for depth, node in enumerate(nodes):
            key = node.key
            assert key is not None
            if depth == len(nodes) - 1:
                obj["properties"][key] = _leaf_schema(cell, form)
            else:
                obj["properties"].setdefault(key, _object(node.label))
            if key not in obj["required"]:
                obj["required"].append(key)
            obj = obj["properties"][key]
    return root


def _nullable_text(title: str, max_length: int | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"title": title, "type": ["string", "null"]}
    if max_length:
        schema["maxLength"] = max_length
    return schema


def _source_schema() -> dict[str, Any]:
    return {
        "title": "来源文件",
        "description": "填报表：读取的 xlsx 文件名及其 SHA-256。"
        "汇总：汇总文件名，及成员列表 members 的 RFC 8785 字节的 SHA-256"
        "（成员相同的汇总，哈希相同）。",
        "type": "object",
        "properties": {
            "file": {"title": "文件名", "type": "string"},
            "sha256": {"title": "SHA-256", "type": "string", "pattern": "^[0-9a-f]{64}$"},
        },
        "required": ["file", "sha256"],
        "additionalProperties": False,
    }


def _member_schema(form: Form) -> dict[str, Any]:
    fields = {f.key: f for f in form.cover.fields}
    values = {
        "title": "填报数字",
        "description": "各输入单元格（以单元格标识为键）的数字；空白的单元格不列出，合计由各项计算。",
        "type": "object",
        "properties": {c.id: _leaf_schema(c, form, nullable=False) for c in form.input_cells()},
        "additionalProperties": False,
    }
    properties = {
        "agency": {"title": fields["agency"].label, "type": "string", "minLength": 1},
        "year": {"title": fields["year"].label, "type": "integer", "minimum": form.first_year},
        "kind": {"title": "文档类型", "enum": list(KINDS)},
        "source": {"$ref": "#/$defs/source"},
        "values": values,
    }
    return {
        "title": "汇总成员",
        "description": "计入汇总的一份文档：单位（按规范化名称和年度唯一）、来源文件及其数字。",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _completeness_schema() -> dict[str, Any]:
    names = {"type": "array", "items": {"type": "string", "minLength": 1}}
    properties = {
        "roster": {"title": "名单文件", "type": "string"},
        "expected": {"title": "名单单位数", "type": "integer", "minimum": 0},
        "submitted": {"title": "已报送单位数", "type": "integer", "minimum": 0},
        "missing": {"title": "未报送的单位（按名单写法）", **names},
        "extra": {"title": "不在名单中的单位（按文档写法，另计）", **names},
    }
    required = list(properties)
    statuses = {
        "to_fix": {"title": "已报送但有错误、待修改的单位数", "type": "integer", "minimum": 0},
        "unreadable": {"title": "已收到但无法读取的单位数", "type": "integer", "minimum": 0},
        "agencies": {
            "title": "名单中每个单位的状态（按名单顺序）",
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"title": "单位（按名单写法）", "type": "string", "minLength": 1},
                    "status": {"title": "状态代码", "enum": list(AGENCY_STATUS_LABELS)},
                    "files": {"title": "收到的文件", "type": "array", "items": {"type": "string"}},
                },
                "required": ["name", "status", "files"],
                "additionalProperties": False,
            },
        },
    }
    return {
        "title": "报送情况",
        "description": (
            "按名单核对的报送情况（已收到 submitted/expected）；未给名单时为 null。"
            "agencies 为第 2 版起才有（较早的汇总只有报送数）；to_fix、unreadable 只在各单位的状态都已知时才有"
            "（汇总的是 ingest 的输出文件夹，按其 report.json）。"
        ),
        "type": ["object", "null"],
        "properties": {**properties, **statuses},
        "required": required,
        "dependentRequired": {"to_fix": ["unreadable", "agencies"], "unreadable": ["to_fix"]},
        "additionalProperties": False,
    }


def build_schema(form: Form) -> dict[str, Any]:
    """The schema of one canonical document of ``form``: a return, or a summary of many."""
    fields = {f.key: f for f in form.cover.fields}
    properties: dict[str, Any] = {
        "kind": {
            "title": "文档类型",
            "description": "return：一个单位的填报表；summary：多个文档的汇总（members 列出各成员）。",
            "enum": list(KINDS),
        },
        "format": {"title": "报告格式", "const": form.id},
        "template_version": {"title": "模板版本", "type": "string"},
        "year": {"title": fields["year"].label, "type": "integer", "minimum": form.first_year},
        "agency": {
            "title": fields["agency"].label,
            "description": "汇总时为汇总的名称（如某县）。",
            "type": "string",
            "minLength": 1,
        },
        "contact": _nullable_text(fields["contact"].label),
        "phone": _nullable_text(fields["phone"].label),
        "source": {"$ref": "#/$defs/source"},
        "tables": {
            "title": "报表数据",
            "type": "object",
            "properties": {t.key: _table_schema(form, t.key) for t in form.tables},
            "required": [t.key for t in form.tables],
            "additionalProperties": False,
        },
    }
    summary_only: dict[str, Any] = {
        "members": {
            "title": "汇总成员",
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/member"},
        },
        "completeness": {"$ref": "#/$defs/completeness"},
    }
    return {
        "$schema": DRAFT,
        "$id": f"urn:gongkai-xlsx:schema:{form.id}",
        "title": form.name,
        "description": "gongkai-xlsx 规范 JSON：一份填报表一个文档（kind 为 return），"
        "或多个文档的汇总（kind 为 summary，另有 members 和 completeness）；"
        "空白为 null，合计由各项计算。",
        "type": "object",
        "properties": {**properties, **summary_only},
        "required": list(properties),
        "additionalProperties": False,
        "if": {"properties": {"kind": {"const": "summary"}}, "required": ["kind"]},
        "then": {"required": list(summary_only)},
        # {"not": {}} rather than false: jsonschema reports a false schema without its path
        "else": {"properties": {key: {"not": {}} for key in summary_only}},
        "$defs": {
            "source": _source_schema(),
            "member": _member_schema(form),
            "completeness": _completeness_schema(),
        },
    }


def schema_text(form: Form) -> str:
    """The schema as committed: 2-space indent, Chinese unescaped, trailing newline."""
    return json.dumps(build_schema(form), ensure_ascii=False, indent=2) + "\n"


def committed_schema_path(form: Form) -> Path:
    return schemas_dir() / f"{form.id}.schema.json"


def load_committed_schema(form: Form) -> dict[str, Any]:
    # The project's own file, written by schema_text: a JSON object.
    schema: dict[str, Any] = json.loads(committed_schema_path(form).read_text(encoding="utf-8"))
    return schema
