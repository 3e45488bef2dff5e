"""Read built artifacts back into comparable facts, with readers that share nothing with the writers.

Each format has its own reader: pypdf for the PDF, zipfile + lxml for the EPUB, lxml for JATS. None
of them imports a writer, a template or the model, so a wrong mapping in a writer cannot agree with
itself: tests compare these facts with the loaded ``Article``.

Text is whitespace-normalised (``normalise``) so that a paragraph of the model can be looked up in
the text of any format with ``in``.
"""

from __future__ import annotations

import copy
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from posixpath import dirname, normpath
from posixpath import join as zip_join
from urllib.parse import unquote

from lxml import etree
from pypdf import PageObject, PdfReader
from pypdf.generic import Destination

# Never fetch or expand anything a file points at (DTDs, external entities).
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
DOI_RESOLVER = "https://doi.org/"
URN_DOI = "urn:doi:"


def normalise(text: str) -> str:
    """Collapse every run of whitespace to one space and trim the ends."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Facts:
    """What an artifact says about the article, in the same shape for every format.

    ``text`` is the main content in reading order: for the PDF and the EPUB the title block and the
    body as a reader sees them, for JATS the ``<body>``. ``back_matter_text`` is the back matter when
    the format keeps it apart (EPUB: the back-matter document; JATS: ``<back>`` plus the bios and the
    licence it keeps in the front). A PDF is one flow: its back matter is part of ``text``, after the
    body, and ``back_matter_text`` is empty. ``section_texts`` (one per section, in order) are given when
    the format marks where a section ends, which a PDF's text does not.
    """

    format: str
    title: str | None
    authors: tuple[str, ...]
    date: str | None
    journal: str | None
    url: str | None
    language: str | None
    section_titles: tuple[str, ...]
    text: str
    back_matter_text: str = ""
    section_texts: tuple[str, ...] = ()
    identifier: str | None = None
    editors: tuple[str, ...] = ()
    publisher: str | None = None
    citation: str | None = None
    toc: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    page_count: int | None = None
    footnotes: tuple[str, ...] = ()  # the text of each footnote, in order


# --- XML text --------------------------------------------------------------------------------

# Elements that start a new line for a reader; text across any other element boundary runs on.
# fmt: off
XHTML_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "div", "dl", "dt",
    "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "td", "th", "title", "tr", "ul",
})
JATS_BLOCKS = frozenset({
    "abstract", "aff", "back", "bio", "body", "boxed-text", "caption", "def", "def-item", "def-list",
    "disp-quote", "fig", "fn", "fn-group", "label", "license", "license-p", "list", "list-item", "notes",
    "p", "ref", "ref-list", "sec", "table", "table-wrap", "td", "th", "title", "tr",
})
# fmt: on


def _localname(element: etree._Element) -> str:
    return etree.QName(element).localname


def element_text(element: etree._Element, blocks: frozenset[str] = XHTML_BLOCKS) -> str:
    """Normalised text of an element; block elements are kept apart by a space, inline ones are not."""
    return normalise("".join(_text_parts(element, blocks)))


def is_note_reference(element: etree._Element) -> bool:
    """A footnote's reference mark (XHTML ``role="doc-noteref"``, JATS ``<xref ref-type="fn">``): the
    number a reader follows to the note, not part of the sentence it stands in."""
    return element.get("role") == "doc-noteref" or (_localname(element) == "xref" and element.get("ref-type") == "fn")


MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
FORMULAS = frozenset({"inline-formula", "disp-formula"})
LATEX_BODY = re.compile(r"\\begin\{document\}(.*)\\end\{document\}", re.DOTALL)


def formula_tex(element: etree._Element) -> str:
    """A formula as its TeX: MathML's TeX annotation, or the formula of a JATS <tex-math> (alone, or
    inside the LaTeX document PMC asks for, between its $…$ or \\[…\\])."""
    if _localname(element) == "math":
        found = element.xpath(".//*[local-name()='annotation'][@encoding='application/x-tex']/text()")
        return "".join(found)
    tex = "".join(element.xpath(".//tex-math//text()"))
    body = LATEX_BODY.search(tex)
    if body is None:
        return tex
    formula = body.group(1).strip()
    for opening, closing in (("\\[", "\\]"), ("$", "$")):
        if formula.startswith(opening) and formula.endswith(closing):
            return formula[len(opening) : -len(closing)]
    return formula


def _text_parts(element: etree._Element, blocks: frozenset[str]) -> Iterator[str]:
    yield element.text or ""
    for child in element:
        if isinstance(child.tag, str) and is_note_reference(child):
            pass
        elif isinstance(child.tag, str) and (_localname(child) == "math" or child.tag in FORMULAS):
            yield formula_tex(child)
        elif isinstance(child.tag, str):
            separator = " " if _localname(child) in blocks else ""
            yield separator
            yield from _text_parts(child, blocks)
            yield separator
        yield child.tail or ""


def _parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, XML_PARSER)


# --- PDF -------------------------------------------------------------------------------------
#
# Page furniture. WeasyPrint draws the running head (journal and title) in the top page-margin boxes
# and the folio ("2 / 3") in the bottom one, after each page's text. pypdf's extract_text reports
# each text run with its text matrix, so every line is read with its baseline. The first page
# carries no running head (the title block stands there), so its highest baseline is the top of the
# text block: on later pages, a line above it sits in the top margin and is the running head. The
# folio is the lowest line of a page when it is only a page number; every line on its baseline is
# bottom-margin furniture too. What remains is the body, which is joined across pages, so a
# paragraph broken by a page break reads as one again. Lines are put in reading order (top to bottom,
# then left to right), which also puts list bullets, drawn after the page's text, before their item.
#
# Footnotes. WeasyPrint sets a note's reference mark as a raised run of digits in smaller type, and the
# note itself in the page's footnote area, below the body, opening with its number and a full stop.
# A reference mark is a run of digits only, in type smaller than the line it is raised above (its
# baseline is above that line's baseline by less than half that line's size); it is taken out of the
# text and kept as a note call of that page. Notes are numbered in order: the footnote area of a page
# opens at the lowest line, below the page's last note call, that starts with the number of the first
# note not yet found ("4.") whose mark has been met on this page or an earlier one; from there to the
# folio, lines starting with the next numbers open the next notes. Notes are kept apart from the body
# text (``Facts.footnotes``). Any other run in smaller
# type less than half a line's size above or below that line's baseline is a sub- or superscript: it
# is read on that line, where it stands, joined to its neighbours unless a space parts them.
#
# A running head too long for its margin box wraps: the journal (left box) and the title (right box)
# are each read top to bottom, the left box first.
#
# Line ends. WeasyPrint breaks lines at spaces and after hard hyphens; the print stylesheet does not
# hyphenate automatically. A line ending in a hard hyphen after a letter ("multi-", "russia-" in a URL),
# or in a web address's slash, is joined to the next without a space; a soft or typographic
# hyphenation mark (U+00AD, U+2010), which automatic hyphenation would draw, is dropped. Any other
# line end is a space.

HYPHENATION_MARKS = ("\u00ad", "\u2010")
HARD_HYPHEN_AT_END = re.compile(r"\S-$")
# A web address broken after one of its slashes (the stylesheet lets long addresses wrap anywhere).
URL_BROKEN_AT_SLASH = re.compile(r"\S://(?:\S*/)?$")  # after a slash of the address, or its scheme
FOLIO = re.compile(r"(?:page\s*)?\d+(?:\s*(?:/|of)\s*\d+)?", re.IGNORECASE)
SAME_BASELINE = 0.5  # points
# The running head stands well above the text block (print.css: 3 mm of padding below it); a first line
# set a little higher than page 1's (a CJK face's taller ascent) is still text.
HEAD_RISE = 4.0  # points
PDF_DATE = re.compile(r"^D:(\d{4})(\d{2})(\d{2})")


NOTE_CALL = re.compile(r"^\d+$")
RAISED_RUN_SIZE = 0.88  # a note call or sub-/superscript is set at most this fraction of its line's size
RAISED_RUN_RISE = 0.5  # ... and raised above that line's baseline by less than this fraction of its size


@dataclass(frozen=True)
class PdfLine:
    """One line of a page: its baseline and left edge in PDF user space (points), its text and the
    font size of its first run (points)."""

    baseline: float
    x: float
    text: str
    size: float = 0.0
    raw: str = ""  # the text with the spaces at its ends, as drawn
    attached: bool = False  # a sub- or superscript run, moved onto the baseline of its line


@dataclass(frozen=True)
class PdfNote:
    """One footnote as the PDF shows it: its number, the page of its text and of its reference, its text."""

    number: int
    page: int
    text: str
    call_page: int | None = None


@dataclass(frozen=True)
class PdfPage:
    """One page split into its furniture, its body lines (in reading order) and its footnotes."""

    number: int
    running_head: str
    lines: tuple[str, ...]
    folio: str
    note_calls: tuple[int, ...] = ()
    notes: tuple[PdfNote, ...] = ()
    note_calls_opening_a_line: tuple[int, ...] = ()  # marks with nothing of their line before them


@dataclass
class _LineCollector:
    """A pypdf ``visitor_text`` that keeps each extracted line with the position of its first text."""

    lines: list[PdfLine] = field(default_factory=list)
    _text: str = ""
    _position: tuple[float, float] | None = None
    _size: float = 0.0

    def visit(self, text: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
        for index, part in enumerate(text.split("\n")):
            position = _user_space(cm, tm)
            # A run on another baseline (a raised note call, the text after it) is a line of its own.
            # So is a run of right-to-left letters next to one without (a Latin name, a number): the
            # PDF draws them left to right, and a right-to-left line is read in the other order (_merged).
            turns = part.strip() and self._text.strip() and _has_rtl(part) != _has_rtl(self._text)
            if (
                index
                or turns
                or (part.strip() and self._position and abs(self._position[0] - position[0]) >= SAME_BASELINE)
            ):
                self._close()
            if part.strip() and self._position is None:
                self._position = position
                self._size = abs(float(size) * tm[3] * cm[3]) if isinstance(size, int | float) else 0.0
            self._text += part

    def finish(self) -> list[PdfLine]:
        self._close()
        return self.lines

    def _close(self) -> None:
        if self._text.strip() and self._position is not None:
            y, x = self._position
            self.lines.append(PdfLine(baseline=y, x=x, text=self._text.strip(), size=self._size, raw=self._text))
        self._text, self._position, self._size = "", None, 0.0


def _user_space(cm: list[float], tm: list[float]) -> tuple[float, float]:
    """(y, x) of the text origin: the text matrix's translation mapped through the CTM."""
    x, y = tm[4], tm[5]
    return x * cm[1] + y * cm[3] + cm[5], x * cm[0] + y * cm[2] + cm[4]


def _page_lines(page: PageObject) -> list[PdfLine]:
    """The page's text runs top to bottom, left to right."""
    collector = _LineCollector()
    page.extract_text(visitor_text=collector.visit)
    return sorted(collector.finish(), key=lambda line: (-line.baseline, line.x))


def _merged(ordered: list[PdfLine], right_to_left: bool = False) -> list[PdfLine]:
    """Runs on one baseline as one line: separate runs are separate words, except a sub- or superscript,
    which joins its neighbours as drawn (``CO`` ``2`` ``-equivalent``). In a right-to-left document, a
    line with right-to-left letters is read from its rightmost run to its leftmost."""
    rows: list[list[PdfLine]] = []
    for line in sorted(ordered, key=lambda line: (-line.baseline, line.x)):
        if rows and abs(rows[-1][0].baseline - line.baseline) < SAME_BASELINE:
            rows[-1].append(line)
        else:
            rows.append([line])
    merged: list[PdfLine] = []
    for row in rows:
        left = row[0]
        if right_to_left and any(_has_rtl(run.text) for run in row):
            row = row[::-1]  # drawn left to right (by x, or in drawing order when runs share one origin)
        joined = row[0]
        for line in row[1:]:
            spaced = joined.raw[-1:].isspace() or line.raw[:1].isspace()
            separator = "" if (joined.attached or line.attached) and not spaced else " "
            text = f"{joined.text}{separator}{line.text}"
            joined = PdfLine(left.baseline, left.x, text, left.size, line.raw, line.attached)
        merged.append(PdfLine(left.baseline, left.x, joined.text, left.size, joined.raw, joined.attached))
    return merged


def _wide(text: str) -> bool:
    """Whether ``text`` is a wide character (Han, kana, Hangul, CJK punctuation): between two of them
    a line breaks without a space (at a space between a wide and a narrow one, one cannot tell)."""
    return bool(text) and all(unicodedata.east_asian_width(character) in ("W", "F") for character in text)


def _has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(character) in ("R", "AL") for character in text)


def _right_to_left(text: str) -> bool:
    directions = [unicodedata.bidirectional(character) for character in text]
    return sum(direction in ("R", "AL") for direction in directions) > directions.count("L")


def _attach_raised_and_lowered(runs: list[PdfLine]) -> list[PdfLine]:
    """Each sub- or superscript run (smaller type, less than half its line's size off its baseline) on
    the baseline of its line, so that it is read where it stands in it."""
    attached: list[PdfLine] = []
    for run in runs:
        host = next(
            (
                other
                for other in runs
                if run.size
                and other.size * RAISED_RUN_SIZE >= run.size
                and SAME_BASELINE <= abs(run.baseline - other.baseline) < other.size * RAISED_RUN_RISE
            ),
            None,
        )
        if host is None:
            attached.append(run)
        else:
            attached.append(PdfLine(host.baseline, run.x, run.text, run.size, run.raw, attached=True))
    return attached


def _raised_over(line: PdfLine, lines: list[PdfLine]) -> PdfLine | None:
    """The line of larger type that ``line`` is raised a little above, if any (see above)."""
    return next(
        (
            other
            for other in lines
            if other.size * RAISED_RUN_SIZE >= line.size
            and 0 < line.baseline - other.baseline < other.size * RAISED_RUN_RISE
        ),
        None,
    )


def _is_note_call(line: PdfLine, lines: list[PdfLine]) -> bool:
    """A run of digits in smaller type, raised a little above a line of larger type (see above)."""
    return bool(NOTE_CALL.match(line.text) and line.size and _raised_over(line, lines) is not None)


def _opens_its_line(call: PdfLine, lines: list[PdfLine]) -> bool:
    """Whether nothing of the line a note call is raised over stands to its left."""
    line = _raised_over(call, lines)
    return line is None or line.x >= call.x


def _running_head(head: list[PdfLine]) -> str:
    """The head's text: the left box (the lines starting furthest left), then the right one."""
    if not head:
        return ""
    left_edge = min(line.x for line in head)
    left = [line for line in head if line.x - left_edge < SAME_BASELINE]
    return normalise(" ".join(line.text for line in [*left, *(line for line in head if line not in left)]))


def _split_notes(
    body: list[PdfLine], calls: list[PdfLine], first_pending: int, last_called: int
) -> tuple[list[PdfLine], list[str]]:
    """The body lines above the page's footnote area, and the text of each note in that area (only
    notes whose mark has been met, on this page or before: ``last_called``)."""
    if first_pending > last_called:
        return body, []
    lowest_call = min((line.baseline for line in calls), default=float("inf"))
    marker = f"{first_pending}."
    opening = [
        index
        for index, line in enumerate(body)
        if line.baseline < lowest_call and (line.text == marker or line.text.startswith(marker + " "))
    ]
    if not opening:
        return body, []
    notes: list[str] = []
    number = first_pending
    for line in body[opening[-1] :]:
        if number <= last_called and (line.text == f"{number}." or line.text.startswith(f"{number}. ")):
            notes.append(line.text[len(f"{number}.") :].strip())
            number += 1
        else:
            notes[-1] = f"{notes[-1]}\n{line.text}"
    return body[: opening[-1]], notes


def _split_page(
    number: int,
    lines: list[PdfLine],
    text_block_top: float,
    first_pending: int = 1,
    last_called: int = 0,
    right_to_left: bool = False,
) -> PdfPage:
    head = [line for line in lines if line.baseline > text_block_top + HEAD_RISE]
    runs = [line for line in lines if line not in head]
    calls = [run for run in runs if _is_note_call(run, runs)]
    rest = _merged(_attach_raised_and_lowered([run for run in runs if run not in calls]), right_to_left)
    foot: list[PdfLine] = []
    if rest and FOLIO.fullmatch(rest[-1].text):
        bottom = rest[-1].baseline
        foot = [line for line in rest if abs(line.baseline - bottom) < SAME_BASELINE]
    body = body_lines = [line for line in rest if line not in foot]
    last_called = max([last_called, *(int(call.text) for call in calls)])
    body, notes = _split_notes(body, calls, first_pending, last_called)
    return PdfPage(
        number=number,
        running_head=_running_head(head),
        lines=tuple(line.text for line in body),
        folio=normalise(" ".join(line.text for line in foot)),
        note_calls=tuple(int(line.text) for line in calls),
        note_calls_opening_a_line=tuple(int(line.text) for line in calls if _opens_its_line(line, body_lines)),
        notes=tuple(
            PdfNote(first_pending + index, number, join_lines(text.split("\n"))) for index, text in enumerate(notes)
        ),
    )


def pdf_pages(path: Path) -> tuple[PdfPage, ...]:
    """Every page of the PDF with its running head, body lines and folio told apart (see above)."""
    return _pages(PdfReader(path))


def _pages(reader: PdfReader) -> tuple[PdfPage, ...]:
    page_lines = [_page_lines(page) for page in reader.pages]
    if not page_lines or not page_lines[0]:
        return tuple(PdfPage(n, "", (), "") for n in range(1, len(page_lines) + 1))
    text_block_top = max(line.baseline for line in page_lines[0])
    # A document is right to left when most of its letters are (Arabic, Hebrew): read from its text alone.
    right_to_left = _right_to_left("".join(line.text for lines in page_lines for line in lines))
    pages: list[PdfPage] = []
    first_pending, last_called = 1, 0
    for number, lines in enumerate(page_lines, start=1):
        page = _split_page(number, lines, text_block_top, first_pending, last_called, right_to_left)
        first_pending += len(page.notes)
        last_called = max([last_called, *page.note_calls])
        pages.append(page)
    return tuple(pages)


def pdf_footnotes(pages: tuple[PdfPage, ...]) -> tuple[PdfNote, ...]:
    """Every footnote with the page of its text and the page of its reference mark."""
    call_pages = {call: page.number for page in pages for call in page.note_calls}
    return tuple(
        PdfNote(note.number, note.page, note.text, call_pages.get(note.number)) for page in pages for note in page.notes
    )


def join_lines(lines: Iterable[str]) -> str:
    """Lines as running text: hard hyphens kept without a space, hyphenation marks dropped."""
    text = ""
    for line in (normalise(line) for line in lines):
        if not line:
            continue
        if text.endswith(HYPHENATION_MARKS):
            text = text[:-1] + line
        elif (
            HARD_HYPHEN_AT_END.search(text)
            or URL_BROKEN_AT_SLASH.search(text)
            or (_wide(text[-1:]) and _wide(line[:1]))
        ):
            text += line  # text written without spaces (Chinese, Japanese) breaks lines between characters
        else:
            text = f"{text} {line}" if text else line
    return text


def pdf_outline(reader: PdfReader) -> list[tuple[int, str]]:
    """The bookmarks as (depth, title), depth 0 at the top level, in document order."""
    return list(_walk_outline(reader.outline, 0))


def _walk_outline(entries: Iterable[object], depth: int) -> Iterator[tuple[int, str]]:
    # pypdf gives a bookmark's children as a list right after it.
    for entry in entries:
        if isinstance(entry, list):
            yield from _walk_outline(entry, depth + 1)
        elif isinstance(entry, Destination):
            yield depth, str(entry.title)


def pdf_links(reader: PdfReader) -> list[tuple[int, str]]:
    """(page number, URI) of every link annotation, page by page."""
    links: list[tuple[int, str]] = []
    for number, page in enumerate(reader.pages, start=1):
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            action = annotation.get("/A")
            if annotation.get("/Subtype") == "/Link" and action is not None and "/URI" in action:
                links.append((number, str(action["/URI"])))
    return links


def pdf_date(value: str | None) -> str | None:
    """A PDF date string (``D:20220322...``) as an ISO date."""
    match = PDF_DATE.match(value or "")
    return "-".join(match.groups()) if match else None


def _pdf_authors(reader: PdfReader) -> tuple[str, ...]:
    """Authors from XMP dc:creator (an ordered list); the info /Author is one comma-joined string."""
    xmp = reader.xmp_metadata
    if xmp is not None and xmp.dc_creator:
        return tuple(str(name) for name in xmp.dc_creator)
    author = (reader.metadata or {}).get("/Author")
    return tuple(name.strip() for name in str(author).split(",")) if author else ()


def _pdf_identifier(reader: PdfReader) -> str | None:
    """The article's identifier as the XMP states it (dc:identifier)."""
    xmp = reader.xmp_metadata
    return str(xmp.dc_identifier) if xmp is not None and xmp.dc_identifier else None


def _running_journal(pages: tuple[PdfPage, ...], title: str | None) -> str | None:
    """The journal from the running head: the head sets the journal, then the title (/Title).

    A one-page PDF has no running head; its journal is only in the title block, in ``text``."""
    for page in pages:
        head = page.running_head
        if head and title and head.endswith(title):
            return head[: -len(title)].strip() or None
        if head and title and head.startswith(title):  # a right-to-left page: the journal heads its right side
            return head[len(title) :].strip() or None
    return None


def pdf_facts(path: Path) -> Facts:
    reader = PdfReader(path)
    info = reader.metadata or {}
    title = str(info["/Title"]) if "/Title" in info else None
    pages = _pages(reader)
    outline = pdf_outline(reader)
    links = pdf_links(reader)
    language = reader.trailer["/Root"].get("/Lang")
    return Facts(
        format="pdf",
        title=title,
        authors=_pdf_authors(reader),
        date=pdf_date(str(info.get("/CreationDate", "")) or None),
        journal=_running_journal(pages, title),
        # A PDF has no metadata field for its web address: the title block links it on page 1
        # (after the DOI link, when there is one).
        url=next((uri for number, uri in links if number == 1 and not uri.startswith(DOI_RESOLVER)), None),
        language=str(language) if language is not None else None,
        # The top-level bookmark is the article; the sections are the bookmarks right below it.
        section_titles=tuple(title for depth, title in outline if depth == 1),
        text=join_lines(line for page in pages for line in page.lines),
        identifier=_pdf_identifier(reader),
        toc=tuple(title for _depth, title in outline),
        links=tuple(uri for _number, uri in links),
        page_count=len(pages),
        footnotes=tuple(note.text for note in pdf_footnotes(pages)),
    )


# --- EPUB ------------------------------------------------------------------------------------

CONTAINER_PATH = "META-INF/container.xml"
CONTAINER_NS = "urn:oasis:names:tc:opendocument:xmlns:container"
OPF_NS = "http://www.idpf.org/2007/opf"
DC_NS = "http://purl.org/dc/elements/1.1/"
XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
NCX_NS = "http://www.daisy.org/z3986/2005/ncx/"
EPUB_TYPE = f"{{{EPUB_NS}}}type"
NS = {"opf": OPF_NS, "dc": DC_NS, "c": CONTAINER_NS, "x": XHTML_NS, "ncx": NCX_NS, "epub": EPUB_NS}
ACCESSIBILITY_PROPERTIES = (
    "schema:accessMode",
    "schema:accessModeSufficient",
    "schema:accessibilityFeature",
    "schema:accessibilityHazard",
    "schema:accessibilitySummary",
)


@dataclass(frozen=True)
class EpubPerson:
    """A dc:creator or dc:contributor with the refinements that point at it."""

    name: str
    file_as: str | None
    roles: tuple[str, ...]


@dataclass(frozen=True)
class NavEntry:
    label: str
    href: str  # resolved against the package: a ZIP path, with ``#fragment`` when there is one
    depth: int = 0  # 0 for a top-level entry, 1 for an entry nested in it...

    @property
    def document(self) -> str:
        return self.href.partition("#")[0]

    @property
    def fragment(self) -> str:
        return self.href.partition("#")[2]


@dataclass(frozen=True)
class SpineItem:
    path: str  # ZIP path
    linear: bool


@dataclass(frozen=True)
class EpubPackage:
    """The package document (OPF) and the navigation of an EPUB, as read from the ZIP."""

    opf_path: str
    unique_identifier: str | None
    titles: tuple[str, ...]
    creators: tuple[EpubPerson, ...]
    contributors: tuple[EpubPerson, ...]
    dates: tuple[str, ...]
    languages: tuple[str, ...]
    publishers: tuple[str, ...]
    sources: tuple[str, ...]
    collections: tuple[str, ...]
    meta: dict[str, tuple[str, ...]]  # property -> values, for metas that refine nothing
    spine: tuple[SpineItem, ...]
    nav_path: str | None
    toc: tuple[NavEntry, ...]
    landmarks: tuple[tuple[str, NavEntry], ...]  # (epub:type, entry)
    ncx: tuple[NavEntry, ...]

    @property
    def accessibility(self) -> dict[str, tuple[str, ...]]:
        return {name: self.meta.get(name, ()) for name in ACCESSIBILITY_PROPERTIES}

    def landmark(self, kind: str) -> NavEntry | None:
        return next((entry for landmark_type, entry in self.landmarks if landmark_type == kind), None)


def _resolve(base: str, href: str) -> str:
    """A relative href in the file at ``base`` as a ZIP path (fragment kept)."""
    target, _, fragment = unquote(href).partition("#")
    path = normpath(zip_join(dirname(base), target)) if target else base
    return f"{path}#{fragment}" if fragment else path


def opf_path(archive: zipfile.ZipFile) -> str:
    container = _parse_xml(archive.read(CONTAINER_PATH))
    rootfile = container.find("c:rootfiles/c:rootfile", NS)
    if rootfile is None or not rootfile.get("full-path"):
        raise ValueError(f"{CONTAINER_PATH} names no package document")
    return str(rootfile.get("full-path"))


def _texts(metadata: etree._Element, path: str) -> tuple[str, ...]:
    return tuple(normalise(element.text or "") for element in metadata.findall(path, NS))


def _refinements(metadata: etree._Element, element_id: str | None, property_name: str) -> tuple[str, ...]:
    if not element_id:
        return ()
    return tuple(
        normalise(meta.text or "")
        for meta in metadata.findall("opf:meta", NS)
        if meta.get("refines") == f"#{element_id}" and meta.get("property") == property_name
    )


def _people(metadata: etree._Element, path: str) -> tuple[EpubPerson, ...]:
    people = []
    for element in metadata.findall(path, NS):
        file_as = _refinements(metadata, element.get("id"), "file-as")
        people.append(
            EpubPerson(
                name=normalise(element.text or ""),
                file_as=file_as[0] if file_as else element.get(f"{{{OPF_NS}}}file-as"),
                roles=_refinements(metadata, element.get("id"), "role") or _opf2_role(element),
            )
        )
    return tuple(people)


def _opf2_role(element: etree._Element) -> tuple[str, ...]:
    role = element.get(f"{{{OPF_NS}}}role")
    return (role,) if role else ()


def _package_meta(metadata: etree._Element) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for meta in metadata.findall("opf:meta[@property]", NS):
        if meta.get("refines") is None:
            found.setdefault(str(meta.get("property")), []).append(normalise(meta.text or ""))
    return {name: tuple(values) for name, values in found.items()}


def _manifest(package: etree._Element, base: str) -> dict[str, tuple[str, str]]:
    """id -> (ZIP path, properties) of every manifest item."""
    return {
        str(item.get("id")): (_resolve(base, str(item.get("href"))), item.get("properties") or "")
        for item in package.findall("opf:manifest/opf:item", NS)
    }


def _spine(package: etree._Element, manifest: dict[str, tuple[str, str]]) -> tuple[SpineItem, ...]:
    return tuple(
        SpineItem(path=manifest[str(itemref.get("idref"))][0], linear=itemref.get("linear", "yes") != "no")
        for itemref in package.findall("opf:spine/opf:itemref", NS)
    )


def _nav_links(nav: etree._Element, nav_path: str, kind: str) -> tuple[tuple[str, NavEntry], ...]:
    """(epub:type of the link, entry) for every link of the nav element of that epub:type, in order."""
    for element in nav.iter(f"{{{XHTML_NS}}}nav"):
        if kind in (element.get(EPUB_TYPE) or "").split():
            return tuple(
                (link.get(EPUB_TYPE) or "", _nav_entry(link, nav_path)) for link in element.iter(f"{{{XHTML_NS}}}a")
            )
    return ()


def _nav_entry(link: etree._Element, nav_path: str) -> NavEntry:
    depth = len(link.xpath("ancestor::x:li", namespaces=NS)) - 1
    return NavEntry(element_text(link), _resolve(nav_path, str(link.get("href"))), max(depth, 0))


def _navigation(
    archive: zipfile.ZipFile, nav_path: str | None
) -> tuple[tuple[NavEntry, ...], tuple[tuple[str, NavEntry], ...]]:
    """The table of contents and the landmarks of the navigation document."""
    if nav_path is None:
        return (), ()
    nav = _parse_xml(archive.read(nav_path))
    toc = tuple(entry for _type, entry in _nav_links(nav, nav_path, "toc"))
    return toc, _nav_links(nav, nav_path, "landmarks")


def _ncx(
    archive: zipfile.ZipFile, package: etree._Element, manifest: dict[str, tuple[str, str]]
) -> tuple[NavEntry, ...]:
    """The NCX navMap (EPUB 2 navigation, kept for older readers), when the spine names one."""
    spine = package.find("opf:spine", NS)
    toc_id = spine.get("toc") if spine is not None else None
    if not toc_id or toc_id not in manifest:
        return ()
    ncx_path = manifest[toc_id][0]
    ncx = _parse_xml(archive.read(ncx_path))
    return tuple(
        NavEntry(
            normalise(point.findtext("ncx:navLabel/ncx:text", default="", namespaces=NS)),
            _resolve(ncx_path, str(point.find("ncx:content", NS).get("src"))),
            len(point.xpath("ancestor::ncx:navPoint", namespaces=NS)),
        )
        for point in ncx.iter(f"{{{NCX_NS}}}navPoint")
    )


def epub_package(path: Path) -> EpubPackage:
    with zipfile.ZipFile(path) as archive:
        package_path = opf_path(archive)
        package = _parse_xml(archive.read(package_path))
        metadata = package.find("opf:metadata", NS)
        if metadata is None:
            raise ValueError(f"{package_path} has no <metadata>")
        manifest = _manifest(package, package_path)
        nav_path = next((item for item, properties in manifest.values() if "nav" in properties.split()), None)
        toc, landmarks = _navigation(archive, nav_path)
        meta = _package_meta(metadata)
        unique_id = package.get("unique-identifier")
        identifier = metadata.find(f"dc:identifier[@id='{unique_id}']", NS) if unique_id else None
        return EpubPackage(
            opf_path=package_path,
            unique_identifier=normalise(identifier.text or "") if identifier is not None else None,
            titles=_texts(metadata, "dc:title"),
            creators=_people(metadata, "dc:creator"),
            contributors=_people(metadata, "dc:contributor"),
            dates=_texts(metadata, "dc:date"),
            languages=_texts(metadata, "dc:language"),
            publishers=_texts(metadata, "dc:publisher"),
            sources=_texts(metadata, "dc:source"),
            collections=meta.get("belongs-to-collection", ()),
            meta=meta,
            spine=_spine(package, manifest),
            nav_path=nav_path,
            toc=toc,
            landmarks=landmarks,
            ncx=_ncx(archive, package, manifest),
        )


def read_xhtml(path: Path, member: str) -> etree._Element:
    """One XHTML document of the EPUB, parsed."""
    with zipfile.ZipFile(path) as archive:
        return _parse_xml(archive.read(member))


def _body(document: etree._Element) -> etree._Element:
    body = document.find("x:body", NS)
    if body is None:
        raise ValueError("XHTML document without <body>")
    return body


def _by_id(document: etree._Element, element_id: str) -> etree._Element | None:
    return next(iter(document.xpath("//*[@id=$id]", id=element_id)), None)


def _has_class(element: etree._Element, name: str) -> bool:
    return name in (element.get("class") or "").split()


def _remove_keeping_tail(element: etree._Element) -> None:
    """Remove an element; the text after it stays where it was."""
    parent, previous = element.getparent(), element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + (element.tail or "")
    else:
        parent.text = (parent.text or "") + (element.tail or "")
    parent.remove(element)


def _epub_citation(document: etree._Element | None) -> str | None:
    """The text of the paragraph of class ``suggested-citation``, without its label."""
    if document is None:
        return None
    for element in document.iter(f"{{{XHTML_NS}}}p"):
        if _has_class(element, "suggested-citation"):
            paragraph = copy.deepcopy(element)
            for label in [child for child in paragraph.iter() if child is not paragraph and _has_class(child, "label")]:
                _remove_keeping_tail(label)
            return element_text(paragraph)
    return None


def _first(values: tuple[str, ...]) -> str | None:
    return values[0] if values else None


def _text_by_id(document: etree._Element | None, element_id: str) -> str:
    element = _by_id(document, element_id) if document is not None else None
    return element_text(element) if element is not None else ""


def epub_facts(path: Path) -> Facts:
    """Facts from the package metadata, the navigation and the linear spine documents.

    The backmatter landmark names the back-matter document; every other linear spine document is main
    text. The sections are the top-level table-of-contents entries pointing into the bodymatter document.
    """
    package = epub_package(path)
    documents = {item.path: read_xhtml(path, item.path) for item in package.spine if item.linear}
    back, body = package.landmark("backmatter"), package.landmark("bodymatter")
    back_document = documents.get(back.document) if back else None
    body_document = documents.get(body.document) if body else None
    sections = [
        entry
        for entry in package.toc
        if body is not None and entry.depth == 0 and entry.document == body.document and entry.fragment
    ]
    main = [document for document in documents.values() if document is not back_document]
    notes = [note for document in main for note in document.iter(f"{{{XHTML_NS}}}aside") if _is_footnote(note)]
    return Facts(
        format="epub",
        title=_first(package.titles),
        authors=tuple(person.name for person in package.creators),
        date=_first(package.dates),
        journal=_first(package.collections),
        url=_first(package.sources),
        language=_first(package.languages),
        section_titles=tuple(entry.label for entry in sections),
        text=normalise(" ".join(element_text(_body(document)) for document in main)),
        back_matter_text=element_text(_body(back_document)) if back_document is not None else "",
        section_texts=tuple(_text_by_id(body_document, entry.fragment) for entry in sections),
        identifier=_resolvable(package.unique_identifier),
        editors=tuple(person.name for person in package.contributors if "edt" in person.roles),
        publisher=_first(package.publishers),
        citation=_epub_citation(back_document),
        toc=tuple(entry.label for entry in package.toc),
        footnotes=tuple(_note_text(note) for note in notes),
    )


def _resolvable(identifier: str | None) -> str | None:
    """A ``urn:doi:`` identifier as the DOI's resolver address, so that every format's identifier compares."""
    if identifier and identifier.lower().startswith(URN_DOI):
        return f"{DOI_RESOLVER}{identifier[len(URN_DOI) :]}"
    return identifier


def _is_footnote(element: etree._Element) -> bool:
    return element.get("role") == "doc-footnote" or "footnote" in (element.get(f"{{{EPUB_NS}}}type") or "").split()


def _note_text(note: etree._Element) -> str:
    """A note's text without its number (the back link that opens it)."""
    plain = copy.deepcopy(note)
    for back in plain.xpath(".//x:a[@role='doc-backlink']", namespaces=NS):
        _remove_keeping_tail(back)
    return element_text(plain)


# --- JATS ------------------------------------------------------------------------------------


def _jats_text(element: etree._Element | None) -> str:
    return element_text(element, JATS_BLOCKS) if element is not None else ""


def _jats_name(contrib: etree._Element) -> str:
    """A contributor's name as printed in a byline: given names, then surname; for JATS's "eastern" style,
    surname then given names, written together (陈晓明)."""
    name = contrib.find("name")
    if name is None:
        return normalise(contrib.findtext("string-name", default=""))
    given, surname = name.findtext("given-names", default=""), name.findtext("surname", default="")
    return normalise(surname + given if name.get("name-style") == "eastern" else f"{given} {surname}")


def _jats_contribs(meta: etree._Element, contrib_type: str) -> tuple[str, ...]:
    return tuple(
        _jats_name(contrib) for contrib in meta.findall(f"contrib-group/contrib[@contrib-type='{contrib_type}']")
    )


def _jats_date(meta: etree._Element) -> str | None:
    date = meta.find("pub-date[@date-type='pub']")
    if date is None:
        date = meta.find("pub-date")
    if date is None:
        return None
    if date.get("iso-8601-date"):
        return date.get("iso-8601-date")
    parts = (date.findtext("year"), date.findtext("month"), date.findtext("day"))
    return "-".join(part.zfill(2) for part in parts if part) or None


def _jats_back_matter(root: etree._Element, meta: etree._Element) -> str:
    """<back>, plus what JATS keeps in the front but readers meet as back matter: bios, the licence and
    the notes of <front> (the disclaimer)."""
    parts = [_jats_text(bio) for bio in meta.iter("bio")]
    parts += [_jats_text(notes) for notes in root.findall("front/notes")]
    parts += [_jats_text(license_p) for license_p in meta.iter("license-p")]
    return normalise(" ".join([*parts, _jats_text(root.find("back"))]))


def _jats_citation(root: etree._Element) -> str | None:
    notes = root.find("back/notes[@notes-type='suggested-citation']")
    paragraph = notes.find("p") if notes is not None else None
    return _jats_text(paragraph) if paragraph is not None else None


def jats_facts(path: Path) -> Facts:
    root = etree.parse(str(path), XML_PARSER).getroot()
    meta = root.find("front/article-meta")
    if meta is None:
        raise ValueError(f"{path}: no <front>/<article-meta>")
    body = root.find("body")
    sections = body.findall("sec") if body is not None else []
    title = meta.find("title-group/article-title")
    doi = meta.findtext("article-id[@pub-id-type='doi']")
    self_uri = meta.find("self-uri")
    url = self_uri.get(XLINK_HREF) if self_uri is not None else None
    return Facts(
        format="jats",
        title=_jats_text(title) if title is not None else None,
        authors=_jats_contribs(meta, "author"),
        date=_jats_date(meta),
        journal=root.findtext("front/journal-meta/journal-title-group/journal-title"),
        url=url,
        language=root.get(XML_LANG),
        section_titles=tuple(_jats_text(sec.find("title")) for sec in sections),
        text=_jats_text(body),
        back_matter_text=_jats_back_matter(root, meta),
        section_texts=tuple(_jats_text(sec) for sec in sections),
        identifier=f"{DOI_RESOLVER}{doi}" if doi else url,
        editors=_jats_contribs(meta, "editor"),
        publisher=root.findtext("front/journal-meta/publisher/publisher-name"),
        citation=_jats_citation(root),
        links=tuple(str(link.get(XLINK_HREF)) for link in root.iter("ext-link", "uri") if link.get(XLINK_HREF)),
        footnotes=tuple(_jats_text(_without_label(fn)) for fn in root.iter("fn")),
    )


def _without_label(fn: etree._Element) -> etree._Element:
    plain = copy.deepcopy(fn)
    for label in plain.findall("label"):
        _remove_keeping_tail(label)
    return plain


EXTRACTORS = {"pdf": pdf_facts, "epub": epub_facts, "jats": jats_facts}
