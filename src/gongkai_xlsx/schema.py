"""The JSON Schema (draft 2020-12) of the canonical JSON, generated from the definition.

The generated schema is committed under ``schemas/`` so that consumers can read it without
this tool; a test fails when the committed file and the definition drift apart.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gongkai_xlsx.definition.model import CellDef, Form, Kind, Node
from gongkai_xlsx.resources import schemas_dir

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _leaf_schema(cell: CellDef, form: Form) -> dict[str, Any]:
    kind: Kind = cell.kind
    schema: dict[str, Any] = {"title": cell.label}
    if kind.type == "integer":
        schema["type"] = ["integer", "null"]
        schema["minimum"] = int(kind.minimum)
        if not cell.computed:  # a total may exceed one cell's limit
            schema["maximum"] = int(kind.maximum)
    else:
        schema["type"] = ["number", "null"]
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


def build_schema(form: Form) -> dict[str, Any]:
    """The schema of one canonical document of ``form``."""
    fields = {f.key: f for f in form.cover.fields}
    properties: dict[str, Any] = {
        "format": {"title": "报告格式", "const": form.id},
        "template_version": {"title": "模板版本", "type": "string"},
        "year": {"title": fields["year"].label, "type": "integer", "minimum": form.first_year},
        "agency": {"title": fields["agency"].label, "type": "string", "minLength": 1},
        "contact": _nullable_text(fields["contact"].label),
        "phone": _nullable_text(fields["phone"].label),
        "source": {
            "title": "来源文件",
            "type": "object",
            "properties": {
                "file": {"title": "文件名", "type": "string"},
                "sha256": {"title": "文件 SHA-256", "type": "string", "pattern": "^[0-9a-f]{64}$"},
            },
            "required": ["file", "sha256"],
            "additionalProperties": False,
        },
        "tables": {
            "title": "报表数据",
            "type": "object",
            "properties": {t.key: _table_schema(form, t.key) for t in form.tables},
            "required": [t.key for t in form.tables],
            "additionalProperties": False,
        },
    }
    return {
        "$schema": DRAFT,
        "$id": f"urn:gongkai-xlsx:schema:{form.id}",
        "title": form.name,
        "description": "gongkai-xlsx 规范 JSON：一份填报表一个文档；空白为 null，合计由各项计算。",
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def schema_text(form: Form) -> str:
    """The schema as committed: 2-space indent, Chinese unescaped, trailing newline."""
    return json.dumps(build_schema(form), ensure_ascii=False, indent=2) + "\n"


def committed_schema_path(form: Form) -> Path:
    return schemas_dir() / f"{form.id}.schema.json"


def load_committed_schema(form: Form) -> dict[str, Any]:
    return json.loads(committed_schema_path(form).read_text(encoding="utf-8"))
