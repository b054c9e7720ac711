"""What must hold for every mutant, shared by the fuzz test and the corpus script.

``check_mutant(data)`` reads a mutant as ingest does and asserts:

(a) ``read_return`` and ``check_return`` do not raise (the tests run the reader with
    ``GONGKAI_READER_STRICT=1``, so a bug cannot hide as "file-corrupt");
(b) the read ends within ``TIME_LIMIT_S`` (the project has no worker pool yet, so the
    bound is an in-process interval timer; memory is not bounded here);
(c) the fast and the exact tokenizer read every worksheet part alike, or both refuse it;
(d) every form cell and cover field the reader read as sure, with no error at its cell,
    holds what an independent reading of its ``<c>`` element gives
    (:mod:`fuzz.reference`), formula or not; and it was found where the layout puts it,
    unless the reader said the sheet moved (``layout-shifted``). This holds even beside a
    file-level error (a hidden sheet, say): what the reader calls sure is sure.
"""

from __future__ import annotations

import contextlib
import io
import signal
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from fuzz import reference
from fuzz.mutate import FORM
from gongkai_xlsx.cellref import to_a1
from gongkai_xlsx.checks.run import Outcome, check_return
from gongkai_xlsx.definition.layout import layout_of
from gongkai_xlsx.reader import CellError, CellRead, Return, read_return
from gongkai_xlsx.reader.sheetxml import scan_sheet

TIME_LIMIT_S = 10.0
"""Per mutant; an ordinary return reads in about 10 ms."""


class TimeLimit(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`TimeLimit` in this (main) thread after ``seconds`` of wall time."""

    def expired(_signum: int, _frame: object) -> None:
        raise TimeLimit(f"reading took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Checked:
    ret: Return
    outcome: Outcome
    compared: int  # cells held to the reference


def read_and_check(data: bytes, name: str = "mutant.xlsx") -> tuple[Return, Outcome]:
    with time_limit(TIME_LIMIT_S):
        ret = read_return(data, name)
        return ret, check_return(ret)


def sheet_parts(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Every worksheet entry of the zip that can be decompressed."""
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
    except Exception:
        return
    with z:
        for info in z.infolist():
            name = info.filename.lower()
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                try:
                    yield info.filename, z.read(info)
                except Exception:
                    continue


def assert_tokenizers_agree(data: bytes) -> None:
    for name, xml in sheet_parts(data):
        try:
            fast = scan_sheet(xml, name)
        except Exception as exc:
            try:
                scan_sheet(xml, name, force_exact=True)
            except type(exc):
                continue
            raise AssertionError(
                f"{name}: the fast tokenizer refused ({exc!r}), the exact one read it"
            ) from None
        try:
            exact = scan_sheet(xml, name, force_exact=True)
        except Exception as exc:
            raise AssertionError(
                f"{name}: the exact tokenizer refused ({exc!r}), the fast one read it"
            ) from None
        assert fast.cells == exact.cells, f"{name}: cells differ"
        assert fast.merges == exact.merges, f"{name}: merges differ"
        assert set(fast.oddities) == set(exact.oddities), (
            f"{name}: oddities differ: fast only {set(fast.oddities) - set(exact.oddities)}, "
            f"exact only {set(exact.oddities) - set(fast.oddities)}"
        )


def same(ours: object, theirs: object) -> bool:
    """The reader's value and the reference's, type for type (True is not 1.0)."""
    if theirs is reference.UNSETTLED:
        return False
    if isinstance(ours, CellError) or isinstance(theirs, reference.Error):
        return (
            isinstance(ours, CellError)
            and isinstance(theirs, reference.Error)
            and ours.code == theirs.code
        )
    return type(ours) is type(theirs) and ours == theirs


def _reads(ret: Return) -> Iterator[tuple[str, CellRead, tuple[str, int, int]]]:
    layout = layout_of(FORM)
    for cid, read in ret.cells.items():
        yield cid, read, layout.cell_positions[cid]
    for key, read in ret.fields.items():
        yield f"field:{key}", read, layout.field_positions[key]


def assert_consistent_with_the_file(data: bytes, ret: Return, outcome: Outcome) -> int:
    """(d); returns how many cells were compared."""
    if not ret.cells:
        return 0
    errors_at = {(f.sheet, f.cell) for f in outcome.findings if f.is_error and f.cell}
    shifted = {f.sheet for f in outcome.findings if f.code.code == "layout-shifted"}
    book = reference.Workbook.open(data)
    compared = 0
    for cid, read, (sheet, r, c) in _reads(ret):
        if not read.sure or (read.sheet, read.ref) in errors_at:
            continue
        where = f"{cid} at {read.sheet}!{read.ref}"
        if read.sheet not in shifted:
            assert (read.sheet, read.ref) == (sheet, to_a1(r, c)), (
                f"{where}: read at another place than the layout's {sheet}!{to_a1(r, c)} "
                "without an error or a layout-shifted warning"
            )
        theirs = book.reading(read.sheet, read.ref)
        assert same(read.value, theirs.value), (
            f"{where}: read as {read.value!r} without an error at the cell, "
            f"the file holds {theirs.value!r}"
        )
        assert (read.formula is not None) == theirs.formula, f"{where}: formula {read.formula!r}"
        compared += 1
    return compared


def check_mutant(data: bytes, name: str = "mutant.xlsx") -> Checked:
    ret, outcome = read_and_check(data, name)  # (a), (b)
    assert_tokenizers_agree(data)  # (c)
    compared = assert_consistent_with_the_file(data, ret, outcome)  # (d)
    return Checked(ret, outcome, compared)
