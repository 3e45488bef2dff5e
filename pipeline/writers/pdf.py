"""Article -> tagged PDF through the shared HTML renderer, print CSS and WeasyPrint."""

from __future__ import annotations

import logging
from pathlib import Path

import weasyprint

from pipeline import html, paths
from pipeline.errors import PipelineError
from pipeline.model import Article

SUFFIX = ".pdf"
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
    try:
        weasyprint.HTML(string=document, base_url=str(paths.source_dir(article))).write_pdf(
            path,
            stylesheets=[weasyprint.CSS(filename=paths.STYLES / "print.css")],
            pdf_variant=variant,
            pdf_tags=True,
            # A stable /ID, so the same source gives the same bytes.
            pdf_identifier=article.identifier.encode(),
            custom_metadata=True,
        )
    finally:
        logger.removeHandler(collector)
    if collector.messages:
        raise PipelineError(f"{article.slug}: WeasyPrint warned: {'; '.join(collector.messages)}")
