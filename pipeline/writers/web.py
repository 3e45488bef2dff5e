"""Article -> the web edition ``index.html``: the shared renderer plus scholarly citation metadata
(Highwire Press, Dublin Core, Open Graph, schema.org JSON-LD). No executable scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from markupsafe import Markup

from pipeline import html, paths
from pipeline.model import Article, Person
from pipeline.writers import artifact_name, web_refs

# The other editions the page offers; they sit beside it in dist/<slug>/.
DOWNLOADS = ("pdf", "epub", "jats")


def write(article: Article, path: Path) -> None:
    downloads = {name: artifact_name(name, article.slug) for name in DOWNLOADS}
    page = html.render(
        article,
        "web/index.html.j2",
        body=html.render_body(article),
        head_extra="web/_citation_meta.html.j2",
        downloads=downloads,
        citation_references=web_refs.citation_references(article),
        json_ld=_script_safe(json.dumps(scholarly_article(article), ensure_ascii=False, indent=2)),
        stylesheet=Markup((paths.STYLES / "web.css").read_text(encoding="utf-8")),
    )
    path.write_text(page, encoding="utf-8")


def scholarly_article(article: Article) -> dict[str, Any]:
    """schema.org ScholarlyArticle; keys only for the data the source has."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "headline": article.title,
        "name": article.title,
        "url": article.URL,
        "datePublished": article.issued.isoformat(),
        "inLanguage": article.language,
        "author": [_person(person) for person in article.author],
        "isPartOf": {"@type": "Periodical", "name": article.container_title},
        "isAccessibleForFree": True,
    }
    optional: dict[str, Any] = {
        "genre": article.genre,
        "editor": [_person(person) for person in article.editor] or None,
        "abstract": article.abstract,
        "keywords": list(article.keywords) or None,
        "publisher": {"@type": "Organization", "name": article.publisher} if article.publisher else None,
        "identifier": {"@type": "PropertyValue", "propertyID": "DOI", "value": article.DOI} if article.DOI else None,
        "sameAs": f"https://doi.org/{article.DOI}" if article.DOI else None,
        "license": article.license.url if article.license and article.license.url else None,
        # schema.org's citation: the works this article cites (its own suggested citation is on the page).
        "citation": [web_refs.cited_work(reference) for reference in article.references] or None,
    }
    if article.ISSN:
        data["isPartOf"]["issn"] = article.ISSN
    data.update({key: value for key, value in optional.items() if value is not None})
    return data


def _person(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@type": "Person",
        "name": person.name,
        "givenName": person.given,
        "familyName": person.family,
    }
    if person.role:
        data["jobTitle"] = person.role
    if person.affiliations:
        data["affiliation"] = [
            {"@type": "Organization", "name": affiliation.institution}
            | (
                {"address": {"@type": "PostalAddress", "addressCountry": affiliation.country}}
                if affiliation.country
                else {}
            )
            for affiliation in person.affiliations
        ]
    return data


def _script_safe(text: str) -> Markup:
    """JSON inside <script>: a '</' in a value must not close the element."""
    return Markup(text.replace("</", "<\\/"))
