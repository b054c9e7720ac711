"""The fast XML text helpers agree with expat reading the same content as an element.

``unescape`` has three ways (plain replaces, a regular expression for a few character
references, expat itself for many); whichever it takes, the text must be what a parser
gives for that content, since a formula or a label read differently is a number or a
label shown differently.
"""

from __future__ import annotations

import pyexpat
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongkai_xlsx.ooxml import xmledit, xmltext
from gongkai_xlsx.ooxml.xmltext import NotWellFormed, unescape
from gongkai_xlsx.reader.sheetxml import needs_exact

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


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sheet(inner: str, root_extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}"'
        f' xmlns:r="urn:r"{root_extra}><sheetData>{inner}</sheetData></worksheet>'
    ).encode()


@pytest.mark.parametrize(
    ("inner", "root_extra", "exact"),
    [
        ('<row r="1"><c r="A1"><v>1</v></c></row>', "", False),
        ('<row r="1"><c r="A1"><v>1</v></c></row>', ' xmlns:x14="urn:x14"', False),
        ('<row r="1"><c r="A1" r:id="z"><v>1</v></c></row>', "", False),
        ('<row r="1"><!-- a note --><c r="A1"><v>1</v></c></row>', "", True),
        ('<row r="1"><c r="A1"><v><![CDATA[1]]></v></c></row>', "", True),
        ('<row r="1"><?pi x?><c r="A1"><v>1</v></c></row>', "", True),
        ('<row r="1"><s:c xmlns:s="' + MAIN + '" r="A1"><s:v>1</s:v></s:c></row>', "", True),
        ('<row r="1" xmlns="' + MAIN + '"><c r="A1"><v>1</v></c></row>', "", True),
        ('<row r="1"><c xmlns="urn:other" r="A1"><v>1</v></c></row>', "", True),
    ],
    ids=[
        "plain",
        "other-prefix",
        "prefixed-attribute",
        "comment",
        "cdata",
        "pi",
        "main-prefixed",
        "main-again",
        "other-default",
    ],
)
def test_the_fast_tokenizer_is_used_only_on_the_plain_subset(inner, root_extra, exact):
    assert needs_exact(sheet(inner, root_extra)) is exact


def test_an_unbound_prefix_is_not_well_formed():
    with pytest.raises(NotWellFormed):
        needs_exact(sheet('<row r="1"><q:c r="A1"/></row>'))


# ------------------------------------------------ one reading for the reader and the copies
LONG_ZEROS = "&#" + "0" * 5000 + "49;"  # "1": int() refuses 5,000 digits


@pytest.mark.parametrize(
    ("raw", "means"),
    [
        (LONG_ZEROS, "1"),  # annotate's own unescape raised ValueError here
        ("a\tb\r\nc\nd", "a b c d"),  # attribute-value normalisation; annotate kept them
        ("x&#10;y&amp;&lt;", "x\ny&<"),  # a reference to a line end is kept
    ],
)
def test_the_copies_read_an_attribute_as_the_reader_does(raw: str, means: str) -> None:
    """The marked copies find parts and sheets by attribute values: they read each value
    as the reader does, one function for both (they used to differ on these)."""
    tag = f'<sheet name="{raw}" r:id="rId1"/>'
    assert xmltext.attributes(tag.encode("utf-8"))["name"] == means
    assert xmledit.get_attr(tag, "name") == means


def test_the_copies_read_text_content_as_the_reader_does() -> None:
    raw = "第一行\r\n第二行" + LONG_ZEROS + "&amp;lt;"
    assert xmltext.unescape_str(raw) == unescape(raw.encode("utf-8")) == "第一行\n第二行1&lt;"


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
@settings(max_examples=200, deadline=None)
def test_escape_then_read_gives_the_text_back(text: str) -> None:
    """What the copies write (escape) reads back as written, but for the characters XML
    cannot hold (replaced by U+FFFD) and line ends (normalised, as in any parser)."""
    expected = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "\ufffd", text)
    expected = expected.replace("\r\n", "\n").replace("\r", "\n")
    assert xmltext.unescape_str(xmltext.escape(text)) == expected


@given(st.lists(st.text(alphabet=st.sampled_from('ab中&<>"\x01\ufffe\n'), max_size=6), max_size=8))
@settings(max_examples=200, deadline=None)
def test_escaping_many_values_together_escapes_each(values: list[str]) -> None:
    """A marked copy escapes its messages together (one search when none needs it): each
    comes out as escape() writes it alone, whichever of them needs escaping."""
    assert xmltext.escape_each(values) == [xmltext.escape(v) for v in values]
