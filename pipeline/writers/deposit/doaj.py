"""Article -> DOAJ article XML (``doajArticles.xsd`` 1.3): what a journal uploads to list the article in
the Directory of Open Access Journals. Written only for an article with an ISSN (DOAJ lists journals by
ISSN). Element by element; an element whose data the source lacks is left out.
"""

from __future__ import annotations

from pathlib import Path

import pycountry
from lxml import etree

from pipeline.model import Article
from pipeline.writers.jats import journal_issns

# DOAJ's two ISSN elements, by the edition the JATS gives each ISSN (pipeline.writers.jats.journal_issns).
ISSN_ELEMENTS = {"print": "issn", "electronic": "eissn"}
FULL_TEXT_FORMAT = "html"


def write(article: Article, path: Path) -> None:
    path.write_bytes(render(article))


def render(article: Article) -> bytes:
    root = etree.Element("records")
    root.append(_record(article))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def language_code(tag: str) -> str | None:
    """The ISO 639-2/B code DOAJ wants for a BCP 47 tag ("de-CH" -> "ger"), or None when there is none."""
    primary = tag.split("-")[0].lower()
    language = pycountry.languages.get(alpha_2=primary) if len(primary) == 2 else None
    language = language or pycountry.languages.get(alpha_3=primary)
    if language is None:
        return None
    return getattr(language, "bibliographic", None) or language.alpha_3


def _add(parent: etree._Element, name: str, text: str | None, **attributes: str) -> etree._Element | None:
    if not text:
        return None
    element = etree.SubElement(parent, name, attributes)
    element.text = text
    return element


def _record(article: Article) -> etree._Element:
    record = etree.Element("record")
    language = language_code(article.language)
    in_language = {"language": language} if language else {}
    _add(record, "language", language)
    _add(record, "publisher", article.publisher)
    _add(record, "journalTitle", article.container_title)
    issns = {ISSN_ELEMENTS[edition]: issn for edition, issn in journal_issns(article).items()}
    for element in ("issn", "eissn"):  # the schema's order
        _add(record, element, issns.get(element))
    _add(record, "publicationDate", article.issued.isoformat())
    _add(record, "volume", article.volume)
    _add(record, "issue", article.issue)
    _add(record, "doi", article.DOI)
    _add(record, "publisherRecordId", article.slug)
    _add(record, "title", article.title, **in_language)
    _authors(record, article)
    _add(record, "abstract", article.abstract, **in_language)
    _add(record, "fullTextUrl", article.URL, format=FULL_TEXT_FORMAT)
    if article.keywords:
        keywords = etree.SubElement(record, "keywords", in_language)
        for keyword in article.keywords:
            _add(keywords, "keyword", keyword)
    return record


def _authors(record: etree._Element, article: Article) -> None:
    """The authors, each pointing to its institutions in one numbered affiliations list."""
    numbers: dict[str, str] = {}
    for person in article.author:
        for affiliation in person.affiliations:
            numbers.setdefault(affiliation.institution, str(len(numbers) + 1))
    authors = etree.SubElement(record, "authors")
    for person in article.author:
        author = etree.SubElement(authors, "author")
        _add(author, "name", person.name)
        for affiliation in person.affiliations:
            _add(author, "affiliationId", numbers[affiliation.institution])
        _add(author, "orcid_id", person.ORCID)
    if numbers:
        listing = etree.SubElement(record, "affiliationsList")
        for institution, number in numbers.items():
            _add(listing, "affiliationName", institution, affiliationId=number)
