"""Every glyph a PDF draws is a real glyph of the font embedded for it.

WeasyPrint says when no installed font has a character, but a glyph can also go wrong after shaping: the
.notdef glyph (glyph id 0, an empty box or nothing at all) drawn for a character the chosen face lacks,
or a glyph id the embedded subset does not hold. PDF/A (ISO 19005-3, 6.2.11.4.1 and 6.2.11.8) and
PDF/UA-1 (7.21.4.1, 7.21.8) forbid both. This reads the finished file, as a viewer does: each text
operator of each content stream (pages and the forms they draw), its font's encoding, the embedded font
program and the ``/ToUnicode`` map that says which character a glyph stands for.

WeasyPrint writes composite fonts (``/Type0``, ``Identity-H``: two bytes per glyph, the CID being the
glyph id of the embedded TrueType or OpenType/CFF program) and, for bitmap emoji, Type 3 fonts; other
font types are not read here.
"""

from __future__ import annotations

import array
import io
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from fontTools.misc.psCharStrings import T2CharString
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

TEXT_OPERATORS = frozenset({"Tj", "TJ", "'", '"'})
# What the read-back needs of a content stream (qpdf hands back these alone): fonts, text, forms.
WANTED_OPERATORS = " ".join(sorted({"Tf", "Do", *TEXT_OPERATORS}))
# Type 2 charstring operators (Adobe TN 5177) that draw: any of them in a glyph's own program is a path.
CFF_DRAWING = frozenset(
    {"rmoveto", "hmoveto", "vmoveto", "rlineto", "hlineto", "vlineto", "rrcurveto", "hhcurveto", "vvcurveto",
     "hvcurveto", "vhcurveto", "rcurveline", "rlinecurve", "flex", "hflex", "flex1", "hflex1"}
)  # fmt: skip
# Operators that never draw: hints (and their masks) and the end. A glyph whose program has only these
# (and ``endchar`` without the four operands of an accented composite) draws nothing.
CFF_STEMS = frozenset({"hstem", "vstem", "hstemhm", "vstemhm"})
CFF_MASKS = frozenset({"hintmask", "cntrmask"})
CFF_SILENT = CFF_STEMS | CFF_MASKS | {"endchar"}
HEX = re.compile(r"<([0-9A-Fa-f]+)>")


@dataclass(frozen=True)
class BadGlyph:
    """One glyph drawn wrong: where, in which font, what it stands for and what is wrong with it."""

    page: int
    font: str
    glyph: int
    text: str
    problem: str

    def __str__(self) -> str:
        shown = ", ".join(f"{character!r} (U+{ord(character):04X})" for character in self.text) or "no character"
        return f"page {self.page}: font {self.font}: glyph {self.glyph} for {shown} {self.problem}"


def bad_glyphs(pdf: pikepdf.Pdf) -> list[BadGlyph]:
    """Each distinct wrong glyph of the document, with the first page that draws it."""
    found: dict[tuple[str, int], BadGlyph] = {}
    fonts: dict[tuple[int, int], _Font] = {}
    # A glyph of a font is checked once, where it is first drawn: a long article draws some 750,000
    # glyphs, a few hundred distinct ones.
    checked: set[tuple[tuple[int, int], int]] = set()
    for number, page in enumerate(pdf.pages, start=1):
        for font_object, codes in _shown(page.obj, page.resources, set()):
            font = fonts.get(font_object.objgen) or fonts.setdefault(font_object.objgen, _Font.read(font_object))
            for glyph in dict.fromkeys(font.glyphs(codes)):
                if (font_object.objgen, glyph) in checked:
                    continue
                checked.add((font_object.objgen, glyph))
                problem = font.problem(glyph)
                if problem and (font.name, glyph) not in found:
                    found[font.name, glyph] = BadGlyph(number, font.name, glyph, font.text(glyph), problem)
    return list(found.values())


def check_file(path: Path) -> list[str]:
    with pikepdf.open(path) as pdf:
        return [str(bad) for bad in bad_glyphs(pdf)]


def _shown(
    owner: pikepdf.Object, resources: pikepdf.Dictionary, seen: set[tuple[int, int]]
) -> Iterator[tuple[pikepdf.Dictionary, bytes]]:
    """(font, bytes shown) for every text operator of a content stream and of the forms it draws."""
    fonts = resources.get("/Font", {})
    xobjects = resources.get("/XObject", {})
    font = None
    for operands, operator in pikepdf.parse_content_stream(owner, WANTED_OPERATORS):
        name = str(operator)
        if name == "Tf":
            font = fonts.get(operands[0])
        elif name in TEXT_OPERATORS and font is not None:
            strings = operands[0] if name == "TJ" else operands[-1:]
            # One operator's strings at once (WeasyPrint puts each glyph of a TJ in a string of its own).
            yield font, b"".join(bytes(item) for item in strings if isinstance(item, pikepdf.String))
        elif name == "Do":
            form = xobjects.get(operands[0])
            if form is not None and form.get("/Subtype") == "/Form" and form.objgen not in seen:
                seen.add(form.objgen)
                yield from _shown(form, form.get("/Resources", resources), seen)


@dataclass
class _Font:
    name: str
    two_byte: bool
    to_unicode: dict[int, str]
    program: TTFont | None
    cid_to_gid: bytes | None
    type3_codes: frozenset[int] | None
    blank: dict[int, bool] = field(default_factory=dict)

    @classmethod
    def read(cls, font: pikepdf.Dictionary) -> _Font:
        name = str(font.get("/BaseFont", font.get("/Name", "(unnamed)"))).lstrip("/")
        to_unicode = _to_unicode(font)
        if font.get("/Subtype") == "/Type3":
            return cls(name, False, to_unicode, None, None, _type3_codes(font))
        descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
        descriptor = descendant.get("/FontDescriptor", {})
        embedded = next((descriptor[key] for key in ("/FontFile2", "/FontFile3") if key in descriptor), None)
        mapping = descendant.get("/CIDToGIDMap")
        cid_to_gid = mapping.read_bytes() if isinstance(mapping, pikepdf.Stream) else None
        program = TTFont(io.BytesIO(embedded.read_bytes()), lazy=True) if embedded is not None else None
        return cls(name, font.get("/Subtype") == "/Type0", to_unicode, program, cid_to_gid, None)

    def glyphs(self, shown: bytes) -> Iterator[int]:
        if not self.two_byte:
            yield from shown
            return
        if self.cid_to_gid is None:  # Identity: the codes are the glyph ids, big-endian, read in one go
            codes = array.array("H", shown[: len(shown) - len(shown) % 2])
            if sys.byteorder == "little":
                codes.byteswap()
            yield from codes
            return
        for index in range(0, len(shown) - 1, 2):
            cid = int.from_bytes(shown[index : index + 2], "big")
            if self.cid_to_gid is not None:
                cid = int.from_bytes(self.cid_to_gid[2 * cid : 2 * cid + 2] or b"\0\0", "big")
            yield cid

    def text(self, glyph: int) -> str:
        return self.to_unicode.get(glyph, "")

    def problem(self, glyph: int) -> str | None:
        if self.type3_codes is not None:
            return None if glyph in self.type3_codes else "has no glyph procedure in its Type 3 font"
        if glyph == 0:
            return "is the .notdef glyph"
        if self.program is None:
            return None
        count = self.program["maxp"].numGlyphs
        if glyph >= count:
            return f"is not in the embedded font ({count} glyphs)"
        if not _may_be_blank(self.text(glyph)) and self._blank(glyph):
            return "has no outline in the embedded font (the subset lacks it)"
        return None

    def _blank(self, glyph: int) -> bool:
        """The glyph draws nothing. A font WeasyPrint emptied of outlines because it draws each glyph as
        an image instead (colour emoji) is never blank in that sense."""
        if glyph not in self.blank:
            program = self.program
            if "glyf" in program and not any(program["loca"]):
                self.blank[glyph] = False
            else:
                read = _cff_blank(program, glyph) if "CFF " in program else None
                self.blank[glyph] = _drawn_blank(program, glyph) if read is None else read
        return self.blank[glyph]


def _drawn_blank(program: TTFont, glyph: int) -> bool:
    """Draw the glyph: blank when its outline has no point at all."""
    glyph_set = program.getGlyphSet()
    pen = BoundsPen(glyph_set)
    glyph_set[program.getGlyphName(glyph)].draw(pen)
    return pen.bounds is None


def _cff_blank(program: TTFont, glyph: int) -> bool | None:
    """Whether a CFF glyph draws nothing, read from its charstring's operators without running it (drawing
    every distinct glyph of an article cost a tenth of its build); None when only running it can tell (it
    calls subroutines, or is an accented composite). The reading stops at the first operator that draws:
    the hints come before it, so a glyph with an outline is told by its first few bytes."""
    char_string = program["CFF "].cff.topDictIndex[0].CharStrings[program.getGlyphName(glyph)]
    for operator, operands in _operators(char_string):
        if operator in CFF_DRAWING:
            return False  # a Type 2 charstring has no branches: an operator in it is run, and puts a point
        if operator not in CFF_SILENT:
            return None
        if operator == "endchar":
            # With four operands (five with the width) endchar is seac: an accented composite of two glyphs.
            return None if operands >= 4 else True
    return True


def _operators(char_string: T2CharString) -> Iterator[tuple[str, int]]:
    """Each operator of a charstring's own program with the count of numbers before it, in order. A hint
    mask's bytes are skipped: one bit per stem hint declared before the first mask (Adobe TN 5177, 4.3)."""
    index = operands = hints = 0
    mask_bytes = None
    while True:
        token, is_operator, index = char_string.getToken(index)
        if token is None:
            return
        if not is_operator:
            operands += 1
            continue
        if token in CFF_STEMS or (token in CFF_MASKS and mask_bytes is None):
            hints += operands // 2  # pairs of numbers; an odd one out is the width
        if token in CFF_MASKS:
            mask_bytes = (hints + 7) // 8 if mask_bytes is None else mask_bytes
            _mask, index = char_string.getBytes(index, mask_bytes)
        yield token, operands
        operands = 0


def _may_be_blank(text: str) -> bool:
    """A space, or a character never drawn (a format control: a joiner, a direction mark)."""
    return all(character.isspace() or unicodedata.category(character) in ("Cf", "Zs") for character in text)


def _to_unicode(font: pikepdf.Dictionary) -> dict[int, str]:
    """The font's ``/ToUnicode`` map (``bfchar`` and ``bfrange`` entries), code -> text."""
    stream = font.get("/ToUnicode")
    if not isinstance(stream, pikepdf.Stream):
        return {}
    cmap = stream.read_bytes().decode("latin-1")
    mapping: dict[int, str] = {}
    for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap, re.DOTALL):
        values = HEX.findall(block)
        for code, text in zip(values[::2], values[1::2], strict=False):
            mapping[int(code, 16)] = _utf16(text)
    for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap, re.DOTALL):
        for line in block.strip().splitlines():
            values = HEX.findall(line)
            if len(values) == 3:
                first, last, start = (int(value, 16) for value in values)
                for offset in range(last - first + 1):
                    mapping[first + offset] = chr(start + offset)
    return mapping


def _utf16(hex_text: str) -> str:
    return bytes.fromhex(hex_text).decode("utf-16-be", errors="replace")


def _type3_codes(font: pikepdf.Dictionary) -> frozenset[int]:
    """The codes a Type 3 font has a glyph procedure for (its ``/Differences`` naming ``/CharProcs``)."""
    procedures = font.get("/CharProcs", {})
    codes: set[int] = set()
    code = 0
    for item in font.get("/Encoding", {}).get("/Differences", []):
        if isinstance(item, int):
            code = item
        else:
            if str(item) in procedures:
                codes.add(code)
            code += 1
    return frozenset(codes)
