"""The members of a summary workbook (``aggregate -o X.xlsx``), read back from 汇总明细.

A summary workbook is the template filled with the sums; its members travel in the sheet
only, and the document properties hold how many there are and the SHA-256 of their
canonical JSON (:func:`gongkai_xlsx.canonical.members_digest`, the summary's
``source.sha256``). So the members are rebuilt from the rows (each column found by the
defined name on its header, the header checked against the official label), sorted as the
aggregator sorts them, and hashed: a deleted, added or edited row no longer gives the
digest, and is an error at the sheet. Only a workbook that says it is a summary (its
``gongkai.kind`` property, or names of member columns) is looked at here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import orjson

from gongkai_xlsx.agency import agency_key
from gongkai_xlsx.canonical import Member, members_digest
from gongkai_xlsx.catalogue import AGENCY_STATUS_LABELS, Code
from gongkai_xlsx.definition import names
from gongkai_xlsx.definition.model import CellDef, Form
from gongkai_xlsx.definition.summary_columns import (
    MAX_DATA_MEMBERS,
    MAX_DATA_ROW_CHARS,
    MAX_MEMBER_CELLS,
    MemberColumn,
    data_header,
    member_columns,
)
from gongkai_xlsx.findings import Finding, excerpt
from gongkai_xlsx.loading import collector_paused
from gongkai_xlsx.ooxml.xmltext import NotWellFormed
from gongkai_xlsx.reader.cellvalue import interpret, parse_double
from gongkai_xlsx.reader.locate import single_cell_target
from gongkai_xlsx.reader.parts import Styles, WorkbookInfo
from gongkai_xlsx.reader.sheet_cells import SheetScan, SheetTooLarge, column_letters
from gongkai_xlsx.reader.sheetxml import scan_sheet
from gongkai_xlsx.reader.workbook_package import Package, PackageError
from gongkai_xlsx.text import label_key

# What the writer allows (definition.summary_columns.MAX_MEMBER_CELLS), and room for the other
# "<c" of a sheet's XML (<cols>, <col>) and for an application that writes blank cells.
MAX_SHEET_CELLS = 2 * MAX_MEMBER_CELLS
MAX_FINDINGS = 20  # cell-level findings of one sheet before the rest are only counted
_SHA256 = re.compile(r"[0-9a-f]{64}")
_KIND_OF = {shown: kind for kind, shown in names.MEMBER_KINDS.items()}


@dataclass
class MembersRead:
    """What reading 汇总明细 gave: the members (None when they cannot be trusted), the
    summary's ``completeness`` as its document holds it (from 报送情况; None without a
    roster) and the findings that say why something could not be read."""

    members: tuple[Member, ...] | None = None
    completeness: dict[str, object] | None = None
    findings: list[Finding] = field(default_factory=list)


def is_summary(info: WorkbookInfo, properties: Mapping[str, str]) -> bool:
    """Whether the workbook says it is a summary (either of its two marks)."""
    if properties.get(names.PROP_KIND) == names.KIND_SUMMARY:
        return True
    known = _MARKED.get(id(info))
    if known is not None and known[0] is info:
        return known[1]
    marked = any(
        name.startswith(names.MEMBER_PREFIX) or name == names.MEMBERS_DATA_NAME
        for name in info.names
    )
    if len(_MARKED) >= 32:
        _MARKED.clear()
    _MARKED[id(info)] = (info, marked)  # info held: its id stays its own
    return marked


# Whether a workbook's names mark a summary, by its WorkbookInfo (one per workbook.xml
# met: parts.workbook_info remembers it, so a batch's returns share it; a return has
# ~200 names, asked about twice). Bounded: 32.
_MARKED: dict[int, tuple[WorkbookInfo, bool]] = {}


def _sheet_named(info: WorkbookInfo, name: str) -> str | None:
    target = single_cell_target(info.names.get(name, ""))
    if target is None or target[0] not in {s.name for s in info.sheets}:
        return None
    return target[0]


def members_sheet(info: WorkbookInfo, properties: Mapping[str, str]) -> str | None:
    """The sheet of a summary's members, as the name of its first column points at it;
    None when this is no summary (then the sheet, if any, is an extra sheet)."""
    if not is_summary(info, properties):
        return None
    return _sheet_named(info, names.member_name("agency"))


def summary_sheets(info: WorkbookInfo, properties: Mapping[str, str]) -> set[str]:
    """The sheets a summary workbook adds to the template (汇总明细, 报送情况): ours, so
    not extra sheets of the agency's."""
    if not is_summary(info, properties):
        return set()
    found = {
        members_sheet(info, properties),
        _sheet_named(info, names.MEMBERS_DATA_NAME),
        _sheet_named(info, names.completeness_name("roster")),
    }
    return {s for s in found if s is not None}


def _text(value: object) -> str | None:
    """A text cell's value (its ``_xHHHH_`` escapes already decoded by the reader)."""
    return value if isinstance(value, str) else None


class _Sheet:
    """One members sheet being read: its scan and where its findings go."""

    def __init__(self, name: str, scan: SheetScan, strings: list[str], styles: Styles) -> None:
        self.name = name
        self.scan = scan
        self.strings = strings
        self.styles = styles
        self.findings: list[Finding] = []
        self.more = 0  # findings beyond MAX_FINDINGS

    def value(self, ref: str) -> tuple[object, bool]:
        """The value a cell shows, and whether it was stored within the file's grammar."""
        raw = self.scan.cells.get(ref)
        if raw is None:
            return None, True
        got = interpret(raw, self.strings, self.styles)
        return got.value, got.problem is None

    def invalid(self, ref: str, header: str, detail: str) -> None:
        if len(self.findings) >= MAX_FINDINGS:
            self.more += 1
            return
        self.findings.append(
            Finding(
                Code.MEMBERS_INVALID, sheet=self.name, cell=ref, column_label=header, detail=detail
            )
        )


def _number(cell: CellDef, value: float) -> int | Decimal | str:
    """A member's number as its document holds it, or why it is not one."""
    kind = cell.kind
    if kind.decimals == 0 and value.is_integer() and 0 <= value <= 2**53:  # the usual count
        count = int(value)
        if kind.minimum <= count <= kind.maximum:
            return count
    number = Decimal(repr(value))  # the shortest digits that give the double back
    if number < kind.minimum or number > kind.maximum:
        return f"不在 {kind.minimum} 至 {kind.maximum} 之间"
    if number != round(number, kind.decimals):
        return "不是整数" if kind.decimals == 0 else f"超过 {kind.decimals} 位小数"
    if kind.decimals == 0 or number == number.to_integral_value():
        return int(number)
    return number


def _field(column: MemberColumn, value: object) -> tuple[object, str | None]:
    """A member field as read, or why it is not as written."""
    if column.key == "year":
        if isinstance(value, float) and value.is_integer() and 0 < value < 10_000:
            return int(value), None
        return None, "年度应为四位数的年份"
    text = _text(value)
    if column.key == "kind":
        kind = _KIND_OF.get(text or "")
        return kind, None if kind else f"类型应为{'或'.join(f'“{k}”' for k in _KIND_OF)}"
    if column.key == "sha256" and not _SHA256.fullmatch(text or ""):
        return text, "SHA-256 应为 64 位小写十六进制数字"
    return text, None if text else "不能为空"


def _member(sheet: _Sheet, r: int, columns: list[tuple[MemberColumn, str]]) -> Member | None:
    """Row ``r`` (1-based) as a member; None (and findings) when a cell is not as written.
    Totals are not read: they are recomputed from the inputs."""
    fields: dict[str, object] = {}
    values: dict[str, int | Decimal] = {}
    ok = True
    row = str(r)
    stored = sheet.scan.cells
    for column, letters in columns:
        cell = column.cell
        if cell is not None and cell.computed:
            continue
        ref = letters + row
        raw = stored.get(ref)
        if cell is not None:
            if raw is None:
                continue
            if raw.t == "" and raw.f is None and raw.inline is None and raw.v and not raw.too_long:
                number = parse_double(raw.v)  # the usual member number, as interpret reads it
                if number is not None and cell.kind.decimals == 0 and number.is_integer():
                    count = int(number)
                    if cell.kind.minimum <= count <= cell.kind.maximum:
                        values[cell.id] = count
                        continue
        value, grammatical = sheet.value(ref)
        problem: str | None = None
        if not grammatical:
            problem = "单元格中保存的内容无效"
        elif cell is None:
            fields[column.key], problem = _field(column, value)
        elif value is None:
            continue
        elif isinstance(value, bool) or not isinstance(value, float):
            problem = f"“{excerpt(str(value))}”不是数字"
        else:
            parsed = _number(cell, value)
            if isinstance(parsed, str):
                problem = f"{excerpt(repr(value))} {parsed}"
            else:
                values[cell.id] = parsed
        if problem is not None:
            sheet.invalid(ref, column.header, problem)
            ok = False
    if not ok:
        return None
    return Member(
        agency=str(fields["agency"]),
        year=int(fields["year"]),  # type: ignore[call-overload]
        kind=str(fields["kind"]),
        source_file=str(fields["source_file"]),
        sha256=str(fields["sha256"]),
        values=values,
    )


def _columns(
    form: Form, info: WorkbookInfo, sheet: str
) -> tuple[list[tuple[MemberColumn, str]], int] | str:
    """Each column with its letters, and the header row (0-based); or why they cannot be
    found."""
    found: list[tuple[MemberColumn, str]] = []
    rows: set[int] = set()
    for column in member_columns(form):
        target = single_cell_target(info.names.get(names.member_name(column.key), ""))
        if target is None or target[0] != sheet:
            return f"“{sheet}”工作表缺少“{column.header}”列（名称 {names.member_name(column.key)}）"
        rows.add(target[1])
        found.append((column, column_letters(target[2] + 1)))
    if len(rows) != 1:
        return f"“{sheet}”工作表各列的标题不在同一行"
    return found, rows.pop()


@collector_paused()  # its cells and members hold no cycles
def read_members(
    form: Form,
    info: WorkbookInfo,
    properties: Mapping[str, str],
    package: Package,
    sheet_parts: Mapping[str, str],
    strings: list[str],
    styles: Styles,
) -> MembersRead | None:
    """The members of a summary workbook, checked against its properties; None when the
    workbook is no summary."""
    if not is_summary(info, properties):
        return None
    result = MembersRead()

    def missing(detail: str) -> MembersRead:
        result.findings.append(Finding(Code.MEMBERS_MISSING, detail=detail))
        return result

    count, digest = (
        properties.get(names.PROP_MEMBERS, ""),
        properties.get(names.PROP_MEMBERS_SHA256),
    )
    counted = count.isascii() and count.isdigit() and len(count) <= 9  # int() of 4,300+ fails
    if names.MEMBERS_DATA_NAME in info.names:  # a province's: the numbers in 成员数据
        sheet = _sheet_named(info, names.MEMBERS_DATA_NAME)
        if sheet is None or sheet not in sheet_parts:
            return missing(f"缺少“{names.MEMBERS_DATA_SHEET}”工作表")
    else:
        sheet = members_sheet(info, properties)
        if sheet is None or sheet not in sheet_parts:
            return missing(f"缺少“{names.MEMBERS_SHEET}”工作表")
    if properties.get(names.PROP_KIND) != names.KIND_SUMMARY or not counted or not digest:
        return missing("工作簿属性中没有成员的数目和 SHA-256")
    if names.MEMBERS_DATA_NAME in info.names:
        read = _data_members(form, info, package, sheet, sheet_parts[sheet], strings, styles)
        if isinstance(read, str):
            return missing(read)
        reading, members = read
    else:
        read = _sheet_members(form, info, package, sheet, sheet_parts[sheet], strings, styles)
        if isinstance(read, str):
            return missing(read)
        reading, members = read
    result.findings += reading.findings
    if reading.more:
        result.findings.append(
            Finding(
                Code.MEMBERS_INVALID,
                sheet=sheet,
                detail=f"另有 {reading.more} 处内容与生成时不同，未逐一列出",
            )
        )
    if reading.findings:
        return result
    members.sort(key=lambda m: (agency_key(m.agency), m.year, m.sha256))
    if len(members) != int(count):
        detail = f"列出了 {len(members)} 个成员，而工作簿属性记录的是 {int(count)} 个"
        result.findings.append(Finding(Code.MEMBERS_MISMATCH, sheet=sheet, detail=detail))
        return result
    if members_digest(members) != digest:
        detail = "成员明细的 SHA-256 与工作簿属性记录的不一致"
        result.findings.append(Finding(Code.MEMBERS_MISMATCH, sheet=sheet, detail=detail))
        return result
    result.members = tuple(members)
    if names.PROP_COMPLETENESS in properties:
        _read_completeness(result, info, properties, package, sheet_parts, strings, styles)
    return result


def _sheet_members(
    form: Form,
    info: WorkbookInfo,
    package: Package,
    sheet: str,
    part: str,
    strings: list[str],
    styles: Styles,
) -> tuple[_Sheet, list[Member]] | str:
    """The members as 汇总明细 lists them with their numbers, one row each (and the
    findings of the cells not as written); or why the sheet cannot be read."""
    located = _columns(form, info, sheet)
    if isinstance(located, str):
        return located
    columns, header_row = located
    scan = _scan(package, sheet, part, MAX_SHEET_CELLS)
    if isinstance(scan, str):
        return scan
    reading = _Sheet(sheet, scan, strings, styles)
    for column, letters in columns:
        ref = f"{letters}{header_row + 1}"
        shown = _text(reading.value(ref)[0]) or ""
        if label_key(shown) != label_key(column.header):
            reading.invalid(
                ref, column.header, f"列标题应为“{column.header}”，实际为“{excerpt(shown)}”"
            )
    used = {letters for _column, letters in columns}
    rows: set[int] = set()
    for ref in scan.cells:  # every row below the header with something in a member column
        digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if ref[: len(ref) - len(digits)] in used and int(digits) > header_row + 1:
            rows.add(int(digits))
    members = [m for r in sorted(rows) if (m := _member(reading, r, columns)) is not None]
    return reading, members


def _scan(package: Package, sheet: str, part: str, max_cells: int) -> SheetScan | str:
    try:
        return scan_sheet(package.read(part), sheet, max_cells=max_cells)
    except (PackageError, SheetTooLarge) as exc:
        return f"“{sheet}”工作表无法读取（{exc}）"
    except NotWellFormed as exc:
        return f"“{sheet}”工作表的内容不是有效的 XML（第 {exc.line} 行）"


def _data_members(
    form: Form,
    info: WorkbookInfo,
    package: Package,
    sheet: str,
    part: str,
    strings: list[str],
    styles: Styles,
) -> tuple[_Sheet, list[Member]] | str:
    """The members as 成员数据 carries them: under the header cell (the keys of a row),
    one cell per member holding its row as a JSON array; or why the sheet cannot be read.
    Bounded: at most :data:`MAX_DATA_MEMBERS` cells (more is refused before any is
    read), each row parsed only within a cell's limit of text."""
    target = single_cell_target(info.names.get(names.MEMBERS_DATA_NAME, ""))
    assert target is not None  # _sheet_named found it
    _sheet, header_row, header_col = target
    scan = _scan(package, sheet, part, MAX_DATA_MEMBERS + 16)  # and <cols>, <col>
    if isinstance(scan, str):
        return scan
    reading = _Sheet(sheet, scan, strings, styles)
    letters = column_letters(header_col + 1)
    header_ref = f"{letters}{header_row + 1}"
    expected = data_header(form)
    keys = _data_row(reading, header_ref, "标题")
    header_ok = keys is not None and (
        sorted(map(str, keys)) == sorted(expected) and list(keys[:5]) == list(expected[:5])
    )
    if keys is not None and not header_ok:
        reading.invalid(header_ref, "标题", f"标题应列出{form.name}的成员字段和各输入单元格")
    rows: list[int] = []
    for ref in scan.cells:
        digits = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if ref[: len(ref) - len(digits)] != letters or int(digits) < header_row + 1:
            reading.invalid(ref, "成员数据", "此处不应有内容")
        elif int(digits) > header_row + 1:
            rows.append(int(digits))
    if keys is None or not header_ok:
        return reading, []  # no header to read the rows by
    cells = {c.id: c for c in form.input_cells()}
    bounds = {c: (math.ceil(c.kind.minimum), math.floor(c.kind.maximum)) for c in cells.values()}
    order = [(cells[str(k)], *bounds[cells[str(k)]]) for k in keys[5:]]  # whole numbers
    members = []
    for r in sorted(rows):
        ref = f"{letters}{r}"
        row = _data_row(reading, ref, "成员")
        if row is None:
            continue
        if len(row) != len(keys):
            reading.invalid(ref, "成员", f"应有 {len(keys)} 项，实际为 {len(row)} 项")
            continue
        member = _data_member(reading, ref, row, order)
        if member is not None:
            members.append(member)
    return reading, members


def _data_row(reading: _Sheet, ref: str, what: str) -> list[object] | None:
    """The JSON array a cell of 成员数据 holds, or None (and a finding)."""
    value, grammatical = reading.value(ref)
    text = _text(value) if grammatical else None
    if text is None:
        reading.invalid(ref, what, "应为本程序写入的一行明细（文字）")
        return None
    if len(text) > MAX_DATA_ROW_CHARS:
        reading.invalid(ref, what, f"超过 {MAX_DATA_ROW_CHARS} 个字符")
        return None
    try:
        row = orjson.loads(text)
    except orjson.JSONDecodeError:
        row = None
    if not isinstance(row, list):
        reading.invalid(ref, what, f"“{excerpt(text)}”不是本程序写入的一行明细")
        return None
    return row


def _data_member(
    reading: _Sheet, ref: str, row: list[object], order: list[tuple[CellDef, int, int]]
) -> Member | None:
    """One row of 成员数据 as a member: its fields as :func:`_field` checks a cell of
    汇总明细, its numbers as :func:`_number` does (None and a finding when not so)."""
    problems: list[str] = []
    agency, year, kind, source_file, sha256 = row[:5]
    if not isinstance(agency, str) or not agency:
        problems.append("填报单位不能为空")
    if isinstance(year, bool) or not isinstance(year, int) or not 0 < year < 10_000:
        problems.append("年度应为四位数的年份")
    if not isinstance(kind, str) or kind not in names.MEMBER_KINDS:
        problems.append(f"类型应为{'或'.join(names.MEMBER_KINDS)}")
    if not isinstance(source_file, str) or not source_file:
        problems.append("来源文件不能为空")
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        problems.append("SHA-256 应为 64 位小写十六进制数字")
    values: dict[str, int | Decimal] = {}
    for (cell, low, high), value in zip(order, row[5:], strict=True):
        if value is None:
            continue
        if type(value) is int and low <= value <= high:  # the usual count
            values[cell.id] = value
        elif type(value) is float:
            parsed = _number(cell, value)
            if isinstance(parsed, str):
                problems.append(f"“{cell.label}”为 {excerpt(repr(value))}，{parsed}")
            else:
                values[cell.id] = parsed
        elif type(value) is int:
            problems.append(f"“{cell.label}”为 {value}，不在 {low} 至 {high} 之间")
        else:
            problems.append(f"“{cell.label}”的“{excerpt(str(value))}”不是数字")
    if problems:
        reading.invalid(ref, "成员", "；".join(problems[:3]))
        return None
    assert isinstance(agency, str) and isinstance(year, int)
    return Member(
        agency=agency,
        year=year,
        kind=str(kind),
        source_file=str(source_file),
        sha256=str(sha256),
        values=values,
    )


def _read_completeness(
    result: MembersRead,
    info: WorkbookInfo,
    properties: Mapping[str, str],
    package: Package,
    sheet_parts: Mapping[str, str],
    strings: list[str],
    styles: Styles,
) -> None:
    """The roster check of 报送情况 into ``result``, checked against the property
    (``submitted/expected``) and its own arithmetic (the missing are expected − submitted;
    from version 2 on, every roster agency is listed with its status, the missing ones
    being those 未报送 and those to fix or not read their counts). Version 1 (no version
    property: summaries other counties still send) has no statuses."""
    version_text = properties.get(names.PROP_COMPLETENESS_VERSION, "1")
    version = int(version_text) if version_text.isdigit() else 0
    if not 1 <= version <= names.COMPLETENESS_VERSION:
        detail = (
            f"“{names.COMPLETENESS_SHEET}”工作表为第 {version_text} 版，本程序只能读取第 "
            f"{names.COMPLETENESS_VERSION} 版及以前的版本：请升级 gongkai-xlsx"
        )
        result.findings.append(Finding(Code.MEMBERS_MISMATCH, detail=detail))
        result.members = None
        return
    fields = names.COMPLETENESS_FIELDS if version == 1 else names.COMPLETENESS_FIELDS_2
    targets = {
        k: single_cell_target(info.names.get(names.completeness_name(k), "")) for k in fields
    }
    sheet = _sheet_named(info, names.completeness_name("roster"))
    if (
        sheet is None
        or sheet not in sheet_parts
        or any(t is None or t[0] != sheet for t in targets.values())
    ):
        recorded = properties[names.PROP_COMPLETENESS]
        detail = f"工作簿属性记有报送情况 {recorded}，但缺少“{names.COMPLETENESS_SHEET}”工作表"
        result.findings.append(Finding(Code.MEMBERS_MISSING, detail=detail))
        result.members = None
        return
    try:
        scan = scan_sheet(package.read(sheet_parts[sheet]), sheet, max_cells=MAX_SHEET_CELLS)
    except (PackageError, SheetTooLarge, NotWellFormed) as exc:
        detail = f"“{sheet}”工作表无法读取（{exc}）"
        result.findings.append(Finding(Code.MEMBERS_MISSING, detail=detail))
        result.members = None
        return
    reading = _Sheet(sheet, scan, strings, styles)

    def below(letters: str, header_row: int) -> list[int]:
        return sorted(
            int(ref[len(letters) :])
            for ref in scan.cells
            if ref.rstrip("0123456789") == letters and int(ref[len(letters) :]) > header_row
        )

    found: dict[str, object] = {}
    agencies: list[dict[str, object]] = []
    for key, target in targets.items():
        assert target is not None
        _sheet, r, c = target
        letters = column_letters(c + 1)
        if key in ("missing", "extra"):
            rows = below(letters, r + 1)
            found[key] = [_text(reading.value(f"{letters}{n}")[0]) or "" for n in rows]
            continue
        if key == "agencies":
            status_of = {label: code for code, label in AGENCY_STATUS_LABELS.items()}
            after = [column_letters(c + 2), column_letters(c + 3)]
            for n in below(letters, r + 1):
                label = _text(reading.value(f"{after[0]}{n}")[0]) or ""
                files = _text(reading.value(f"{after[1]}{n}")[0]) or ""
                agencies.append(
                    {
                        "name": _text(reading.value(f"{letters}{n}")[0]) or "",
                        "status": status_of.get(label, label),
                        "files": [f for f in files.split("\n") if f],
                    }
                )
            continue
        value = reading.value(f"{letters}{r + 1}")[0]
        if key == "roster":
            found[key] = _text(value) or ""
        elif isinstance(value, float) and value.is_integer() and value >= 0:
            found[key] = int(value)
        else:
            found[key] = None
    expected, submitted = found["expected"], found["submitted"]
    missing = found["missing"]
    assert isinstance(missing, list)
    problem = None
    if not isinstance(expected, int) or not isinstance(submitted, int):
        problem = "报送情况中的单位数不是整数"
    elif f"{submitted}/{expected}" != properties[names.PROP_COMPLETENESS]:
        problem = (
            f"报送情况为 {submitted}/{expected}，"
            f"而工作簿属性记录的是 {properties[names.PROP_COMPLETENESS]}"
        )
    elif len(missing) != expected - submitted or not found["roster"] or "" in missing:
        problem = f"未报送的单位列出了 {len(missing)} 个，而报送情况为 {submitted}/{expected}"
    elif version >= 2:
        problem = _statuses_problem(found, agencies, expected, missing)
    if problem is not None:
        result.findings.append(Finding(Code.MEMBERS_MISMATCH, sheet=sheet, detail=problem))
        result.members = None
        return
    if version >= 2:
        for key in ("to_fix", "unreadable"):
            if found[key] is None:
                del found[key]
        if agencies:
            found["agencies"] = agencies
    result.completeness = found


def _statuses_problem(
    found: Mapping[str, object],
    agencies: list[dict[str, object]],
    expected: int,
    missing: list[str],
) -> str | None:
    """What does not add up in version 2's statuses, None when all does."""
    statuses = [a["status"] for a in agencies]
    if not agencies and found["to_fix"] is None and found["unreadable"] is None:
        return None  # the statuses were not known when it was written
    if len(agencies) != expected or any(not a["name"] for a in agencies):
        return f"名单中的单位列出了 {len(agencies)} 个，而名单单位数为 {expected}"
    unknown = [s for s in statuses if s not in AGENCY_STATUS_LABELS]
    if unknown:
        return f"单位状态“{unknown[0]}”不是本程序使用的状态"
    if [a["name"] for a in agencies if a["status"] == "missing"] != missing:
        return "名单中状态为未报送的单位与未报送的单位列表不一致"
    to_fix, unreadable = found["to_fix"], found["unreadable"]
    if (to_fix is None) != (unreadable is None):
        return "待修改和无法读取的单位数只填了一项"
    if to_fix is not None and (
        to_fix != statuses.count("errors") or unreadable != statuses.count("unreadable")
    ):
        return (
            f"待修改 {to_fix} 个、无法读取 {unreadable} 个，而名单中的状态为待修改 "
            f"{statuses.count('errors')} 个、无法读取 {statuses.count('unreadable')} 个"
        )
    return None
