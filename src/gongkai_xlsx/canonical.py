"""The canonical JSON document of a return that passed, and its deterministic bytes.

Bytes follow RFC 8785 (JSON Canonicalization Scheme): sorted keys, no whitespace, numbers
in their shortest form, so the same return always gives the same bytes and hashes. They
are made by orjson with sorted keys, which equals RFC 8785 on every document this tool
can emit: keys are ASCII (so UTF-8 and UTF-16 order agree), integers stay below 2^53,
and amounts lie in [0.0001, 10^9], where ECMAScript and orjson both write the shortest
round-trip digits in plain notation (``tests/test_canonical.py`` proves it, against the
``rfc8785`` reference implementation, over the whole range of digits and exponents).
Validation uses a compiled validator (jsonschema-rs), and the pure-Python one only to
explain a failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import ItemsView, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Literal, Self, TypeVar

import jsonschema_rs
import orjson

from gongkai_xlsx.definition.evaluate import Values
from gongkai_xlsx.definition.load import load_form
from gongkai_xlsx.definition.model import CellDef, Form
from gongkai_xlsx.schema import load_committed_schema

if TYPE_CHECKING:  # pure-Python jsonschema loads only to explain a failure (30 ms)
    import jsonschema


@dataclass(frozen=True)
class Meta:
    """What a document says besides its numbers; ``places`` where each number was found
    (cell identifier → :class:`Place`), when known."""

    year: int
    agency: str
    contact: str | None
    phone: str | None
    source_file: str
    sha256: str
    places: Mapping[str, Place] = field(default_factory=dict)


def json_number(value: int | Decimal | None) -> int | float | None:
    """A number as the JSON holds it: whole numbers as integers, amounts as the double
    whose shortest form is the decimal (every amount the form allows has at most 13
    significant digits, so the double gives the decimal back exactly)."""
    if value is None or isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def value_at(document: Document, cell: CellDef) -> Value:
    """The value of one cell in a canonical document (renderers and aggregators read it)."""
    return document.values[cell.id]


@cache
def _compiled(form: Form) -> Any:
    return jsonschema_rs.validator_for(load_committed_schema(form))


@cache
def validator(form: Form) -> jsonschema.protocols.Validator:
    """The pure-Python validator: slower, but its errors say where and why."""
    import jsonschema

    schema = load_committed_schema(form)
    return jsonschema.validators.validator_for(schema)(schema)


def is_valid(form: Form, document: dict[str, Any]) -> bool:
    """Whether ``document`` passes the committed schema (compiled: ~0.02 ms). Documents
    holding ``Decimal`` numbers (the aggregator reads amounts exactly) go to the
    pure-Python validator, which the compiled one cannot be given."""
    try:
        return bool(_compiled(form).is_valid(document))
    except (TypeError, ValueError):
        return validator(form).is_valid(document)


def first_error(form: Form, document: dict[str, Any]) -> jsonschema.ValidationError | None:
    """The most relevant schema error, or None; explained only when there is one."""
    if is_valid(form, document):
        return None
    import jsonschema

    # best_match is unannotated in the stubs: it gives the best error, None for none.
    error: jsonschema.ValidationError | None = jsonschema.exceptions.best_match(
        validator(form).iter_errors(document)
    )
    return error


def schema_errors(form: Form, document: dict[str, Any]) -> list[tuple[list[str], str]]:
    """(JSON path, message) for every way ``document`` fails the committed schema."""
    if is_valid(form, document):
        return []
    return [
        ([str(p) for p in error.absolute_path], error.message)
        for error in validator(form).iter_errors(document)
    ]


def document_errors(form: Form, document: Document) -> list[tuple[list[str], str]]:
    """(JSON path, message) for every way ``document`` fails the committed schema, checked
    on its JSON values (numbers exact: the compiled validator takes Decimal). Not on its
    bytes parsed again: for a province's summary (10,000 members, 43 MB) orjson reserves
    some 450 MB of address space to parse them, beyond an ingest worker's memory limit."""
    return schema_errors(form, _json_of(document))


def dumps(document: dict[str, Any]) -> bytes:
    """RFC 8785 bytes of JSON values (see the module docstring for why orjson's sorted
    output is exactly that here); a document's are :meth:`Document.to_json_bytes`."""
    return _bytes(document)


# ----------------------------------------------------------------------------- the Document
Value = int | Decimal | None
"""A number of a document: a count as ``int``, an amount as ``Decimal``, a blank as None.
Never ``float``: an amount is summed and compared exactly, and becomes a JSON number only
in :meth:`Document.to_json_bytes`."""

K = TypeVar("K")
V = TypeVar("V")


class Frozen(Mapping[K, V]):
    """A mapping nobody can change after it is made (a frozen dataclass's field stays a
    field: without this its dict could still be edited in place). Picklable, hashable."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[K, V] | None = None) -> None:
        self._data: dict[K, V] = dict(data or {})

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def items(self) -> ItemsView[K, V]:
        """The dict's own view (Mapping's would go through ``__getitem__`` key by key)."""
        return self._data.items()

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __repr__(self) -> str:
        return f"Frozen({self._data!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Frozen, (self._data,))


def _number(value: object, where: str, blank: bool = True) -> Value:
    """``value`` as a document holds it (an integral amount as the integer it is, as its
    JSON reads back), or TypeError: a float, a bool, NaN are never a document's number."""
    if value is None and blank:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        return int(value) if value == value.to_integral_value() else value
    raise TypeError(f"{where}: {value!r} is not an int or a finite Decimal (never a float)")


def _freeze(value: Any) -> Any:
    """JSON values made immutable: objects as :class:`Frozen`, arrays as tuples."""
    if isinstance(value, Mapping):
        return Frozen({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, float):
        raise TypeError(f"{value!r} is a float (never in a document)")
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Place:
    """Where a value was found, in words a person reads: a workbook's sheet and cell, a web
    page's address and heading, a PDF's page. Not part of the canonical JSON (a value is the
    same value wherever it came from), so a document read back has no places."""

    label: str


@dataclass(frozen=True, slots=True)
class SourceFile:
    """The file a document was made from (``source`` in the JSON): its name as shown to
    people and its SHA-256 (a summary's: the digest of its members)."""

    file: str
    sha256: str


@dataclass(frozen=True, slots=True)
class Member:
    """One entry of a summary's ``members``: who, from which file, with which input numbers
    (blanks absent). The aggregator writes it, the reader of a summary workbook rebuilds it
    from the 汇总明细 sheet: one shape, so that both give the same digest."""

    agency: str
    year: int
    kind: str
    source_file: str
    sha256: str
    values: Mapping[str, int | Decimal]

    def __post_init__(self) -> None:
        # a count (the most of a province's million numbers) as it is; the rest checked
        values = {
            k: v if type(v) is int else _number(v, k, blank=False) for k, v in self.values.items()
        }
        object.__setattr__(self, "values", Frozen(dict(sorted(values.items()))))

    def to_json(self) -> dict[str, Any]:
        """The member as its document lists it (numbers exact)."""
        return {
            "agency": self.agency,
            "year": self.year,
            "kind": self.kind,
            "source": {"file": self.source_file, "sha256": self.sha256},
            "values": dict(self.values),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], **found: Any) -> Self:
        """The member ``data`` lists; ``found``: a subclass's own fields (where it was
        found)."""
        return cls(
            agency=data["agency"],
            year=data["year"],
            kind=data["kind"],
            source_file=data["source"]["file"],
            sha256=data["source"]["sha256"],
            values=data["values"],
            **found,
        )


def _wire(value: object) -> float:
    """How orjson writes an amount: the double whose shortest form is the decimal (see
    the module docstring); every other type is refused."""
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{value!r} cannot be written to canonical JSON")


def read_back(value: Value) -> Value:
    """``value`` as the document's canonical bytes give it back when read
    (:func:`gongkai_xlsx.documents.read`): an amount is written as its double's shortest
    form, so ``Decimal("5.00")`` comes back as ``Decimal("5.0")``. What a run's totals sum
    without reading the bytes again (``tests/test_canonical.py`` proves it equal to the
    read)."""
    if isinstance(value, Decimal):
        return Decimal(orjson.dumps(_wire(value)).decode("ascii"))  # json's parse_float
    return value


def _bytes(value: Any) -> bytes:
    return orjson.dumps(value, default=_wire, option=orjson.OPT_SORT_KEYS)


def members_digest(members: Sequence[Member]) -> str:
    """SHA-256 of the RFC 8785 bytes of a members list: a summary's ``source.sha256``.
    The bytes are orjson's, which equal RFC 8785 on members as on documents (keys are
    ASCII; ``tests/test_summary_xlsx.py`` holds them to ``rfc8785`` with odd names), and
    take a tenth of the pure-Python reference's time on thousands of members."""
    return hashlib.sha256(_bytes([m.to_json() for m in members])).hexdigest()


def member_bytes(member: Member) -> bytes:
    """One member's RFC 8785 bytes, as its summary's ``members`` list holds them."""
    return _bytes(_listed(member).to_json())


def summary_chunks(document: Document, members: Iterable[bytes]) -> Iterator[bytes]:
    """The canonical bytes of the summary ``document`` with ``members`` (each
    :func:`member_bytes`, in order) as its members list and their digest as its
    ``source.sha256`` (what :meth:`Document.build` makes of them), a member at a time:
    exactly the summary's :meth:`Document.to_json_bytes`, never all of it in memory. The
    keys are sorted (ASCII), so ``members`` falls between the keys before it and after."""
    data = document.to_json()
    del data["members"]
    head = _bytes({k: v for k, v in data.items() if k < "members"})
    yield head[:-1] + b',"members":['
    digest = hashlib.sha256(b"[")
    separator = b""
    for piece in members:
        digest.update(separator)
        digest.update(piece)
        yield separator + piece
        separator = b","
    digest.update(b"]")
    tail = {k: v for k, v in data.items() if k > "members"}
    tail["source"] = {"file": document.source.file, "sha256": digest.hexdigest()}
    yield b"]," + _bytes(tail)[1:]


def nested(values: Mapping[str, Value]) -> dict[str, Any]:
    """Values by cell identifier nested as ``tables`` holds them: table → row → column."""
    tables: dict[str, Any] = {}
    for cell_id, value in values.items():
        node = tables
        parents, leaf = _json_path(cell_id)
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return tables


@lru_cache(maxsize=8192)  # a form's few hundred cell identifiers, split once per process
def _json_path(cell_id: str) -> tuple[tuple[str, ...], str]:
    *parents, leaf = cell_id.split(".")
    return tuple(parents), leaf


def _listed(member: Member) -> Member:
    """``member`` as a document lists it (a subclass's extra fields dropped)."""
    if type(member) is Member:
        return member
    return Member(
        member.agency, member.year, member.kind, member.source_file, member.sha256, member.values
    )


_last_bytes: tuple[Document, bytes] | None = None  # see Document.to_json_bytes
_last_json: tuple[Document, dict[str, Any]] | None = None  # see _json_of


def _json_of(document: Document) -> dict[str, Any]:
    """``document.to_json()`` for the two readers that only read it, its schema check and
    its bytes, which ask for a return's one after the other: the second gets the first's
    (then forgotten; a summary's, which may be large, is not kept)."""
    global _last_json
    last = _last_json
    if last is not None and last[0] is document:
        _last_json = None
        return last[1]
    data = document.to_json()
    _last_json = (document, data) if document.members is None else None
    return data


@dataclass(frozen=True, slots=True)
class Document:
    """A canonical document: one return that passed, or a summary of many.

    ``values`` holds every cell of the form by identifier, which is the cell's JSON path
    below ``tables`` (``b.received.total`` is ``tables/b/received/total``): a count as
    ``int``, an amount as ``Decimal``, a blank as None; a float is refused at construction.
    ``members`` and ``completeness`` are a summary's (None for a return); ``places`` says,
    where known, where each value came from (not written to JSON, not compared).
    :meth:`to_json_bytes` and :func:`gongkai_xlsx.documents.read` are the only ways a
    document crosses the disk."""

    kind: Literal["return", "summary"]
    format: str
    template_version: str
    year: int
    agency: str
    contact: str | None
    phone: str | None
    source: SourceFile
    values: Mapping[str, Value]
    members: tuple[Member, ...] | None = None
    completeness: Mapping[str, Any] | None = None
    places: Mapping[str, Place] = field(default_factory=Frozen, compare=False)

    def __post_init__(self) -> None:
        values = {k: _number(v, k) for k, v in self.values.items()}
        object.__setattr__(self, "values", Frozen(values))
        object.__setattr__(self, "places", Frozen(self.places))
        if self.members is not None:
            object.__setattr__(self, "members", tuple(_listed(m) for m in self.members))
        if self.completeness is not None:
            object.__setattr__(self, "completeness", _freeze(self.completeness))

    @classmethod
    def build(
        cls,
        form: Form,
        meta: Meta,
        values: Values,
        members: Sequence[Member] | None = None,
        completeness: Mapping[str, Any] | None = None,
    ) -> Document:
        """The document of one return (every cell of the form, computed totals included),
        or with ``members`` of a summary: its ``source.sha256`` their digest (the
        aggregator's contract), not the file's."""
        source = SourceFile(meta.source_file, meta.sha256)
        if members is not None:
            source = SourceFile(meta.source_file, members_digest(members))
        return cls(
            kind="return" if members is None else "summary",
            format=form.id,
            template_version=form.template_version,
            year=meta.year,
            agency=meta.agency,
            contact=meta.contact,
            phone=meta.phone,
            source=source,
            values={c.id: values[c.id] for c in form.cells},
            members=None if members is None else tuple(members),
            completeness=completeness,
            places=meta.places,
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Document:
        """A document from its JSON (already checked against its schema: see
        :func:`gongkai_xlsx.documents.read`)."""
        values: dict[str, Value] = {}
        stack: list[tuple[str, Any]] = [(k, v) for k, v in data["tables"].items()]
        while stack:
            path, node = stack.pop()
            if isinstance(node, Mapping):
                stack += [(f"{path}.{k}", v) for k, v in node.items()]
            else:
                values[path] = node
        members = data.get("members")
        return cls(
            kind=data["kind"],
            format=data["format"],
            template_version=data["template_version"],
            year=data["year"],
            agency=data["agency"],
            contact=data["contact"],
            phone=data["phone"],
            source=SourceFile(data["source"]["file"], data["source"]["sha256"]),
            values=values,
            members=None if members is None else tuple(Member.from_json(m) for m in members),
            completeness=data.get("completeness"),
        )

    @property
    def form(self) -> Form:
        """The form of this document's format (loaded once per process)."""
        return load_form(self.format)

    def tables(self) -> dict[str, Any]:
        """The values nested as the JSON holds them: table → row → column."""
        return nested(self.values)

    def to_json(self) -> dict[str, Any]:
        """The document as JSON values, numbers exact (``int``, ``Decimal``, None): what
        :func:`gongkai_xlsx.documents.parse_json` gives of :meth:`to_json_bytes`."""
        data: dict[str, Any] = {
            "kind": self.kind,
            "format": self.format,
            "template_version": self.template_version,
            "year": self.year,
            "agency": self.agency,
            "contact": self.contact,
            "phone": self.phone,
            "source": {"file": self.source.file, "sha256": self.source.sha256},
            "tables": self.tables(),
        }
        if self.kind == "summary":
            data["members"] = [m.to_json() for m in self.members or ()]
            data["completeness"] = _thaw(self.completeness)
        return data

    def to_json_bytes(self) -> bytes:
        """The canonical bytes: RFC 8785 (see the module docstring). A return's document
        asks for them twice in a row (its schema check, then the worker's answer): the
        last return's bytes are kept (a document never changes; a summary's, which may be
        large, are not kept)."""
        global _last_bytes
        last = _last_bytes
        if last is not None and last[0] is self:
            return last[1]
        data = _bytes(_json_of(self))
        if self.members is None:
            _last_bytes = (self, data)
        return data

    def value(self, cell: CellDef) -> Value:
        return self.values[cell.id]
