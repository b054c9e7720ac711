"""The texts the cover's live status cell shows, shared by the writer (which puts them in the
template's formulas) and the marked copies (which set the status a checked return has)."""

from __future__ import annotations

STATUS_OK = "全部校验通过"
STATUS_HINTS = "校验通过（有提示）：可以报送，建议按下列提示修改"
STATUS_FAIL = "未通过校验：请按下列红字提示修改"
