"""The reader: a returned file → a frozen :class:`Return` (what is where, not yet judged).

``read_return(path | bytes)`` is the one boundary: it never raises for a bad file. It
identifies the file (sniffing the bytes), the format and template version (document
properties, or the sheet names when a copy lost them), the position of every cell (defined
names verified against each cell's own labels), and the value each cell shows, by the
grammar of the file format; everything it cannot settle becomes a finding.
"""

from gongkai_xlsx.reader.model import CellError, CellRead, Return, Source, Value
from gongkai_xlsx.reader.read import read_return

__all__ = ["CellError", "CellRead", "Return", "Source", "Value", "read_return"]
