"""The writer: a form definition → the locked template workbook handed to agencies."""

from gongkai_xlsx.writer.workbook import TemplateOptions, write_template

__all__ = ["TemplateOptions", "write_template"]
