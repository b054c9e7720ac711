"""Checks: a :class:`~gongkai_xlsx.reader.Return` → findings and, if it passed, the
numbers its canonical document is made of.

Each module of the family declares the codes it can emit (``CODES``) and is a function of
explicit inputs (the return, the form, and what an earlier check produced) returning its
findings, and its values where it produces them; none raises, none keeps state. The order
is the code of :func:`gongkai_xlsx.checks.run.check_values`: the cover (year, agency), the
inputs (parsed by their kind, totals recomputed from them), then with those numbers the
totals, the numbers outside the form, the rules (B1) and a summary's members.
"""
