"""Article -> tagged PDF through the shared HTML renderer, print CSS and WeasyPrint."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pikepdf

from pipeline import html, paths
from pipeline.errors import PipelineError
from pipeline.fetch import ConfinedURLFetcher
from pipeline.model import Article
from pipeline.weasy import weasyprint

DEFAULT_VARIANT = "pdf/ua-1"
VARIANTS = ("pdf/ua-1", "pdf/a-3a")


class _WarningCollector(logging.Handler):
    """WeasyPrint logs a missing font or image and goes on: collect that, so the build can fail."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def write(article: Article, path: Path, variant: str = DEFAULT_VARIANT) -> None:
    if variant not in VARIANTS:
        raise PipelineError(f"unknown PDF variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    document = html.render(article, "article.html.j2", body=html.render_body(article))
    collector = _WarningCollector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    fetcher = ConfinedURLFetcher([paths.source_dir(article), paths.STYLES])
    try:
        page = weasyprint.HTML(string=document, base_url=str(paths.source_dir(article)), url_fetcher=fetcher)
        rendered = page.write_pdf(
            stylesheets=[weasyprint.CSS(filename=paths.STYLES / "print.css", url_fetcher=fetcher)],
            pdf_variant=variant,
            pdf_tags=True,
            custom_metadata=True,
        )
    finally:
        logger.removeHandler(collector)
    if collector.messages:
        warnings = "; ".join(dict.fromkeys(collector.messages))  # each distinct warning once, in order
        raise PipelineError(f"{article.slug}: WeasyPrint warned: {warnings}")
    _write_with_full_xmp(rendered, article, path)


def _write_with_full_xmp(rendered: bytes, article: Article, path: Path) -> None:
    """Add to the XMP what WeasyPrint leaves out (publication date, language, publisher, identifier,
    rights), then save with a content-derived /ID so the same source gives the same bytes."""
    with pikepdf.open(io.BytesIO(rendered)) as pdf:
        _check_notes_share_their_pages(pdf, article)
        # Neither pikepdf as producer nor a metadata date: both would change at every build.
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            xmp["dc:date"] = [article.issued.isoformat()]
            xmp["dc:language"] = [article.language]
            xmp["dc:identifier"] = article.identifier
            xmp["dc:source"] = article.container_title
            if article.publisher:
                xmp["dc:publisher"] = [article.publisher]
            if article.license:
                xmp["dc:rights"] = article.license.text or article.license.url
                xmp["xmpRights:Marked"] = "True"
                if article.license.url:
                    xmp["xmpRights:WebStatement"] = article.license.url
        pdf.save(path, deterministic_id=True)


def _check_notes_share_their_pages(pdf: pikepdf.Pdf, article: Article) -> None:
    """Every footnote must start on the page of its reference. WeasyPrint cannot continue a note on the
    next page: a note taller than the room left on a page moves off it whole (with the line of its
    reference when it can), and one taller than a page lands pages later. Stop rather than print that."""
    if "/Names" not in pdf.Root or "/Dests" not in pdf.Root.Names:
        return
    destinations = pikepdf.NameTree(pdf.Root.Names.Dests)
    page_of = {page.obj.objgen: number for number, page in enumerate(pdf.pages, start=1)}
    number = 1
    while f"fn{number}" in destinations and f"fnref{number}" in destinations:
        note_page = page_of.get(destinations[f"fn{number}"][0].objgen)
        reference_page = page_of.get(destinations[f"fnref{number}"][0].objgen)
        if note_page != reference_page:
            raise PipelineError(
                f"{article.slug}: footnote {number} cannot stand on the page of its reference (page {reference_page}; "
                f"it lands on page {note_page}): a note longer than the room on a page is not continued on the "
                "next; shorten it or split it into two notes"
            )
        number += 1
