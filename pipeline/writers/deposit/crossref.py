"""Article -> Crossref deposit (metadata input schema 5.3.1): what a journal sends to register the DOI.

Written only for an article with a DOI, and a house file that names the depositor and the registrant
(see ``pipeline.writers.WRITERS``). Built element by element like the JATS front matter: each builder
returns ``None`` when the source lacks its data, so no empty or invented element is written. The
``timestamp`` and ``doi_batch_id`` come from the source (``pipeline.writers.deposit.record``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from pipeline.model import Affiliation, Article, House, Issue, Person, Reference
from pipeline.writers.deposit.record import batch_id, deposit_timestamp
from pipeline.writers.jats import journal_issns

CROSSREF_NS = "http://www.crossref.org/schema/5.3.1"
JATS_NS = "http://www.ncbi.nlm.nih.gov/JATS1"
AI_NS = "http://www.crossref.org/AccessIndicators.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_VERSION = "5.3.1"
SCHEMA_LOCATION = f"{CROSSREF_NS} https://www.crossref.org/schemas/crossref{SCHEMA_VERSION}.xsd"
NAMESPACES = {None: CROSSREF_NS, "jats": JATS_NS, "ai": AI_NS, "xsi": XSI_NS}
# CSL types whose references Crossref can match field by field; others go as the formatted text.
JOURNAL_TYPES = frozenset({"article-journal", "article", "article-magazine", "article-newspaper", "review"})


def write(article: Article, path: Path) -> None:
    path.write_bytes(render(article))


def render(article: Article) -> bytes:
    body = _element("body", children=[_journal(article)])
    # The batch id hashes the body: the same record keeps its id, a changed one gets a new one.
    body_bytes = etree.tostring(body, encoding="UTF-8")
    root = etree.Element(_name("doi_batch"), nsmap=NAMESPACES)
    root.set("version", SCHEMA_VERSION)
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    root.append(_head(article, article.house, batch_id(article, body_bytes)))
    root.append(body)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- helpers ---------------------------------------------------------------------------------------


def _name(local: str, namespace: str = CROSSREF_NS) -> str:
    return f"{{{namespace}}}{local}"


def _element(
    local: str,
    text: str | None = None,
    children: Iterable[etree._Element | None] = (),
    namespace: str = CROSSREF_NS,
    **attributes: str,
) -> etree._Element:
    element = etree.Element(_name(local, namespace), {key: value for key, value in attributes.items()})
    element.text = text
    element.extend(child for child in children if child is not None)
    return element


def _optional(local: str, text: str | None, **attributes: str) -> etree._Element | None:
    return _element(local, text, **attributes) if text else None


# --- head -----------------------------------------------------------------------------------------


def _head(article: Article, house: House, batch: str) -> etree._Element:
    depositor = _element(
        "depositor",
        children=[_element("depositor_name", house.depositor_name), _element("email_address", house.depositor_email)],
    )
    return _element(
        "head",
        children=[
            _element("doi_batch_id", batch),
            _element("timestamp", deposit_timestamp(article)),
            depositor,
            _element("registrant", house.registrant),
        ],
    )


# --- journal ------------------------------------------------------------------------------------


def _journal(article: Article) -> etree._Element:
    # A journal_issue only when the source names a volume: for continuous publication Crossref wants none invented.
    issue = article.house.issue(article.volume, article.issue)
    return _element(
        "journal",
        children=[
            _journal_metadata(article),
            journal_issue(issue, article.issued) if issue else None,
            _journal_article(article),
        ],
    )


def journal_issue(issue: Issue, first_issued: datetime.date) -> etree._Element:
    """The issue: its title and date as house.yaml gives them, its volume and number. Without a date in
    house.yaml, the issue is dated by its first article's publication (``first_issued``)."""
    return _element(
        "journal_issue",
        children=[
            _element("titles", children=[_element("title", issue.title)]) if issue.title else None,
            _date("publication_date", issue.date or first_issued, media_type="online"),
            _element("journal_volume", children=[_element("volume", issue.volume)]),
            _optional("issue", issue.issue),
        ],
    )


def _language(article: Article) -> dict[str, str]:
    """Crossref's language attribute takes ISO 639-1 codes: the tag's primary subtag when it is one."""
    primary = article.language.split("-")[0].lower()
    return {"language": primary} if len(primary) == 2 else {}


def _journal_metadata(article: Article) -> etree._Element:
    house = article.house
    # The house's DOI of the journal is not written: journal_metadata's doi_data needs the journal's own
    # landing page (resource), which the house file does not state.
    return _element(
        "journal_metadata",
        children=[
            _element("full_title", article.container_title),
            _optional("abbrev_title", house.abbreviated_title),
            *_issns(article),
        ],
        **_language(article),
    )


def _issns(article: Article) -> list[etree._Element]:
    """The journal's ISSNs, each typed by edition, as the JATS types them (one rule for every output)."""
    return [_element("issn", issn, media_type=edition) for edition, issn in journal_issns(article).items()]


def _journal_article(article: Article) -> etree._Element:
    return _element(
        "journal_article",
        children=[
            _element("titles", children=[_element("title", article.title)]),
            _contributors(article),
            _abstract(article.abstract),
            _publication_date(article),
            _access_indicators(article),
            _element("doi_data", children=[_element("doi", article.DOI), _element("resource", article.URL)]),
            _citation_list(article.references),
        ],
        publication_type="full_text",
        **_language(article),
    )


def _contributors(article: Article) -> etree._Element:
    people = [(person, "author") for person in article.author] + [(person, "editor") for person in article.editor]
    return _element(
        "contributors",
        children=[
            _person_name(person, role, "first" if index == 0 else "additional")
            for index, (person, role) in enumerate(people)
        ],
    )


def _person_name(person: Person, role: str, sequence: str) -> etree._Element:
    affiliations = (
        _element("affiliations", children=[_institution(affiliation) for affiliation in person.affiliations])
        if person.affiliations
        else None
    )
    orcid = _element("ORCID", person.ORCID, authenticated="false") if person.ORCID else None
    return _element(
        "person_name",
        children=[_element("given_name", person.given), _element("surname", person.family), affiliations, orcid],
        sequence=sequence,
        contributor_role=role,
    )


def _institution(affiliation: Affiliation) -> etree._Element:
    return _element(
        "institution",
        children=[
            _element("institution_name", affiliation.institution),
            _optional("institution_id", affiliation.ROR, type="ror"),
            _optional("institution_place", affiliation.country),
            _optional("institution_department", affiliation.department),
        ],
    )


def _abstract(abstract: str | None) -> etree._Element | None:
    if not abstract:
        return None
    paragraphs = [paragraph for paragraph in abstract.split("\n\n") if paragraph.strip()]
    return _element(
        "abstract", namespace=JATS_NS, children=[_element("p", text, namespace=JATS_NS) for text in paragraphs]
    )


def _publication_date(article: Article) -> etree._Element:
    return _date("publication_date", article.issued, media_type="online")


def _date(local: str, day: datetime.date, **attributes: str) -> etree._Element:
    children = [
        _element("month", f"{day.month:02d}"),
        _element("day", f"{day.day:02d}"),
        _element("year", str(day.year)),
    ]
    return _element(local, children=children, **attributes)


def _access_indicators(article: Article) -> etree._Element | None:
    """The licence of the version of record, by its URL (Crossref's AccessIndicators program)."""
    if not (article.license and article.license.url):
        return None
    licence = _element("license_ref", article.license.url, namespace=AI_NS, applies_to="vor")
    return _element("program", namespace=AI_NS, children=[licence], name="AccessIndicators")


# --- references ------------------------------------------------------------------------------------


def _citation_list(references: tuple[Reference, ...]) -> etree._Element | None:
    if not references:
        return None
    return _element("citation_list", children=[_citation(reference) for reference in references])


def _citation(reference: Reference) -> etree._Element:
    """A journal article field by field (Crossref matches them to a DOI); anything else as the entry's
    formatted text. A DOI the reference has is always given."""
    doi = _optional("doi", reference.DOI)
    if reference.type in JOURNAL_TYPES and reference.container_title:
        first_author = reference.author[0] if reference.author else None
        children = [
            _optional("journal_title", reference.container_title),
            _optional("author", (first_author.family or first_author.literal) if first_author else None),
            _optional("volume", reference.volume),
            _optional("issue", reference.issue),
            _optional("first_page", reference.first_page),
            _optional("cYear", reference.year),
            doi,
            _optional("article_title", reference.title),
        ]
    else:
        children = [doi, _element("unstructured_citation", reference.text)]
    return _element("citation", children=children, key=reference.id)
