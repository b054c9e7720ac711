"""The exact tokenizer of a worksheet part: expat with handlers and namespaces, for any
well-formed worksheet (:mod:`.sheetxml` chooses it where the fast one's subset of XML is
left). It is the reference the fast one is tested against (``tests/test_reader.py``).
"""

from __future__ import annotations

from gongkai_xlsx.ooxml.xmltext import parse_events
from gongkai_xlsx.reader.grammar import Checker
from gongkai_xlsx.reader.sheet_cells import MAIN_NS, REF, TEXT_PATHS, Builder, RawCell, cap


class _ExactScanner:
    """expat with namespaces: the reference reading of any well-formed worksheet."""

    def __init__(self, builder: Builder) -> None:
        self.b = builder
        self.stack: list[str] = []  # local names; "?name" for elements of other namespaces
        self.cell: RawCell | None = None
        self.cell_depth = 0  # len(stack) at the cell's own element
        self.cell_ref: tuple[str | None, str | None] = (None, None)
        self.texts: list[str] = []
        self.capture: str | None = None  # "v", "f" or "t" while inside one
        self.capture_depth = 0  # len(stack) at that element (text of its children is not its)
        self.checker = Checker("c")

    def start(self, name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition(" ")
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(local if ns == MAIN_NS else "?" + local)
        if self.cell is not None:
            self.checker.start(local if ns == MAIN_NS else "?" + local)
            path = tuple(self.stack[self.cell_depth :])
            if local == "c" and ns == MAIN_NS:
                self.b.odd("structure", self.b.row or 1, self.cell.ref or None, True)
            if len(path) == 1 and path[0] in ("v", "f", "is"):
                if path[0] == "v":
                    self.cell.v = self.cell.v or ""
                elif path[0] == "f":
                    self.cell.f = self.cell.f or ""
                    if attrs.get("t") == "shared" and self.cell.shared is None:
                        self.cell.shared = attrs.get("si", "")
                else:
                    self.cell.inline = self.cell.inline or ""
            kind = TEXT_PATHS.get(tuple(p.encode() for p in path))
            if kind is not None:
                self.capture, self.texts = kind, []
                self.capture_depth = len(self.stack)
            return
        if ns != MAIN_NS:
            return
        if local == "row" and parent == "sheetData":
            self.b.start_row(attrs.get("r"))
        elif local == "c" and parent == "row":
            r = attrs.get("r")
            ref = REF.fullmatch(r) if r is not None else None
            self.cell = RawCell(r or "", attrs.get("t", ""), attrs.get("s", "0"))
            self.cell_depth = len(self.stack)
            self.checker = Checker("c")
            self.cell_ref = (ref.group(1), ref.group(2)) if ref else (None, None)
        elif local == "mergeCell" and parent == "mergeCells":
            self.b.merge(attrs.get("ref", ""))
        elif parent in ("sheetData", "row"):
            self.b.odd("structure", self.b.row or self.b.last_row or 1)

    def end(self, _name: str) -> None:
        depth = len(self.stack)
        local = self.stack.pop() if self.stack else ""
        cell = self.cell
        if cell is None:
            if local == "row" and self.stack and self.stack[-1] == "sheetData":
                self.b.end_row()
            return
        if depth == self.cell_depth:  # the cell's own end tag
            cell.grammar = self.checker.problem
            self.b.cell(cell, *self.cell_ref)
            self.cell = None
            return
        self.checker.end()
        if self.capture is not None and depth == self.capture_depth:
            text = "".join(self.texts)
            if self.capture == "v":
                cell.v = cap((cell.v or "") + text, cell)
            elif self.capture == "f":
                cell.f = (cell.f or "") + text
            else:
                cell.inline = cap((cell.inline or "") + text, cell)
            self.capture = None

    def chars(self, data: str) -> None:
        if self.capture is not None and len(self.stack) == self.capture_depth:
            self.texts.append(data)
        elif self.cell is not None:
            self.checker.text(data)


def scan_exact(data: bytes, builder: Builder) -> None:
    scanner = _ExactScanner(builder)
    parse_events(data, scanner.start, scanner.end, scanner.chars)
