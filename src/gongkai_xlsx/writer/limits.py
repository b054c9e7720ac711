"""What a value must be for the workbook to carry it, and the error that says it is not.

Every limit here is one the workbook itself has (Excel's longest cell text, the cell
kinds of the definition). Shared by a template's options (:mod:`.options`) and a
summary's members (:mod:`.members`), which only ``aggregate`` loads.
"""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from gongkai_xlsx.definition.model import Kind
from gongkai_xlsx.errors import UsageError

MAX_CELL_TEXT = 32_767  # Excel's limit for the text of a cell


class TemplateOptionsError(UsageError):
    """An option the template cannot carry; the message is Chinese and says why."""


def has_control(text: str, allow: str = "") -> bool:
    return any(unicodedata.category(ch)[0] == "C" and ch not in allow for ch in text)


def preview(text: str, length: int = 20) -> str:
    return text if len(text) <= length else text[:length] + "…"


def value_problem(kind: Kind, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        return "不是整数或 Decimal"
    number = Decimal(value)
    if not number.is_finite() or number < kind.minimum or number > kind.maximum:
        return f"不在 {kind.minimum} 至 {kind.maximum} 之间"
    if number != round(number, kind.decimals):
        return "是小数" if kind.decimals == 0 else f"超过 {kind.decimals} 位小数"
    return None
