"""Article -> EPUB 3 (ebooklib): two XHTML documents from the shared renderer, nav, NCX, and
EPUB Accessibility 1.1 metadata computed from what the article contains."""

from __future__ import annotations

import datetime
import zipfile
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub
from lxml import etree

from pipeline import pandoc, paths
from pipeline.model import Article, Heading, Person
from pipeline.render import html
from pipeline.safexml import SAFE_XML_PARSER

STYLESHEET = "styles/epub.css"
ARTICLE_DOCUMENT = "article.xhtml"
BACK_DOCUMENT = "back.xhtml"
PACKAGE_DOCUMENT = "content.opf"  # ebooklib's name, in the book's folder
NCX_DOCUMENT = "toc.ncx"  # likewise
NCX_NS = "http://www.daisy.org/z3986/2005/ncx/"
OPF_NS = "http://www.idpf.org/2007/opf"
MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"
ZIP_FIRST_TIME, ZIP_LAST_TIME = (1980, 1, 1, 0, 0, 0), (2107, 12, 31, 23, 59, 58)

EPUB_NAMESPACE = "http://www.idpf.org/2007/ops"
EPUB_TYPE = f"{{{EPUB_NAMESPACE}}}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# pandoc and the shared templates mark structure with DPUB-ARIA roles (valid HTML in every edition);
# EPUB reading systems look for the matching term of the EPUB Structural Semantics Vocabulary.
EPUB_TYPE_BY_ROLE = {
    "doc-abstract": "abstract",
    "doc-credits": "credits",
    "doc-credit": "credit",
    "doc-footnote": "footnote",
    "doc-noteref": "noteref",
    "doc-backlink": "backlink",
}
# Structure with no DPUB-ARIA role of its own, found by its markup.
EPUB_TYPE_BY_XPATH = {
    "//x:section[@id='footnotes']": "footnotes",
    "//x:section[@id='about-the-author']": "contributors",
}

CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
CERTIFIED_BY = "commentary-pipeline"  # the project (pyproject.toml): the claim is the pipeline's own
# The conformance claim. EPUB Accessibility 1.1 wants it made only after an evaluation, and the writer
# cannot run Ace by DAISY. But the whole book is markup this pipeline controls: templates for the title
# block, back matter and navigation, pandoc for the body. tests/test_accessibility.py runs Ace (0
# violations) on every source and on a variant article using each pandoc element below. So the claim
# is made exactly when the body is built only of these elements; anything else (an image, whose text
# alternative needs a person to judge, maths, raw HTML) drops it. Tables (header cells with scope, a
# caption) and definition lists are checked on the fixtures in tests/fixtures/sources. What Ace cannot test (order,
# headings, language) the templates fix for every book; the words themselves stay the author's.
ACE_CHECKED_ELEMENTS = frozenset(
    {
        *("Para", "Plain", "Header", "BulletList", "OrderedList", "BlockQuote", "Table", "DefinitionList"),
        *("Str", "Space", "SoftBreak", "LineBreak", "Emph", "Strong", "Superscript", "Subscript", "Link", "Note"),
        *("SmallCaps", "Code"),
        # Citations after citeproc (pipeline/prepare/references.py): spans of the text above with a link to the entry.
        *("Cite", "Span"),
        # A block passage in another language or direction (``::: {lang=fr}``), as in the Arabic fixture.
        "Div",
    }
)
# The writing systems (ISO 15924 scripts, pipeline/source/language.py) of the books Ace checks in the tests
# (tests/test_accessibility.py runs it on every source; tests/fixtures/sources has one book in each):
# Latin left to right, Arabic right to left, Cyrillic, simplified Han. Language and direction markup,
# fonts and line breaking differ by script, so a book with text in any other script (Hebrew, Devanagari…),
# in its language or in a passage's, makes no claim: nothing has checked how it comes out.
ACE_CHECKED_SCRIPTS = frozenset({"Latn", "Arab", "Cyrl", "Hans"})
# How the summary names elements that withdraw the claim; any other is named by its pandoc kind.
READABLE_ELEMENTS = {
    **{"Image": "images", "Figure": "figures", "Table": "tables", "Math": "mathematics", "CodeBlock": "code"},
    **{"RawBlock": "raw markup", "RawInline": "raw markup", "Cite": "citations", "DefinitionList": "definitions"},
}


def write(article: Article, path: Path) -> None:
    book = epub.EpubBook()
    _write_metadata(book, article)
    stylesheet = epub.EpubItem(
        uid="style", file_name=STYLESHEET, media_type="text/css", content=(paths.STYLES / "epub.css").read_bytes()
    )
    book.add_item(stylesheet)
    _add_images(book, article)
    body = html.render_body(article)
    labels = article.labels
    back_matter, contents = labels.gettext("Back matter"), labels.gettext("Contents")
    article_document = _document(article, "article", ARTICLE_DOCUMENT, "epub/article.xhtml.j2", body)
    back_document = _document(article, "back", BACK_DOCUMENT, "epub/back.xhtml.j2", body, page_title=back_matter)
    for document in (article_document, back_document):
        book.add_item(document)
    book.add_item(epub.EpubNcx())
    navigation = epub.EpubNav(title=contents, direction=article.direction)
    book.add_item(navigation)
    # The nav is a spine item (outside the linear reading order) so the "toc" landmark may point at it.
    book.spine = [article_document, back_document, (navigation.id, "no")]
    book.toc = _table_of_contents(article, back_matter)
    book.guide = [
        {"type": "toc", "href": "nav.xhtml", "title": contents},
        {"type": "bodymatter", "href": ARTICLE_DOCUMENT, "title": article.title},
        {"type": "backmatter", "href": BACK_DOCUMENT, "title": back_matter},
    ]
    modified = datetime.datetime.combine(article.issued, datetime.time(), tzinfo=datetime.UTC)
    # The EPUB 2 <guide> has no "bodymatter" type; the EPUB 3 landmarks carry the same information.
    options = {"mtime": modified, "epub2_guide": False, "landmark_title": labels.gettext("Landmarks")}
    epub.write_epub(str(path), book, options)
    package_document = f"{book.FOLDER_NAME}/{PACKAGE_DOCUMENT}"
    rewrites = {
        package_document: lambda opf: _with_mathml_property(
            _with_package_language(opf, article.language), _documents_with_mathml(article_document, back_document)
        ),
        f"{book.FOLDER_NAME}/{NCX_DOCUMENT}": with_ncx_order,
        f"{book.FOLDER_NAME}/{navigation.file_name}": lambda nav: _with_direction(nav, article.direction),
    }
    _normalise_zip(path, modified, rewrites)


def _add_images(book: epub.EpubBook, article: Article) -> None:
    """Each image file, byte for byte as it was checked, at the path the article document (beside it) names it by."""
    for index, (name, media_type) in enumerate(article.image_files.items(), start=1):
        content = article.images[name]
        book.add_item(epub.EpubItem(uid=f"image-{index}", file_name=name, media_type=media_type, content=content))


def package_identifier(article: Article) -> str:
    """The book's identifier in a form reading systems recognise: ``urn:doi:`` and the DOI (calibre reads
    the scheme from a ``urn:`` value and ignores ``identifier-type`` refinements; EPUB 3 has no
    ``opf:scheme``), else the article's URL."""
    return f"urn:doi:{article.DOI}" if article.DOI else article.URL


def _write_metadata(book: epub.EpubBook, article: Article) -> None:
    book.set_identifier(package_identifier(article))
    book.set_title(article.title)
    book.set_language(article.language)
    book.set_direction(article.direction)  # the spine's page-progression-direction
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
    if article.copyright and article.copyright.statement:
        book.add_metadata("DC", "rights", article.copyright.statement)
    if article.license:
        book.add_metadata("DC", "rights", article.license.text or article.license.url)
    # The journal as a collection of no declared type: calibre (metadata/opf3.py, read_series) turns a
    # collection-type "series" into a numbered series ("#1" without a group-position), and a journal's
    # articles are not volumes in an order. "set" would claim a finite, complete group.
    book.add_metadata(None, "meta", article.container_title, {"property": "belongs-to-collection", "id": "journal"})
    for name, value in accessibility_metadata(article):
        book.add_metadata(None, "meta", value, {"property": name})


def _add_person(book: epub.EpubBook, element: str, person: Person, uid: str, role: str) -> None:
    """A dc:creator or dc:contributor refined by file-as and a MARC relator role."""
    book.add_metadata("DC", element, person.name, {"id": uid})
    book.add_metadata(None, "meta", person.file_as, {"refines": f"#{uid}", "property": "file-as"})
    book.add_metadata(None, "meta", role, {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"})
    if person.ORCID:
        # The person's identifier, refining their dc:creator (the ORCID iD in its https form).
        book.add_metadata(None, "meta", person.ORCID, {"refines": f"#{uid}", "property": "dcterms:identifier"})


# --- Accessibility metadata --------------------------------------------------------------------


@dataclass(frozen=True)
class BodyInventory:
    """What the article body is built of: its pandoc elements by kind, its sections and images."""

    elements: Counter[str]
    sections: int
    has_introduction: bool
    images_without_alternative: int
    scripts: frozenset[str] = frozenset({"Latn"})  # of the article's language and of every passage's

    @property
    def unchecked_scripts(self) -> list[str]:
        return sorted(self.scripts - ACE_CHECKED_SCRIPTS)

    def count(self, *kinds: str) -> int:
        return sum(self.elements[kind] for kind in kinds)

    @property
    def unchecked_elements(self) -> list[str]:
        return sorted(set(self.elements) - ACE_CHECKED_ELEMENTS)

    @property
    def conforms(self) -> bool:
        return not self.unchecked_elements and not self.unchecked_scripts


def body_inventory(article: Article) -> BodyInventory:
    # A section's heading may hold notes and formatting too.
    parts = [[*section.title_inlines, *section.blocks] for section in article.all_sections]
    elements = [element for part in parts for element in pandoc.elements(part)]
    return BodyInventory(
        elements=Counter(element["t"] for element in elements),
        sections=len(article.sections),
        has_introduction=bool(article.introduction.blocks),
        # Every image is a figure (pipeline/prepare/figures.py); its text alternative is its fig-alt or caption.
        images_without_alternative=sum(1 for figure in article.figures if not figure.alt.strip()),
        scripts=article.scripts,
    )


def accessibility_metadata(article: Article) -> list[tuple[str, str]]:
    """(property, value) pairs for the package: schema.org access modes, features and hazards, a summary
    of this book, and the conformance claim when it holds (see ACE_CHECKED_ELEMENTS)."""
    body = body_inventory(article)
    images = body.count("Image")
    all_images_described = body.images_without_alternative == 0
    metadata = [("schema:accessMode", "textual")]
    if images:
        metadata.append(("schema:accessMode", "visual"))
    metadata.append(("schema:accessModeSufficient", "textual" if all_images_described else "textual,visual"))
    # True of every book: headings for the title and sections, the nav, the spine in the printed order,
    # and ARIA roles and labels from the templates and pandoc.
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "ARIA"]
    if images and all_images_described:
        features.append("alternativeText")
    metadata += [("schema:accessibilityFeature", feature) for feature in features]
    # Text cannot flash, move or sound; an image might (an animated GIF), and the writer cannot tell.
    metadata.append(("schema:accessibilityHazard", "unknown" if images else "none"))
    metadata.append(("schema:accessibilitySummary", accessibility_summary(article, body)))
    if body.conforms:
        metadata += [("dcterms:conformsTo", CONFORMANCE), ("a11y:certifiedBy", CERTIFIED_BY)]
    return metadata


def accessibility_summary(article: Article, body: BodyInventory) -> str:
    """A few sentences for a reader choosing a book: what it contains and how to move through it."""
    sentences = [_content_sentence(body), _structure_sentence(body)]
    features = _body_features(article, body)
    if features:
        sentences.append(f"It has {_join(features)}.")
    sentences += [_back_matter_sentence(article), _conformance_sentence(body)]
    return " ".join(sentences)


def _content_sentence(body: BodyInventory) -> str:
    images = body.count("Image")
    if not images:
        return "Text only, with no images, audio or video."
    undescribed = body.images_without_alternative
    described = f"{undescribed} without a text alternative" if undescribed else "each with a text alternative"
    if images == 1:
        described = "without a text alternative" if undescribed else "with a text alternative"
    return f"Text with {_counted(images, 'image')} ({described}) and no audio or video."


def _structure_sentence(body: BodyInventory) -> str:
    sections = body.sections
    headings = "Headings mark the title"
    if sections:
        headings += f" and each of the {sections} sections" if sections > 1 else " and the one section"
    if body.count("Header"):
        headings += f", with {_counted(body.count('Header'), 'subsection')}"
    if body.has_introduction and sections:
        headings += "; the sections follow" if sections > 1 else "; the section follows"
        headings += " an untitled introduction"
    navigation = "A table of contents and landmarks lead to them, and the reading order is that of the printed article."
    return f"{headings}. {navigation}"


def _body_features(article: Article, body: BodyInventory) -> list[str]:
    features = ["an abstract"] if article.abstract else []
    counted = (
        (body.count("BulletList", "OrderedList"), "list"),
        (body.count("BlockQuote"), "block quotation"),
        (body.count("Table"), "table"),
    )
    features += [_counted(number, noun) for number, noun in counted if number]
    notes = body.count("Note")
    if notes:
        reference = "their references" if notes > 1 else "its reference"
        features.append(f"{_counted(notes, 'footnote')}, linked to and from {reference}")
    return features


def _back_matter_sentence(article: Article) -> str:
    parts = [f"a note about the author{'s' if len(article.bios) > 1 else ''}"] if article.bios else []
    parts.append("a suggested citation")
    if article.notes:
        kinds = ", ".join(dict.fromkeys(note.type.replace("-", " ") for note in article.notes))
        parts.append(f"{_counted(len(article.notes), 'note')} ({kinds})")
    if article.image_credit or article.license:
        parts.append("credits")
    return f"The back matter, a separate document after the article, has {_join(parts)}."


def _conformance_sentence(body: BodyInventory) -> str:
    if body.conforms:
        return (
            "Conformance to EPUB Accessibility 1.1 and WCAG 2.1 Level AA is declared by the publishing pipeline, "
            "whose tests check every kind of content in this book with Ace by DAISY."
        )
    unchecked = [READABLE_ELEMENTS.get(kind, kind) for kind in body.unchecked_elements]
    unchecked += [f"text in the script {script}" for script in body.unchecked_scripts]
    return f"No accessibility conformance is claimed: it has content not checked automatically ({_join(unchecked)})."


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


# --- Content documents -------------------------------------------------------------------------


def _document(
    article: Article, uid: str, file_name: str, template: str, body: html.BodyHtml, page_title: str | None = None
) -> epub.EpubItem:
    """An XHTML content document from the shared templates, plus epub:type (ebooklib's EpubHtml would
    rebuild it around the body)."""
    content = html.render(
        article, template, body=body, stylesheets=[STYLESHEET], page_title=page_title or article.title
    )
    return epub.EpubItem(
        uid=uid, file_name=file_name, media_type="application/xhtml+xml", content=_with_epub_types(content)
    )


def _with_epub_types(document: str) -> bytes:
    """The document with the EPUB vocabulary's term on each element that has one (by role or markup)."""
    root = etree.fromstring(document.encode(), SAFE_XML_PARSER)
    for element in root.xpath("//*[@role]"):
        for role in element.get("role").split():
            if role in EPUB_TYPE_BY_ROLE:
                _add_epub_type(element, EPUB_TYPE_BY_ROLE[role])
    for path, epub_type in EPUB_TYPE_BY_XPATH.items():
        for element in root.xpath(path, namespaces={"x": html.XHTML_NAMESPACE}):
            _add_epub_type(element, epub_type)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")


def _add_epub_type(element: etree._Element, epub_type: str) -> None:
    types = (element.get(EPUB_TYPE) or "").split()
    if epub_type not in types:
        element.set(EPUB_TYPE, " ".join([*types, epub_type]))


TocEntry = epub.Link | tuple[epub.Section, list["TocEntry"]]


def _table_of_contents(article: Article, back_matter: str) -> list[TocEntry]:
    """The title, every heading of the body nested by level (nav and NCX alike), then the back matter."""
    entries: list[TocEntry] = [epub.Link(ARTICLE_DOCUMENT, article.title, "toc-title")]
    entries += _nested(list(article.outline))
    entries.append(epub.Link(BACK_DOCUMENT, back_matter, "toc-back"))
    return entries


def _nested(headings: list[Heading]) -> list[TocEntry]:
    """Headings as ebooklib's toc: a heading with subheadings is (Section, [children])."""
    entries: list[TocEntry] = []
    index = 0
    while index < len(headings):
        heading = headings[index]
        end = next((n for n in range(index + 1, len(headings)) if headings[n].level <= heading.level), len(headings))
        href = f"{ARTICLE_DOCUMENT}#{heading.id}"
        if end > index + 1:
            entries.append((epub.Section(heading.title, href), _nested(headings[index + 1 : end])))
        else:
            entries.append(epub.Link(href, heading.title, f"toc-{heading.id}"))
        index = end
    return entries


# --- Package and ZIP ---------------------------------------------------------------------------


def _with_package_language(opf: bytes, language: str) -> bytes:
    """ebooklib writes dc:language but no xml:lang on <package>, the language of the package's own
    text (title, summary); Ace by DAISY reports that as epub-lang."""
    package = etree.fromstring(opf, SAFE_XML_PARSER)
    package.set(XML_LANG, language)
    return etree.tostring(package.getroottree(), xml_declaration=True, encoding="utf-8")


def _documents_with_mathml(*documents: epub.EpubItem) -> set[str]:
    """The content documents that hold MathML (the manifest must say so of each)."""
    return {document.file_name for document in documents if MATHML_NAMESPACE.encode() in document.content}


def _with_mathml_property(opf: bytes, documents: set[str]) -> bytes:
    """The ``mathml`` property on the manifest item of each document that holds MathML (ebooklib sets
    properties only on its own XHTML items)."""
    if not documents:
        return opf
    package = etree.fromstring(opf, SAFE_XML_PARSER)
    for item in package.iter(f"{{{OPF_NS}}}item"):
        if item.get("href") in documents:
            properties = (item.get("properties") or "").split()
            item.set("properties", " ".join([*properties, "mathml"]))
    return etree.tostring(package.getroottree(), xml_declaration=True, encoding="utf-8")


def with_ncx_order(ncx: bytes) -> bytes:
    """What ebooklib's NCX lacks and EPUB 2 reading systems rely on: a ``playOrder`` on every navPoint
    (1, 2, … in document order) and ``dtb:depth``, the deepest nesting of navPoints (ebooklib writes 0)."""
    root = etree.fromstring(ncx, SAFE_XML_PARSER)
    points = list(root.iter(f"{{{NCX_NS}}}navPoint"))
    for order, point in enumerate(points, start=1):
        point.set("playOrder", str(order))
    depth = max((1 + sum(1 for a in point.iterancestors(f"{{{NCX_NS}}}navPoint")) for point in points), default=1)
    for meta in root.iterfind(f"{{{NCX_NS}}}head/{{{NCX_NS}}}meta[@name='dtb:depth']"):
        meta.set("content", str(depth))
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")


def _with_direction(document: bytes, direction: str) -> bytes:
    """ebooklib sets the nav's direction on its <body> only; the <html> element carries it too, beside
    its lang, as in the article's own documents."""
    root = etree.fromstring(document, SAFE_XML_PARSER)
    root.set("dir", direction)
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")


def _normalise_zip(path: Path, modified: datetime.datetime, rewrites: Mapping[str, Callable[[bytes], bytes]]) -> None:
    """Apply ``rewrites`` (ZIP entry -> new content) and give every entry the publication date, so the
    same source gives the same bytes."""
    # ZIP (MS-DOS) timestamps run from 1980 to 2107: beyond them the date stays in dcterms:modified only.
    stamp = min(max(modified.timetuple()[:6], ZIP_FIRST_TIME), ZIP_LAST_TIME)
    with zipfile.ZipFile(path) as original:
        entries = [(info, original.read(info)) for info in original.infolist()]
    with zipfile.ZipFile(path, "w") as normalised:
        for info, data in entries:
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = info.compress_type
            entry.external_attr = 0o644 << 16
            rewrite = rewrites.get(info.filename)
            normalised.writestr(entry, rewrite(data) if rewrite else data)
