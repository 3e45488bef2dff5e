"""Article -> tagged PDF through the shared HTML renderer, print CSS and WeasyPrint."""

from __future__ import annotations

import io
from pathlib import Path

import pikepdf

from pipeline import html, paths, weasy_messages
from pipeline.errors import LocatedError, PipelineError
from pipeline.fetch import SOURCE_URL, ConfinedURLFetcher
from pipeline.model import Article
from pipeline.weasy import weasyprint

FontConfiguration = weasyprint.text.fonts.FontConfiguration

DEFAULT_VARIANT = "pdf/ua-1"
VARIANTS = ("pdf/ua-1", "pdf/a-3a")


def write(article: Article, path: Path, variant: str = DEFAULT_VARIANT) -> None:
    if variant not in VARIANTS:
        raise PipelineError(f"unknown PDF variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    document = html.render(article, "article.html.j2", body=html.render_body(article))
    fetcher = ConfinedURLFetcher([paths.source_dir(article), paths.STYLES], source_folder=paths.source_dir(article))
    stylesheet = paths.STYLES / "print.css"
    # A fault WeasyPrint only logs (a missing glyph, image or anchor) fails the PDF; a notice is passed on.
    # With a font configuration, @font-face rules in styles/ are honoured, and a font that fails to load is said.
    fonts = FontConfiguration()
    with weasy_messages.collecting(article.source_path) as messages:
        with messages.parsing(stylesheet):
            css = weasyprint.CSS(filename=stylesheet, url_fetcher=fetcher, font_config=fonts)
        page = weasyprint.HTML(string=document, base_url=SOURCE_URL, url_fetcher=fetcher)
        rendered = page.write_pdf(
            stylesheets=[css], font_config=fonts, pdf_variant=variant, pdf_tags=True, custom_metadata=True
        )
    faults = messages.faults()
    if faults:
        raise LocatedError("\n".join(faults))
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
