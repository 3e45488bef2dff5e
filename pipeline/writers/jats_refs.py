"""The JATS reference list: one ``<ref>`` per bibliography entry, its data as ``<element-citation>``.

pandoc's JATS writer turns citeproc's bibliography into ``<ref-list>`` with one ``<ref id="ref-KEY">``
holding the entry as styled text (``<mixed-citation>``), and each citation into ``<xref
ref-type="bibr" rid="ref-KEY">``. JATS4R accepts either citation form; this module adds the structured
one, built element by element from the reference's fields as prepared (nothing for data that is
absent), so indexers and pandoc's own JATS reader recover each field, while the styled text stays beside it.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from pipeline.errors import PipelineError, mismatch
from pipeline.model import Article, CitedName, Reference

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
    found = [ref.get("id") for ref in refs]
    if found != expected:
        raise PipelineError(f"{article.slug}: pandoc's JATS has {mismatch('<ref> ids', found, expected)}")
    for ref, reference in zip(refs, article.references, strict=True):
        for mixed in ref.findall("mixed-citation"):
            mixed.set("publication-type", publication_type(reference.type))
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


def publication_type(kind: str) -> str:
    return PUBLICATION_TYPES.get(kind, kind.replace("_", "-") or "other")


def element_citation(reference: Reference) -> etree._Element:
    citation = _element("element-citation", publication_type=publication_type(reference.type))
    for child in _fields(reference):
        if child is not None:
            citation.append(child)
    return citation


def _fields(reference: Reference) -> Iterable[etree._Element | None]:
    title, container = reference.title, reference.container_title
    yield _person_group(reference.author, "author")
    yield _person_group(reference.editor, "editor")
    # A chapter's title is an <article-title> too (the Tag Library's "title of a cited work within a
    # larger one"): pandoc's JATS reader, like other ingest, reads <chapter-title> as no title at all.
    if title and container:
        yield _element("article-title", title)
        yield _element("source", container)
    elif title or container:
        yield _element("source", title or container)
    year = reference.year or reference.issued_literal
    yield _element("year", year) if year else None
    yield _simple("edition", reference.edition)
    yield _simple("volume", reference.volume)
    yield _simple("issue", reference.issue)
    yield _simple("fpage", reference.first_page)
    yield _simple("lpage", reference.last_page)
    yield _simple("publisher-loc", reference.publisher_place)
    yield _simple("publisher-name", reference.publisher)
    yield _element("pub-id", reference.DOI, pub_id_type="doi") if reference.DOI else None
    url = reference.URL
    yield _element("ext-link", url, ext_link_type="uri", **{XLINK_HREF: url}) if url else None


def _element(tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.Element(tag)
    for name, value in attributes.items():
        element.set(name if name.startswith("{") else name.replace("_", "-"), value)
    element.text = text
    return element


def _simple(tag: str, text: str | None) -> etree._Element | None:
    return _element(tag, text) if text else None


def _person_group(names: tuple[CitedName, ...], group_type: str) -> etree._Element | None:
    if not names:
        return None
    group = _element("person-group", person_group_type=group_type)
    for name in names:
        if name.is_person:
            element = _element("name", name_style="western")
            element.append(_element("surname", name.family))
            if name.given:
                element.append(_element("given-names", name.given))
            group.append(element)
        else:
            group.append(_element("collab", name.name))
    return group
