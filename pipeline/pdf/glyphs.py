"""Every glyph a PDF draws is a real glyph of the font embedded for it.

WeasyPrint says when no installed font has a character, but a glyph can also go wrong after shaping: the
.notdef glyph (glyph id 0, an empty box or nothing at all) drawn for a character the chosen face lacks,
or a glyph id the embedded subset does not hold. PDF/A (ISO 19005-3, 6.2.11.4.1 and 6.2.11.8) and
PDF/UA-1 (7.21.4.1, 7.21.8) forbid both. This reads the finished file, as a viewer does: each text
operator of each content stream (pages and the forms they draw), its font's encoding, the embedded font
program and the ``/ToUnicode`` map that says which character a glyph stands for. The streams are read
from their bytes by one regular expression (qpdf's parse, which makes a Python object of every glyph's
string, where that reading declines), and only the few hundred distinct glyphs of a document are looked
up in their fonts, a CFF glyph by its charstring's bytes alone.

WeasyPrint writes composite fonts (``/Type0``, ``Identity-H``: two bytes per glyph, the CID being the
glyph id of the embedded TrueType or OpenType/CFF program) and, for bitmap emoji, Type 3 fonts; other
font types are not read here.
"""

from __future__ import annotations

import array
import io
import re
import struct
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import pikepdf
from fontTools import cffLib
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
# The tokens of a content stream (ISO 32000-1, 7.2 and 7.8.2) the check reads without qpdf's parse.
WHITE_SPACE = b"\0\t\n\f\r "
_SPACE = rb"[\0\t\n\f\r ]"
_REGULAR = rb"[^\0\t\n\f\r ()<>\[\]{}/%]"
_NAME = rb"/" + _REGULAR + rb"*+"
_NUMBER = rb"[+-]?+(?:\d++\.?+\d*+|\.\d++)"
_END = rb"(?!" + _REGULAR + rb")"  # a regular token (number, operator) ends here
_HEX = rb"<[0-9A-Fa-f\0\t\n\f\r ]*+>"
_LITERAL = rb"\((?:[^()\\]++|\\.)*+\)"
for _depth in range(2):  # parentheses nested three deep; deeper is left to qpdf
    _LITERAL = rb"\((?:[^()\\]++|\\.|" + _LITERAL + rb")*+\)"
_STRING = _LITERAL + rb"|" + _HEX
# Every match starts with a run of characters that begin none of the tokens read (numbers, white space,
# most operators), skipped without a Python object each; each alternative after it matches wherever that
# run stops, so no position is tried twice.
CONTENT_TOKEN = re.compile(
    rb"[^()<>\[\]/%BTD'\"]*+(?:"
    + rb"(?P<string>" + _STRING + rb")" + _SPACE + rb"*+(?:Tj|'|\")" + _END + rb"(?P<show>)"
    + rb"|" + _STRING
    # A TJ array as written: _array_bytes reads its strings and numbers, or leaves it to qpdf.
    + rb"|\[(?P<array>(?:[^\[\]()]++|" + _LITERAL + rb")*+)\]" + _SPACE + rb"*+TJ" + _END
    + rb"|(?P<font>" + _NAME + rb")" + _SPACE + rb"++" + _NUMBER + _SPACE + rb"++Tf" + _END
    + rb"|(?P<form>" + _NAME + rb")" + _SPACE + rb"++Do" + _END
    + rb"|" + _NAME + rb"|<<|>>|%[^\r\n]*+"
    # A text, font or form operator not read above with its operands, an inline image, a lone delimiter.
    + rb"|(?P<unread>[()<>]|(?<!" + _REGULAR + rb")(?:BI|TJ|Tj|'|\"|Tf|Do)" + _END + rb")"
    + rb"|[\[\]]|[BTD'\"]" + _REGULAR + rb"*+|\Z"  # other operators (BT, Tm, BDC) and other arrays
    + rb")",
    re.DOTALL,
)  # fmt: skip
RAW_LITERAL = re.compile(_LITERAL, re.DOTALL)
# A hex string in pairs of digits, as WeasyPrint writes a glyph (a literal is turned into one first).
PDF_HEX = re.compile(rb"<((?:[0-9A-Fa-f]{2})*+)>")
NUMBER_CHARACTERS = b"0123456789.+- \t\n\r\f\0"
LITERAL_ESCAPE = re.compile(rb"\\([0-7]{1,3}|\r\n|.)|\r\n?", re.DOTALL)
LITERAL_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


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
    for number, page in enumerate(pdf.pages, start=1):
        for font_object, codes in _shown(page.obj, page.resources, set()):
            font = fonts.get(font_object.objgen) or fonts.setdefault(font_object.objgen, _Font.read(font_object))
            drawn = dict.fromkeys(font.glyphs(codes))
            # A glyph of a font is checked once, where it is first drawn: a long article draws some 750,000
            # glyphs, a few hundred distinct ones; most text operators draw none not drawn before.
            if drawn.keys() <= font.checked:
                continue
            for glyph in drawn:
                if glyph in font.checked:
                    continue
                font.checked.add(glyph)
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
    operations = _scanned(owner)
    for operator, operand in _parsed(owner) if operations is None else operations:
        if operator == "Tf":
            font = fonts.get(operand)
        elif operator == "Do":
            form = xobjects.get(operand)
            if form is not None and form.get("/Subtype") == "/Form" and form.objgen not in seen:
                seen.add(form.objgen)
                yield from _shown(form, form.get("/Resources", resources), seen)
        elif font is not None:
            assert isinstance(operand, bytes)
            yield font, operand


# What a content stream does that the check reads: ("Tf", the font's resource name), ("Do", the XObject's),
# ("show", the bytes a text operator shows).
Operation = tuple[str, bytes | str | pikepdf.Object]


def _parsed(owner: pikepdf.Object) -> Iterator[Operation]:
    """The operations of a content stream as qpdf parses it (one Python object per string of a ``TJ``)."""
    for operands, operator in pikepdf.parse_content_stream(owner, WANTED_OPERATORS):
        name = str(operator)
        if name in ("Tf", "Do"):
            yield name, operands[0]
        else:
            yield "show", _shown_bytes(operands[0] if name == "TJ" else operands[-1])


def _scanned(owner: pikepdf.Object) -> list[Operation] | None:
    """The operations of a content stream read from its bytes with one regular expression, or None when
    the stream holds what that reading leaves to qpdf (an inline image, a string nested deeper than three
    parentheses, a name with ``#`` escapes, a text, font or form operator whose operands are not the
    plain ones, anything unbalanced): qpdf's parse then reads it.

    qpdf parses every token into an object, and WeasyPrint writes each glyph of a ``TJ`` as a string of
    its own, some 600,000 in a long article: parsing them and taking them one Python object at a time
    was most of the check's time. The expression matches whole strings (so nothing inside one is read
    as an operator), whole ``TJ`` arrays with their operator, ``/name size Tf`` and ``/name Do``, and
    skips the rest (numbers, other operators, names, dictionaries) without a Python object for it."""
    contents = owner.get("/Contents") if owner.get("/Type") == "/Page" else owner
    streams = contents if isinstance(contents, pikepdf.Array) else [contents] if contents is not None else []
    if not all(isinstance(stream, pikepdf.Stream) for stream in streams):
        return None
    content = b"\n".join(stream.read_bytes() for stream in streams)  # tokens never span two streams
    operations: list[Operation] = []
    for match in CONTENT_TOKEN.finditer(content):
        kind = match.lastgroup
        if kind == "show":
            operations.append(("show", _string_bytes(match.group("string"))))
        elif kind == "array":
            shown = _array_bytes(match.group("array"))
            if shown is None:
                return None
            operations.append(("show", shown))
        elif kind == "font" or kind == "form":
            if b"#" in match.group(kind):
                return None
            operations.append(("Tf" if kind == "font" else "Do", match.group(kind).decode("latin-1")))
        elif kind == "unread":
            return None
    return operations


def _array_bytes(array: bytes) -> bytes | None:
    """The bytes of the strings of a ``TJ`` array as the content stream writes it, or None unless it
    holds strings and numbers only, each hex string in pairs of digits: the literals are turned into hex
    (the first parenthesis of the array starts one), then the hex digits of all the strings are decoded
    at once."""
    if b"(" in array:
        array = RAW_LITERAL.sub(_as_hex, array)
    parts = PDF_HEX.split(array)  # between the strings, then a string's digits, and so on
    if b"".join(parts[0::2]).translate(None, NUMBER_CHARACTERS):
        return None
    return bytes.fromhex(b"".join(parts[1::2]).decode("ascii"))


def _string_bytes(string: bytes) -> bytes:
    """A string's bytes as the content stream writes it (ISO 32000-1, 7.3.4): a literal, or hex digits,
    where white space is left out and a last odd digit is followed by 0."""
    if string.startswith(b"("):
        return _literal_bytes(string[1:-1])
    digits = string[1:-1].translate(None, WHITE_SPACE)
    return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii"))


def _shown_bytes(operand: pikepdf.Object) -> bytes:
    """The bytes of a text operator's string, or of the strings of its array, in order."""
    strings = operand if isinstance(operand, pikepdf.Array) else [operand]
    return b"".join(bytes(item) for item in strings if isinstance(item, pikepdf.String))


def _as_hex(literal: re.Match[bytes]) -> bytes:
    """A literal string written as a hex string."""
    return b"<" + _literal_bytes(literal.group()[1:-1]).hex().encode("ascii") + b">"


def _literal_bytes(literal: bytes) -> bytes:
    """A literal string's bytes (ISO 32000-1, 7.3.4.2): ``\\n`` and the like, ``\\ddd`` in octal; a
    backslash before an end of line continues the string, before any other character stands for that
    character; an end of line not escaped is a line feed."""
    return LITERAL_ESCAPE.sub(_escaped, literal) if b"\\" in literal or b"\r" in literal else literal


def _escaped(escape: re.Match[bytes]) -> bytes:
    sequence = escape.group(1)
    if sequence is None:  # an end of line written as a carriage return (and a line feed)
        return b"\n"
    if sequence[:1].isdigit():
        return bytes([int(sequence, 8) & 0xFF])
    if sequence in (b"\r\n", b"\r", b"\n"):
        return b""
    return LITERAL_ESCAPES.get(sequence, sequence)


@dataclass
class _Font:
    name: str
    two_byte: bool
    to_unicode: dict[int, str]
    program: TTFont | None
    cid_to_gid: bytes | None
    type3_codes: frozenset[int] | None
    checked: set[int] = field(default_factory=set)

    @classmethod
    def read(cls, font: pikepdf.Dictionary) -> _Font:
        name = str(font.get("/BaseFont", font.get("/Name", "(unnamed)"))).lstrip("/")
        to_unicode = _to_unicode(font.get("/ToUnicode"))
        if font.get("/Subtype") == "/Type3":
            return cls(name, False, to_unicode, None, None, _type3_codes(font))
        descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
        descriptor = descendant.get("/FontDescriptor", {})
        embedded = next((descriptor[key] for key in ("/FontFile2", "/FontFile3") if key in descriptor), None)
        mapping = descendant.get("/CIDToGIDMap")
        cid_to_gid = mapping.read_bytes() if isinstance(mapping, pikepdf.Stream) else None
        program = TTFont(io.BytesIO(embedded.read_bytes()), lazy=True) if embedded is not None else None
        return cls(name, font.get("/Subtype") == "/Type0", to_unicode, program, cid_to_gid, None)

    def glyphs(self, shown: bytes) -> Iterable[int]:
        if not self.two_byte:
            return shown
        if self.cid_to_gid is None:  # Identity: the codes are the glyph ids, big-endian, read in one go
            codes = array.array("H", shown[: len(shown) - len(shown) % 2])
            if sys.byteorder == "little":
                codes.byteswap()
            return codes
        cid_to_gid = self.cid_to_gid
        return [
            int.from_bytes(cid_to_gid[2 * cid : 2 * cid + 2] or b"\0\0", "big")
            for cid in (int.from_bytes(shown[index : index + 2], "big") for index in range(0, len(shown) - 1, 2))
        ]

    def text(self, glyph: int) -> str:
        return self.to_unicode.get(glyph, "")

    def problem(self, glyph: int) -> str | None:
        if self.type3_codes is not None:
            return None if glyph in self.type3_codes else "has no glyph procedure in its Type 3 font"
        if glyph == 0:
            return "is the .notdef glyph"
        if self.glyph_count is None:
            return None
        if glyph >= self.glyph_count:
            return f"is not in the embedded font ({self.glyph_count} glyphs)"
        if not _may_be_blank(self.text(glyph)) and self._blank(glyph):
            return "has no outline in the embedded font (the subset lacks it)"
        return None

    def _blank(self, glyph: int) -> bool:
        """The glyph draws nothing. A font WeasyPrint emptied of outlines because it draws each glyph as
        an image instead (colour emoji) is never blank in that sense."""
        program = self.program
        assert program is not None
        if "glyf" in program and not any(program["loca"]):
            return False
        char_string = self.char_strings.get(glyph) if self.char_strings is not None else None
        read = _cff_blank(char_string) if char_string is not None else None
        return _drawn_blank(program, glyph) if read is None else read

    @cached_property
    def glyph_count(self) -> int | None:
        return self.program["maxp"].numGlyphs if self.program is not None else None

    @cached_property
    def char_strings(self) -> _CffIndex | None:
        """The CFF program's charstrings, found without decompiling the table: fontTools would read every
        glyph's name and offset first, some 2,000 in each of a PDF's half-dozen subsets (WeasyPrint keeps
        the glyph ids of the whole face) when a few hundred glyphs are checked."""
        program = self.program
        if program is None or "CFF " not in program:
            return None
        return _CffIndex.char_strings(program.reader["CFF "])


@dataclass(frozen=True)
class _CffIndex:
    """An INDEX of a CFF table (Adobe TN 5176, 5): its items by number, each read where it lies."""

    table: bytes
    count: int
    offset_size: int
    offsets: int  # where the offset array starts
    data: int  # where the items start, less one (the offsets count from 1)

    @classmethod
    def char_strings(cls, table: bytes) -> _CffIndex:
        """The CharStrings INDEX (TN 5176, 14): a glyph's Type 2 charstring by its id. The header says
        its own size; the Name INDEX follows, then the Top DICT INDEX, whose one DICT says where it is."""
        names = cls.at(table, table[2])
        top_dicts = cls.at(table, names.end())
        decompiler = cffLib.TopDictDecompiler(defaultdict(str))  # the strings (SIDs) are not needed here
        decompiler.decompile(top_dicts.get(0) or b"")
        return cls.at(table, decompiler.getDict()["CharStrings"])

    @classmethod
    def at(cls, table: bytes, position: int) -> _CffIndex:
        (count,) = struct.unpack_from(">H", table, position)
        if count == 0:
            return cls(table, 0, 1, position + 2, position + 1)
        offset_size = table[position + 2]
        offsets = position + 3
        return cls(table, count, offset_size, offsets, offsets + (count + 1) * offset_size - 1)

    def _offset(self, index: int) -> int:
        start = self.offsets + index * self.offset_size
        return int.from_bytes(self.table[start : start + self.offset_size], "big")

    def get(self, index: int) -> bytes | None:
        if not 0 <= index < self.count:
            return None
        return self.table[self.data + self._offset(index) : self.data + self._offset(index + 1)]

    def end(self) -> int:
        return self.data + self._offset(self.count) if self.count else self.offsets


def _drawn_blank(program: TTFont, glyph: int) -> bool:
    """Draw the glyph: blank when its outline has no point at all."""
    glyph_set = program.getGlyphSet()
    pen = BoundsPen(glyph_set)
    glyph_set[program.getGlyphName(glyph)].draw(pen)
    return pen.bounds is None


@lru_cache(maxsize=1 << 16)
def _cff_blank(char_string: bytes) -> bool | None:
    """Whether a CFF glyph draws nothing, read from its charstring's operators without running it (drawing
    every distinct glyph of an article cost a tenth of its build); None when only running it can tell (it
    calls subroutines, or is an accented composite). The reading stops at the first operator that draws:
    the hints come before it, so a glyph with an outline is told by its first few bytes.

    The answer depends on the charstring's bytes alone, so it is kept for the process by them: the PDFs of
    one build embed the same faces, whose glyphs keep their ids and bytes from one subset to the next."""
    for operator, operands in _operators(T2CharString(bytecode=char_string)):
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
    """A space, or a character never drawn (a format control: a joiner, a direction mark), with the marks
    that combine with it: a cluster's text is the first glyph's (its base), and each mark is drawn by a
    glyph of its own (one the font lacks is .notdef, found as such)."""
    base = text.rstrip("".join(character for character in text if unicodedata.category(character).startswith("M")))
    if text and not base:  # marks alone: a glyph that must draw them
        return False
    return all(character.isspace() or unicodedata.category(character) in ("Cf", "Zs") for character in base)


def _to_unicode(stream: pikepdf.Object | None) -> dict[int, str]:
    """A font's ``/ToUnicode`` map (``bfchar`` and ``bfrange`` entries), code -> text."""
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
