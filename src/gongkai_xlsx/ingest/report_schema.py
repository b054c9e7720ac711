"""The JSON Schema (draft 2020-12) of report.json, committed as ``schemas/report.schema.json``
so that whoever keeps the reports can read them without this tool; a test fails when the
committed file and this description drift apart, and every report a test writes is
validated against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gongkai_xlsx.catalogue import STATUS_LABELS, Code, Severity
from gongkai_xlsx.completeness import AGENCY_STATUS_LABELS, AGENCY_STATUSES
from gongkai_xlsx.ingest.report import SCHEMA_VERSION
from gongkai_xlsx.resources import schemas_dir
from gongkai_xlsx.walk import CODES as WALK_CODES

DRAFT = "https://json-schema.org/draft/2020-12/schema"
NAME = "report.schema.json"


def _object(
    title: str, properties: dict[str, Any], required: list[str] | None = None
) -> dict[str, Any]:
    return {
        "title": title,
        "type": "object",
        "properties": properties,
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
    }


def _text(title: str, nullable: bool = False) -> dict[str, Any]:
    return {"title": title, "type": ["string", "null"] if nullable else "string"}


def _count(title: str) -> dict[str, Any]:
    return {"title": title, "type": "integer", "minimum": 0}


_ANY = {
    "title": "期望值或实际值（数字或文字）",
    "type": ["integer", "string", "boolean", "null"],
}


def _finding() -> dict[str, Any]:
    return _object(
        "问题",
        {
            "code": {"title": "问题代码", "enum": [c.code for c in Code]},
            "severity": {"title": "级别", "enum": [s.value for s in Severity]},
            "sheet": _text("工作表", nullable=True),
            "cell": _text("单元格（A1）", nullable=True),
            "cell_id": _text("单元格标识（表.行.列）", nullable=True),
            "row_label": _text("行栏目", nullable=True),
            "column_label": _text("列栏目", nullable=True),
            "expected": _ANY,
            "actual": _ANY,
            "rule": _text("勾稽关系", nullable=True),
            "message": _text("说明"),
            "title_en": _text("English title for logs"),
        },
    )


def _row() -> dict[str, Any]:
    return _object(
        "一份报表",
        {
            "file": _text("文件（相对于给出的文件夹）"),
            "sha256": {
                "title": "文件 SHA-256",
                "type": ["string", "null"],
                "pattern": "^[0-9a-f]{64}$",
            },
            "agency": _text("填报单位", nullable=True),
            "year": {"title": "报告年度", "type": ["integer", "null"]},
            "format": _text("报告格式", nullable=True),
            "status": {"title": "状态代码", "enum": list(STATUS_LABELS)},
            "status_label": {"title": "状态", "enum": list(STATUS_LABELS.values())},
            "findings_errors": _count("错误项数"),
            "findings_warnings": _count("提示项数"),
            "output": _text("规范 JSON 文件名", nullable=True),
            "annotated": _text("标注副本的文件名（在 mounts.annotated 文件夹中）", nullable=True),
            "superseded_by": _text(
                "取代它的文件（已被新版本取代的旧版本，或相同文件的另一份）", nullable=True
            ),
            "findings": {"title": "问题", "type": "array", "items": _finding()},
        },
    )


def report_schema() -> dict[str, Any]:
    run = _object(
        "本次运行（重新运行时不同，比较时除外）",
        {
            "version": _text("工具版本"),
            "started": _text("开始时间（本地时区，ISO 8601）"),
            "inputs": {"title": "给出的文件或文件夹", "type": "array", "items": {"type": "string"}},
            "year": {"title": "--year", "type": ["integer", "null"]},
            "jobs": _count("并行进程数"),
            "limits": _object(
                "每份文件的上限",
                {
                    "seconds": {"title": "时间（秒）", "type": "number"},
                    "memory_mb": {"title": "内存（MB）", "type": ["integer", "null"]},
                },
            ),
            "definitions": {
                "title": "报表定义",
                "type": "object",
                "additionalProperties": _object(
                    "一种格式",
                    {
                        "template_version": _text("模板版本"),
                        "layout": _text("版式指纹"),
                        "definition_sha256": _text("定义文件 SHA-256"),
                    },
                ),
            },
        },
    )
    summary = _object(
        "统计",
        {
            "returns": _count("报表份数（不含已被新版本取代的旧版本）"),
            **{f"returns_{s}": _count(f"{label}的报表份数") for s, label in STATUS_LABELS.items()},
            "findings_errors": _count("错误项数（全部报表）"),
            "findings_warnings": _count("提示项数（全部报表）"),
            "skipped_files": _count("未读取的非电子表格文件数"),
            "unreadable_entries": _count("无法打开或读取的文件夹、文件数（错误）"),
            "passed_over": _count("按规则不查看的文件和文件夹数（隐藏、系统、锁文件等）"),
            "versions_undecided": _count("几份报表无法判断哪份最新的单位数（错误）"),
        },
    )
    undecided = _object(
        "无法判断哪份最新的几份报表（由收集人选定：把旧版本移出报表文件夹）",
        {
            "agency": _text("单位"),
            "files": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "message": _text("说明"),
        },
    )
    duplicate = _object(
        "报送了多份的单位",
        {
            "agency": _text("单位"),
            "year": {"title": "年度", "type": ["integer", "null"]},
            "files": {"type": "array", "items": {"type": "string"}, "minItems": 2},
        },
    )
    schema = _object(
        "gongkai-xlsx 批量收集报告（report.json）",
        {
            "tool": _text("工具"),
            "schema_version": {
                "title": "report.json 的结构版本（2：输出文件夹另有自己的清单；"
                "3：名单比对列出每个单位的状态，另有 received；报表的版本，已被新版本取代的旧版本）",
                "const": SCHEMA_VERSION,
            },
            "run": run,
            "summary": summary,
            "status_labels": _object(
                "状态代码与中文",
                {s: {"const": label} for s, label in STATUS_LABELS.items()},
            ),
            "mounts": {
                "title": "输出文件夹之外、也由本次运行写入的文件夹（相对于输出文件夹）",
                "type": "object",
                "additionalProperties": {"type": "string"},
            },
            "outputs": {
                "title": "本次运行写入的文件（@键/… 在 mounts 的文件夹中）",
                "type": "array",
                "items": {"type": "string"},
            },
            "returns": {"title": "每份报表", "type": "array", "items": _row()},
            "unreadable_entries": {
                "title": "无法打开或读取的文件夹、文件（错误，退出码为 1）",
                "type": "array",
                "items": _object(
                    "无法读取的项目",
                    {
                        "path": _text("路径（相对于给出的文件夹；上年结果中的以其路径开头）"),
                        "code": {
                            "title": "问题代码",
                            "enum": [c.code for c in WALK_CODES],
                        },
                        "message": _text("说明"),
                    },
                ),
            },
            "passed_over": {
                "title": "按规则不查看的文件和文件夹（隐藏、系统文件夹、Office 锁文件等）",
                "type": "array",
                "items": _object("未查看的项目", {"path": _text("路径"), "reason": _text("原因")}),
            },
            "duplicates": {"title": "报送了多份的单位", "type": "array", "items": duplicate},
            "versions_undecided": {
                "title": "同时收到、无法判断哪份最新的几份报表（错误，退出码为 1）",
                "type": "array",
                "items": undecided,
            },
            "roster": {
                "title": "与单位名单的比对（使用 --roster 时，否则为 null）",
                "anyOf": [
                    {"type": "null"},
                    _object(
                        "名单比对",
                        {
                            "roster": _text("名单文件"),
                            "expected": _count("名单中的单位数"),
                            "submitted": _count("名单中已报送的单位数"),
                            "missing": {
                                "title": "名单中未报送的单位",
                                "type": "array",
                                "items": {"type": "string"},
                            },
                            "extra": {
                                "title": "不在名单中的单位（另计）",
                                "type": "array",
                                "items": {"type": "string"},
                            },
                            "to_fix": _count("已报送但有错误、待修改的单位数"),
                            "unreadable": _count("已收到但无法读取的单位数"),
                            "agencies": {
                                "title": "名单中每个单位的状态（按名单顺序）",
                                "type": "array",
                                "items": _object(
                                    "单位",
                                    {
                                        "name": _text("单位（按名单写法）"),
                                        "status": {
                                            "title": "状态代码（含义见 agency_status_labels）",
                                            "enum": list(AGENCY_STATUSES),
                                        },
                                        "files": {
                                            "title": "收到的文件",
                                            "type": "array",
                                            "items": {"type": "string"},
                                        },
                                    },
                                ),
                            },
                        },
                    ),
                ],
            },
            "received": {
                "title": "收到的每个文件（报表在前，不是电子表格的文件在后），按名单核对时使用",
                "type": "array",
                "items": _object(
                    "收到的文件",
                    {
                        "file": _text("文件"),
                        "agency": _text("封面填写的单位（未填写或无法读取时为 null）", True),
                        "status": {
                            "title": "状态代码",
                            "enum": ["ok", "warnings", "errors", "unreadable"],
                        },
                    },
                ),
            },
            "agency_status_labels": _object(
                "单位状态代码与中文",
                {s: {"const": label} for s, label in AGENCY_STATUS_LABELS.items()},
            ),
            "skipped_files": {
                "title": "不是电子表格、未读取的文件",
                "type": "array",
                "items": {"type": "string"},
            },
            "previous": _previous(),
        },
        required=[
            "tool",
            "schema_version",
            "run",
            "summary",
            "status_labels",
            "mounts",
            "outputs",
            "returns",
            "unreadable_entries",
            "passed_over",
            "duplicates",
            "roster",
            "skipped_files",
            "received",
            "agency_status_labels",
        ],
    )
    return {"$schema": DRAFT, "$id": "urn:gongkai-xlsx:schema:report", **schema}


def _previous() -> dict[str, Any]:
    """The comparison with last year's results (only with ``ingest --previous``)."""
    return _object(
        "与上年结果的比对（使用 --previous 时）",
        {
            "folder": _text("上年的结果文件夹"),
            "documents": _count("上年的单位报表份数"),
            "returns_matched": _count("找到上年报表并已比对的份数"),
            "returns_not_compared": _count("有上年报表但不能比对的份数"),
            "returns_unmatched": _count("没有上年报表的份数"),
            "unmatched": {
                "title": "没有上年报表的单位",
                "type": "array",
                "items": {"type": "string"},
            },
            "skipped_files": {
                "title": "上年结果中未使用的 JSON 文件",
                "type": "array",
                "items": _object("未使用的文件", {"file": _text("文件"), "reason": _text("原因")}),
            },
        },
    )


def report_schema_text() -> str:
    return json.dumps(report_schema(), ensure_ascii=False, indent=2) + "\n"


def committed_report_schema_path() -> Path:
    return schemas_dir() / NAME
