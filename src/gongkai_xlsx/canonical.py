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
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema
import jsonschema_rs
import orjson

from gongkai_xlsx.definition.evaluate import Values
from gongkai_xlsx.definition.model import CellDef, Form
from gongkai_xlsx.schema import load_committed_schema


@dataclass(frozen=True)
class Meta:
    year: int
    agency: str
    contact: str | None
    phone: str | None
    source_file: str
    sha256: str


def json_number(value: int | Decimal | None) -> int | float | None:
    """A number as the JSON holds it: whole numbers as integers, amounts as the double
    whose shortest form is the decimal (every amount the form allows has at most 13
    significant digits, so the double gives the decimal back exactly)."""
    if value is None or isinstance(value, int):
        return value
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def build_tables(form: Form, values: Values) -> dict[str, Any]:
    """Every cell of the form (computed totals included), nested as table → row → column."""
    tables: dict[str, Any] = {t.key: {} for t in form.tables}
    for cell in form.cells:
        node = tables[cell.table]
        *parents, leaf = cell.path
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = json_number(values[cell.id])
    return tables


def build_document(form: Form, meta: Meta, values: Values) -> dict[str, Any]:
    """The canonical document of one return: metadata, then every cell."""
    return {
        "kind": "return",
        "format": form.id,
        "template_version": form.template_version,
        "year": meta.year,
        "agency": meta.agency,
        "contact": meta.contact,
        "phone": meta.phone,
        "source": {"file": meta.source_file, "sha256": meta.sha256},
        "tables": build_tables(form, values),
    }


def build_summary_document(
    form: Form,
    meta: Meta,
    values: Values,
    members: list[dict[str, Any]],
    completeness: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The canonical document of a summary read from its workbook: the sums, and the
    members it lists (:func:`member_document`, sorted as the aggregator sorts them), its
    ``source.sha256`` their digest (the aggregator's contract), not the file's."""
    document = build_document(form, meta, values)
    document.update(
        kind="summary",
        source={"file": meta.source_file, "sha256": members_digest(members)},
        members=members,
        completeness=completeness,
    )
    return document


def member_document(
    agency: str,
    year: int,
    kind: str,
    source_file: str,
    sha256: str,
    values: Mapping[str, int | Decimal],
) -> dict[str, Any]:
    """One entry of a summary's ``members``: who, from which file, with which input numbers
    (blanks absent). The aggregator writes it, the reader of a summary workbook rebuilds
    it from the 汇总明细 sheet: one shape, so that both give the same digest."""
    return {
        "agency": agency,
        "year": year,
        "kind": kind,
        "source": {"file": source_file, "sha256": sha256},
        "values": {k: json_number(v) for k, v in sorted(values.items())},
    }


def members_digest(members: list[dict[str, Any]]) -> str:
    """SHA-256 of the RFC 8785 bytes of a members list: a summary's ``source.sha256``.
    The bytes are :func:`dumps`'s, which equal RFC 8785 on members as on documents (keys
    are ASCII; ``tests/test_summary_xlsx.py`` holds them to ``rfc8785`` with odd names),
    and take a tenth of the pure-Python reference's time on thousands of members."""
    return hashlib.sha256(dumps(members)).hexdigest()


def value_at(document: dict[str, Any], cell: CellDef) -> int | float | None:
    """The value of one cell in a canonical document (renderers and aggregators read it)."""
    node: Any = document["tables"][cell.table]
    for key in cell.path:
        node = node[key]
    return node


@cache
def _compiled(form: Form) -> Any:
    return jsonschema_rs.validator_for(load_committed_schema(form))


@cache
def validator(form: Form) -> jsonschema.protocols.Validator:
    """The pure-Python validator: slower, but its errors say where and why."""
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
    return jsonschema.exceptions.best_match(validator(form).iter_errors(document))


def schema_errors(form: Form, document: dict[str, Any]) -> list[tuple[list[str], str]]:
    """(JSON path, message) for every way ``document`` fails the committed schema."""
    if is_valid(form, document):
        return []
    return [
        ([str(p) for p in error.absolute_path], error.message)
        for error in validator(form).iter_errors(document)
    ]


def dumps(document: dict[str, Any]) -> bytes:
    """RFC 8785 bytes of a canonical document (see the module docstring for why orjson's
    sorted output is exactly that here)."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
