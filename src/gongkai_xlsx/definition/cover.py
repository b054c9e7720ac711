"""The texts the cover's live status cell shows, shared by the writer (which puts them in the
template's formulas) and the marked copies (which set the status a checked return has)."""

from __future__ import annotations

STATUS_OK = "全部校验通过"
STATUS_HINTS = "校验通过（有提示）：可以报送，建议按下列提示修改"
STATUS_FAIL = "未通过校验：请按下列红字提示修改"
# While the clerk has typed nothing at all (no number, no contact; the agency name too when
# the template leaves it open): neutral, with the steps, never a red 未通过 on opening.
# A template written with its agency name (``new --agency``/roster) asks for the numbers only.
STATUS_EMPTY = "尚未填写：请先填写“填报单位”，再在各表浅黄色单元格中填写数字"
STATUS_EMPTY_NAMED = "尚未填写：请在各表浅黄色单元格中填写数字"
