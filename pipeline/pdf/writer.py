"""Article -> tagged PDF through the shared HTML renderer, print CSS and WeasyPrint."""

from __future__ import annotations

import calendar
import functools
import io
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pikepdf

from pipeline import paths
from pipeline.errors import LocatedError, PipelineError
from pipeline.model import Article
from pipeline.notices import notice
from pipeline.pdf import figures, formulas, glyphs, layout_caches, placement, structure
from pipeline.pdf import messages as weasy_messages
from pipeline.pdf.fetch import SOURCE_URL, ConfinedURLFetcher
from pipeline.pdf.weasy import trailing_spaces_hang, weasyprint
from pipeline.render import html
from pipeline.writers.deposit.record import record_date

FontConfiguration = weasyprint.text.fonts.FontConfiguration

DEFAULT_VARIANT = "pdf/ua-1"
ARCHIVAL_VARIANT = "pdf/a-3a"
VARIANTS = (DEFAULT_VARIANT, ARCHIVAL_VARIANT)
DATE_VARIABLE = "SOURCE_DATE_EPOCH"
# A font's dates count seconds from 1904-01-01 and cannot go before it (OpenType ``head``): an older
# record date (a commentary on a text of 1060) is stamped as that day.
EARLIEST_FONT_DATE = calendar.timegm((1904, 1, 1, 0, 0, 0))


def write(article: Article, path: Path, variant: str = DEFAULT_VARIANT) -> None:
    if variant not in VARIANTS:
        raise PipelineError(f"unknown PDF variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    document = formulas.drawn(html.render(article, "article.html.j2", body=html.render_body(article)))
    folder = paths.source_dir(article)
    fetcher = ConfinedURLFetcher([folder, paths.STYLES], folder, article.images)
    stylesheet = paths.STYLES / "print.css"
    # Presentational hints: an ordered list's `start` (and an item's `value`) count in print as on screen.
    options = {"pdf_variant": variant, "pdf_tags": True, "custom_metadata": True, "presentational_hints": True}
    css, fonts, said = _print_stylesheet(stylesheet, stylesheet.read_bytes())
    # A fault WeasyPrint only logs (a missing glyph, image or anchor) fails the PDF; a notice is passed on.
    # Font descriptions, feature lists and struts worked out once for this PDF (layout_caches.py).
    with weasy_messages.collecting(article.source_path) as messages, layout_caches.worked_out_once():
        with messages.parsing(stylesheet):  # what parsing it said, said of this article's PDF as well
            for message in said:
                messages.emit(logging.makeLogRecord({"msg": message, "levelno": logging.WARNING}))
        laid_out = _laid_out(article, document, fetcher, css, fonts, options, messages)
        refilled = None if messages.faults() else figures.filled(document, laid_out)
        if refilled is not None:  # a figure moved on, leaving room: the text after it fills the page
            laid_out = _laid_out(article, refilled, fetcher, css, fonts, options, messages)
        # A fault already known fails the PDF: writing it out would be wasted work.
        with structure.logical_tags(), _fonts_dated_from(article):  # one tree for the article
            rendered = b"" if messages.faults() else laid_out.write_pdf(**options)
    faults = messages.faults()
    if faults:
        raise LocatedError("\n".join(faults))
    _write_with_full_xmp(rendered, article, path, variant)


@contextmanager
def _fonts_dated_from(article: Article) -> Iterator[None]:
    """Fonts stamped with the record date, not the clock. fontTools, which WeasyPrint uses to rewrite
    some fonts (colour emoji, variable fonts), sets each font's ``head.modified`` to the time it saves
    it, unless ``SOURCE_DATE_EPOCH`` names another (the reproducible-builds convention, read by
    ``fontTools.misc.timeTools.timestampNow``). Inside, that variable is the article's record date, so
    the same source gives the same bytes at any time, whatever the environment says."""
    before = os.environ.get(DATE_VARIABLE)
    os.environ[DATE_VARIABLE] = str(max(calendar.timegm(record_date(article).timetuple()), EARLIEST_FONT_DATE))
    try:
        yield
    finally:
        if before is None:
            del os.environ[DATE_VARIABLE]
        else:
            os.environ[DATE_VARIABLE] = before


def warm_up() -> None:
    """Do before the first article what every PDF of this process needs: parse the print stylesheet with
    its fonts and compile the templates (the build runs this in the PDF's worker while the article is
    still being prepared, two cores doing at once what one did in turn)."""
    stylesheet = paths.STYLES / "print.css"
    _print_stylesheet(stylesheet, stylesheet.read_bytes())
    html.compile_templates()


@functools.lru_cache(maxsize=2)
def _print_stylesheet(path: Path, data: bytes) -> tuple[weasyprint.CSS, FontConfiguration, tuple[str, ...]]:
    """The print stylesheet parsed once per process for as long as its bytes stay the same (a tenth of
    a short article's PDF went into parsing it anew), with the font configuration it registered its
    @font-face rules in (a stylesheet is used with that one only, so every PDF lays out with it) and what
    WeasyPrint said while parsing it. Only styles/ may be read for it: it is nobody's article."""
    fonts = FontConfiguration()
    said: list[str] = []
    listener = _Listener(said)
    logger = logging.getLogger(weasy_messages.WEASYPRINT_LOGGER)
    logger.addHandler(listener)
    try:
        css = weasyprint.CSS(
            string=data.decode("utf-8"),
            base_url=path.as_uri(),
            url_fetcher=ConfinedURLFetcher([paths.STYLES]),
            font_config=fonts,
        )
    finally:
        logger.removeHandler(listener)
    return css, fonts, tuple(said)


class _Listener(logging.Handler):
    def __init__(self, said: list[str]) -> None:
        super().__init__(level=logging.WARNING)
        self.said = said

    def emit(self, record: logging.LogRecord) -> None:
        self.said.append(record.getMessage())


def _write_with_full_xmp(rendered: bytes, article: Article, path: Path, variant: str) -> None:
    """Add to the XMP what WeasyPrint leaves out (publication date, language, publisher, identifier,
    rights), then save with a content-derived /ID so the same source gives the same bytes."""
    with pikepdf.open(io.BytesIO(rendered)) as pdf:
        # Neither pikepdf as producer nor a metadata date: both would change at every build.
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["dc:date"] = [article.issued.isoformat()]
            xmp["dc:language"] = [article.language]
            xmp["dc:identifier"] = article.identifier
            xmp["dc:source"] = article.container_title
            if rights_statement(article):
                xmp["dc:rights"] = rights_statement(article)
            if article.copyright and article.copyright.holder:
                # XMP Rights Management's own property for who holds the rights (predefined in PDF/A).
                xmp["xmpRights:Owner"] = [article.copyright.holder]
            if article.publisher:
                xmp["dc:publisher"] = [article.publisher]
            if article.license:
                xmp["xmpRights:Marked"] = "True"
                if article.license.url:
                    xmp["xmpRights:WebStatement"] = article.license.url
        if variant == ARCHIVAL_VARIANT:  # an archive copy that stays accessible and carries its sources
            from pipeline.pdf import archival  # with the JATS writer it embeds: only for this variant

            archival.make_accessible_archive(pdf, archival.associated_files(article))
        # A glyph the fonts lack after shaping (.notdef, or one the subset dropped) is not reported by
        # WeasyPrint: read back from the file itself, it fails the PDF like a missing character.
        bad = glyphs.bad_glyphs(pdf)
        if bad:
            raise LocatedError(
                "\n".join(f"{paths.shown(article.source_path)}: pdf: {glyph}; it would print wrong" for glyph in bad)
            )
        # Saved in memory and written by Python: qpdf writing a file itself aborts the process on a full
        # disk (an exception thrown across C++ code that cannot pass it on), where Python raises OSError.
        saved = io.BytesIO()
        pdf.save(saved, deterministic_id=True)
    path.write_bytes(saved.getbuffer())


def rights_statement(article: Article) -> str | None:
    """dc:rights: the copyright statement, then the licence, as the source words them."""
    copyright_statement = article.copyright.statement if article.copyright else None
    terms = (article.license.text or article.license.url) if article.license else None
    return " ".join(part for part in (copyright_statement, terms) if part) or None


def _laid_out(
    article: Article,
    document: str,
    fetcher: ConfinedURLFetcher,
    stylesheet: weasyprint.CSS,
    fonts: FontConfiguration,
    options: dict[str, object],
    messages: weasy_messages.MessageCollector,
) -> weasyprint.Document:
    """The document laid out once, with every footnote on the page of its reference as far as
    WeasyPrint can (pipeline/pdf/placement.py moves the block of a note set late to the next page and
    lays out again only from there). A note still set late (its block already starts a page, or the
    note is taller than the room there: WeasyPrint does not continue a note on the next page) is said
    in a notice; a note WeasyPrint could not set at all stops the build. Once WeasyPrint has reported a
    fault, the layout is returned as it is: the PDF fails anyway."""
    page = weasyprint.HTML(string=document, base_url=SOURCE_URL, url_fetcher=fetcher)
    with placement.notes_kept_with_references(), trailing_spaces_hang():  # no first word alone on a line
        laid_out = page.render(stylesheets=[stylesheet], font_config=fonts, **options)
    misplaced = _misplaced_notes(laid_out)
    if not misplaced or messages.faults():
        return laid_out
    lost = [number for number, _page, on in misplaced if on is None]
    if lost:
        raise PipelineError(
            f"{article.slug}: footnote {lost[0]} is taller than the room on any page and cannot be printed "
            "(a note is not continued on the next page); shorten it or split it into several notes"
        )
    # The PDF is still usable, but not as the editor expects: said once, never silently.
    for number, reference_page, note_page in misplaced:
        notice(
            f"{paths.shown(article.source_path)}: pdf: footnote {number} is printed on page {note_page}, "
            f"its reference on page {reference_page}; WeasyPrint could not keep them on one page"
        )
    return laid_out


def _misplaced_notes(laid_out: weasyprint.Document) -> list[tuple[int, int, int | None]]:
    """(note, page of its reference, page of its text or None) for each note not on its reference's page."""
    page_of = {anchor: number for number, page in enumerate(laid_out.pages, start=1) for anchor in page.anchors}
    misplaced: list[tuple[int, int, int | None]] = []
    number = 1
    while f"fnref{number}" in page_of:
        if page_of.get(f"fn{number}") != page_of[f"fnref{number}"]:
            misplaced.append((number, page_of[f"fnref{number}"], page_of.get(f"fn{number}")))
        number += 1
    return misplaced
