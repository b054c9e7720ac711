"""Checks: a :class:`~gongkai_xlsx.reader.RawReturn` → findings and, if it passed, the
canonical document. Checks yield findings and never raise."""
