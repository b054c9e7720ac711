"""What the checks of one return share: the return, and what earlier checks learned."""

from __future__ import annotations

from dataclasses import dataclass, field

from gongkai_xlsx.definition.evaluate import Values
from gongkai_xlsx.definition.model import Form
from gongkai_xlsx.reader.model import Return


@dataclass
class Context:
    ret: Return
    form: Form
    expected_year: int | None = None
    inputs: Values = field(default_factory=dict)  # parsed input cells; None: blank or unread
    values: Values = field(default_factory=dict)  # every cell, totals recomputed
    unreadable: set[str] = field(default_factory=set)  # inputs whose content is no number
    as_text: set[str] = field(default_factory=set)  # inputs typed as text numbers
    year: int | None = None
    agency: str | None = None
    agency_from_file_name: bool = False
