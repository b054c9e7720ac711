"""The grammar of the elements whose content the reader uses, stated once.

ECMA-376 Part 1 gives each of them a count and a content model (§18.3.1.4 c, §18.3.1.96 v,
§18.3.1.40 f, §18.3.1.53 is, §18.4.8 si/CT_Rst, §18.4.4 r, §18.4.12 t, §18.2.5 definedName,
§18.8.30 numFmt, §18.8.45 xf). Outside it, applications read differently: a cell with two
``<v>`` shows the last one in LibreOffice and Gnumeric, where joining the texts gives a
number nobody sees; ``<v>1<x/>2</v>`` shows 2 in one and 12 in the other
(tests/oracle/WITNESS.md, H). So every reader of a cell or a shared string, both tokenizers
of a sheet and both readers of the shared strings, walks it with one :class:`Checker` over this
table, and anything outside it makes the place unread (``xml-structure``).

The small parts are held to the same rules where they are read (:mod:`.parts`): a
``definedName`` (text only, its name once, compared case-insensitively) or a custom
``property`` (one value element, text only, its name once) outside them is left out, as if
absent. A ``numFmt`` id defined twice takes the last definition, as both witnesses do
(WITNESS.md H17).

Order inside a content model is not checked: no witness was found to read a reordered
``<f>``/``<v>`` differently, and counting and content are what decides the value.
"""

from __future__ import annotations

TEXT = "text"  # character data only (comments allowed, they are not character data)
EMPTY = "empty"  # no content at all (whitespace allowed)
ANY = "any"  # content the reader does not use: not looked into

Content = str | dict[str, int | None]  # TEXT/EMPTY/ANY, or child → most occurrences (None: any)

_RST: dict[str, int | None] = {"t": 1, "r": None, "rPh": None, "phoneticPr": 1}
"""CT_Rst (§18.4.8): the content of an inline string ``<is>`` and a shared string ``<si>``."""

GRAMMAR: dict[str, Content] = {
    # a cell (§18.3.1.4 CT_Cell: f?, v?, is?, extLst?)
    "c": {"f": 1, "v": 1, "is": 1, "extLst": 1},
    "f": TEXT,
    "v": TEXT,
    "is": _RST,
    "si": _RST,
    "r": {"rPr": 1, "t": 1},  # CT_RElt: rPr?, t
    "rPh": {"t": 1},  # CT_PhoneticRun: t (not shown in the cell)
    "t": TEXT,
    "rPr": ANY,
    "phoneticPr": EMPTY,
    "extLst": ANY,
}
"""Element (local name, main namespace) → its content. The names are unique in meaning
inside the elements read, so one flat table serves a cell and a shared string."""


def _name(local: str) -> str:
    if local == "c":
        return "单元格"
    return f"<{local}>" if not local.startswith("?") else "其他命名空间的元素"


class Checker:
    """Walks one element's content (its start already seen) as a stream of events from
    either tokenizer; ``problem`` is the first departure from :data:`GRAMMAR`, in Chinese,
    or None. Names of other namespaces are given as ``?local`` (a prefixed name in the
    fast tokenizer, which only sees the main namespace unprefixed)."""

    __slots__ = ("counts", "problem", "skip", "stack")

    def __init__(self, root: str) -> None:
        self.stack: list[str] = [root]
        self.counts: list[dict[str, int]] = [{}]
        self.skip = 0  # depth inside an ANY element or a departure
        self.problem: str | None = None

    def start(self, local: str) -> None:
        if self.skip:
            self.skip += 1
            return
        parent = self.stack[-1]
        rule = GRAMMAR.get(parent, ANY)
        if rule == ANY:
            self.skip = 1
            return
        if not isinstance(rule, dict) or local not in rule:
            self._fail(f"{_name(parent)}中有不应出现的{_name(local)}")
            self.skip = 1
            return
        counts = self.counts[-1]
        n = counts.get(local, 0) + 1
        counts[local] = n
        most = rule[local]
        if most is not None and n > most:
            self._fail(f"{_name(parent)}中的{_name(local)}出现了不止一次")
        self.stack.append(local)
        self.counts.append({})

    def end(self) -> None:
        if self.skip:
            self.skip -= 1
            return
        self.stack.pop()
        self.counts.pop()

    def text(self, data: str) -> None:
        """Character data of the current element: whitespace is allowed anywhere."""
        if self.skip or GRAMMAR.get(self.stack[-1], ANY) in (TEXT, ANY):
            return
        if data.strip(" \t\r\n"):
            self._fail(f"{_name(self.stack[-1])}中有不应出现的文字")

    def _fail(self, problem: str) -> None:
        if self.problem is None:
            self.problem = problem


def local_name(raw: str) -> str:
    """A name as the fast tokenizers see it (``x:foo`` → ``?foo``; they run only where the
    main namespace is the unprefixed default, so a prefix means another namespace)."""
    _prefix, colon, local = raw.rpartition(":")
    return "?" + local if colon else raw
