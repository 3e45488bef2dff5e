"""The EPUB 3, read back with EPUBCheck, zipfile and lxml: container, package metadata, navigation,
content documents. Expected values come from the loaded Article, never from the writer."""

from __future__ import annotations

import zipfile
from pathlib import Path

from conftest import Built
from epubcheck_books import EpubChecks
from lxml import etree
from readers.extract import XML_LANG, EpubPackage, element_text, epub_package, normalise, read_xhtml

from pipeline.check.validate import epubcheck_problems
from pipeline.prepare.citation import suggested_citation
from pipeline.writers import epub

XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_MIMETYPE = b"application/epub+zip"
# schema.org accessibilityHazard values (EPUB Accessibility 1.1).
HAZARDS = {
    "none",
    "unknown",
    "flashing",
    "noFlashingHazard",
    "motionSimulation",
    "noMotionSimulationHazard",
    "sound",
    "noSoundHazard",
}


def test_epubcheck_reports_nothing(built: Built, epubchecks: EpubChecks) -> None:
    # The session's one EPUBCheck run of the book serves these checks and the usage-level ones.
    result = epubchecks(built.epub)
    assert epubcheck_problems(result) == []
    counts = {name: getattr(result.checker, name) for name in ("nFatal", "nError", "nWarning")}
    assert counts == {"nFatal": 0, "nError": 0, "nWarning": 0}, [(m.level, m.id, m.short) for m in result.messages]
    assert result.valid


def test_mimetype_is_the_first_entry_stored_uncompressed(built: Built) -> None:
    with zipfile.ZipFile(built.epub) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype"
        assert first.header_offset == 0
        assert first.compress_type == zipfile.ZIP_STORED
        assert first.extra == b"", "the mimetype entry may not have a ZIP extra field"
        assert archive.read(first) == EPUB_MIMETYPE


def test_package_metadata(built: Built) -> None:
    article = built.article
    package = epub_package(built.epub)
    assert package.titles == (article.title,)
    assert package.dates == (article.issued.isoformat(),)
    assert package.languages == (article.language,)
    # calibre reads a DOI from the urn:doi: form (and ignores http(s) values and identifier-type refinements).
    assert package.unique_identifier == (f"urn:doi:{article.DOI}" if article.DOI else article.URL)
    assert package.publishers == ((article.publisher,) if article.publisher else ())
    assert package.sources == (article.URL,)
    assert package.collections == (article.container_title,)


def test_creators_are_the_authors(built: Built) -> None:
    package = epub_package(built.epub)
    assert [(person.name, person.file_as, person.roles) for person in package.creators] == [
        (person.name, person.file_as, ("aut",)) for person in built.article.author
    ]


def test_editors_are_contributors_with_role_edt(built: Built) -> None:
    package = epub_package(built.epub)
    editors = [(person.name, person.file_as) for person in package.contributors if "edt" in person.roles]
    assert editors == [(person.name, person.file_as) for person in built.article.editor]


def test_identifier_is_stable_across_builds(built: Built, tmp_path: Path) -> None:
    again = tmp_path / built.epub.name
    epub.write(built.article, again)
    assert epub_package(again).unique_identifier == epub_package(built.epub).unique_identifier
    assert again.read_bytes() == built.epub.read_bytes(), "two builds of one source differ"


def test_accessibility_metadata(built: Built) -> None:
    accessibility = epub_package(built.epub).accessibility
    assert all(accessibility.values()), f"missing: {[name for name, values in accessibility.items() if not values]}"
    assert "textual" in accessibility["schema:accessMode"]
    assert "textual" in accessibility["schema:accessModeSufficient"]
    assert {"tableOfContents", "structuralNavigation"} <= set(accessibility["schema:accessibilityFeature"])
    assert set(accessibility["schema:accessibilityHazard"]) <= HAZARDS
    assert all(summary.strip() for summary in accessibility["schema:accessibilitySummary"])


def body_document(package: EpubPackage) -> str:
    bodymatter = package.landmark("bodymatter")
    assert bodymatter is not None, "no bodymatter landmark"
    return bodymatter.document


def test_nav_and_ncx_list_every_heading_in_order(built: Built) -> None:
    """Sections and subsections, each linked to its heading's id; the nav nests them by level."""
    package = epub_package(built.epub)
    document = body_document(package)
    outline = built.article.outline
    expected = [(heading.title, f"{document}#{heading.id}") for heading in outline]
    for name, entries in (("nav", package.toc), ("NCX", package.ncx)):
        into_body = [(entry.label, entry.href) for entry in entries if entry.document == document and entry.fragment]
        assert into_body == expected, f"{name} lists {[entry.label for entry in entries]}"
    for name, entries in (("nav", package.toc), ("NCX", package.ncx)):
        depths = [entry.depth for entry in entries if entry.document == document and entry.fragment]
        assert depths == [heading.level - 1 for heading in outline], name


def test_section_links_reach_their_headings(built: Built) -> None:
    package = epub_package(built.epub)
    document = body_document(package)
    root = read_xhtml(built.epub, document)
    for heading in built.article.outline:
        targets = root.xpath("//*[@id=$id]", id=heading.id)
        assert len(targets) == 1, f"{document}#{heading.id} does not name one element"
        tag = f"{XHTML}h{heading.level + 1}"  # the article title is the one <h1>
        headings = [element_text(h) for h in targets[0].iter(tag)]
        assert headings[:1] == [heading.title]


def test_landmarks(built: Built) -> None:
    article = built.article
    package = epub_package(built.epub)
    kinds = [kind for kind, _entry in package.landmarks]
    assert {"toc", "bodymatter", "backmatter"} <= set(kinds), kinds
    assert package.landmark("toc").document == package.nav_path
    body = element_text(read_xhtml(built.epub, body_document(package)))
    assert normalise(article.all_sections[0].paragraphs[0]) in body
    back = element_text(read_xhtml(built.epub, package.landmark("backmatter").document))
    assert normalise(suggested_citation(article)) in back
    spine = [item.path for item in package.spine if item.linear]
    assert spine.index(body_document(package)) < spine.index(package.landmark("backmatter").document)


def test_every_content_document_has_a_language_and_a_title(built: Built) -> None:
    package = epub_package(built.epub)
    documents = [item.path for item in package.spine]
    assert package.nav_path is not None, "no navigation document"
    if package.nav_path not in documents:
        documents.append(package.nav_path)
    for document in documents:
        root = read_xhtml(built.epub, document)
        assert root.get("lang") == built.article.language, f"{document}: lang={root.get('lang')!r}"
        assert root.get(XML_LANG) == built.article.language, f"{document}: xml:lang={root.get(XML_LANG)!r}"
        title = root.find(f"{XHTML}head/{XHTML}title")
        assert title is not None and element_text(title), f"{document}: no <title> or an empty one"


# --- Reading systems: calibre's series and identifier, EPUB 2 navigation -------------------------------

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
NCX = "{http://www.daisy.org/z3986/2005/ncx/}"


def opf_metadata(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        rootfile = container.find(".//{urn:oasis:names:tc:opendocument:xmlns:container}rootfile").get("full-path")
        return etree.fromstring(archive.read(rootfile)).find(f"{OPF}metadata")


def refinements(metadata: etree._Element, element_id: str) -> list[tuple[str, str]]:
    return [
        (meta.get("property"), meta.text)
        for meta in metadata.iter(f"{OPF}meta")
        if meta.get("refines") == f"#{element_id}"
    ]


def test_the_journal_is_a_collection_not_a_numbered_series(built: Built) -> None:
    """calibre (ebooks/metadata/opf3.py, read_series) makes a series, numbered 1 without a group-position,
    of a belongs-to-collection whose collection-type is "series", or of calibre:series metas: neither is here."""
    metadata = opf_metadata(built.epub)
    collections = [meta for meta in metadata.iter(f"{OPF}meta") if meta.get("property") == "belongs-to-collection"]
    assert [meta.text for meta in collections] == [built.article.container_title]
    properties = [name for name, _value in refinements(metadata, collections[0].get("id"))]
    assert "collection-type" not in properties and "group-position" not in properties
    assert not [meta for meta in metadata.iter(f"{OPF}meta") if (meta.get("name") or "").startswith("calibre:")]


def test_the_identifier_has_a_form_calibre_reads(built: Built) -> None:
    """calibre takes an identifier's scheme from "urn:<scheme>:" (doi), drops http(s) values, and the NCX
    names the same identifier."""
    article = built.article
    metadata = opf_metadata(built.epub)
    identifiers = [element.text for element in metadata.iter(f"{DC}identifier")]
    assert identifiers == [f"urn:doi:{article.DOI}" if article.DOI else article.URL]
    with zipfile.ZipFile(built.epub) as archive:
        ncx = etree.fromstring(archive.read("EPUB/toc.ncx"))
    assert ncx.find(f"{NCX}head/{NCX}meta[@name='dtb:uid']").get("content") == identifiers[0]


def test_authors_orcid_and_copyright_in_the_package(built: Built) -> None:
    article = built.article
    metadata = opf_metadata(built.epub)
    creators = list(metadata.iter(f"{DC}creator"))
    for creator, person in zip(creators, article.author, strict=True):
        ids = [value for name, value in refinements(metadata, creator.get("id")) if name == "dcterms:identifier"]
        assert ids == ([person.ORCID] if person.ORCID else [])
    rights = [element.text for element in metadata.iter(f"{DC}rights")]
    expected = [article.copyright.statement] if article.copyright and article.copyright.statement else []
    expected += [article.license.text or article.license.url] if article.license else []
    assert rights == expected


def test_ncx_play_order_and_depth(built: Built) -> None:
    """Every navPoint has a playOrder, 1, 2, … in document order, and dtb:depth is the deepest nesting."""
    with zipfile.ZipFile(built.epub) as archive:
        ncx = etree.fromstring(archive.read("EPUB/toc.ncx"))
    points = list(ncx.iter(f"{NCX}navPoint"))
    assert [point.get("playOrder") for point in points] == [str(n) for n in range(1, len(points) + 1)]
    # The NCX lists the title, every heading nested by level, and the back matter.
    deepest = max((heading.level for heading in built.article.outline), default=1)
    depth = ncx.find(f"{NCX}head/{NCX}meta[@name='dtb:depth']").get("content")
    assert depth == str(deepest)
    assert int(depth) == max(
        len(point.xpath("ancestor-or-self::n:navPoint", namespaces={"n": NCX[1:-1]})) for point in points
    )


def test_ncx_order_on_a_hand_made_ncx() -> None:
    ncx = (
        b'<ncx xmlns="http://www.daisy.org/z3986/2005/ncx/" version="2005-1"><head>'
        b'<meta name="dtb:depth" content="0"/></head><navMap>'
        b'<navPoint id="a"><navPoint id="a1"><navPoint id="a1x"/></navPoint></navPoint><navPoint id="b"/>'
        b"</navMap></ncx>"
    )
    root = etree.fromstring(epub.with_ncx_order(ncx))
    assert [(p.get("id"), p.get("playOrder")) for p in root.iter(f"{NCX}navPoint")] == [
        ("a", "1"),
        ("a1", "2"),
        ("a1x", "3"),
        ("b", "4"),
    ]
    assert root.find(f"{NCX}head/{NCX}meta").get("content") == "3"
