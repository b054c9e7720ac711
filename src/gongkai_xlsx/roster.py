"""Read a roster of agencies (CSV or xlsx) for ``gongkai-xlsx new --roster``.

A coordinator's roster comes from Excel: "CSV（逗号分隔）" on Chinese Windows is GBK, other
tools write UTF-8 with or without BOM. Names are taken from the column headed 单位名称, or
the first column; blank rows are skipped; an agency given twice (however its name is
written: :func:`gongkai_xlsx.agency.agency_key`) is reported and kept once, as its first row.
Line breaks and invisible characters are taken out of a name (and reported), so no name
reaches a cell or a file name raw; every entry keeps its row number for messages. Beside
the names, a header row may name contact columns (联系人; 联系电话, 电话 or 手机; 邮箱 or
电子邮箱): each entry then carries them, for the 退回清单 of the returns to send back.

The reader is bounded, whatever the file: at most :data:`MAX_AGENCIES` names (a city's
roster has 2,000-5,000; a template takes some 30-70 ms to write, so 10,000 is five to ten
minutes, while 100,000 took an hour and 2.7 GB), read row by row (openpyxl's read-only
mode for xlsx) and refused as soon as there are more; only the first
:data:`MAX_COLUMNS` columns; a file of at most :data:`MAX_FILE_BYTES`. Cells are not
cut: an over-long name is refused with its row and its true length.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from gongkai_xlsx import oserrors
from gongkai_xlsx.agency import AgencyKey, agency_key
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.text import clean_name, squash_spaces

HEADER = "单位名称"
MAX_AGENCIES = 10_000  # names in one roster
MAX_COLUMNS = 50  # columns read from each row
MAX_FILE_BYTES = 32 << 20  # a 10,000-row roster is well under 1 MB
HEADER_WORDS = {"单位名称", "单位", "名称", "机构名称", "部门名称", "单位全称"}


class RosterError(UsageError):
    """The roster cannot be read; the message is Chinese and names the file."""


# The optional contact columns, by the words their header may use (spaces and case aside).
CONTACT_HEADERS: dict[str, frozenset[str]] = {
    "contact": frozenset({"联系人", "联系人姓名", "经办人"}),
    "phone": frozenset({"联系电话", "电话", "手机", "手机号", "手机号码", "办公电话", "联系方式"}),
    "email": frozenset({"邮箱", "电子邮箱", "电子邮件", "邮件", "email", "e-mail"}),
}
MAX_CONTACT_CHARS = 200  # a contact cell longer than this is cut (it is shown, never keyed)


@dataclass(frozen=True)
class Entry:
    """One agency of the roster: its row (1-based, as Excel numbers it), its name, and
    what was taken out of the name as written (see :func:`gongkai_xlsx.text.clean_name`);
    its contact, phone and e-mail where the roster has those columns (None: not given)."""

    row: int
    name: str
    removed: tuple[str, ...] = ()
    contact: str | None = None
    phone: str | None = None
    email: str | None = None


@dataclass
class Roster:
    entries: list[Entry] = field(default_factory=list)
    # rows naming an agency of an earlier row, however written: (row number, name)
    duplicates: list[tuple[int, str]] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the row number of each name
    # which contact columns the roster has ("contact", "phone", "email"), in that order
    contact_columns: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    @property
    def has_contacts(self) -> bool:
        """Does the roster give whom to call (report.html shows contacts only then: the
        page is often forwarded, and contacts are the roster's to share)."""
        return bool(self.contact_columns)

    def entry_for(self, key: AgencyKey) -> Entry | None:
        """The roster's entry of the agency ``key`` (:func:`agency_key`), if any."""
        return next((e for e in self.entries if agency_key(e.name) == key), None)


def _decode(data: bytes, path: Path) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RosterError(f"{path}：无法识别文件编码，请另存为“CSV UTF-8（逗号分隔）”或 xlsx 后重试。")


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """Let the csv module read fields up to ``limit`` characters (its default, 131,072,
    ends in csv.Error on a roster with one huge cell; an over-long name is refused later
    with its row number instead)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, limit))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _rows_from_csv(path: Path) -> list[list[str]]:
    # Old Mac line ends (a lone CR) are a csv.Error for the csv module: make every line
    # end a LF first (a roster has no line breaks inside its cells worth keeping).
    text = _decode(path.read_bytes(), path).replace("\r\n", "\n").replace("\r", "\n")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        with _field_limit(len(text) + 1):
            return _bounded(reader, path)
    except csv.Error as exc:
        raise RosterError(
            f"{path}：第 {reader.line_num} 行无法按 CSV 读取（引号或分隔符有误）。"
            "请用 Excel 打开名单，另存为“CSV UTF-8（逗号分隔）”或 xlsx 后重试。"
        ) from exc


def _rows_from_xlsx(path: Path) -> list[list[str]]:
    import openpyxl  # only rosters in xlsx need it

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise  # the system would not open it (open in WPS, no permission): not damaged
        raise RosterError(
            f"{path}：无法读取名单工作簿（文件已损坏或不是 xlsx 格式）。"
            "请用 Excel 或 WPS 打开名单，另存为 xlsx 或 CSV 后重试。"
        ) from exc
    try:
        ws = wb.worksheets[0]
        ws.reset_dimensions()  # WPS and others write <dimension ref="A1"/>; do not trust it
        return _bounded(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), path)
    finally:
        wb.close()


def _bounded(rows: Iterable[Iterable[object]], path: Path) -> list[list[str]]:
    """The rows as text, within the caps: at most :data:`MAX_COLUMNS` columns; more filled rows than a roster of
    :data:`MAX_AGENCIES` names (and a title and header above them) is refused on the row
    that goes over, before the rest of the file is read."""
    kept: list[list[str]] = []
    filled = 0
    for row in rows:
        cells = [_cell_text(v) for v in islice(row, MAX_COLUMNS)]
        if any(c.strip() for c in cells):
            filled += 1
            if filled > MAX_AGENCIES + HEADER_SEARCH_ROWS:
                raise RosterError(too_many(path, len(kept) + 1))
        kept.append(cells)
    return kept


def _cell_text(value: object) -> str:
    """A cell as text; a whole number stored as a float (a phone typed into Excel) as
    its digits, not ``13800000000.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def too_many(path: Path, row: int) -> str:
    return (
        f"{path}：名单中的单位超过 {MAX_AGENCIES} 个（读到第 {row} 行），超过一份名单的上限。"
        "请按县（区）或系统把名单分成几份（每份不超过 "
        f"{MAX_AGENCIES} 个单位），分别运行。"
    )


HEADER_SEARCH_ROWS = 10


def _header(rows: list[list[str]]) -> tuple[int, int]:
    """(column, first data row). The header may sit under a title row ("2025年度…名单"),
    so the first rows are searched for 单位名称 (or a similar word); without one, the
    first column from the first non-blank row holds the names."""
    filled = [i for i, row in enumerate(rows) if any(squash_spaces(c) for c in row)]
    for words in ({HEADER}, HEADER_WORDS):
        for i in filled[:HEADER_SEARCH_ROWS]:
            for j, cell in enumerate(rows[i]):
                if squash_spaces(cell) in words:
                    return j, i + 1
    return 0, filled[0] if filled else 0


def _contact_columns(rows: list[list[str]], start: int, name_column: int) -> dict[str, int]:
    """The contact columns of the header row (the row above ``start``): {"phone": 3, …};
    none without a header row. The first column headed with a word of a kind is taken."""
    if start == 0:
        return {}
    found: dict[str, int] = {}
    for j, cell in enumerate(rows[start - 1]):
        word = squash_spaces(cell).replace(" ", "").casefold()
        for kind, words in CONTACT_HEADERS.items():
            if j != name_column and kind not in found and word in words:
                found[kind] = j
    return found


def _is_header(rows: list[list[str]], start: int) -> bool:
    """Is the row above ``start`` the header :func:`_header` found (not the first name)?"""
    return any(squash_spaces(c) in HEADER_WORDS for c in rows[start - 1])


def _contact_text(row: list[str], column: int | None) -> str | None:
    if column is None or column >= len(row):
        return None
    text, _removed = clean_name(row[column])
    text = text[:MAX_CONTACT_CHARS]
    return text or None


def read_roster(path: Path) -> Roster:
    path = Path(path)
    if path.is_dir():
        raise RosterError(
            f"{path}：这是一个文件夹，不是名单文件。请给出名单文件（.csv 或 .xlsx）的路径。"
        )
    if not path.is_file():
        raise RosterError(f"{path}：名单文件不存在。")
    suffix = path.suffix.lower()
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise RosterError(
                f"{path}：名单文件过大（超过 {MAX_FILE_BYTES >> 20} MB），不像是单位名单。"
                "名单只需一列单位名称，请另存为只含名单的 CSV 或 xlsx 后重试。"
            )
        if suffix in (".xlsx", ".xlsm"):
            rows = _rows_from_xlsx(path)
        elif suffix in (".csv", ".txt", ".tsv"):
            rows = _rows_from_csv(path)
        else:
            raise RosterError(f"{path}：名单只支持 .csv 或 .xlsx 文件。")
    except OSError as exc:
        why = oserrors.reason(exc, oserrors.READ)
        raise RosterError(f"{path}：无法打开名单文件（{why}）。") from exc
    column, start = _header(rows)
    contacts = _contact_columns(rows, start, column) if start and _is_header(rows, start) else {}
    roster = Roster(contact_columns=tuple(k for k in CONTACT_HEADERS if k in contacts))
    seen: set[AgencyKey] = set()
    for number, row in enumerate(rows[start:], start=start + 1):
        name, removed = clean_name(row[column] if column < len(row) else "")
        if not name:
            continue
        key = agency_key(name)
        if key in seen:
            roster.duplicates.append((number, name))
            continue
        seen.add(key)
        roster.entries.append(
            Entry(
                number,
                name,
                tuple(removed),
                _contact_text(row, contacts.get("contact")),
                _contact_text(row, contacts.get("phone")),
                _contact_text(row, contacts.get("email")),
            )
        )
        roster.rows.append(number)
    if len(roster.entries) > MAX_AGENCIES:
        raise RosterError(too_many(path, roster.entries[MAX_AGENCIES].row))
    if not roster.entries:
        raise RosterError(f"{path}：名单中没有单位名称（应在“{HEADER}”列或第一列）。")
    return roster
