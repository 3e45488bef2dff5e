"""What the web page tells indexers about the works the article cites, from each reference's fields as
prepared: Highwire ``citation_reference`` tags (Google Scholar, Zotero) and schema.org ``citation`` entries."""

from __future__ import annotations

from typing import Any

from pipeline.model import Article, Reference

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


def highwire_pairs(reference: Reference) -> list[tuple[str, str]]:
    """The (name, value) pairs of one ``citation_reference`` tag, for the data the reference has."""
    pairs: list[tuple[str, str | None]] = [
        ("citation_title", reference.title),
        # Highwire's form of a name: "Family, Given" for a person, an organisation's name as it is.
        *(("citation_author", name.name) for name in reference.author),
        # A chapter's container is its book; any other's is a periodical or a series (a law report).
        (
            "citation_inbook_title" if reference.type == "chapter" else "citation_journal_title",
            reference.container_title,
        ),
        ("citation_publisher", reference.publisher),
        ("citation_publication_date", reference.year),
        ("citation_volume", reference.volume),
        ("citation_issue", reference.issue),
        ("citation_firstpage", reference.first_page),
        ("citation_lastpage", reference.last_page),
        ("citation_doi", reference.DOI),
        ("citation_public_url", reference.URL),
    ]
    return [(name, value.replace(";", ",")) for name, value in pairs if value]


def citation_references(article: Article) -> list[str]:
    """The content of each ``citation_reference`` meta tag, one per reference, in bibliography order."""
    return [HIGHWIRE_SEPARATOR.join(f"{name}={value}" for name, value in highwire_pairs(r)) for r in article.references]


def cited_work(reference: Reference) -> dict[str, Any]:
    """A schema.org CreativeWork for one reference; keys only for the data it has."""
    doi, container, publisher = reference.DOI, reference.container_title, reference.publisher
    data: dict[str, Any] = {
        "@type": SCHEMA_TYPES.get(reference.type, "CreativeWork"),
        "name": reference.title,
        "author": [
            {"@type": "Person" if name.is_person else "Organization", "name": name.name} for name in reference.author
        ]
        or None,
        "datePublished": reference.year,
        "isPartOf": {"@type": "CreativeWork", "name": container} if container else None,
        "publisher": {"@type": "Organization", "name": publisher} if publisher else None,
        "identifier": {"@type": "PropertyValue", "propertyID": "DOI", "value": doi} if doi else None,
        "sameAs": f"https://doi.org/{doi}" if doi else None,
        "url": reference.URL,
        "description": reference.text,
    }
    return {key: value for key, value in data.items() if value}
