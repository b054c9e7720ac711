"""The fills that mark a cell, shared by the template's live marks (conditional formats on
its input cells) and the marked copies (``annotate``): one look for "error" and one for
"hint", wherever the clerk sees them.

Printed in black and white, a mark must still stand out from the light-yellow input
(``FFF2CC``, grey level 242) by at least 40 grey levels (0.299 R + 0.587 G + 0.114 B): the
error red prints at 148, the hint orange at 181, the hint a step lighter than the error.
In colour the hint is orange, not another yellow."""

from __future__ import annotations

ERROR_MARK = "FF6666"  # RGB: red
HINT_MARK = "F8A848"  # RGB: orange
# Marks of earlier versions, recognised when a marked copy is marked again.
OLD_MARKS = ("FF7C80", "FFC000")
