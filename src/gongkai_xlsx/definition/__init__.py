"""The declarative form definition: the only place that knows the form.

``load_form(format_id)`` reads ``templates/<id>.toml`` into frozen dataclasses;
``form_for_year(year)`` picks the format a report year uses; ``layout`` turns a form into
sheet coordinates that the writer and the reader share.
"""

from gongkai_xlsx.definition.load import DefinitionError, form_for_year, load_form
from gongkai_xlsx.definition.model import (
    Block,
    CellDef,
    CoverField,
    Form,
    Kind,
    Node,
    Report,
    ReportPart,
    Rule,
    Table,
)

__all__ = [
    "Block",
    "CellDef",
    "CoverField",
    "DefinitionError",
    "Form",
    "Kind",
    "Node",
    "Report",
    "ReportPart",
    "Rule",
    "Table",
    "form_for_year",
    "load_form",
]
