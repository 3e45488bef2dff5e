"""What the web page tells indexers about the works the article cites, from each reference's CSL item:
Highwire ``citation_reference`` tags (Google Scholar, Zotero) and schema.org ``citation`` entries."""

from __future__ import annotations

from typing import Any

from pipeline.model import Article, Reference
from pipeline.writers.jats_refs import plain_text

# Google Scholar reads a citation_reference as "name=value; name=value": a ';' in a value would split it.
HIGHWIRE_SEPARATOR = "; "
# schema.org types for CSL item types; any other is a CreativeWork.
SCHEMA_TYPES = {
    "article-journal": "ScholarlyArticle",
    "article-magazine": "Article",
    "article-newspaper": "NewsArticle",
    "book": "Book",
    "chapter": "Chapter",
    "report": "Report",
    "thesis": "Thesis",
    "webpage": "WebPage",
    "legislation": "Legislation",
    "dataset": "Dataset",
}


def _names(reference: Reference) -> list[tuple[str, bool]]:
    """Each author as (name, is a person): people as "Family, Given" (Highwire's form), organisations
    (CSL's literal names) by their name."""
    names: list[tuple[str, bool]] = []
    for person in reference.item.get("author") or []:
        family, given = plain_text(person.get("family")), plain_text(person.get("given"))
        literal = plain_text(person.get("literal"))
        if family:
            names.append((f"{family}, {given}" if given else family, True))
        elif literal or given:
            names.append((literal or given or "", False))
    return names


def _year(reference: Reference) -> str | None:
    issued = reference.item.get("issued")
    parts = (issued.get("date-parts") if isinstance(issued, dict) else None) or [[]]
    return str(parts[0][0]) if parts[0] else None


def _pages(reference: Reference) -> tuple[str | None, str | None]:
    page = plain_text(reference.item.get("page"))
    if not page:
        return None, None
    first, _, last = page.replace("–", "-").partition("-")
    return first.strip() or None, last.strip() or None


def highwire_pairs(reference: Reference) -> list[tuple[str, str]]:
    """The (name, value) pairs of one ``citation_reference`` tag, for the data the item has."""
    item = reference.item
    kind = item.get("type")
    title, container = plain_text(item.get("title")), plain_text(item.get("container-title"))
    first_page, last_page = _pages(reference)
    pairs: list[tuple[str, str | None]] = [
        ("citation_title", title),
        *(("citation_author", name) for name, _person in _names(reference)),
        # A chapter's container is its book; any other's is a periodical or a series (a law report).
        ("citation_inbook_title" if kind == "chapter" else "citation_journal_title", container),
        ("citation_publisher", plain_text(item.get("publisher"))),
        ("citation_publication_date", _year(reference)),
        ("citation_volume", plain_text(item.get("volume"))),
        ("citation_issue", plain_text(item.get("issue"))),
        ("citation_firstpage", first_page),
        ("citation_lastpage", last_page),
        ("citation_doi", plain_text(item.get("DOI"))),
        ("citation_public_url", plain_text(item.get("URL"))),
    ]
    return [(name, value.replace(";", ",")) for name, value in pairs if value]


def citation_references(article: Article) -> list[str]:
    """The content of each ``citation_reference`` meta tag, one per reference, in bibliography order."""
    return [HIGHWIRE_SEPARATOR.join(f"{name}={value}" for name, value in highwire_pairs(r)) for r in article.references]


def cited_work(reference: Reference) -> dict[str, Any]:
    """A schema.org CreativeWork for one reference; keys only for the data it has."""
    item = reference.item
    doi = plain_text(item.get("DOI"))
    container = plain_text(item.get("container-title"))
    data: dict[str, Any] = {
        "@type": SCHEMA_TYPES.get(str(item.get("type")), "CreativeWork"),
        "name": plain_text(item.get("title")),
        "author": [
            {"@type": "Person" if person else "Organization", "name": name} for name, person in _names(reference)
        ]
        or None,
        "datePublished": _year(reference),
        "isPartOf": {"@type": "CreativeWork", "name": container} if container else None,
        "publisher": {"@type": "Organization", "name": plain_text(item.get("publisher"))}
        if item.get("publisher")
        else None,
        "identifier": {"@type": "PropertyValue", "propertyID": "DOI", "value": doi} if doi else None,
        "sameAs": f"https://doi.org/{doi}" if doi else None,
        "url": plain_text(item.get("URL")),
        "description": reference.text,
    }
    return {key: value for key, value in data.items() if value}
