"""The glyph read-back's blank-outline check (pipeline/pdf/glyphs.py): a glyph the embedded subset emptied
is found in a real PDF, also after the same glyph was read drawn in another PDF of the process; a CFF
glyph's charstring found by its id is the one fontTools finds by its name, and reading its blankness from
its operators says what drawing it says, for every glyph of every CFF font of the first title's PDF."""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path

import pikepdf
import pypdf
import pytest
import yaml
from conftest import Built
from fontTools.misc.psCharStrings import T2CharString
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from pipeline.build.progress import QuietReporter
from pipeline.build.run import build
from pipeline.formats import artifact_name
from pipeline.pdf.glyphs import _cff_blank, _Font, _shown, bad_glyphs

FIRST_TITLE = "kazakhstan-russia-ukraine"


def cff_fonts(document: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """The composite fonts of the document whose embedded program is CFF (``/FontFile3``)."""
    fonts: dict[tuple[int, int], pikepdf.Dictionary] = {}
    for page in document.pages:
        for font in page.resources.get("/Font", {}).values():
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            if "/FontFile3" in descendant.get("/FontDescriptor", {}):
                fonts[font.objgen] = font
    return list(fonts.values())


def drawn_blank(program: TTFont, glyph: int) -> bool:
    """Independent of the check: draw the glyph and see whether it puts down a single point."""
    glyph_set = program.getGlyphSet()
    pen = BoundsPen(glyph_set)
    glyph_set[program.getGlyphName(glyph)].draw(pen)
    return pen.bounds is None


def test_reading_a_cff_glyph_agrees_with_drawing_it(built_all: dict[str, Built]) -> None:
    with pikepdf.open(built_all[FIRST_TITLE].pdf) as document:
        fonts = cff_fonts(document)
        assert fonts, "the first title's PDF has no CFF font"
        read = drawn = 0
        for font in fonts:
            reader = _Font.read(font)
            program, char_strings = reader.program, reader.char_strings
            assert program is not None and char_strings is not None
            by_name = program["CFF "].cff.topDictIndex[0].CharStrings
            for glyph in range(program["maxp"].numGlyphs):
                char_string = char_strings.get(glyph)
                assert char_string == by_name[program.getGlyphName(glyph)].bytecode, (str(font.BaseFont), glyph)
                answer = _cff_blank(char_string)
                if answer is not None:
                    read += 1
                    drawn += not answer
                    assert answer == drawn_blank(program, glyph), (str(font.BaseFont), glyph)
    assert read and drawn  # both kinds were compared: glyphs with outlines, and the subset's empty ones


@pytest.mark.parametrize("read_intact_first", [False, True], ids=["alone", "after-the-intact-file"])
def test_a_glyph_emptied_in_the_subset_is_found(
    built_all: dict[str, Built], tmp_path: Path, read_intact_first: bool
) -> None:
    """A letter drawn on page 1 whose charstring is replaced by a bare ``endchar`` in the embedded font.
    Read after the intact file, whose same font draws the same glyph id with an outline, it is still
    found: what the check remembers from one PDF to the next is keyed by the charstring, not the id."""
    broken = tmp_path / "emptied.pdf"
    with pikepdf.open(built_all[FIRST_TITLE].pdf) as document:
        page = document.pages[0]
        cff = {font.objgen for font in cff_fonts(document)}
        font_object, glyph, text = next(
            (font, glyph, reader.text(glyph))
            for font, codes in _shown(page.obj, page.resources, set())
            if font.objgen in cff
            for reader in [_Font.read(font)]
            for glyph in reader.glyphs(codes)
            if reader.text(glyph) and unicodedata.category(reader.text(glyph)).startswith("L")
        )
        font_name = str(font_object.BaseFont).lstrip("/")
        descriptor = font_object.DescendantFonts[0].FontDescriptor
        program = TTFont(io.BytesIO(descriptor.FontFile3.read_bytes()))
        char_strings = program["CFF "].cff.topDictIndex[0].CharStrings
        name = program.getGlyphName(glyph)
        original = char_strings[name]
        char_strings[name] = T2CharString(
            program=["endchar"], private=original.private, globalSubrs=original.globalSubrs
        )
        emptied = io.BytesIO()
        program.save(emptied)
        descriptor.FontFile3.write(emptied.getvalue())
        document.save(broken)
    if read_intact_first:
        with pikepdf.open(built_all[FIRST_TITLE].pdf) as document:
            assert bad_glyphs(document) == []
    with pikepdf.open(broken) as document:
        problems = [str(bad) for bad in bad_glyphs(document)]
    assert problems == [
        f"page 1: font {font_name}: glyph {glyph} for {text!r} (U+{ord(text):04X}) "
        "has no outline in the embedded font (the subset lacks it)"
    ]


def test_a_mark_on_a_space_prints_and_passes(tmp_path: Path) -> None:
    """A combining mark on a space (found by the property test: an Arabic source whose paragraph is
    "0 " then U+0300). HarfBuzz gives the cluster's text to its first glyph, the font's blank space, and
    draws the mark with a glyph of its own: the PDF is built, and the mark is in its text."""
    source = tmp_path / "sources" / "mark-on-space" / "article.md"
    source.parent.mkdir(parents=True)
    front = {
        "title": "A mark on a space",
        "article-type": "article-commentary",
        "language": "ar",
        "issued": "2000-01-01",
        "container-title": "Journal",
        "URL": "https://example.org/a",
        "author": [{"given": "A", "family": "B"}],
    }
    source.write_text(f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n\n0 \u0300\n", encoding="utf-8")
    report = build(("pdf",), source_root=source.parent.parent, dist=tmp_path / "dist", reporter=QuietReporter())
    assert report.ok, report.failures
    pdf = tmp_path / "dist" / "mark-on-space" / artifact_name("pdf", "mark-on-space")
    with pikepdf.open(pdf) as document:
        assert bad_glyphs(document) == []
    assert "\u0300" in pypdf.PdfReader(pdf).pages[0].extract_text()
