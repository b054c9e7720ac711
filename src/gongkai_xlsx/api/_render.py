"""``render``: a canonical document as the published tables (HTML) or the report (Word)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gongkai_xlsx import oserrors
from gongkai_xlsx.errors import UsageError
from gongkai_xlsx.fsio import write_atomic
from gongkai_xlsx.render.request import Rendered, render_file


@dataclass(frozen=True)
class RenderOptions:
    """The ``render`` command as asked: the document, the format (None: by the output's
    extension, else html), the output (None: beside the document), and for docx the
    report's text and date."""

    document: Path
    to: str | None = None
    output: Path | None = None
    text: Path | None = None
    date: str | None = None
    force: bool = False


@dataclass(frozen=True)
class RenderResult:
    """The file written: its path, format and the report's title; ``notes`` for the
    person (text of the --text file that was not used, parts left as placeholders)."""

    path: Path
    format: str
    title: str
    notes: tuple[str, ...] = ()
    exit_code: int = 0


def render(options: RenderOptions) -> RenderResult:
    """The ``render`` command: render as asked (:func:`render_file`), then write the file
    atomically. Every mistake a person can make is a usage error naming the file."""
    o = options
    rendered: Rendered = render_file(o.document, o.to, o.output, o.text, o.date, force=o.force)
    try:
        write_atomic(rendered.path, rendered.data)
    except OSError as exc:
        raise UsageError(
            f"{rendered.path}：无法写入（{oserrors.reason(exc, oserrors.WRITE)}）。"
        ) from None
    return RenderResult(rendered.path, rendered.format, rendered.title, tuple(rendered.notes))
