"""Read a canonical document: the one reader of this tool's JSON documents.

``ingest`` writes canonical JSON; ``render``, ``aggregate`` and ``--previous`` read it
back. Each must refuse a file that is not one, with a Chinese reason naming what is
wrong, never a traceback and never a silent guess: a truncated file, report.json picked
by mistake, a JSON of another format, a document edited by hand. Two edits ``json.loads``
alone would let through are refused here: a key written twice (the last value would win,
silently) and a lone UTF-16 surrogate escape (``\\ud800``: no text, it breaks every
writer later). Numbers are read exactly (amounts as ``Decimal``, never ``float``).

:func:`parse_json` turns bytes into JSON values; :func:`check_document` says whether a
parsed value is a document of a known format that passes its schema; :func:`read`
does both for a file. Each failure is a :class:`DocumentError` whose ``kind`` lets a
caller weigh it (``aggregate`` stops on a file that is not JSON, and only notes a JSON
file that is not a document).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from gongkai_xlsx import oserrors
from gongkai_xlsx.canonical import Document, is_valid, validator
from gongkai_xlsx.definition.load import DefinitionError, available_formats, load_form
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.outputfolder import is_report
from gongkai_xlsx.text import listed

if TYPE_CHECKING:  # only its errors' type: the validator loads where a failure is explained
    import jsonschema

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

# unreadable: not JSON at all; not-document: JSON, but not a document of this tool;
# report: ingest's report.json; invalid: one of ours, broken or edited by hand
Kind = Literal["unreadable", "os-error", "not-document", "report", "invalid"]


class DocumentError(UsageError):
    """The file is not a canonical document this tool can use.

    ``reason`` says why in Chinese (a phrase, for a finding's detail); ``str()`` is the
    whole sentence naming the file when one was given."""

    def __init__(self, kind: Kind, reason: str, name: str = "") -> None:
        self.kind, self.reason, self.name = kind, reason, name
        super().__init__(self._sentence() if name else reason)

    def _sentence(self) -> str:
        if self.kind == "os-error":  # the system would not give its bytes: not its content
            return f"{self.name}：{self.reason}。"
        if self.kind == "report":
            return f"{self.name}：{self.reason}。请选择输出文件夹中按“单位_年度.json”命名的文件。"
        if self.kind == "invalid":
            return (
                f"{self.name}：规范 JSON 不完整或被改动过（{self.reason}）。"
                "请使用 gongkai-xlsx ingest 输出的文件，不要手工修改。"
            )
        return (
            f"{self.name}：不是 gongkai-xlsx 的规范 JSON 文档（{self.reason}）。"
            "请使用 gongkai-xlsx ingest 输出的“单位_年度.json”文件。"
        )

    def named(self, name: str) -> DocumentError:
        return DocumentError(self.kind, self.reason, name)


# ----------------------------------------------------------------------------- JSON
class _Repeated(Exception):
    """A JSON object wrote one key twice (found while parsing; its path is found after)."""


class _Marked(dict[str, Any]):
    """An object of the slow second parse, with the keys it repeats and how often."""

    repeated: dict[str, int]


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Repeated
    return found


def _marking(pairs: list[tuple[str, Any]]) -> _Marked:
    found = _Marked(pairs)
    found.repeated = {}
    for key, _value in pairs:
        found.repeated[key] = found.repeated.get(key, 0) + 1
    found.repeated = {k: n for k, n in found.repeated.items() if n > 1}
    return found


def _no_constants(name: str) -> Any:
    raise ValueError(f"含有 JSON 不允许的数值 {name}")


def _key_count(value: Any) -> int:
    """How many keys the objects of a parsed value hold (a repeated key counts once)."""
    count, stack = 0, [value]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            count += len(node)
            stack.extend(node.values())
        elif type(node) is list:
            stack.extend(node)
    return count


def _loads(text: str, hook: Any = None) -> Any:
    return json.loads(
        text, parse_float=Decimal, parse_constant=_no_constants, object_pairs_hook=hook
    )


def _children(node: Any) -> list[tuple[str, Any]]:
    if isinstance(node, dict):
        return [(str(k), v) for k, v in node.items()]
    if isinstance(node, list):
        return [(str(i), v) for i, v in enumerate(node)]
    return []


def _path(parts: list[str]) -> str:
    return f"“{'/'.join(parts)}”" if parts else "文档"


def _repeated_key(text: str) -> str:
    """Where the first repeated key is, as a reason: parsed again, marking each object."""
    stack: list[tuple[list[str], Any]] = [([], _loads(text, _marking))]
    while stack:
        parts, node = stack.pop()
        if isinstance(node, _Marked) and node.repeated:
            key, times = next(iter(node.repeated.items()))
            return f"键{_path([*parts, key])}出现了 {times} 次，规范 JSON 的每个键只能出现一次"
        stack += [([*parts, k], v) for k, v in reversed(_children(node))]
    return "有重复的键"  # not reached: the first parse found one


def _lone_surrogate(value: Any) -> str | None:
    """Where a string (key or value) holds a lone surrogate, as a reason, or None."""
    stack: list[tuple[list[str], Any]] = [([], value)]
    while stack:
        parts, node = stack.pop()
        texts = [node] if isinstance(node, str) else [k for k, _ in _children(node)]
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as exc:
                code = f"\\u{ord(text[exc.start]):04x}"
                where = _path(parts) if isinstance(node, str) else f"{_path(parts)}的键"
                return f"{where}中有不成对的代理字符 {code}，不是有效的文字"
        if not isinstance(node, str):
            stack += [([*parts, k], v) for k, v in reversed(_children(node))]
    return None


def parse_json(raw: bytes) -> Any:
    """``raw`` as JSON values (integers as int, other numbers as Decimal), or
    :class:`DocumentError`: not UTF-8, not JSON, a key written twice, a lone surrogate."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError("unreadable", "不是 UTF-8 编码的文本") from None
    try:
        value = _loads(text)
        # every key is followed by one ':' outside strings, and parsing drops a repeated
        # key: as many ':' in the whole text as keys parsed proves no key repeats (a ':'
        # inside a string, rare, only costs the exact parse that follows)
        if text.count(":") != _key_count(value):
            _loads(text, _unique)
    except _Repeated:
        raise DocumentError("invalid", _repeated_key(text)) from None
    except json.JSONDecodeError as exc:
        raise DocumentError(
            "unreadable", f"JSON 语法错误，第 {exc.lineno} 行第 {exc.colno} 列"
        ) from None
    except ValueError as exc:  # NaN or Infinity, or an integer of thousands of digits
        reason = str(exc) if str(exc).startswith("含有") else "含有位数过多的数字"
        raise DocumentError("unreadable", reason) from None
    except RecursionError:
        raise DocumentError("unreadable", "嵌套过深") from None
    # a surrogate can only come from a \u escape (UTF-8 cannot hold one): look only then
    if "\\ud" in text or "\\uD" in text:
        problem = _lone_surrogate(value)
        if problem:
            raise DocumentError("invalid", problem)
    return value


# ----------------------------------------------------------------------------- schema
def _path_text(form: Form, path: list[str]) -> str:
    """A JSON path as people read it: a cell by its official label, else the path."""
    cell_ids = {c.id for c in form.cells}
    if path[:1] == ["tables"] and ".".join(path[1:]) in cell_ids:
        return f"“{form.cell('.'.join(path[1:])).label}”"
    if len(path) >= 4 and path[0] == "members" and path[2] == "values" and path[3] in cell_ids:
        return f"第 {int(path[1]) + 1} 个成员的“{form.cell(path[3]).label}”"
    if path[:1] == ["members"] and len(path) >= 2 and path[1].isdigit():
        rest = "/".join(path[2:])
        return f"第 {int(path[1]) + 1} 个成员" + (f"的“{rest}”" if rest else "")
    return _path(path)


def schema_problem(form: Form, error: jsonschema.ValidationError) -> str:
    """One schema error in Chinese: where, then what (the one wording of each error)."""
    where = _path_text(form, [str(p) for p in error.absolute_path])
    keyword, instance = error.validator, error.instance
    # The keyword's value in the schema, any JSON (Unset only on an error built by hand).
    wanted: Any = error.validator_value
    if keyword == "required" and isinstance(instance, dict):
        missing = "、".join(f"“{k}”" for k in wanted if k not in instance)
        return f"{where}缺少字段 {missing}"
    if keyword == "additionalProperties" and isinstance(instance, dict):
        known = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        extra = "、".join(f"“{k}”" for k in instance if k not in known)
        return f"{where}有多余的字段 {extra}"
    if keyword in (None, "not"):  # a false schema, or {"not": {}}: the field may not be here
        return f"{where}不应出现"
    if keyword == "type":
        types = [wanted] if isinstance(wanted, str) else list(wanted)
        return f"{where}应为" + "或".join(_TYPE_WORDS.get(t, t) for t in types)
    described = {
        "minimum": f"为 {instance}，小于下限 {wanted}",
        "maximum": f"为 {instance}，超过上限 {wanted}",
        "const": f"应为“{wanted}”",
        "enum": f"应为 {'、'.join(map(str, wanted)) if isinstance(wanted, list) else wanted}",
        "pattern": "格式不对",
        "minLength": "不能为空",
        "minItems": "不能为空",
    }
    return f"{where}{described.get(str(keyword), '不符合规范')}"


def schema_problems(form: Form, document: dict[str, Any]) -> list[str]:
    """Every way ``document`` fails the committed schema, in Chinese, in document order
    (none, quickly, for a valid one: the compiled validator decides first)."""
    if is_valid(form, document):
        return []
    errors = sorted(validator(form).iter_errors(document), key=lambda e: list(e.absolute_path))
    # jsonschema reports each missing key of one object separately; the wording names all
    return list(dict.fromkeys(schema_problem(form, e) for e in errors))


def _shown(problems: list[str]) -> str:
    return listed(problems, "处", MAX_SHOWN_ERRORS, sep="；")


# ----------------------------------------------------------------------------- documents
def check_document(data: Any) -> Document:
    """``data`` (parsed JSON, numbers exact) as a document of a known format that passes
    its schema, or :class:`DocumentError`."""
    if is_report(data):
        raise DocumentError("report", "这是批量收集的汇总报告（report.json），不是一个单位的报表")
    if not isinstance(data, dict):
        raise DocumentError("not-document", "内容不是一个 JSON 对象")
    format_id = data.get("format")
    if not isinstance(format_id, str) or not format_id:
        raise DocumentError("not-document", "没有“format”字段")
    known = available_formats()
    if format_id not in known:
        raise DocumentError(
            "not-document", f"报表格式“{format_id}”本工具不认识，本工具支持 {'、'.join(known)}"
        )
    try:
        form = load_form(format_id)
    except DefinitionError as exc:  # a broken installation, not the user's file
        raise DocumentError(
            "not-document", f"报表格式“{format_id}”的定义无法读取（{exc}）"
        ) from None
    problems = schema_problems(form, data)
    if problems:
        raise DocumentError("invalid", _shown(problems))
    return Document.from_json(data)


def read_bytes(path: Path) -> bytes:
    """The bytes of a document's file, or :class:`DocumentError` saying why not."""
    if path.is_dir():
        raise DocumentError("unreadable", "这是文件夹，不是文件")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise DocumentError("unreadable", "文件不存在") from None
    except OSError as exc:
        why = oserrors.reason(exc, oserrors.READ)
        raise DocumentError("os-error", f"无法读取：{why}") from None


def read_own(raw: bytes) -> Document:
    """A document this run wrote itself (its spooled canonical bytes): parsed by the same
    parser, not checked against its schema again (it was, before it was written)."""
    return Document.from_json(parse_json(raw))


def read(source: Path | bytes, name: str | None = None) -> Document:
    """The canonical document in the file ``source`` (or in the bytes ``source``): the one
    way a :class:`Document` comes in from disk; or :class:`DocumentError` naming the file
    as ``name`` (default: the path)."""
    try:
        raw = source if isinstance(source, bytes) else read_bytes(source)
        return check_document(parse_json(raw))
    except DocumentError as exc:
        shown = name or (str(source) if isinstance(source, Path) else "")
        raise exc.named(shown) if shown else exc from None
