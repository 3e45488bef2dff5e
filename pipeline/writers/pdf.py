"""Article -> tagged PDF through the shared HTML renderer, print CSS and WeasyPrint."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pikepdf

from pipeline import html, paths
from pipeline.errors import PipelineError
from pipeline.fetch import SOURCE_URL, ConfinedURLFetcher
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
    fetcher = ConfinedURLFetcher([paths.source_dir(article), paths.STYLES], source_folder=paths.source_dir(article))
    try:
        page = weasyprint.HTML(string=document, base_url=SOURCE_URL, url_fetcher=fetcher)
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
