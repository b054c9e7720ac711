"""Numbers typed where the form has no cell (a row added to an unprotected copy): they are
not read, and the coordinator must know they exist."""

from __future__ import annotations

from collections.abc import Iterator

from gongkai_xlsx.catalogue import Code
from gongkai_xlsx.cellref import a1_sort_key
from gongkai_xlsx.checks.context import Context
from gongkai_xlsx.checks.numbers import parse_number
from gongkai_xlsx.findings import Finding

CODES = (Code.STRAY_NUMBER, Code.STRAY_MORE)
MAX_STRAY = 10


def check(ctx: Context) -> Iterator[Finding]:
    count_kind = ctx.form.kinds["count"]
    found = []
    for read in ctx.ret.outside:
        value = read.value
        if isinstance(value, str):
            if parse_number(value, count_kind).code is not Code.NUMBER_AS_TEXT:
                continue
        elif not isinstance(value, float):
            continue
        found.append(Finding(Code.STRAY_NUMBER, sheet=read.sheet, cell=read.ref, actual=value))
    found.sort(key=lambda f: (f.sheet or "", a1_sort_key(f.cell or "")))
    unlisted = ctx.ret.outside_count - len(ctx.ret.outside)  # beyond what the reader kept
    yield from found[:MAX_STRAY]
    more = len(found) - MAX_STRAY + unlisted
    if more > 0:
        yield Finding(Code.STRAY_MORE, actual=max(more, 0))
