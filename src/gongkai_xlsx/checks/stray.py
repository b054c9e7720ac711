"""Numbers typed where the form has no cell (a row added to an unprotected copy): they are
not read, and the coordinator must know they exist."""

from __future__ import annotations

from collections.abc import Iterator

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import a1_sort_key
from gongkai_xlsx.checks.numbers import parse_number
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.findings import Finding
from gongkai_xlsx.reader.model import Return

CODES = (Code.STRAY_NUMBER, Code.STRAY_MORE)
MAX_STRAY = 10


def check(ret: Return, form: Form) -> Iterator[Finding]:
    """The numbers of ``ret`` outside the cells of ``form`` (as counts read them)."""
    count_kind = form.kinds["count"]
    found = []
    for read in ret.outside:
        value = read.value
        if isinstance(value, str):
            if parse_number(value, count_kind).code is not Code.NUMBER_AS_TEXT:
                continue
        elif not isinstance(value, float):
            continue
        found.append(Finding(Code.STRAY_NUMBER, sheet=read.sheet, cell=read.ref, actual=value))
    found.sort(key=lambda f: (f.sheet or "", a1_sort_key(f.cell or "")))
    unlisted = ret.outside_count - len(ret.outside)  # beyond what the reader kept
    yield from found[:MAX_STRAY]
    more = len(found) - MAX_STRAY + unlisted
    if more > 0:
        yield Finding(Code.STRAY_MORE, actual=max(more, 0))
