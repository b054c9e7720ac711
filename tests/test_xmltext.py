"""The fast XML text helpers agree with expat reading the same content as an element.

``unescape`` has three ways (plain replaces, a regular expression for a few character
references, expat itself for many); whichever it takes, the text must be what a parser
gives for that content, since a formula or a label read differently is a number or a
label shown differently.
"""

from __future__ import annotations

import pyexpat

from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai_xlsx.reader import xmltext
from gongkai_xlsx.reader.xmltext import unescape

PIECES = st.sampled_from(
    [
        "&amp;",
        "&lt;",
        "&gt;",
        "&quot;",
        "&apos;",
        "&#38;",
        "&#x26;",
        "&amp;#38;",
        "&#20027;",
        "&#x4E3B;",
        "&#13;",
        "\r\n",
        "\r",
        "\n",
        "\t",
        " ",
        "x",
        "主",
        '"',
        "'",
        ">",
        "&#x1F600;",
    ]
)


def parsed(content: bytes) -> str:
    """The character data expat reports for ``<t>content</t>``."""
    chunks: list[str] = []
    parser = pyexpat.ParserCreate("utf-8")
    parser.CharacterDataHandler = chunks.append
    parser.Parse(b"<t>" + content + b"</t>", True)
    return "".join(chunks)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=80))
def test_unescape_is_what_a_parser_reads(pieces):
    content = "".join(pieces).encode("utf-8")
    assert unescape(content) == parsed(content)


def test_both_ways_of_resolving_references_are_taken():
    few = "&#20027;" * xmltext.MANY_REFERENCES
    many = few + "&#20027;&amp;#38;"
    for text in (few, many):
        assert unescape(text.encode()) == parsed(text.encode())
    assert unescape(many.encode()).endswith("主&#38;")
