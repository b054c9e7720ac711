"""The canonical JSON document of a return that passed, and its deterministic bytes.

Bytes follow RFC 8785 (JSON Canonicalization Scheme): sorted keys, no whitespace, numbers
in their shortest form, so the same return always gives the same bytes and hashes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema
import rfc8785

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


def value_at(document: dict[str, Any], cell: CellDef) -> int | float | None:
    """The value of one cell in a canonical document (renderers and aggregators read it)."""
    node: Any = document["tables"][cell.table]
    for key in cell.path:
        node = node[key]
    return node


@cache
def validator(form: Form) -> jsonschema.protocols.Validator:
    schema = load_committed_schema(form)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def schema_errors(form: Form, document: dict[str, Any]) -> list[tuple[list[str], str]]:
    """(JSON path, message) for every way ``document`` fails the committed schema."""
    return [
        ([str(p) for p in error.absolute_path], error.message)
        for error in validator(form).iter_errors(document)
    ]


def dumps(document: dict[str, Any]) -> bytes:
    return rfc8785.dumps(document)
