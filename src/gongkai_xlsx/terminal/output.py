"""Writing to the terminal so that no character can end a run in a traceback.

A Chinese Windows PC encodes redirected output as GBK, an English one as cp437 or cp1252:
an agency name like ``𠮷野家`` or a ``✓`` in a file name would raise UnicodeEncodeError
there, after the files were written. Human output therefore goes through :func:`echo`,
which escapes what the stream cannot encode; names also go through :func:`visible`, which
escapes what a terminal would not show faithfully (line breaks, bidi overrides, escape
sequences). Machine output (JSON) goes through :func:`write_utf8`: UTF-8 bytes whatever the
terminal, so ``gongkai-xlsx schema 2024 > s.json`` is the same file on every PC.
"""

from __future__ import annotations

import sys
from typing import TextIO

from gongkai_xlsx.text import escape_invisible

_escape_invisible = escape_invisible  # the terminal's and the page's one spelling


def visible(text: str) -> str:
    """A name (of a file, an agency, a sheet) as the terminal shows it: every control,
    format or bidi character escaped (``\\n``, ``\\u202e``), so that a name cannot break a
    table line, reverse the text after it or send an escape sequence to the terminal."""
    return _escape_invisible(text)


def encodable(text: str, encoding: str | None) -> str:
    """``text`` with every character ``encoding`` cannot write replaced by its escape
    (``𠮷`` → ``\\U00020bb7`` under GBK)."""
    encoding = encoding or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:  # an encoding Python does not know: stay within ASCII
        return text.encode("ascii", "backslashreplace").decode("ascii")
    return text


def _stream(err: bool) -> TextIO | None:
    return sys.stderr if err else sys.stdout


def echo(message: str = "", *, err: bool = False) -> None:
    """Print one message (and a line break) for people, on stdout or with ``err`` on stderr.

    Line breaks are kept; any other invisible character is escaped (names should already
    have gone through :func:`visible`), and characters the stream cannot encode are
    escaped too. Nothing is printed where there is no stream (``pythonw`` on Windows).
    """
    stream = _stream(err)
    if stream is None:
        return
    text = encodable(
        _escape_invisible(message, keep="\n") + "\n", getattr(stream, "encoding", None)
    )
    stream.write(text)
    stream.flush()


def write_utf8(text: str) -> None:
    """Write machine output (JSON) to stdout as UTF-8 bytes, whatever the terminal's
    encoding, with ``\\n`` line ends on every system. A lone surrogate (from a file name
    that was not UTF-8) is written as its JSON escape, ``\\udcc4``, so the bytes stay
    valid UTF-8."""
    stream = sys.stdout
    if stream is None:
        return
    buffer = getattr(stream, "buffer", None)
    if buffer is None:  # a text-only stream (io.StringIO in a test): it takes str
        stream.write(text)
        stream.flush()
        return
    stream.flush()
    buffer.write(text.encode("utf-8", "backslashreplace"))
    buffer.flush()


def make_streams_safe() -> None:
    """Let nothing written to stdout or stderr (our text, or a library's) fail on
    encoding: unencodable characters become backslash escapes. Called once by the
    console script; streams that cannot be reconfigured are left as they are."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                continue
