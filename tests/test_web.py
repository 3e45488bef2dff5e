"""The web edition (index.html): citation metadata for indexers, the full article, no scripts, and a
clean render in headless Chromium (its first screen is kept in test-artifacts/)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from browser import shoot
from conftest import REPO_ROOT, Built
from lxml import etree
from PIL import Image
from readers.extract import normalise

from pipeline.prepare.citation import suggested_citation

ARTIFACTS = REPO_ROOT / "test-artifacts"


def page_of(built: Built) -> Path:
    return built.pdf.parent / "index.html"


def meta(document: lxml.html.HtmlElement, name: str, attribute: str = "name") -> list[str]:
    return [element.get("content") for element in document.xpath(f"//head/meta[@{attribute}=$name]", name=name)]


@pytest.fixture
def document(built: Built) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(page_of(built))).getroot()


def test_highwire_press_tags(built: Built, document: lxml.html.HtmlElement) -> None:
    article = built.article
    assert meta(document, "citation_title") == [article.title]
    assert meta(document, "citation_author") == [person.file_as for person in article.author]
    assert meta(document, "citation_publication_date") == [article.issued.strftime("%Y/%m/%d")]
    assert meta(document, "citation_journal_title") == [article.container_title]
    assert meta(document, "citation_doi") == ([article.DOI] if article.DOI else [])
    assert meta(document, "citation_issn") == ([article.ISSN] if article.ISSN else [])
    assert meta(document, "citation_language") == [article.language]
    assert meta(document, "citation_abstract_html_url") == [article.URL]
    pdf_url = meta(document, "citation_pdf_url")
    assert pdf_url == [built.pdf.name] and (page_of(built).parent / pdf_url[0]).is_file()


def test_dublin_core_and_open_graph(built: Built, document: lxml.html.HtmlElement) -> None:
    article = built.article
    assert meta(document, "DC.title") == [article.title]
    assert meta(document, "DC.creator") == [person.file_as for person in article.author]
    assert meta(document, "DC.contributor") == [person.file_as for person in article.editor]
    assert meta(document, "DC.date") == [article.issued.isoformat()]
    assert meta(document, "DC.language") == [article.language]
    assert meta(document, "og:title", "property") == [article.title]
    assert meta(document, "og:url", "property") == [article.URL]
    assert meta(document, "og:type", "property") == ["article"]
    assert document.xpath("//head/link[@rel='canonical']/@href") == [article.URL]
    assert document.get("lang") == article.language


def test_schema_org_json_ld(built: Built, document: lxml.html.HtmlElement) -> None:
    article = built.article
    blocks = document.xpath("//script[@type='application/ld+json']")
    assert len(blocks) == 1
    data = json.loads(blocks[0].text)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "ScholarlyArticle"
    assert data["headline"] == article.title
    assert data["datePublished"] == article.issued.isoformat()
    assert [(a["givenName"], a["familyName"]) for a in data["author"]] == [(p.given, p.family) for p in article.author]
    assert data["isPartOf"]["name"] == article.container_title
    # schema.org's citation lists the works cited (tests/test_references.py reads each back).
    assert len(data.get("citation", [])) == len(article.references)
    assert data.get("abstract") == article.abstract
    assert ("sameAs" in data) == bool(article.DOI)


def test_no_executable_scripts_or_handlers(document: lxml.html.HtmlElement) -> None:
    scripts = document.xpath("//script")
    assert all(script.get("type") == "application/ld+json" and not script.get("src") for script in scripts)
    handlers = [name for element in document.iter() for name in element.attrib if name.lower().startswith("on")]
    assert handlers == []
    assert not document.xpath("//@href[starts-with(normalize-space(.), 'javascript:')]")


def heading_text(heading: lxml.html.HtmlElement) -> str:
    """A heading's text as a reader reads it: without the mark of a footnote it carries."""
    plain = copy.deepcopy(heading)
    for reference in plain.xpath(".//a[@role='doc-noteref']"):
        reference.drop_tree()
    return normalise(plain.text_content())


def test_every_paragraph_section_and_back_matter_item(built: Built, document: lxml.html.HtmlElement) -> None:
    article = built.article
    body = copy.deepcopy(document.find("body"))
    for reference in body.xpath(".//a[@role='doc-noteref']"):
        reference.drop_tree()  # a footnote's mark is not part of the sentence it stands in
    for formula in body.xpath(".//math"):  # a formula reads as its TeX, which the model's paragraphs hold
        tex = "".join(formula.xpath(".//annotation[@encoding='application/x-tex']/text()"))
        replacement = lxml.html.Element("span")
        replacement.text, replacement.tail = tex, formula.tail
        formula.getparent().replace(formula, replacement)
    text = normalise(body.text_content())
    for section in article.all_sections:
        assert all(normalise(paragraph) in text for paragraph in section.paragraphs)
    sections = document.xpath("//div[@class='article-body']/section[not(@id='footnotes')]")
    headings = [heading_text(section.find("h2")) for section in sections]
    assert headings == [section.title for section in article.sections]
    for item in (*article.bios, suggested_citation(article), *(note.text for note in article.notes)):
        assert normalise(item) in text


def test_local_links_resolve(built: Built, document: lxml.html.HtmlElement) -> None:
    """Every relative link (the downloads) points at a file built beside the page."""
    folder = page_of(built).parent
    local = [
        href for href in document.xpath("//@href | //@src") if not urlsplit(href).scheme and not href.startswith("#")
    ]
    assert local
    assert [href for href in local if not (folder / href).is_file()] == []


def test_renders_in_chromium_without_console_messages(built: Built) -> None:
    shot = shoot(page_of(built), ARTIFACTS / f"{built.article.slug}-first-screen.png")
    assert shot.console == []
    with Image.open(shot.screenshot) as picture:
        assert picture.size == (1280, 900)
        # Not a blank page: the rendered text leaves many distinct shades.
        assert len(picture.convert("L").getcolors(maxcolors=256) or []) > 16


# --- FAIR Signposting, identifiers and link text ------------------------------------------------------


def links(document: lxml.html.HtmlElement, rel: str) -> list[tuple[str, str | None]]:
    return [(link.get("href"), link.get("type")) for link in document.xpath("//head/link[@rel=$rel]", rel=rel)]


def test_fair_signposting_level_one(built: Built, document: lxml.html.HtmlElement) -> None:
    """cite-as, author, license, item and describedby links (signposting.org), each one resolving: an
    ORCID iD, licence or identifier as the source states it, an edition or metadata file in dist/<slug>/."""
    article, folder = built.article, page_of(built).parent
    expected_cite_as = f"https://doi.org/{article.DOI}" if article.DOI else article.URL
    assert links(document, "cite-as") == [(expected_cite_as, None)]
    assert links(document, "author") == [(person.ORCID, None) for person in article.author if person.ORCID]
    license_url = article.license.url if article.license else None
    assert links(document, "license") == ([(license_url, None)] if license_url else [])
    slug = article.slug
    assert links(document, "item") == [(f"{slug}.pdf", "application/pdf"), (f"{slug}.epub", "application/epub+zip")]
    assert links(document, "describedby") == [
        (f"{slug}.xml", "application/jats+xml"),
        (f"{slug}.csl.json", "application/vnd.citationstyles.csl+json"),
        (f"{slug}.bib", "application/x-bibtex"),
        (f"{slug}.ris", "application/x-research-info-systems"),
    ]
    # Each relative link names a file beside the page, and the file is what its type says.
    (pdf, _), (epub, _) = links(document, "item")
    assert (folder / pdf).read_bytes().startswith(b"%PDF-")
    assert (folder / epub).read_bytes()[:2] == b"PK"
    jats_file, csl_file, bib_file, ris_file = (folder / href for href, _type in links(document, "describedby"))
    assert etree.parse(str(jats_file)).getroot().tag == "article"
    assert json.loads(csl_file.read_text(encoding="utf-8"))[0]["title"] == article.title
    assert bib_file.read_text(encoding="utf-8").lstrip().startswith("@")
    assert ris_file.read_text(encoding="utf-8").lstrip().startswith("TY  - ")
    assert all("/" not in href for href, _type in links(document, "item") + links(document, "describedby"))


def test_highwire_author_orcid_follows_its_author(built: Built, document: lxml.html.HtmlElement) -> None:
    tags = [
        (element.get("name"), element.get("content"))
        for element in document.xpath("//head/meta[@name='citation_author' or @name='citation_author_orcid']")
    ]
    expected: list[tuple[str, str]] = []
    for person in built.article.author:
        expected.append(("citation_author", person.file_as))
        if person.ORCID:
            expected.append(("citation_author_orcid", person.ORCID))
    assert tags == expected


def test_json_ld_identifiers_and_copyright(built: Built, document: lxml.html.HtmlElement) -> None:
    article = built.article
    data = json.loads(document.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@id"] == article.identifier
    for node, person in zip(data["author"], article.author, strict=True):
        assert node.get("@id") == person.ORCID and node.get("identifier") == person.ORCID
        for organisation, affiliation in zip(node.get("affiliation", []), person.affiliations, strict=True):
            assert organisation["name"] == affiliation.institution
            assert organisation.get("@id") == affiliation.ROR and organisation.get("identifier") == affiliation.ROR
    line = article.copyright
    assert data.get("copyrightHolder") == (line.holder if line else None)
    assert data.get("copyrightYear") == (line.year if line else None)
    assert data.get("copyrightNotice") == (line.statement if line else None)
    assert meta(document, "DC.rights")[: bool(line and line.statement)] == (
        [line.statement] if line and line.statement else []
    )


def test_visible_links_say_where_they_lead(built: Built, document: lxml.html.HtmlElement) -> None:
    """The title block and back matter never show a bare address as link text (a screen reader would spell it);
    the article's own page is named by its journal and site."""
    article = built.article
    anchors = document.xpath("//header[@id='title-block']//a[@href] | //section[@id='back-matter']//a[@href]")
    assert anchors
    for anchor in anchors:
        text = normalise(anchor.text_content())
        assert text and not text.startswith(("http://", "https://", "www.")), (anchor.get("href"), text)
    page_links = [normalise(a.text_content()) for a in anchors if a.get("href") == article.URL]
    site = article.URL.split("/")[2].removeprefix("www.")
    assert page_links == [f"{article.container_title} ({site})"]
