"""``schema``: the JSON Schema of a year's canonical documents."""

from __future__ import annotations

from dataclasses import dataclass

from gongkai_xlsx.api._common import form_for
from gongkai_xlsx.schema import schema_text


@dataclass(frozen=True)
class SchemaOptions:
    year: int


@dataclass(frozen=True)
class SchemaResult:
    """The schema's text, as committed in ``schemas/`` (UTF-8 when written out)."""

    year: int
    text: str
    exit_code: int = 0


def schema_for_year(year: int) -> str:
    """The JSON Schema of the canonical documents of ``year``'s format, as committed."""
    return schema_text(form_for(year))


def schema(options: SchemaOptions) -> SchemaResult:
    """The ``schema`` command: an unsupported year is a usage error."""
    return SchemaResult(options.year, schema_for_year(options.year))
