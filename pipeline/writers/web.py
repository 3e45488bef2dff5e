"""Article -> the web edition ``index.html``: the shared renderer plus scholarly citation metadata
(Highwire Press, Dublin Core, Open Graph, schema.org JSON-LD). No executable scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, NamedTuple

from markupsafe import Markup

from pipeline import paths
from pipeline.formats import artifact_name
from pipeline.model import Article, Person
from pipeline.render import html
from pipeline.writers import web_refs

# The other editions the page offers; they sit beside it in dist/<slug>/.
DOWNLOADS = ("pdf", "epub", "jats")
# FAIR Signposting level 1 (signposting.org): the content resources the page links as ``item`` and the
# metadata resources it links as ``describedby``, by format, with the media type each is served as.
SIGNPOSTED_ITEMS = {"pdf": "application/pdf", "epub": "application/epub+zip"}
SIGNPOSTED_METADATA = {
    "jats": "application/jats+xml",
    "csl-json": "application/vnd.citationstyles.csl+json",
    "bibtex": "application/x-bibtex",
    "ris": "application/x-research-info-systems",
}


class Signpost(NamedTuple):
    """One typed link of the page's <head>: ``<link rel href type>``."""

    rel: str
    href: str
    type: str | None = None


def write(article: Article, path: Path) -> None:
    downloads = {name: artifact_name(name, article.slug) for name in DOWNLOADS}
    page = html.render(
        article,
        "web/index.html.j2",
        body=html.render_body(article),
        head_extra="web/_citation_meta.html.j2",
        downloads=downloads,
        signposts=signposts(article),
        citation_references=web_refs.citation_references(article),
        json_ld=_script_safe(json.dumps(scholarly_article(article), ensure_ascii=False, indent=2)),
        stylesheet=Markup((paths.STYLES / "web.css").read_text(encoding="utf-8")),
    )
    path.write_text(page, encoding="utf-8")


def signposts(article: Article) -> list[Signpost]:
    """The page's FAIR Signposting links: the persistent identifier to cite it by, its authors' ORCID
    iDs, its licence, the editions it is published as (relative: they sit beside it) and the files
    that describe it."""
    return [
        Signpost("cite-as", article.identifier),
        *(Signpost("author", person.ORCID) for person in article.author if person.ORCID),
        *([Signpost("license", article.license.url)] if article.license and article.license.url else []),
        *(Signpost("item", artifact_name(name, article.slug), kind) for name, kind in SIGNPOSTED_ITEMS.items()),
        *(
            Signpost("describedby", artifact_name(name, article.slug), kind)
            for name, kind in SIGNPOSTED_METADATA.items()
        ),
    ]


def scholarly_article(article: Article) -> dict[str, Any]:
    """schema.org ScholarlyArticle; keys only for the data the source has."""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ScholarlyArticle",
        "@id": article.identifier,
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
        # The holder as the source words it (a name; whether a person or an organisation is not stated).
        "copyrightHolder": article.copyright.holder if article.copyright else None,
        "copyrightYear": article.copyright.year if article.copyright else None,
        "copyrightNotice": article.copyright.statement if article.copyright else None,
    }
    if article.ISSN:
        data["isPartOf"]["issn"] = article.ISSN
    data.update({key: value for key, value in optional.items() if value is not None})
    return data


def _person(person: Person) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@type": "Person",
        # The ORCID iD names the person as a node of the graph (@id) and as a plain identifier for
        # consumers that do not read @id.
        **({"@id": person.ORCID, "identifier": person.ORCID} if person.ORCID else {}),
        "name": person.name,
        "givenName": person.given,
        "familyName": person.family,
    }
    if person.role:
        data["jobTitle"] = person.role
    if person.affiliations:
        data["affiliation"] = [
            {"@type": "Organization"}
            | ({"@id": affiliation.ROR, "identifier": affiliation.ROR} if affiliation.ROR else {})
            | {"name": affiliation.institution}
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
