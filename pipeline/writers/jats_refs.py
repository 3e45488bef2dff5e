"""The JATS reference list: one ``<ref>`` per bibliography entry, its data as ``<element-citation>``.

pandoc's JATS writer turns citeproc's bibliography into ``<ref-list>`` with one ``<ref id="ref-KEY">``
holding the entry as styled text (``<mixed-citation>``), and each citation into ``<xref
ref-type="bibr" rid="ref-KEY">``. JATS4R accepts either citation form; this module adds the structured
one, built element by element from the CSL-JSON item (nothing for data that is absent), so indexers
and pandoc's own JATS reader recover each field, while the styled text stays beside it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any

from lxml import etree

from pipeline.errors import PipelineError
from pipeline.model import Article, Reference

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# JATS @publication-type for CSL types: the Tag Library's own values where one exists (JATS4R asks for
# "journal", "book", "report"...), else the CSL type written with hyphens.
PUBLICATION_TYPES = {
    "article-journal": "journal",
    "article-magazine": "magazine",
    "article-newspaper": "newspaper",
    "book": "book",
    "chapter": "book",
    "report": "report",
    "thesis": "thesis",
    "webpage": "webpage",
    "paper-conference": "confproc",
    "patent": "patent",
    "dataset": "data",
}
PAGE_RANGE = re.compile(r"^\s*([^-–—\s]+)\s*[-–—]+\s*([^-–—\s]+)\s*$")
MARKUP = re.compile(r"<[^>]+>")


def complete_ref_list(back_children: list[etree._Element], article: Article, title: str) -> None:
    """Give pandoc's ``<ref-list>`` its title and each ``<ref>`` its ``<element-citation>``."""
    ref_lists = [element for element in back_children if element.tag == "ref-list"]
    if not article.references:
        return
    if len(ref_lists) != 1:
        raise PipelineError(f"pandoc's JATS for {article.slug!r} has {len(ref_lists)} <ref-list>, expected 1")
    ref_list = ref_lists[0]
    for old_title in ref_list.findall("title"):
        ref_list.remove(old_title)
    heading = etree.Element("title")
    heading.text = title
    ref_list.insert(0, heading)
    refs = ref_list.findall("ref")
    expected = [f"ref-{reference.id}" for reference in article.references]
    if [ref.get("id") for ref in refs] != expected:
        raise PipelineError(f"JATS <ref> ids of {article.slug!r} are {[r.get('id') for r in refs]}, not {expected}")
    for ref, reference in zip(refs, article.references, strict=True):
        for mixed in ref.findall("mixed-citation"):
            mixed.set("publication-type", publication_type(reference.item))
        ref.insert(0, element_citation(reference))


def unlink_inside_citations(*elements: etree._Element) -> None:
    """A citation that prints a URL or DOI (a note style's) holds pandoc's ``<ext-link>`` inside its
    ``<xref>``; the Publishing schema admits no link in a link, so the inner one keeps only its text."""
    for element in elements:
        for link in element.xpath(".//xref//ext-link"):
            parent = link.getparent()
            text = (link.text or "") + (link.tail or "")
            previous = link.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + text
            else:
                parent.text = (parent.text or "") + text
            parent.remove(link)


def publication_type(item: dict[str, Any]) -> str:
    kind = str(item.get("type", ""))
    return PUBLICATION_TYPES.get(kind, kind.replace("_", "-") or "other")


def element_citation(reference: Reference) -> etree._Element:
    item = reference.item
    citation = _element("element-citation", publication_type=publication_type(item))
    for child in _fields(item):
        if child is not None:
            citation.append(child)
    return citation


def _fields(item: dict[str, Any]) -> Iterable[etree._Element | None]:
    kind = item.get("type")
    title, container = plain_text(item.get("title")), plain_text(item.get("container-title"))
    yield _person_group(item.get("author"), "author")
    yield _person_group(item.get("editor"), "editor")
    if kind == "chapter" and title and container:
        yield _element("chapter-title", title)
        yield _element("source", container)
    elif title and container:
        yield _element("article-title", title)
        yield _element("source", container)
    elif title or container:
        yield _element("source", title or container)
    yield _year(item.get("issued"))
    yield _simple("edition", item.get("edition"))
    yield _simple("volume", item.get("volume"))
    yield _simple("issue", item.get("issue"))
    yield from _pages(item.get("page"))
    yield _simple("publisher-loc", item.get("publisher-place"))
    yield _simple("publisher-name", item.get("publisher"))
    doi = plain_text(item.get("DOI"))
    yield _element("pub-id", doi, pub_id_type="doi") if doi else None
    url = plain_text(item.get("URL"))
    yield _element("ext-link", url, ext_link_type="uri", **{XLINK_HREF: url}) if url else None


def _element(tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.Element(tag)
    for name, value in attributes.items():
        element.set(name if name.startswith("{") else name.replace("_", "-"), value)
    element.text = text
    return element


def plain_text(value: object) -> str | None:
    """A CSL-JSON string without its rich-text markup (pandoc writes ``<i>``, ``<span class="nocase">``)."""
    if value is None:
        return None
    text = html.unescape(MARKUP.sub("", str(value))).strip()
    return text or None


def _simple(tag: str, value: object) -> etree._Element | None:
    text = plain_text(value)
    return _element(tag, text) if text else None


def _person_group(people: object, group_type: str) -> etree._Element | None:
    if not isinstance(people, list) or not people:
        return None
    group = _element("person-group", person_group_type=group_type)
    for person in people:
        family, given, literal = (
            plain_text(person.get("family")),
            plain_text(person.get("given")),
            plain_text(person.get("literal")),
        )
        if family:
            name = _element("name", name_style="western")
            name.append(_element("surname", family))
            if given:
                name.append(_element("given-names", given))
            group.append(name)
        elif literal or given:
            group.append(_element("collab", literal or given))
    return group if len(group) else None


def _year(issued: object) -> etree._Element | None:
    if not isinstance(issued, dict):
        return None
    parts = issued.get("date-parts") or [[]]
    if parts and parts[0] and str(parts[0][0]).strip():
        return _element("year", str(parts[0][0]))
    literal = plain_text(issued.get("literal"))
    return _element("year", literal) if literal else None


def _pages(page: object) -> list[etree._Element]:
    text = plain_text(page)
    if not text:
        return []
    found = PAGE_RANGE.match(text)
    if found:
        return [_element("fpage", found.group(1)), _element("lpage", found.group(2))]
    return [_element("fpage", text)]
