"""Article -> JATS XML (Journal Archiving and Interchange tag set 1.2), the form archives ingest.

Front and back matter are built element by element from the model; each builder returns ``None``
when its data is absent, so the file never holds an empty element. The body is rendered by pandoc's
``jats_archiving`` writer in one call and grafted in.

When the source has an ISSN the same file is also valid against the stricter JATS 1.4 Journal
Publishing schema (the model PMC-style ingest expects): Publishing requires ``<journal-id>`` and
``<issn>``, and the Archiving DTD admits both. The file stays an Archiving 1.2 document (DOCTYPE
and ``dtd-version="1.2"``): the 1.4 Publishing XSD lists "1.2" among its accepted ``@dtd-version``
values, so no second, 1.4-flavoured file or version swap is needed to check it.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from pathlib import Path

from lxml import etree

from pipeline import markup, pandoc, textlinks
from pipeline.errors import PipelineError, mismatch
from pipeline.model import Affiliation, Article, Copyright, Figure, House, Labels, License, Note, PandocBlock, Person
from pipeline.safexml import SAFE_XML_PARSER
from pipeline.writers import jats_refs, once_per_article

DTD_VERSION = "1.2"
DTD_PUBLIC_ID = "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD with MathML3 v1.2 20190208//EN"
DTD_SYSTEM_ID = "JATS-archivearticle1-mathml3.dtd"
DOCTYPE = f'<!DOCTYPE article PUBLIC "{DTD_PUBLIC_ID}" "{DTD_SYSTEM_ID}">'

XLINK_NS = "http://www.w3.org/1999/xlink"
ALI_NS = "http://www.niso.org/schemas/ali/1.0/"
MATHML_NS = "http://www.w3.org/1998/Math/MathML"
# Candidates for the root; cleanup_namespaces drops the ones the article does not use.
NAMESPACES = {"xlink": XLINK_NS, "ali": ALI_NS, "mml": MATHML_NS}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XLINK_HREF = f"{{{XLINK_NS}}}href"
XLINK_TITLE = f"{{{XLINK_NS}}}title"

# Notes PMC's Style Checker wants as children of <front> ("notes-type='disclaimer' must be children of
# front"); the DTD's %front-model admits <notes> after <article-meta>. Every other note stays in <back>.
FRONT_NOTE_TYPES = frozenset({"disclaimer"})
# An ISSN's edition as JATS 1.2 words it (@publication-format) and as PMC's Style Checker asks for it (@pub-type).
ISSN_FORMATS = {"print": "ppub", "electronic": "epub"}
PANDOC_JATS = "jats_archiving"
# Standalone so that pandoc also emits the <fn-group> its footnote <xref>s point to, in a template that
# holds only what is taken from it (the title, <body> and <back>: pandoc's own fills a whole <front> from
# metadata there is none of, 15% of the call's time); no wrapping so a paragraph's text is not broken by
# pandoc's line length.
PANDOC_TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "jats" / "pandoc-body.xml"
PANDOC_ARGS = ("--standalone", f"--template={PANDOC_TEMPLATE}", "--wrap=none")
# Elements whose content model admits no text: pandoc's indentation inside them is insignificant,
# and stripping it lets lxml indent the grafted body like the rest of the file.
# fmt: off
ELEMENT_ONLY = frozenset({
    "body", "back", "sec", "fn-group", "fn", "list", "list-item", "def-list", "def-item", "def",
    "disp-quote", "boxed-text", "fig", "graphic", "table-wrap", "table", "thead", "tbody", "tfoot", "tr",
    "colgroup", "alternatives", "ref-list", "ref", "verse-group",
})
# fmt: on
PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def write(article: Article, path: Path) -> None:
    """Write the article as a JATS 1.2 Archiving XML file at ``path``."""
    path.write_bytes(render(article))


@once_per_article
def render(article: Article) -> bytes:
    """The file's bytes: what ``write`` writes, and what the archival PDF embeds."""
    return etree.tostring(build(article), xml_declaration=True, encoding="UTF-8", doctype=DOCTYPE, pretty_print=True)


def build(article: Article) -> etree._Element:
    """The <article> element, with namespaces declared once on it and only when used."""
    root = etree.Element("article", nsmap=NAMESPACES)
    root.set("article-type", article.article_type)
    root.set("dtd-version", DTD_VERSION)
    root.set(XML_LANG, article.language)
    title, body, footnotes = _rendered_body(article)
    _append(root, _front(article, title), body, _back(article, footnotes))
    _titled_links(root, article)
    etree.cleanup_namespaces(root, top_nsmap=NAMESPACES)
    return root


# --- helpers ---------------------------------------------------------------------------------


def _element(tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    element = etree.Element(tag)
    for name, value in attributes.items():
        element.set(name.replace("_", "-"), value)
    element.text = text
    return element


def _append(parent: etree._Element, *children: etree._Element | None) -> etree._Element:
    """Append the children that exist; a builder returns None when it has nothing to say."""
    parent.extend(child for child in children if child is not None)
    return parent


def _container(tag: str, children: Iterable[etree._Element | None], **attributes: str) -> etree._Element | None:
    """An element holding ``children``, or None when none of them exist (no empty wrappers)."""
    present = [child for child in children if child is not None]
    return _append(_element(tag, **attributes), *present) if present else None


def _paragraphs(text: str | None) -> list[etree._Element]:
    """One <p> per blank-line-separated paragraph of a plain-text field; the web and e-mail addresses
    in it become <ext-link> and <email>, so ingest sees them as links, not as words."""
    if not text:
        return []
    return [_linked_paragraph(part.strip()) for part in PARAGRAPH_BREAK.split(text) if part.strip()]


def _linked_paragraph(text: str) -> etree._Element:
    paragraph = etree.Element("p")
    last: etree._Element | None = None
    for run in textlinks.runs(text):
        if run.kind == "text":
            if last is None:
                paragraph.text = run.text
            else:
                last.tail = run.text
            continue
        if run.kind == "url":
            last = _element("ext-link", run.text, ext_link_type="uri", **{XLINK_HREF: run.text})
        else:
            last = _element("email", run.text)
        paragraph.append(last)
    return paragraph


# --- front -----------------------------------------------------------------------------------


def _front(article: Article, title: etree._Element) -> etree._Element:
    return _append(
        etree.Element("front"),
        _journal_meta(article),
        _article_meta(article, title),
        *(_note(note) for note in article.notes if note.type in FRONT_NOTE_TYPES),
    )


def _journal_meta(article: Article) -> etree._Element:
    issns = journal_issns(article)
    return _append(
        etree.Element("journal-meta"),
        _journal_id(next(iter(issns.values()), None)),
        _append(
            etree.Element("journal-title-group"),
            _element("journal-title", article.container_title),
            _abbreviated_title(article.house),
        ),
        *(_issn(issn, edition) for edition, issn in issns.items()),
        _publisher(article.publisher),
    )


def journal_issns(article: Article) -> dict[str, str]:
    """The journal's ISSNs by edition ("electronic", "print"), each once: the source's ISSN is the
    electronic edition's (a commentary is published online), else the house's e-ISSN; the print ISSN
    comes from the house settings."""
    electronic = article.ISSN or article.house.electronic_ISSN
    issns = {"electronic": electronic, "print": article.house.print_ISSN}
    if issns["print"] == electronic:
        issns["print"] = None
    return {edition: issn for edition, issn in issns.items() if issn}


def _abbreviated_title(house: House) -> etree._Element | None:
    title = house.abbreviated_title
    return _element("abbrev-journal-title", title, abbrev_type="publisher") if title else None


def _journal_id(issn: str | None) -> etree._Element | None:
    """The journal's identifier, which the Publishing model requires: its ISSN, typed "issn".

    <journal-id> holds an external identifier that uniquely identifies the journal, and "issn" is
    one of the JATS Tag Library's suggested @journal-id-type values; PMC's minimum data criteria
    ask for "journal ISSN or other unique journal ID". The other candidates would invent data: the
    source has no publisher-assigned code ("publisher-id"; the journal title is a name, not an
    identifier) and "nlm-ta"/"pmc" values are assigned by NLM. Without an ISSN there is nothing
    honest to put here; Archiving allows no <journal-id>, and such a file could not be Publishing-
    valid anyway (Publishing also requires <issn>).
    """
    return _element("journal-id", issn, journal_id_type="issn") if issn else None


def _issn(issn: str, edition: str) -> etree._Element:
    return _element("issn", issn, pub_type=ISSN_FORMATS[edition], publication_format=edition)


def _publisher(name: str | None) -> etree._Element | None:
    return _append(etree.Element("publisher"), _element("publisher-name", name)) if name else None


def _article_meta(article: Article, title: etree._Element) -> etree._Element:
    # Children in the order of the DTD's %article-meta-model; (JATS-archivecustom-models1.ent).
    return _append(
        etree.Element("article-meta"),
        _doi(article.DOI),
        _article_categories(article.genre),
        _append(etree.Element("title-group"), title),
        _contrib_group(article.author, "author"),
        _contrib_group(article.editor, "editor"),
        _pub_date(article.issued, "pub"),
        # The last correction, as JATS4R dates one: harvesters read the record's datestamp from it.
        _pub_date(article.updated, "corrected") if article.updated else None,
        _element("volume", article.volume) if article.volume else None,
        _element("issue", article.issue) if article.issue else None,
        _permissions(article.license, article.copyright),
        _self_uri(article),
        _abstract(article.abstract),
        _keywords(article.keywords),
    )


def _doi(doi: str | None) -> etree._Element | None:
    return _element("article-id", doi, pub_id_type="doi") if doi else None


def _article_categories(genre: str | None) -> etree._Element | None:
    if not genre:
        return None
    heading = _append(_element("subj-group", subj_group_type="heading"), _element("subject", genre))
    return _append(etree.Element("article-categories"), heading)


def _contrib_group(people: tuple[Person, ...], contrib_type: str) -> etree._Element | None:
    return _container("contrib-group", (_contrib(person, contrib_type) for person in people))


def _self_uri(article: Article) -> etree._Element:
    """The article's web page, its text saying what it is (JATS4R: "A URI is not descriptive link text")."""
    return _element("self-uri", article.title, **{XLINK_HREF: article.URL})


def _contrib(person: Person, contrib_type: str) -> etree._Element:
    return _append(
        _element("contrib", contrib_type=contrib_type),
        _orcid(person.ORCID),
        _name(person),
        _element("role", person.role) if person.role else None,
        *(_aff(affiliation) for affiliation in person.affiliations),
        _container("bio", _paragraphs(person.bio)),
    )


def _orcid(orcid: str | None) -> etree._Element | None:
    """The ORCID iD as JATS4R recommends; "false": the pipeline has the iD from the source, not from an
    ORCID sign-in by its owner."""
    if not orcid:
        return None
    return _element("contrib-id", orcid, contrib_id_type="orcid", authenticated="false")


def _name(person: Person) -> etree._Element:
    return _append(
        _element("name", name_style="eastern" if person.family_first else "western"),
        _element("surname", person.family),
        _element("given-names", person.given) if person.given else None,
    )


def _aff(affiliation: Affiliation) -> etree._Element:
    """An affiliation nested in its contrib (no id/xref bookkeeping, no empty <xref>)."""
    parts = [
        _element("institution", affiliation.department, content_type="dept") if affiliation.department else None,
        _institution(affiliation),
        _country(affiliation),
    ]
    aff = _append(etree.Element("aff"), *parts)
    # aff is mixed content: separators make it read as one line in any renderer.
    for element in aff[:-1]:
        element.tail = ", "
    return aff


def _institution(affiliation: Affiliation) -> etree._Element:
    """The institution, wrapped with its ROR ID when the source gives one (the ID names the
    institution, not its department, so the department stays outside the wrap)."""
    institution = _element("institution", affiliation.institution)
    if not affiliation.ROR:
        return institution
    ror = _element("institution-id", affiliation.ROR, institution_id_type="ror")
    return _append(etree.Element("institution-wrap"), ror, institution)


def _country(affiliation: Affiliation) -> etree._Element | None:
    """The country as the source names it (in any language), with its ISO 3166-1 code when it has one."""
    name, code = affiliation.country, affiliation.country_code
    if not name:
        return None
    return _element("country", name, country=code) if code else _element("country", name)


def _pub_date(day: datetime.date, date_type: str) -> etree._Element:
    return _append(
        _element("pub-date", publication_format="electronic", date_type=date_type, iso_8601_date=day.isoformat()),
        _element("day", f"{day.day:02d}"),
        _element("month", f"{day.month:02d}"),
        _element("year", str(day.year)),
    )


def _permissions(terms_of_use: License | None, copyright_line: Copyright | None) -> etree._Element | None:
    """Copyright statement, year and holder (each only when the source gives it), then the licence."""
    copyright_parts = [
        _element("copyright-statement", copyright_line.statement) if copyright_line.statement else None,
        _element("copyright-year", str(copyright_line.year)) if copyright_line.year else None,
        _element("copyright-holder", copyright_line.holder) if copyright_line.holder else None,
    ] if copyright_line else []  # fmt: skip
    return _container("permissions", [*copyright_parts, _license(terms_of_use)])


def _license(terms_of_use: License | None) -> etree._Element | None:
    if terms_of_use is None or not (terms_of_use.url or terms_of_use.text):
        return None
    attributes = {XLINK_HREF: terms_of_use.url} if terms_of_use.url else {}
    return _append(
        _element("license", **attributes),
        _element(f"{{{ALI_NS}}}license_ref", terms_of_use.url) if terms_of_use.url else None,
        _element("license-p", terms_of_use.text) if terms_of_use.text else None,
    )


def _abstract(abstract: str | None) -> etree._Element | None:
    return _container("abstract", _paragraphs(abstract))


def _keywords(keywords: tuple[str, ...]) -> etree._Element | None:
    return _container("kwd-group", (_element("kwd", keyword) for keyword in keywords), kwd_group_type="author")


# --- body ------------------------------------------------------------------------------------


def _rendered_body(article: Article) -> tuple[etree._Element, etree._Element, list[etree._Element]]:
    """The <article-title> (with its markup), the <body> and the back-matter children (footnotes) its
    xrefs point to (footnotes, references), all from one pandoc call: the title travels as the document's metadata."""
    meta = {pandoc.TITLE_FIELD: {"t": "MetaInlines", "c": markup.as_jats(list(article.title_inlines))}}
    blocks = markup.as_jats(_verse_groups(pandoc.body_blocks(article)))
    rendered = pandoc.ast_to(blocks, PANDOC_JATS, extra_args=PANDOC_ARGS, meta=meta)
    # The source's text is in it: read with no DTD, entity or network access.
    standalone = etree.fromstring(rendered.encode("utf-8"), SAFE_XML_PARSER)
    body = standalone.find("body")
    title = standalone.find("front/article-meta/title-group/article-title")
    if body is None or title is None:
        raise PipelineError(f"pandoc's JATS output for {article.slug!r} has no <body> or <article-title>")
    title.tail = None
    _strip_insignificant_whitespace(body)
    section_ids = [section.get("id") for section in body.findall("sec")]
    expected_ids = [section.id for section in article.sections]
    if section_ids != expected_ids:
        raise PipelineError(f"{article.slug}: pandoc's JATS has {mismatch('sections', section_ids, expected_ids)}")
    _complete_figures(body, article.figures, article.labels)
    _unwrap_verse_lines(body)
    back = standalone.find("back")
    _complete_formulas([title, body] if back is None else [title, body, back])
    _label_tables(body)
    pandoc_back = standalone.find("back")
    footnotes = list(pandoc_back) if pandoc_back is not None else []
    for element in footnotes:
        _strip_insignificant_whitespace(element)
    _type_cross_references(body, footnotes)
    jats_refs.complete_ref_list(footnotes, article, article.labels.gettext("References"))
    jats_refs.unlink_inside_citations(body, *footnotes)
    return title, body, footnotes


def _verse_groups(blocks: list[PandocBlock]) -> list[PandocBlock]:
    """Each line block (statute text, verse, an address) as a <verse-group> of <verse-line>s."""

    def expand(block: PandocBlock) -> list[PandocBlock]:
        lines = [
            {"t": "Plain", "c": [_raw_jats("<verse-line>"), *line, _raw_jats("</verse-line>")]} for line in block["c"]
        ]
        return [
            {"t": "RawBlock", "c": ["jats", "<verse-group>"]},
            *lines,
            {"t": "RawBlock", "c": ["jats", "</verse-group>"]},
        ]

    return pandoc.spliced(blocks, "LineBlock", expand)


def _unwrap_verse_lines(body: etree._Element) -> None:
    """pandoc sets each line of a <verse-group> in a <p> of its own: the <verse-line> stands alone."""
    for group in body.iter("verse-group"):
        for paragraph in group.findall("p"):
            line = paragraph.find("verse-line")
            if line is not None and len(paragraph) == 1:
                line.tail = None
                group.replace(paragraph, line)


def _raw_jats(text: str) -> dict[str, object]:
    return {"t": "RawInline", "c": ["jats", text]}


def _complete_formulas(roots: list[etree._Element]) -> None:
    """What PMC's Style Checker asks of pandoc's maths: an id on every <mml:math> and <tex-math>, and a
    <tex-math> holding a complete LaTeX document rather than the formula alone."""
    number = 0
    for root in roots:
        for formula in root.iter("inline-formula", "disp-formula"):
            number += 1
            tex = formula.find(".//tex-math")
            mathml = formula.find(f".//{{{MATHML_NS}}}math")
            if tex is not None:
                tex.set("id", f"formula-{number}-tex")
                tex.text = markup.tex_document(tex.text or "", display=formula.tag == "disp-formula")
            if mathml is not None:
                mathml.set("id", f"formula-{number}-mml")


def _titled_links(root: etree._Element, article: Article) -> None:
    """JATS4R: an <ext-link> whose text is its own address says nothing about where it leads; its
    xlink:title does (the article's title for its own address, else the site)."""
    for link in root.iter("ext-link"):
        address = link.get(XLINK_HREF) or ""
        if "".join(link.itertext()).strip() == address and not link.get(XLINK_TITLE):
            site = textlinks.site_name(address)
            link.set(XLINK_TITLE, textlinks.described(article.title, address) if address == article.URL else site)


def _label_tables(body: etree._Element) -> None:
    """A table's id (``{#tbl-…}`` on its caption) names the whole <table-wrap>, as JATS cross-references expect."""
    for wrap in body.iter("table-wrap"):
        table = wrap.find("table")
        if table is not None and table.get("id") and not wrap.get("id"):
            wrap.set("id", table.attrib.pop("id"))


# The JATS @ref-type of a cross-reference by the element its @rid names.
REF_TYPE_BY_TARGET = {"sec": "sec", "table-wrap": "table", "fig": "fig", "fn": "fn", "disp-formula": "disp-formula"}


def _type_cross_references(body: etree._Element, back: list[etree._Element]) -> None:
    """pandoc writes an internal link as an untyped <xref>; type it by what it points to."""
    targets = {element.get("id"): element.tag for root in (body, *back) for element in root.iter() if element.get("id")}
    for xref in body.iter("xref"):
        kind = REF_TYPE_BY_TARGET.get(targets.get(xref.get("rid"), ""))
        if kind and not xref.get("ref-type"):
            xref.set("ref-type", kind)


def _complete_figures(body: etree._Element, figures: tuple[Figure, ...], labels: Labels) -> None:
    """What pandoc leaves out of each <fig>: its <label>, the graphic's <alt-text> and exact media type."""
    found = body.findall(".//fig")
    found_ids, expected_ids = [fig.get("id") for fig in found], [figure.id for figure in figures]
    if found_ids != expected_ids:
        raise PipelineError(f"pandoc's JATS has {mismatch('figures', found_ids, expected_ids)}")
    for fig, figure in zip(found, figures, strict=True):
        fig.insert(0, _element("label", labels.gettext("Figure %(number)s") % {"number": figure.number}))
        graphic = fig.find("graphic")
        if graphic is None:
            raise PipelineError(f"pandoc's JATS <fig id={figure.id!r}> has no <graphic>")
        mimetype, subtype = figure.media_type.split("/")
        graphic.set("mimetype", mimetype)
        graphic.set("mime-subtype", subtype)
        for pandoc_alt in graphic.findall("alt-text"):  # pandoc's, when the alt differs from the caption
            graphic.remove(pandoc_alt)
        graphic.insert(0, _element("alt-text", figure.alt))


def _strip_insignificant_whitespace(element: etree._Element) -> None:
    for node in element.iter():
        if node.tag in ELEMENT_ONLY:
            if node.text is not None and not node.text.strip():
                node.text = None
            for child in node:
                if child.tail is not None and not child.tail.strip():
                    child.tail = None
    if element.tail is not None and not element.tail.strip():
        element.tail = None


# --- back ------------------------------------------------------------------------------------


def _back(article: Article, footnotes: list[etree._Element]) -> etree._Element:
    # Bios live in their <contrib>; back always holds at least the suggested citation.
    labels = article.labels
    return _append(
        etree.Element("back"),
        *footnotes,
        *(_note(note) for note in article.notes if note.type not in FRONT_NOTE_TYPES),
        _titled_notes("image-credit", labels.gettext("Image credit"), article.image_credit),
        _titled_notes("suggested-citation", labels.gettext("Suggested citation"), article.suggested_citation.text),
    )


def _note(note: Note) -> etree._Element | None:
    return _container("notes", _paragraphs(note.text), notes_type=note.type)


def _titled_notes(notes_type: str, title: str, text: str | None) -> etree._Element | None:
    paragraphs = _paragraphs(text)
    if not paragraphs:
        return None
    return _append(_element("notes", notes_type=notes_type), _element("title", title), *paragraphs)
