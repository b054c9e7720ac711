"""What the applications calculate for a simple formula, from the cells of the file itself.

A formula typed into an input is read by the result its writer stored; LibreOffice shows
what it calculates instead for a shared formula's child (WITNESS.md I02), and after any
recalculation for every formula (I04). So where a formula can be calculated from what the
reader read, the checks compare the two (:mod:`gongkai_xlsx.checks.formulas`).

The evaluator knows only ``+ - * /``, ``%``, parentheses, unary signs, numeric
constants, references to cells and ranges of the form's sheets (``D7``, ``$D$7``,
``'复议诉讼'!D7``, ``D7:I7``) and ``SUM``; anything else is :class:`NotComputable` and
keeps today's reading. It computes exactly (fractions), as the applications do: an empty
cell is 0, text in arithmetic is ``#VALUE!`` (text that may be a number gives up: Excel
converts it), text and empty cells in ``SUM`` are skipped, an error propagates, ``x/0``
is ``#DIV/0!``. It is bounded: the formula's length, the nesting of parentheses and of
formulas referring to formulas, the cells of one range, and the cells visited per formula
and per workbook (:class:`Evaluator`).

A shared formula's child (``<f t="shared" si="0"/>``) has the formula of its group's
master (the first cell of the group with a text), relative references shifted by the
distance between the two cells and absolute (``$``) ones kept: :func:`shift`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from gongkai_xlsx.cellref import from_a1, to_a1
from gongkai_xlsx.reader.model import CellError, Value
from gongkai_xlsx.reader.sheet_cells import RawCell

MAX_FORMULA_CHARS = 1_000
MAX_NESTING = 48  # operands within operands (parentheses, signs), in all the formulas
MAX_EXPONENT = 400  # of a constant (1e-400 is 0 to Excel); 1e999999999 is not made exact
MAX_MAGNITUDE = Fraction(2) ** 1024  # beyond a double: Excel shows #NUM!, here unknown
MAX_DEPTH = 8  # a formula referring to a formula referring to ...
MAX_RANGE_CELLS = 10_000  # one range (a row of the form is 6 to 30 cells)
MAX_WORK = 20_000  # cells visited for one formula
MAX_BOOK_WORK = 200_000  # cells visited for one workbook
MAX_ROW, MAX_COL = 1_048_576, 16_384

Result = Fraction | str | CellError
"""A formula's result: a number, a text, or an error value."""


class NotComputable(Exception):
    """The formula is beyond this evaluator (or its bounds): nothing is known."""


class _Context(NotComputable):
    """Beyond a bound that depends on the formula asking (nesting, depth, work, a cycle
    through it), not on the cell's own formula: not kept as the cell's answer."""


# ------------------------------------------------------------------------------ tokens
_CELL = r"(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})"
_TOKEN = re.compile(
    r"(?P<space>[ \t\r\n]+)"
    r'|(?P<string>"(?:[^"]|"")*")'
    r"|(?P<ref>(?:(?P<sheet>'(?:[^']|'')+'|[^\W\d][\w.]*)!)?"
    rf"(?P<a>{_CELL})(?::(?P<b>{_CELL}))?"
    r"|(?:(?P<sheet2>'(?:[^']|'')+'|[^\W\d][\w.]*)!)?"
    r"(?P<cols>\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}|\$?[0-9]{1,7}:\$?[0-9]{1,7}))"
    r"(?![\w.(!:$])"
    r"|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<func>[A-Za-z_][\w.]*)\("
    r"|(?P<name>[^\W\d][\w.]*)"
    r"|(?P<op>[-+*/%(),])"
    r"|(?P<other>.)",
    re.S,
)
_ONE = re.compile(_CELL)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # ref, number, func, op, string, name, other
    text: str
    start: int
    end: int


def tokens(formula: str) -> list[Token]:
    """The formula's tokens, spaces left out (a space between two operands is Excel's
    intersection operator: the parser then sees two operands in a row and gives up)."""
    found = []
    for m in _TOKEN.finditer(formula):
        kind = m.lastgroup or "other"
        if m.group("ref") is not None:
            kind = "ref"
        elif m.group("func") is not None:
            kind = "func"
        if kind != "space":
            found.append(Token(kind, m.group(0), m.start(), m.end()))
    return found


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


@dataclass(frozen=True, slots=True)
class Area:
    """A reference: its sheet as written (None: the formula's own), 0-based bounds."""

    sheet: str | None
    r0: int
    c0: int
    r1: int
    c1: int

    @property
    def single(self) -> bool:
        return self.r0 == self.r1 and self.c0 == self.c1


def _sheet_name(text: str | None) -> str | None:
    if text is None:
        return None
    return text[1:-1].replace("''", "'") if text.startswith("'") else text


def area(token: Token) -> Area:
    """A ``ref`` token's area; NotComputable for whole columns or rows, or a cell beyond
    the sheet (``XFE1`` is a name, not a cell)."""
    m = _TOKEN.fullmatch(token.text)
    if m is None or m.group("a") is None:
        raise NotComputable("column or row range")
    cells = []
    for part in (m.group("a"), m.group("b") or m.group("a")):
        c = _ONE.fullmatch(part)
        assert c is not None
        col, row = _column(c.group(2)), int(c.group(4))
        if not (1 <= col <= MAX_COL and 1 <= row <= MAX_ROW):
            raise NotComputable("beyond the sheet")
        cells.append((row - 1, col - 1))
    (ra, ca), (rb, cb) = cells
    return Area(_sheet_name(m.group("sheet")), min(ra, rb), min(ca, cb), max(ra, rb), max(ca, cb))


# ------------------------------------------------------------------------------ shift
def _shift_cell(match: re.Match[str], dr: int, dc: int) -> str | None:
    col_abs, letters, row_abs, digits = match.groups()
    col, row = _column(letters), int(digits)
    col += 0 if col_abs else dc
    row += 0 if row_abs else dr
    if not (1 <= col <= MAX_COL and 1 <= row <= MAX_ROW):
        return None
    return f"{col_abs}{to_a1(0, col - 1)[:-1]}{row_abs}{row}"


def _shift_line(text: str, dr: int, dc: int) -> str | None:
    """``A:B`` or ``1:2`` shifted (columns by ``dc``, rows by ``dr``)."""
    out = []
    for part in text.split(":"):
        absolute = part.startswith("$")
        body = part.lstrip("$")
        if body.isdigit():
            n = int(body) + (0 if absolute else dr)
            if not 1 <= n <= MAX_ROW:
                return None
            out.append(("$" if absolute else "") + str(n))
        else:
            n = _column(body) + (0 if absolute else dc)
            if not 1 <= n <= MAX_COL:
                return None
            out.append(("$" if absolute else "") + to_a1(0, n - 1)[:-1])
    return ":".join(out)


def shift(formula: str, dr: int, dc: int) -> str:
    """``formula`` moved ``dr`` rows and ``dc`` columns, as a shared formula's child has
    it: relative references shifted, absolute parts kept, one pushed off the sheet
    ``#REF!``. Everything that is not a reference is copied as written."""
    out, at = [], 0
    for tok in tokens(formula):
        if tok.kind != "ref":
            continue
        m = _TOKEN.fullmatch(tok.text)
        assert m is not None
        prefix = m.group("sheet") or m.group("sheet2")
        head = f"{prefix}!" if prefix else ""
        if m.group("a") is not None:
            parts = [m.group("a"), *([m.group("b")] if m.group("b") else [])]
            moved = [_shift_cell(_ONE.fullmatch(p), dr, dc) for p in parts]  # type: ignore[arg-type]
            new = None if None in moved else head + ":".join(moved)  # type: ignore[arg-type]
        else:
            line = _shift_line(m.group("cols"), dr, dc)
            new = None if line is None else head + line
        out += [formula[at : tok.start], new if new is not None else head + "#REF!"]
        at = tok.end
    out.append(formula[at:])
    return "".join(out)


class Orphan(NotComputable):
    """A shared formula's child whose master is missing, or comes after it in the sheet:
    LibreOffice shows it empty, Gnumeric reads the master only before its children
    (WITNESS.md I03, I05)."""


class SharedFormulas:
    """The shared-formula groups of one sheet: each group's master (its first cell with
    a formula text) and where each of the group's cells stands in the sheet's order."""

    def __init__(self, cells: Mapping[str, RawCell]) -> None:
        self.masters: dict[str, tuple[int, str, str]] = {}  # si → (order, A1, text)
        self.order: dict[str, int] = {}
        for i, (ref, raw) in enumerate(cells.items()):
            if raw.shared is None:
                continue
            self.order[ref] = i
            text = raw.formula()
            if text and raw.shared not in self.masters:
                self.masters[raw.shared] = (i, ref, text)

    def formula(self, ref: str, raw: RawCell) -> str | None:
        """The cell's formula (without ``=``), a child's shifted from its master's;
        raises :class:`Orphan`."""
        text = raw.formula()
        if raw.shared is None or text:
            return text
        master = self.masters.get(raw.shared)
        if master is None or master[0] > self.order.get(ref, -1):
            raise Orphan("no master before it")
        (mr, mc), (r, c) = from_a1(master[1]), from_a1(ref)
        return shift(master[2], r - mr, c - mc)


# --------------------------------------------------------------------------- evaluation
Cell = tuple[str, int, int]  # sheet, 0-based row, column
Content = tuple[Value, str | None]
"""A cell as the reader read it: its stored value and its formula (without ``=``)."""
Lookup = Callable[[str, int, int], Content]
"""(sheet, row, col) → the cell's content; raises NotComputable where the reader is not
sure of it (an odd cell, a shared formula without its master)."""


class Evaluator:
    """Evaluates formulas of one workbook. ``sheets`` maps every sheet's name (as the
    workbook has it) to whether its cells can be looked up (the form's sheets are read,
    others not); ``lookup`` gives a cell's content. Results of formulas met on the way are
    kept (and that they cannot be calculated, unless a bound of the formula asking was the
    reason), and the cells visited are counted against :data:`MAX_BOOK_WORK`."""

    def __init__(self, sheets: dict[str, bool], lookup: Lookup) -> None:
        self.sheets = {name.casefold(): (name, known) for name, known in sheets.items()}
        self.lookup = lookup
        self.book_work = 0
        self.work = 0  # cells visited for the formula being calculated
        self.depth = 0  # formulas being calculated, one inside the other
        self.nesting = 0  # parentheses and signs open, in all of them (Python's stack)
        self.done: dict[Cell, Result | NotComputable] = {}
        self.busy: set[Cell] = set()

    def result(self, formula: str, sheet: str, row: int, col: int) -> Result:
        """What ``formula`` (without ``=``) in ``sheet`` at (row, col) calculates to;
        raises NotComputable."""
        self.work = self.depth = self.nesting = 0
        return self._formula(formula, (sheet, row, col))

    def _formula(self, formula: str, at: Cell) -> Result:
        if len(formula) > MAX_FORMULA_CHARS:
            raise NotComputable("too long")
        if self.depth >= MAX_DEPTH:
            raise _Context("too deep")
        self.depth += 1
        self.busy.add(at)
        try:
            return _Parser(self, tokens(formula), at[0]).formula()
        finally:
            self.busy.discard(at)
            self.depth -= 1

    def sheet(self, written: str | None, own: str) -> str:
        if written is None:
            return own
        name, known = self.sheets.get(written.casefold(), (None, False))
        if name is None or not known:
            raise NotComputable("another workbook's or an unread sheet")
        return name

    def nest(self, step: int) -> None:
        self.nesting += step
        if self.nesting > MAX_NESTING:
            raise _Context("nested too deeply")

    def visit(self) -> None:
        self.work += 1
        self.book_work += 1
        if self.work > MAX_WORK or self.book_work > MAX_BOOK_WORK:
            raise _Context("too many cells")

    def value(self, cell: Cell) -> Value:
        """What the cell shows: its stored value, or its formula's result."""
        self.visit()
        stored, formula = self.lookup(*cell)
        if formula is None:
            return stored
        if cell in self.busy:
            raise _Context("circular")
        got = self.done.get(cell)
        if got is None:
            try:
                got = self.done[cell] = self._formula(formula, cell)
            except _Context:
                raise
            except NotComputable:
                self.done[cell] = got = _BEYOND
        if isinstance(got, NotComputable):
            raise NotComputable("a formula beyond the evaluator")
        return float(got) if isinstance(got, Fraction) else got


_BEYOND = NotComputable("a formula beyond the evaluator")


def _number(value: Value) -> Fraction | CellError:
    """A cell's value as an operand of arithmetic."""
    if value is None:
        return Fraction(0)
    if isinstance(value, CellError):
        return value
    if isinstance(value, bool):  # TRUE+1: Excel 2, LibreOffice too; SUM differs: give up
        raise NotComputable("logical value")
    if isinstance(value, float):
        return Fraction(value)
    if not value.strip() or any(ch.isdigit() for ch in value):
        raise NotComputable("text that may be read as a number")  # Excel converts "12"
    return CellError("#VALUE!")


def _bounded(value: Fraction) -> Fraction:
    """A result a double can hold; beyond it the applications show #NUM!: unknown here."""
    if abs(value) >= MAX_MAGNITUDE:
        raise NotComputable("beyond a double")
    return value


def _first_error(*values: Fraction | CellError) -> CellError | None:
    errors = {v.code for v in values if isinstance(v, CellError)}
    if len(errors) > 1:  # which one shows depends on the application's order
        raise NotComputable("several errors")
    return next((v for v in values if isinstance(v, CellError)), None)


class _Parser:
    """Recursive descent over the tokens, evaluating as it goes."""

    def __init__(self, ev: Evaluator, toks: list[Token], sheet: str) -> None:
        self.ev, self.toks, self.sheet, self.i = ev, toks, sheet, 0

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, text: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "op" and tok.text == text:
            self.i += 1
            return True
        return False

    def formula(self) -> Result:
        if len(self.toks) == 1 and self.toks[0].kind == "ref":  # =D7 shows D7 as it is
            where = area(self.toks[0])
            if not where.single:
                raise NotComputable("a range as a result")
            value = self.ev.value((self.ev.sheet(where.sheet, self.sheet), where.r0, where.c0))
            if isinstance(value, bool):
                raise NotComputable("logical value")
            if value is None:
                return Fraction(0)
            return Fraction(value) if isinstance(value, float) else value
        result = self.expr()
        if self.peek() is not None:
            raise NotComputable("unexpected " + self.toks[self.i].text[:20])
        return result

    def expr(self) -> Fraction | CellError:
        left = self.term()
        while True:
            if self.take("+"):
                right = self.term()
                left = _first_error(left, right) or _bounded(left + right)  # type: ignore[operator]
            elif self.take("-"):
                right = self.term()
                left = _first_error(left, right) or _bounded(left - right)  # type: ignore[operator]
            else:
                return left

    def term(self) -> Fraction | CellError:
        left = self.unary()
        while True:
            if self.take("*"):
                right = self.unary()
                left = _first_error(left, right) or _bounded(left * right)  # type: ignore[operator]
            elif self.take("/"):
                right = self.unary()
                error = _first_error(left, right)
                if error is None and right == 0:
                    error = CellError("#DIV/0!")
                left = error or _bounded(left / right)  # type: ignore[operator]
            else:
                return left

    def unary(self) -> Fraction | CellError:
        self.ev.nest(1)
        try:
            if self.take("-"):
                value = self.unary()
                return value if isinstance(value, CellError) else -value
            if self.take("+"):
                return self.unary()
            value = self.primary()
            while self.take("%"):
                value = value if isinstance(value, CellError) else _bounded(value / 100)
            return value
        finally:
            self.ev.nest(-1)

    def primary(self) -> Fraction | CellError:
        tok = self.peek()
        if tok is None:
            raise NotComputable("formula ends early")
        self.i += 1
        if tok.kind == "number":
            exponent = tok.text.lower().partition("e")[2]
            if exponent and abs(int(exponent)) > MAX_EXPONENT:
                raise NotComputable("a constant beyond a double")
            return _bounded(Fraction(tok.text))
        if tok.kind == "ref":
            where = area(tok)
            if not where.single:  # a range in arithmetic: implicit intersection
                raise NotComputable("a range in arithmetic")
            sheet = self.ev.sheet(where.sheet, self.sheet)
            return _number(self.ev.value((sheet, where.r0, where.c0)))
        if tok.kind == "op" and tok.text == "(":
            value = self.expr()  # nested: expr calls unary, which counts
            if not self.take(")"):
                raise NotComputable("unbalanced parentheses")
            return value
        if tok.kind == "func" and tok.text[:-1].upper() == "SUM":
            return self.sum()
        raise NotComputable(f"not known: {tok.text[:20]}")

    def sum(self) -> Fraction | CellError:
        total, errors = Fraction(0), []
        if self.take(")"):
            return total
        while True:
            tok = self.peek()
            nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
            if (
                tok is not None
                and tok.kind == "ref"
                and nxt is not None
                and nxt.kind == "op"
                and nxt.text in ",)"
            ):
                self.i += 1  # a reference as an argument: its numbers only
                where = area(tok)
                cells = (where.r1 - where.r0 + 1) * (where.c1 - where.c0 + 1)
                if cells > MAX_RANGE_CELLS:
                    raise NotComputable("range too large")
                sheet = self.ev.sheet(where.sheet, self.sheet)
                for r in range(where.r0, where.r1 + 1):
                    for c in range(where.c0, where.c1 + 1):
                        cell_value = self.ev.value((sheet, r, c))
                        if isinstance(cell_value, bool):  # Excel skips it, LibreOffice counts it
                            raise NotComputable("logical value")
                        if isinstance(cell_value, float):
                            total += Fraction(cell_value)
                        elif isinstance(cell_value, CellError):
                            errors.append(cell_value)
            else:
                value = self.expr()
                if isinstance(value, CellError):
                    errors.append(value)
                else:
                    total += value
            if self.take(")"):
                break
            if not self.take(","):
                raise NotComputable("SUM's arguments")
        return _first_error(*errors) or total
