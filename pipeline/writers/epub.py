"""Article -> EPUB 3 (ebooklib): two XHTML documents from the shared renderer, nav, NCX, a11y metadata."""

from __future__ import annotations

import datetime
import zipfile
from pathlib import Path

from ebooklib import epub

from pipeline import html, paths
from pipeline.model import Article, Person

SUFFIX = ".epub"
STYLESHEET = "styles/epub.css"
ARTICLE_DOCUMENT = "article.xhtml"
BACK_DOCUMENT = "back.xhtml"

# What the book really offers: text only, navigable headings, a table of contents, a reading order.
ACCESSIBILITY = (
    ("schema:accessMode", "textual"),
    ("schema:accessModeSufficient", "textual"),
    ("schema:accessibilityFeature", "structuralNavigation"),
    ("schema:accessibilityFeature", "tableOfContents"),
    ("schema:accessibilityFeature", "readingOrder"),
    ("schema:accessibilityHazard", "none"),
)
ACCESSIBILITY_SUMMARY = (
    "Text-only article with no images, audio or video. Headings mark the title and every section, "
    "a table of contents and landmarks lead to them, and the reading order follows the printed article."
)


def write(article: Article, path: Path) -> None:
    book = epub.EpubBook()
    _write_metadata(book, article)
    stylesheet = epub.EpubItem(
        uid="style", file_name=STYLESHEET, media_type="text/css", content=(paths.STYLES / "epub.css").read_bytes()
    )
    book.add_item(stylesheet)
    body = html.render_body(article)
    article_document = _document(article, "article", ARTICLE_DOCUMENT, "epub/article.xhtml.j2", body)
    back_document = _document(article, "back", BACK_DOCUMENT, "epub/back.xhtml.j2", body, page_title="Back matter")
    for document in (article_document, back_document):
        book.add_item(document)
    book.add_item(epub.EpubNcx())
    navigation = epub.EpubNav(title="Contents")
    book.add_item(navigation)
    # The nav is a spine item (outside the linear reading order) so the "toc" landmark may point at it.
    book.spine = [article_document, back_document, (navigation.id, "no")]
    book.toc = _table_of_contents(article)
    book.guide = [
        {"type": "toc", "href": "nav.xhtml", "title": "Contents"},
        {"type": "bodymatter", "href": ARTICLE_DOCUMENT, "title": article.title},
        {"type": "backmatter", "href": BACK_DOCUMENT, "title": "Back matter"},
    ]
    modified = datetime.datetime.combine(article.issued, datetime.time(), tzinfo=datetime.UTC)
    # The EPUB 2 <guide> has no "bodymatter" type; the EPUB 3 landmarks carry the same information.
    epub.write_epub(str(path), book, {"mtime": modified, "epub2_guide": False, "landmark_title": "Landmarks"})
    _normalise_zip(path, modified)


def _write_metadata(book: epub.EpubBook, article: Article) -> None:
    book.set_identifier(article.identifier)
    book.set_title(article.title)
    book.set_language(article.language)
    for index, person in enumerate(article.author, start=1):
        _add_person(book, "creator", person, f"author-{index}", "aut")
    for index, person in enumerate(article.editor, start=1):
        _add_person(book, "contributor", person, f"editor-{index}", "edt")
    book.add_metadata("DC", "date", article.issued.isoformat())
    book.add_metadata("DC", "source", article.URL)
    if article.publisher:
        book.add_metadata("DC", "publisher", article.publisher)
    if article.abstract:
        book.add_metadata("DC", "description", article.abstract)
    for keyword in article.keywords:
        book.add_metadata("DC", "subject", keyword)
    if article.license:
        book.add_metadata("DC", "rights", article.license.text or article.license.url)
    book.add_metadata(None, "meta", article.container_title, {"property": "belongs-to-collection", "id": "journal"})
    book.add_metadata(None, "meta", "series", {"refines": "#journal", "property": "collection-type"})
    for name, value in ACCESSIBILITY:
        book.add_metadata(None, "meta", value, {"property": name})
    book.add_metadata(None, "meta", ACCESSIBILITY_SUMMARY, {"property": "schema:accessibilitySummary"})


def _add_person(book: epub.EpubBook, element: str, person: Person, uid: str, role: str) -> None:
    """A dc:creator or dc:contributor refined by file-as and a MARC relator role."""
    book.add_metadata("DC", element, person.name, {"id": uid})
    book.add_metadata(None, "meta", person.file_as, {"refines": f"#{uid}", "property": "file-as"})
    book.add_metadata(None, "meta", role, {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"})


def _document(
    article: Article, uid: str, file_name: str, template: str, body: html.BodyHtml, page_title: str | None = None
) -> epub.EpubItem:
    """An XHTML content document written as rendered (ebooklib's EpubHtml would re-parse it)."""
    content = html.render(
        article, template, body=body, stylesheets=[STYLESHEET], page_title=page_title or article.title
    )
    return epub.EpubItem(uid=uid, file_name=file_name, media_type="application/xhtml+xml", content=content.encode())


def _table_of_contents(article: Article) -> list[epub.Link]:
    entries = [epub.Link(ARTICLE_DOCUMENT, article.title, "toc-title")]
    entries += [epub.Link(f"{ARTICLE_DOCUMENT}#{s.id}", s.title or "", f"toc-{s.id}") for s in article.sections]
    entries.append(epub.Link(BACK_DOCUMENT, "Back matter", "toc-back"))
    return entries


def _normalise_zip(path: Path, modified: datetime.datetime) -> None:
    """Give every ZIP entry the publication date, so the same source gives the same bytes."""
    stamp = modified.timetuple()[:6]
    with zipfile.ZipFile(path) as original:
        entries = [(info, original.read(info)) for info in original.infolist()]
    with zipfile.ZipFile(path, "w") as normalised:
        for info, data in entries:
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = 0o644 << 16
            normalised.writestr(entry, data)
