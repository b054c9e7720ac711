"""The one catalogue of finding codes.

The catalogue holds what is fixed (severity, Chinese message template, English title for
logs); a :class:`~gongkai_xlsx.findings.Finding` carries only its position and values,
and its message is rendered late. The README lists every code; a test keeps them in step.
Messages read: where → what is wrong → how to fix it.
"""

from __future__ import annotations

from enum import Enum, StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def chinese(self) -> str:
        return "错误" if self is Severity.ERROR else "提示"


E, W = Severity.ERROR, Severity.WARNING

# A return's status, in the words every output uses (terminal, report.json, report.html).
STATUS_LABELS = {
    "ok": "通过",
    "warnings": "有提示",
    "errors": "有错误",
    "unreadable": "无法读取",
    "superseded": "已被新版本取代",  # an older version of an agency's return (ingest)
}

# An agency of a roster: its one status, in the words every output uses (computed only by
# :mod:`gongkai_xlsx.completeness`), worst first. ``counted``: counted in a summary whose
# checks are not known there (loose JSON, a member of a summary from below).
AGENCY_STATUS_LABELS = {
    "missing": "未报送",
    "unreadable": "已收到但无法读取",
    "errors": "有错误（待退回）",
    "warnings": "有提示",
    "ok": "通过",
    "counted": "已计入汇总",
}


class Code(Enum):
    """(code, severity, English title, Chinese template).

    Template fields: ``{where}`` (sheet!cell and labels), ``{expected}``, ``{actual}``,
    ``{rule}``, ``{text}`` (the rule's official wording), ``{detail}``.
    """

    # --- the file itself
    FILE_EMPTY = (
        "file-empty",
        E,
        "empty file",
        "文件是空的（0 字节）。请重新保存填好的 .xlsx 模板后报送。",
    )
    FILE_TOO_LARGE = (
        "file-too-large",
        E,
        "file too large",
        "文件过大（{actual}），超过 {expected} 的上限，不像是填报模板。请报送下发的 .xlsx 模板。",
    )
    FILE_XLS = (
        "file-xls",
        E,
        "legacy .xls workbook",
        "这是旧版 .xls 格式的文件。请用 Excel 或 WPS 打开，另存为“Excel 工作簿（*.xlsx）”后重新报送。",
    )
    FILE_ET = (
        "file-et",
        E,
        "WPS .et workbook",
        "这是 WPS 表格 .et 格式的文件。请在 WPS 中“另存为”“Excel 工作簿（*.xlsx）”后重新报送。",
    )
    FILE_ENCRYPTED = (
        "file-encrypted",
        E,
        "password-encrypted workbook",
        "文件设置了打开密码，无法读取。请在 Excel 或 WPS 中取消文档加密（打开密码）后重新报送。",
    )
    FILE_TEXT = (
        "file-text",
        E,
        "text file, not a workbook",
        "这是文本文件（{detail}），不是 Excel 工作簿。请直接填写下发的 .xlsx 模板后报送。",
    )
    FILE_ODS = (
        "file-ods",
        E,
        "OpenDocument spreadsheet",
        "这是 OpenDocument 电子表格（.ods）。请另存为“Excel 2007-365（.xlsx）”格式后重新报送。",
    )
    FILE_STRICT = (
        "file-strict",
        E,
        "Strict Open XML workbook",
        "文件保存成了“Strict Open XML 电子表格”格式。请另存为普通“Excel 工作簿（*.xlsx）”后重新报送。",
    )
    FILE_CORRUPT = (
        "file-corrupt",
        E,
        "corrupt or unknown file",
        "文件已损坏或不是 Excel 工作簿（{detail}），无法读取。请用 Excel 或 WPS 打开确认，另存为 .xlsx 后重新报送。",
    )
    FILE_NOT_WORKBOOK = (
        "file-not-workbook",
        E,
        "a document or picture, not a workbook",
        "这是{detail}，不是 Excel 工作簿，无法读取其中的数字。请单位报送填写好的 Excel 工作簿（.xlsx）本身，"
        "不要转成 PDF、拍照或截图、粘贴到文档中。",
    )
    FILE_ARCHIVE = (
        "file-archive",
        E,
        "archive, not a workbook",
        "这是压缩包（{detail}），本工具不读取压缩包中的文件。请解压后放入要收集的文件夹，再重新运行。",
    )
    FILE_ZIP_UNSUPPORTED = (
        "file-zip-unsupported",
        E,
        "zip form that the spreadsheet applications do not open",
        "文件的压缩包采用了表格软件打不开的形式（{detail}），无法读取。这通常是文件被压缩、加密或其他软件重新打包过。请报送用 Excel 或 WPS 直接保存的 .xlsx 文件。",
    )
    FILE_MISSING = (
        "file-missing",
        E,
        "file missing or removed while reading",
        "文件不存在（可能在收集过程中被移走或删除），无法读取。请确认文件在文件夹中后重新运行。",
    )
    FILE_LINK_BROKEN = (
        "file-link-broken",
        E,
        "link to a missing file",
        "这是一个链接（快捷方式），它指向的“{detail}”不存在。请把报表文件本身放进文件夹后重新运行。",
    )
    FILE_LINK_LOOP = (
        "file-link-loop",
        E,
        "link that points at itself",
        "这是一个循环指向自身的链接，无法读取。请把报表文件本身放进文件夹后重新运行。",
    )
    FILE_UNREADABLE = (
        "file-unreadable",
        E,
        "file cannot be read",
        "文件无法读取（{detail}）。请检查文件权限，或把文件复制到本机后重新运行。",
    )
    FILE_NOT_REGULAR = (
        "file-not-regular",
        E,
        "not a regular file",
        "这不是普通文件（{detail}），不会被读取。请只把报表文件放进文件夹。",
    )
    FILE_LIMIT = (
        "file-limit",
        E,
        "reading exceeded a time or memory limit",
        "读取该文件时{detail}，已停止读取。文件可能已损坏或被改造过，请用 Excel 或 WPS 打开、另存为 .xlsx 后重新报送。",
    )
    WORKER_CRASH = (
        "worker-crash",
        E,
        "the program failed on this file",
        "本工具在读取该文件时出错而中止（{detail}），这是本工具的问题，不说明文件已损坏，该文件没有检查。请把这份文件和这条信息发给本工具的维护人员；其他文件不受影响。",
    )
    # --- the input folder as it was walked (gongkai_xlsx.walk): ``{detail}`` is the path
    # (never shortened, unlike ``{actual}``), ``{actual}`` why it could not be opened.
    FOLDER_UNREADABLE = (
        "folder-unreadable",
        E,
        "folder could not be opened",
        "文件夹“{detail}”无法打开（{actual}），其中的文件都没有读取。"
        "请检查该文件夹的权限，或把其中的报表复制到可以打开的文件夹后重新运行。",
    )
    PATH_TOO_LONG = (
        "path-too-long",
        E,
        "path longer than the system allows",
        "“{detail}”的路径过长（{actual}），系统无法打开，其中的文件都没有读取。"
        "请把报表移到层级较少、名称较短的文件夹后重新运行。",
    )
    FILE_SHORTCUT = (
        "file-shortcut",
        E,
        "Windows shortcut (.lnk) instead of a file",
        "“{detail}”是快捷方式（.lnk），不是报表本身，未读取。请把报表文件本身放入文件夹后重新运行。",
    )
    PART_DUPLICATE = (
        "part-duplicate",
        E,
        "package part stored twice",
        "文件中的部件 {detail} 出现了不止一次，不同软件可能读到不同的内容。请用 Excel 或 WPS 打开、另存为 .xlsx 后重新报送。",
    )
    PART_DUPLICATE_UNREAD = (
        "part-duplicate-unread",
        W,
        "unused package part stored twice",
        "文件中的部件 {detail} 出现了不止一次（不影响读取的数据）。",
    )
    ANNOTATE_FAILED = (
        "annotate-failed",
        W,
        "no marked copy made",
        "没有为这份报表生成标注副本：{detail}",
    )
    # --- the template
    FORMAT_UNKNOWN = (
        "format-unknown",
        E,
        "not a gongkai-xlsx template",
        "无法识别报表格式：文件不是下发的填报模板，或模板标识已丢失。请使用下发的模板填报。",
    )
    FORMAT_OTHER = (
        "format-other",
        E,
        "template of another format",
        "模板格式标识为“{actual}”，本工具不认识这种格式（支持的是“{expected}”）。请使用下发的模板重新填报。",
    )
    VERSION_UNKNOWN = (
        "version-unknown",
        E,
        "unknown template version",
        "模板版本“{actual}”无法识别（当前版本为“{expected}”）。请使用下发的最新模板重新填报。",
    )
    SHEET_MISSING = (
        "sheet-missing",
        E,
        "sheet missing",
        "缺少工作表“{expected}”。请使用下发的模板，不要删除或重命名工作表。",
    )
    SHEET_EXTRA = ("sheet-extra", W, "extra sheet", "多出工作表“{actual}”，其中的内容不会被读取。")
    SHEET_HIDDEN = (
        "sheet-hidden",
        E,
        "form sheet hidden",
        "工作表“{actual}”被隐藏，打开文件的人看不到其中的数字。请取消隐藏、核对后重新报送。",
    )
    SHEET_DUPLICATE = (
        "sheet-duplicate",
        E,
        "two sheets of one name",
        "文件中有不止一个名为“{actual}”的工作表，无法确定以哪一个为准。请使用下发的模板重新填报。",
    )
    XML_STRUCTURE = (
        "xml-structure",
        E,
        "sheet XML out of order or malformed at a cell",
        "{where}：{detail}，不同软件显示的数字可能不同，该处未读取。请用 Excel 或 WPS 打开、另存为 .xlsx 后重新报送。",
    )
    NAME_MISMATCH = (
        "name-mismatch",
        E,
        "defined name points at another cell of the form",
        "{where}：单元格名称 {detail} 应指向“{expected}”，这里却是“{actual}”，数据位置无法确定，该处未读取。请使用下发的模板重新填报。",
    )
    CELL_MERGED = (
        "cell-merged",
        E,
        "form cell covered by a merged range",
        "{where}：被合并单元格 {detail} 遮住，表中看不到这里填写的内容，未读取。请取消合并后重新填写。",
    )
    LAYOUT_MISMATCH = (
        "layout-mismatch",
        E,
        "labels not where the template puts them",
        "{where}：应为“{expected}”，实际为“{actual}”。表格结构被改动，无法确定数据位置，请使用下发的模板重新填报。",
    )
    PROPS_MISSING = (
        "props-missing",
        W,
        "template properties missing, identified by labels",
        "模板属性已丢失（可能是复制到新工作簿中填写的），已按工作表名称识别为“{actual}”。",
    )
    LAYOUT_FINGERPRINT = (
        "layout-fingerprint",
        W,
        "layout differs from its template version",
        "模板版式与版本“{expected}”不一致（可能由其他程序改写），已按单元格名称并核对各栏目标签读取。",
    )
    NAMES_MISSING = (
        "names-missing",
        W,
        "defined names missing, read by coordinates",
        "工作簿缺少 {actual} 个单元格名称，已核对各栏目标签位置无误，按模板坐标读取。",
    )
    LAYOUT_SHIFTED = (
        "layout-shifted",
        W,
        "rows or columns moved, read by names",
        "{where}：表格的行或列被插入、删除或移动过，已按单元格名称读取数据。",
    )
    LABEL_CHANGED = (
        "label-changed",
        W,
        "locked cell changed",
        "{where}：锁定单元格的内容被改动，应为“{expected}”，实际为“{actual}”。",
    )
    YEAR_UNKNOWN = (
        "year-unknown",
        E,
        "report year unknown",
        "无法确定报告年度：模板属性和“填报说明”中都没有年度。请使用下发的模板填报。",
    )
    YEAR_DIFFERS = (
        "year-differs",
        W,
        "cover year differs from template",
        "{where}：报告年度为 {actual}，与模板下发时的年度 {expected} 不一致，以模板年度为准。",
    )
    YEAR_INVALID = (
        "year-invalid",
        E,
        "report year outside the format",
        "报告年度 {actual} 不适用本格式（{expected}）。请使用下发的模板重新填报。",
    )
    YEAR_MISMATCH = (
        "year-mismatch",
        E,
        "return of another year",
        "报告年度为 {actual}，本次收集的是 {expected} 年度的报表。请使用 {expected} 年度的模板重新填报。",
    )
    YEAR_MIXED = (
        "year-mixed",
        W,
        "batch mixes report years",
        "本批报表的年度不一致（{detail}）；本表为 {actual} 年度。如只收集某一年度，请用 --year 指定。",
    )
    AGENCY_MISSING = (
        "agency-missing",
        E,
        "agency name missing",
        "{where}：未填写填报单位。请在“填报说明”中填写本单位全称后重新报送。",
    )
    AGENCY_TOO_LONG = (
        "agency-too-long",
        E,
        "agency name too long",
        "{where}：填报单位名称有 {actual} 个字，超过 {expected} 个字的上限。请填写本单位的规范全称。",
    )
    AGENCY_DIFFERS = (
        "agency-differs",
        W,
        "agency differs from template",
        "{where}：填报单位“{actual}”与模板下发时的单位“{expected}”不一致，以表内填写为准。",
    )
    AGENCY_DUPLICATE = (
        "agency-duplicate",
        W,
        "several returns of one agency",
        "单位“{actual}”的报表共有 {expected} 份（另有：{detail}），通过检查的都已输出、互不覆盖，请确认以哪一份为准。",
    )
    # --- values
    NOT_NUMBER = (
        "not-number",
        E,
        "not a number",
        "{where}：“{actual}”不是数字。请填写{expected}。",
    )
    NEGATIVE = (
        "negative",
        E,
        "negative number",
        "{where}：不能填负数（填了 {actual}）。请填0或正数。",
    )
    FRACTION = ("fraction", E, "fraction in a count", "{where}：件数必须是整数（填了 {actual}）。")
    TOO_LARGE = (
        "too-large",
        E,
        "number above the limit",
        "{where}：{actual} 超过上限 {expected}，请核对。",
    )
    TOO_MANY_DECIMALS = (
        "too-many-decimals",
        E,
        "more decimals than allowed",
        "{where}：金额以万元为单位，最多保留 {expected} 位小数（填了 {actual}）。",
    )
    VALUE_INVALID = (
        "value-invalid",
        E,
        "stored value outside the file format's grammar",
        "{where}：单元格中保存的“{actual}”不是有效的{detail}，不同软件显示的可能不同，未读取。请重新输入后保存。",
    )
    CELL_ERROR = (
        "cell-error",
        E,
        "cell shows an error value",
        "{where}：单元格显示错误值 {actual}。请填写数字。",
    )
    NUMBER_FORMAT = (
        "number-format",
        E,
        "number format shows another number",
        "{where}：{detail}，表中看到的不是 {actual}。请把单元格格式改为“常规”或“数值”后核对再报送。",
    )
    FORMULA_INPUT = (
        "formula-input",
        W,
        "formula typed into an input cell",
        "{where}：填的是公式“{actual}”，已按其计算结果 {expected} 读取；请直接填写数字。",
    )
    FORMULA_NO_VALUE = (
        "formula-no-value",
        E,
        "formula without a calculated result",
        "{where}：填的是公式“{actual}”，文件中没有它的计算结果（保存前未重新计算）。请直接填写数字。",
    )
    BLANK_MARKER = (
        "blank-marker",
        W,
        "placeholder read as blank",
        "{where}：“{actual}”按空白（未填写）读取；没有发生的事项请填0。",
    )
    NUMBER_AS_TEXT = (
        "number-as-text",
        W,
        "number entered as text",
        "{where}：“{actual}”是以文字形式填写的数字，已按 {expected} 读取。",
    )
    TOTAL_MISMATCH = (
        "total-mismatch",
        W,
        "stored total differs from recomputed",
        "{where}：表中显示 {actual}，按各项重新计算为 {expected}（{rule}：{text}）；"
        "文件保存前没有重新计算（如 Excel 设成了“手动计算”），已采用重新计算的值。"
        "请打开文件按 F9 重新计算后保存；按 F9 后仍不一致的，是合计的公式被改动过，请用下发的模板重新填报。",
    )
    STRAY_NUMBER = (
        "stray-number",
        E,
        "number outside the form's cells",
        "{where}：表格栏目之外的单元格填了 {actual}，不会被读取。请把数字填到对应栏目中，或删除它。",
    )
    STRAY_MORE = (
        "stray-more",
        E,
        "more numbers outside the form",
        "另有 {actual} 个表格栏目之外的数字未逐一列出。请使用下发的模板重新填报。",
    )
    FORMULA_REMOVED = (
        "formula-removed",
        W,
        "computed cell replaced by the same number",
        "{where}：自动计算的单元格被改成了固定值 {actual}，与各项之和相同（{rule}：{text}）；"
        "以后修改各项时它不会自动更新，请留意。",
    )
    TOTAL_TYPED_OVER = (
        "total-typed-over",
        E,
        "total typed over with a number other than the sum of its items",
        "{where}：自动计算的合计被改填为 {actual}，而各项之和为 {expected}（{rule}：{text}），"
        "表中显示的合计与各项不符。请核对各项数字，再把合计改回公式（或填 {expected}）后重新报送。",
    )
    NO_NUMBERS = (
        "no-numbers",
        E,
        "no numbers at all",
        "报表中没有填写任何数字。没有发生的事项请填 0，不要留空或填“/”“无”；填写后重新报送。",
    )
    # --- rules
    BALANCE = (
        "balance",
        E,
        "column balance broken (B1)",
        "{where}：{text}；现在{detail}。请核对这一列的数字。",
    )
    SCHEMA_INVALID = (
        "schema-invalid",
        E,
        "canonical data fails the JSON Schema",
        "{where}：数据不符合规范（{detail}）。",
    )

    # --- last year (跨年度, ``--previous``): the rules of ``[[cross_year]]``, and why a
    # return was not compared. ``{detail}`` names last year's file and cell.
    PREVIOUS_CARRY = (
        "previous-carry",
        W,
        "differs from last year's carried-over cell",
        "{where}：本年为 {actual}，{detail}为 {expected}；{text}（{rule}）。请核对本年的数字；如上年的数字有误，请在报告中说明。",
    )
    PREVIOUS_STOCK = (
        "previous-stock",
        W,
        "does not follow from last year's count",
        "{where}：本年为 {actual}，按{detail}，应为 {expected}；{text}（{rule}）。文件到期失效等也会造成差异，请核对。",
    )
    PREVIOUS_JUMP = (
        "previous-jump",
        W,
        "number jumped against last year's (likely a typo)",
        "{where}：本年为 {actual}，{detail}；{text}（{rule}）。请核对。",
    )
    PREVIOUS_OTHER_FORMAT = (
        "previous-other-format",
        W,
        "last year's document is of another format, not compared",
        "上年报表“{actual}”是 {detail}，与本年的{expected}栏目不同，未使用。",
    )
    PREVIOUS_DUPLICATE = (
        "previous-duplicate",
        W,
        "several last-year documents of one agency, not compared",
        "上年的结果中单位“{actual}”有 {expected} 份不同的报表（{detail}），无法确定以哪一份为准，未使用。请在上年的结果中只保留一份。",
    )
    PREVIOUS_OTHER_YEAR = (
        "previous-other-year",
        W,
        "last year's folder holds another year of this agency, not compared",
        "上年的结果中单位“{actual}”的报表不是 {expected} 年度的（{detail}），未使用。请确认 --previous 给出的是上一年度的结果。",
    )
    PREVIOUS_UNUSABLE = (
        "previous-unusable",
        W,
        "last year's document is broken or edited, not compared",
        "上年报表“{actual}”不完整或被改动过（{detail}），未使用。请用 gongkai-xlsx ingest 重新生成上年的结果。",
    )
    # --- a summary workbook (aggregate -o X.xlsx) read back: its members sheet.
    MEMBERS_MISSING = (
        "members-missing",
        E,
        "summary workbook without its members",
        "这是一份汇总表，但{detail}，无法确定汇总了哪些单位。"
        "请用 gongkai-xlsx aggregate 重新生成汇总表（.xlsx）后报送。",
    )
    MEMBERS_INVALID = (
        "members-invalid",
        E,
        "members sheet changed",
        "{where}：{detail}。成员明细由 gongkai-xlsx 生成并锁定，不能修改；"
        "请用 gongkai-xlsx aggregate 重新生成汇总表后报送。",
    )
    MEMBERS_MISMATCH = (
        "members-mismatch",
        E,
        "members differ from the workbook's record of them",
        "{where}：{detail}，其中的内容可能被删除或改动过。"
        "请用 gongkai-xlsx aggregate 重新生成汇总表后报送。",
    )
    MEMBERS_SUM = (
        "members-sum",
        E,
        "summary number differs from its members' sum",
        "{where}：汇总表中为 {actual}，而成员明细中各单位之和为 {expected}。汇总表的数字不能修改；"
        "请用 gongkai-xlsx aggregate 重新生成汇总表后报送。",
    )

    # --- aggregate (汇总): documents read, members merged, the roster, the sums.
    # ``{actual}`` is a file or an agency, ``{detail}`` the files or the reason.
    AGGREGATE_NOT_DOCUMENT = (
        "aggregate-not-document",
        W,
        "not a canonical document, skipped",
        "{actual}：不是本工具输出的规范 JSON（{detail}），未计入汇总。",
    )
    AGGREGATE_INVALID = (
        "aggregate-invalid",
        E,
        "canonical document fails its checks",
        "{actual}：规范 JSON 不完整或被改动过（{detail}），无法汇总。"
        "请用 gongkai-xlsx ingest（汇总文件用 gongkai-xlsx aggregate）重新生成后再汇总。",
    )
    AGGREGATE_UNREADABLE = (
        "aggregate-unreadable",
        E,
        "a .json file that cannot be read as JSON",
        "{actual}：无法读取为 JSON（{detail}），无法汇总：这可能是某个单位的报表，不能少算一个单位。"
        "请用 gongkai-xlsx ingest 重新生成这个文件，或把它移出要汇总的文件夹后再汇总。",
    )
    AGGREGATE_LISTED_MISSING = (
        "aggregate-listed-missing",
        E,
        "a document the ingest report lists is missing",
        "{actual}：{expected} 列出了这份报表，文件却不在了，无法汇总：汇总会少算这个单位。"
        "请把文件放回，或重新运行 gongkai-xlsx ingest 后再汇总。",
    )
    AGGREGATE_MIXED = (
        "aggregate-mixed",
        E,
        "documents of several formats or years",
        "汇总的文档必须是同一格式、同一年度，本次有：{detail}。请按年度分别汇总。",
    )
    AGGREGATE_SAME_FILE = (
        "aggregate-same-file",
        W,
        "one return given more than once",
        "单位“{actual}”的同一份报表（{expected}）出现了多次：{detail}，只计一次。",
    )
    AGGREGATE_CONFLICT = (
        "aggregate-conflict",
        E,
        "two different returns of one agency",
        "单位“{actual}”有多份不同的报表：{detail}。请确认以哪一份为准，移走其余的后重新汇总。",
    )
    AGGREGATE_SAME_FILE_DIFFERS = (
        "aggregate-same-file-differs",
        E,
        "one return read with different numbers",
        "单位“{actual}”的同一份报表（{expected}）在 {detail} 中的数字不一致，无法确定以哪份为准。"
        "请用同一版本的 gongkai-xlsx 重新生成后再汇总。",
    )
    AGGREGATE_OUT_OF_RANGE = (
        "aggregate-out-of-range",
        E,
        "sum above the format's limit",
        "汇总后“{where}”为 {actual}，超过本格式允许的上限 {expected}，无法写成规范 JSON。",
    )
    ROSTER_MISSING = (
        "roster-missing",
        W,
        "agency on the roster without a document",
        "名单中的单位“{actual}”没有报表，未计入汇总（未报送）。",
    )
    ROSTER_EXTRA = (
        "roster-extra",
        W,
        "document of an agency not on the roster",
        "{detail}：单位“{actual}”不在名单中，已计入汇总；如不应计入，请移走该文件后重新汇总。",
    )
    ROSTER_DUPLICATE = (
        "roster-duplicate",
        W,
        "agency listed twice on the roster",
        "名单第 {actual} 行“{detail}”与{expected}是同一单位，只计一次。",
    )

    def __init__(self, code: str, severity: Severity, title_en: str, template: str) -> None:
        self.code = code
        self.severity = severity
        self.title_en = title_en
        self.template = template
