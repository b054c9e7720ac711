"""Checks: a :class:`~gongkai_xlsx.reader.Return` → findings and, if it passed, the
canonical document.

Each module of the family declares the codes it can emit (``CODES``) and yields findings
from a shared :class:`~gongkai_xlsx.checks.context.Context`; none raises. The order is
fixed in :data:`gongkai_xlsx.checks.run.CHECKS`: the cover (year, agency), the inputs
(parsed by their kind, which fills the context's values), the totals, the numbers
outside the form, the rules (B1).
"""
