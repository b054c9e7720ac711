"""gongkai-xlsx: collect 政府信息公开工作年度报告 returns through Excel workbooks.

The package is laid out as the data flows:

    definition  (templates/*.toml → frozen model + sheet layout)
      ├─ writer   (definition → locked .xlsx template)
      ├─ schema   (definition → JSON Schema 2020-12)
      └─ reader   (.xlsx → RawReturn: {(sheet, cell) → value})
           → checks    (RawReturn + definition → findings)
           → canonical (→ RFC 8785 bytes)
    api/ (one function per command: options → result)      cli/ (typer, thin)
"""

from gongkai_xlsx.interrupt import quiet_while_loading

# The console script imports this package first: from here on, in the program only, a
# Ctrl-C while the rest loads ends with 已中断 and exit 130 (see gongkai_xlsx.interrupt).
quiet_while_loading(__name__)

__version__ = "0.1.0"
