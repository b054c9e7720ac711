"""The writer: a form definition → the locked template workbook handed to agencies."""

from gongkai_xlsx.writer.options import TemplateOptions, TemplateOptionsError
from gongkai_xlsx.writer.workbook import TemplateBuildError, write_template

__all__ = ["TemplateBuildError", "TemplateOptions", "TemplateOptionsError", "write_template"]
