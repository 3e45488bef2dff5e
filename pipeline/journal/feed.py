"""``dist/feed.xml`` (Atom 1.0, RFC 4287) and ``dist/sitemap.xml`` (sitemaps.org 0.9): what feed readers
and crawlers read. Both need absolute addresses, so both are written only when house.yaml gives the site."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from lxml import etree

from pipeline.journal.pages import Journal
from pipeline.journal.records import IssueGroup, Record

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _timestamp(day: datetime.date) -> str:
    """An RFC 3339 date-time: the sources give days, so midnight UTC."""
    return f"{day.isoformat()}T00:00:00Z"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
    element.text = text
    return element


def atom(journal: Journal, records: Sequence[Record]) -> bytes:
    """One entry per article, newest first: title, link, authors, published and updated, summary."""
    assert journal.site is not None
    feed = etree.Element(f"{{{ATOM_NS}}}feed", nsmap={None: ATOM_NS})
    feed.set("{http://www.w3.org/XML/1998/namespace}lang", journal.language)
    _sub(feed, "id", journal.site)
    _sub(feed, "title", journal.title)
    newest = max((record.datestamp for record in records), default=datetime.date(1970, 1, 1))
    _sub(feed, "updated", _timestamp(newest))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=f"{journal.site}feed.xml")
    _sub(feed, "link", rel="alternate", type="text/html", href=journal.site)
    words = journal.words
    for record in records:
        entry = _sub(feed, "entry")
        doi = record.csl.get("DOI")
        _sub(entry, "id", f"https://doi.org/{doi}" if doi else f"{journal.site}{record.page}")
        _sub(entry, "title", record.title)
        _sub(entry, "link", rel="alternate", type="text/html", href=f"{journal.site}{record.page}")
        for person in record.authors:
            _sub(_sub(entry, "author"), "name", person.name)
        _sub(entry, "published", _timestamp(record.issued))
        _sub(entry, "updated", _timestamp(record.datestamp))
        summary = record.csl.get("abstract") or words.gettext(
            "%(genre)s published in %(journal)s on %(date)s",
            genre=record.csl.get("genre") or words.gettext("Article"),
            journal=record.csl.get("container-title", journal.title),
            date=words.long_date(record.issued),
        )
        _sub(entry, "summary", summary, type="text")
        if record.language:
            entry.set("{http://www.w3.org/XML/1998/namespace}lang", record.language)
    return etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def sitemap(journal: Journal, records: Sequence[Record], groups: Sequence[IssueGroup]) -> bytes:
    """The home page, each issue's page and each article's page, with the day each last changed."""
    assert journal.site is not None
    urlset = etree.Element(f"{{{SITEMAP_NS}}}urlset", nsmap={None: SITEMAP_NS})
    newest = max((record.datestamp for record in records), default=None)
    pages: list[tuple[str, datetime.date | None]] = [("", newest)]
    pages += [(f"{group.folder}index.html", max(record.datestamp for record in group.records)) for group in groups]
    pages += [(record.page, record.datestamp) for record in records]
    for relative, changed in pages:
        url = etree.SubElement(urlset, f"{{{SITEMAP_NS}}}url")
        etree.SubElement(url, f"{{{SITEMAP_NS}}}loc").text = f"{journal.site}{relative}"
        if changed is not None:
            etree.SubElement(url, f"{{{SITEMAP_NS}}}lastmod").text = changed.isoformat()
    return etree.tostring(urlset, xml_declaration=True, encoding="UTF-8", pretty_print=True)
