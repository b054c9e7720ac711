"""The formulas of the template, with the result each has in the blank workbook.

Only functions that Excel 2007+, WPS and LibreOffice share are used (SUM, IF, AND, LEN,
COUNT, COUNTA, COUNTIF, ISNUMBER, ISBLANK, ROUND, INT, OR). SUM and COUNTIF ignore text, so
a word typed into an input cell never turns a total into ``#VALUE!``: it is reported by the
status lines instead.
"""

from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell

from gongkai_xlsx.definition.layout import CheckSpec, Layout
from gongkai_xlsx.definition.model import CellDef, Form, Table
from gongkai_xlsx.definition.names import quote_sheet


def _ref(row: int, col: int, sheet: str | None = None, absolute: bool = False) -> str:
    ref = xl_rowcol_to_cell(row, col, row_abs=absolute, col_abs=absolute)
    return f"{quote_sheet(sheet)}!{ref}" if sheet else ref


def rectangles(positions: list[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cover (row, col) cells with few rectangles (first_row, first_col, last_row, last_col).

    Runs of columns are found per row, then identical runs on consecutive rows are merged.
    """
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(set(positions)):
        by_row.setdefault(r, []).append(c)
    runs_by_row: dict[int, list[tuple[int, int]]] = {}
    for r, cols in by_row.items():
        runs: list[tuple[int, int]] = []
        for c in cols:
            if runs and runs[-1][1] == c - 1:
                runs[-1] = (runs[-1][0], c)
            else:
                runs.append((c, c))
        runs_by_row[r] = runs
    open_rects: dict[tuple[int, int], list[int]] = {}
    done: list[tuple[int, int, int, int]] = []
    for r in sorted(runs_by_row):
        current = set(runs_by_row[r])
        for run, rect in list(open_rects.items()):
            if run in current and rect[1] == r - 1:
                rect[1] = r
                current.discard(run)
            else:
                done.append((rect[0], run[0], rect[1], run[1]))
                del open_rects[run]
        for run in current:
            open_rects[run] = [r, r]
    done += [(rect[0], run[0], rect[1], run[1]) for run, rect in open_rects.items()]
    return sorted(done)


def range_ref(rect: tuple[int, int, int, int], sheet: str | None = None) -> str:
    r0, c0, r1, c1 = rect
    ref = _ref(r0, c0) if (r0, c0) == (r1, c1) else f"{_ref(r0, c0)}:{_ref(r1, c1)}"
    return f"{quote_sheet(sheet)}!{ref}" if sheet else ref


class Formulas:
    """Formula text for every computed cell and live check of one layout."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.form: Form = layout.form

    def pos(self, cell_id: str) -> tuple[str, int, int]:
        return self.layout.cell_positions[cell_id]

    def _refs(self, cell_ids: list[str] | tuple[str, ...], on_sheet: str | None) -> str:
        """References to ``cell_ids`` grouped into ranges; sheet-qualified when needed."""
        sheet = self.pos(cell_ids[0])[0]
        rects = rectangles([self.pos(i)[1:] for i in cell_ids])
        qualifier = None if sheet == on_sheet else sheet
        return ",".join(range_ref(rect, qualifier) for rect in rects)

    def total(self, cell: CellDef) -> str:
        return f"=SUM({self._refs(cell.parts, self.pos(cell.id)[0])})"

    def _balance_sides(self, spec: CheckSpec, on_sheet: str | None) -> tuple[str, str]:
        rule, column = spec.rule, spec.column
        assert rule is not None and column is not None
        table = self.form.table(rule.table)
        col_key = ".".join(column.key_path())
        left = [f"{table.key}.{row}.{col_key}" for row in rule.left]
        right = [f"{table.key}.{row}.{col_key}" for row in rule.right]
        return self._refs(left, on_sheet), self._refs(right, on_sheet)

    def balance_difference(self, spec: CheckSpec, on_sheet: str | None) -> str:
        left, right = self._balance_sides(spec, on_sheet)
        return f"SUM({left})-SUM({right})"

    def input_ranges(self, table: Table, kind: str | None = None) -> list[str]:
        cells = [
            c
            for c in self.form.cells_of(table.key)
            if not c.computed and (kind is None or c.kind.type == kind)
        ]
        return [range_ref(r, table.sheet) for r in rectangles([self.pos(c.id)[1:] for c in cells])]

    def status_line(self, spec: CheckSpec, agency_ref: str) -> str:
        """A cover status line: empty text when the check passes, a Chinese message otherwise."""
        if spec.kind == "agency":
            return f'=IF(LEN({agency_ref})=0,"请填写“填报单位”：本单位全称。","")'
        if spec.kind == "balance":
            assert spec.rule is not None and spec.column is not None and spec.table is not None
            diff = self.balance_difference(spec, None)
            label = spec.column.label
            where = f"{spec.table.sheet}表“{label}”列"
            return f'=IF({diff}=0,"","{where}：{spec.rule.text}，差 "&({diff})&"。")'
        if spec.kind == "text":
            assert spec.table is not None
            ranges = ",".join(self.input_ranges(spec.table))
            n = f"(COUNTA({ranges})-COUNT({ranges}))"
            return (
                f'=IF({n}=0,"","{spec.table.sheet}表有 "&{n}&'
                f'" 个单元格填的不是数字（文字、空格或“/”等），请改为数字。")'
            )
        if spec.kind == "negative":
            assert spec.table is not None
            parts = ",".join(f'COUNTIF({r},"<0")' for r in self.input_ranges(spec.table))
            n = f"SUM({parts})"
            return (
                f'=IF({n}=0,"","{spec.table.sheet}表有 "&{n}&" 个单元格填了负数，请改为0或正数。")'
            )
        if spec.kind == "fraction":
            assert spec.table is not None
            ranges = self.input_ranges(spec.table, "integer")
            # ISNUMBER keeps numbers typed as text ("4" <> 4) out; a word makes INT an
            # error, which IFERROR turns into 0 for that range: the "text" line asks for
            # words to be fixed first.
            parts = "+".join(
                f"IFERROR(SUMPRODUCT(ISNUMBER({r})*({r}<>INT({r}))),0)" for r in ranges
            )
            return f'=IF({parts}=0,"","{spec.table.sheet}表有单元格填了小数，件数必须是整数。")'
        if spec.kind == "too_large":
            assert spec.table is not None
            ranges = self.input_ranges(spec.table, "integer")
            limit = self._integer_maximum()
            n = "SUM(" + ",".join(f'COUNTIF({r},">{limit}")' for r in ranges) + ")"
            return (
                f'=IF({n}=0,"","{spec.table.sheet}表有 "&{n}&" 个单元格超过上限 {limit}，请核对。")'
            )
        if spec.kind == "decimals":
            assert spec.cell is not None
            sheet, r, c = self.pos(spec.cell.id)
            ref = _ref(r, c, sheet)
            places = spec.cell.kind.decimals
            message = f"{sheet}表“{spec.cell.label}”最多保留{places}位小数。"
            return f'=IF(ISNUMBER({ref}),IF(ROUND({ref},{places})={ref},"","{message}"),"")'
        raise ValueError(f"unknown check kind {spec.kind}")

    def _integer_maximum(self) -> int:
        return int(max(k.maximum for k in self.form.kinds.values() if k.type == "integer"))

    @staticmethod
    def status(line_refs: list[str]) -> str:
        joined = "&".join(line_refs)
        return f'=IF(LEN({joined})=0,"{STATUS_OK}","{STATUS_FAIL}")'

    @staticmethod
    def invalid_input(top_left: str, cell: CellDef) -> str:
        """Conditional-format formula (relative to the range's top-left) marking a wrong entry."""
        kind = cell.kind
        x = top_left
        limit = f"{x}<0,{x}>{kind.maximum}"
        exact = f"ROUND({x},{kind.decimals})<>{x}" if kind.decimals else f"{x}<>INT({x})"
        return f"=IF(ISBLANK({x}),FALSE,IF(ISNUMBER({x}),OR({limit},{exact}),TRUE))"


STATUS_OK = "全部校验通过"
STATUS_FAIL = "未通过校验：请按下列红字提示修改"
