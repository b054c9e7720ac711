"""Checks: a :class:`~gongkai_xlsx.reader.RawReturn` → findings and, if it passed, the
canonical document. Checks yield findings and never raise."""

from gongkai_xlsx.checks.catalogue import Code, Severity
from gongkai_xlsx.checks.findings import Finding

__all__ = ["Code", "Finding", "Severity"]
