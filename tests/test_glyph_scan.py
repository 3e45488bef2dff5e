"""The glyph read-back's reading of content streams (pipeline/pdf/glyphs.py): the regular expression that
finds the text, font and form operators in a stream's bytes reads what qpdf's parse reads, on every page
of every PDF the tests build and on hand-written streams with every form of string, or it leaves the
stream to qpdf; a fault it reads is reported as qpdf's reading reports it."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from conftest import Built
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.pdf.glyphs import Operation, _parsed, _scanned, bad_glyphs

FIRST_TITLE = "kazakhstan-russia-ukraine"


def parsed(owner: pikepdf.Object) -> list[Operation]:
    """qpdf's reading, with the resource names as text like the scanner gives them."""
    return [(operator, operand if operator == "show" else str(operand)) for operator, operand in _parsed(owner)]


def page_with(content: bytes) -> tuple[pikepdf.Pdf, pikepdf.Object]:
    document = pikepdf.new()
    document.add_blank_page()
    page = document.pages[0].obj
    page.Contents = document.make_stream(content)
    return document, page


def test_every_page_built_is_scanned_as_qpdf_parses_it(
    built_all: dict[str, Built], archival_all: dict[str, Path]
) -> None:
    """Both variants of every test source: WeasyPrint's streams never need qpdf's parse, and the scanner
    reads the same fonts, forms and bytes from them."""
    pdfs = [built.pdf for built in built_all.values()] + list(archival_all.values())
    shown = 0
    for pdf in pdfs:
        with pikepdf.open(pdf) as document:
            for number, page in enumerate(document.pages, start=1):
                scanned = _scanned(page.obj)
                assert scanned is not None, (pdf.name, number)
                assert scanned == parsed(page.obj), (pdf.name, number)
                shown += sum(operator == "show" for operator, _operand in scanned)
    assert shown > 1000


STREAMS_READ = {
    "hex, numbers, spaces": b"BT /F1 12 Tf [<0041> -5 <00420043>0<>+3.5 .5] TJ ET",
    "literals with escapes": rb"BT /F1 12 Tf [(AB) 3 (\t9) (\(\)\\) (\101\0\12x) (a\
b) (c\nd)] TJ ET",
    "nested parentheses": b"BT /F1 12 Tf [(a(b(c)d)e) 2 (()) ((x)(y))] TJ ET",
    "an end of line in a literal": b"BT /F1 12 Tf [(a\r\nb\rc\nd)] TJ ET",
    "operators in strings, comments and dictionaries": (
        b"/Span <</ActualText (/F9 1 Tf [<0000>] TJ /X Do) /Alt <46392054>>> BDC % /F9 1 Tf (x) Tj\n"
        b"BT /F1 12 Tf [<0041>] TJ ET EMC"
    ),
    "Tj, ' and \"": b"BT /F1 9 Tf (AB) Tj <00 4 1> Tj (CD)' 1 2 <0045>\" <>Tj ET",
    "a dash array and a regular token ending in TJ": b"[3 2] 0 d xTJ BT /F1 12 Tf [<0041>]TJ ET",
    "a form": b"q /Fm1 Do Q BT /F2 10.5 Tf [<0001>] TJ ET",
    "no text": b"q 1 0 0 1 0 0 cm 0 0 10 10 re f Q",
}
STREAMS_LEFT_TO_QPDF = {
    "a string nested four deep": b"BT /F1 12 Tf [(a(b(c(d)c)b)a)] TJ ET",
    "a name in a TJ array": b"BT /F1 12 Tf [<0041> /X <0042>] TJ ET",
    "a hex string with spaces in a TJ array": b"BT /F1 12 Tf [<00 41>] TJ ET",
    "an odd hex digit in a TJ array": b"BT /F1 12 Tf [<004>] TJ ET",
    "a font named with an escape": b"BT /F#31 12 Tf [<0041>] TJ ET",
    "an inline image": b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI BT /F1 12 Tf [<0041>] TJ ET",
    "a font without a size": b"BT /F1 Tf [<0041>] TJ ET",
}


@pytest.mark.parametrize("content", STREAMS_READ.values(), ids=STREAMS_READ.keys())
def test_a_stream_is_scanned_as_qpdf_parses_it(content: bytes) -> None:
    _document, page = page_with(content)
    scanned = _scanned(page)
    assert scanned is not None
    assert scanned == parsed(page)


@pytest.mark.parametrize("content", STREAMS_LEFT_TO_QPDF.values(), ids=STREAMS_LEFT_TO_QPDF.keys())
def test_a_stream_the_scanner_does_not_read_is_left_to_qpdf(content: bytes) -> None:
    _document, page = page_with(content)
    assert _scanned(page) is None


def test_a_page_of_several_streams_is_read_whole() -> None:
    document, page = page_with(b"")
    page.Contents = pikepdf.Array(
        [document.make_stream(b"BT /F1 12 Tf"), document.make_stream(b"[<0041>] TJ"), document.make_stream(b"ET")]
    )
    assert _scanned(page) == parsed(page) == [("Tf", "/F1"), ("show", b"\0A")]


def test_a_notdef_in_a_literal_string_is_found(built_all: dict[str, Built]) -> None:
    """Glyph 0 written as a literal (``(\\0\\0)``) among hex strings on the first title's first page."""
    with pikepdf.open(built_all[FIRST_TITLE].pdf) as document:
        page = document.pages[0]
        content = b"\n".join(stream.read_bytes() for stream in _contents(page.obj))
        at = content.index(b"] TJ")
        page.Contents = document.make_stream(content[:at] + rb" (\000\000)" + content[at:])
        assert _scanned(page.obj) is not None
        problems = [str(bad) for bad in bad_glyphs(document)]
    assert len(problems) == 1 and problems[0].startswith("page 1: font ")
    assert problems[0].endswith("glyph 0 for no character is the .notdef glyph")


def _contents(page: pikepdf.Object) -> list[pikepdf.Stream]:
    contents = page.Contents
    return list(contents) if isinstance(contents, pikepdf.Array) else [contents]


def literal(data: bytes) -> bytes:
    """A literal string as a writer may put it: backslashes and carriage returns escaped (a bare one
    would be read as a line feed), parentheses too unless they are balanced (and nested at most three
    deep, as the scanner reads them), other bytes as they are."""
    escaped = data.replace(b"\\", b"\\\\").replace(b"\r", b"\\r")
    depth = deepest = 0
    for byte in escaped:
        depth += {ord("("): 1, ord(")"): -1}.get(byte, 0)
        deepest = max(deepest, depth)
        if depth < 0:
            break
    if depth or deepest > 3:
        escaped = escaped.replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + escaped + b")"


@settings(max_examples=300, deadline=None)
@given(
    strings=st.lists(st.binary(max_size=6), min_size=1, max_size=8),
    actual_text=st.one_of(st.binary(max_size=12), st.sampled_from([b"((((a))))", b"(x) Tj [<00>] TJ", b"a)b("])),
    hex_form=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_random_strings_are_scanned_as_qpdf_parses_them(
    strings: list[bytes], actual_text: bytes, hex_form: list[bool]
) -> None:
    """Any bytes, in a TJ array's strings (hex or literal) and in a marked-content property's string."""
    items = b" ".join(
        b"<" + data.hex().encode() + b">" if as_hex else literal(data)
        for data, as_hex in zip(strings, hex_form, strict=False)
    )
    content = b"/Span <</ActualText " + literal(actual_text) + b">> BDC BT /F1 9 Tf [" + items + b" -3] TJ ET EMC"
    _document, page = page_with(content)
    scanned = _scanned(page)
    assert scanned is not None
    assert scanned == parsed(page) == [("Tf", "/F1"), ("show", b"".join(strings))]
