"""Footnotes, tables, subsections, ids, cross-references and inline formatting, read back from every
format with independent readers (pypdf, pikepdf, zipfile + lxml, lxml) and compared with the source's
pandoc AST as the loader parsed it.

The fixtures in tests/fixtures/sources/ hold each element (a legal commentary with ten footnotes, a
policy piece with subsections, a table and cross-references); ``test_the_fixtures_hold_every_element``
keeps the tests below from passing on sources that lack what they check.
"""

from __future__ import annotations

import copy
import itertools
import re
import subprocess
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pikepdf
import pytest
from conftest import FIXTURE_SOURCES, Built
from epubcheck_books import EpubChecks
from lxml import etree
from pypdf import PdfReader
from readers.extract import (
    JATS_BLOCKS,
    XHTML_NS,
    element_text,
    epub_facts,
    epub_package,
    jats_facts,
    normalise,
    pdf_footnotes,
    pdf_outline,
    pdf_pages,
    read_xhtml,
)

from pipeline import pandoc
from pipeline.check import official_schemas
from pipeline.check.official_schemas import JATS_PUBLISHING
from pipeline.errors import SourceError
from pipeline.pdf import writer as pdf
from pipeline.prepare.article import load_article
from pipeline.source.load import normalise_whitespace
from pipeline.writers import epub, jats

X = {"x": XHTML_NS, "epub": "http://www.idpf.org/2007/ops"}
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
DTD_DRIVER = "JATS-archivearticle1-mathml3.dtd"
XSD_DRIVER = "JATS-journalpublishing1-4-mathml3.xsd"
STYLES = Path(__file__).resolve().parents[1] / "styles"

# pypdf reads a right-to-left note's lines with its marker and punctuation out of place and Arabic
# vowel marks doubled: the right-to-left fixture's notes are read with pdftotext instead, in
# tests/test_languages_direction.py (test_rtl_notes_stand_at_the_foot_of_their_pages).


# --- What the source says ------------------------------------------------------------------------


def source_parts(built: Built) -> list[Any]:
    """The body's AST in reading order: each section's heading inlines, then its blocks."""
    return [[*section.title_inlines, *section.blocks] for section in built.article.all_sections]


def source_elements(built: Built) -> Iterator[dict[str, Any]]:
    return pandoc.elements(source_parts(built))


def kinds(built: Built) -> Counter[str]:
    return Counter(element["t"] for element in source_elements(built))


def source_notes(built: Built) -> list[str]:
    """The text of each footnote, in the order they are referenced (the order they are numbered)."""
    notes = [element for element in source_elements(built) if element["t"] == "Note"]
    return [normalise(" ".join(pandoc.paragraphs(note["c"]))) for note in notes]


def source_tables(built: Built) -> list[dict[str, Any]]:
    return [element for element in source_elements(built) if element["t"] == "Table"]


def internal_targets(built: Built) -> list[str]:
    return [
        element["c"][2][0][1:]
        for element in source_elements(built)
        if element["t"] == "Link" and element["c"][2][0].startswith("#")
    ]


def by_slug(built_all: dict[str, Built], slug: str) -> Built:
    return built_all[slug]


def test_the_fixtures_hold_every_element(built_all: dict[str, Built]) -> None:
    """Without these in some fixture, the tests below would pass on nothing."""
    every = sum((kinds(built) for built in built_all.values()), Counter())
    for kind in ("Note", "Table", "BlockQuote", "OrderedList", "BulletList", "DefinitionList", "Code", "Math"):
        assert every[kind], kind
    for kind in ("SmallCaps", "Subscript", "Superscript", "Emph", "Strong"):
        assert every[kind], kind
    assert max(len(source_notes(built)) for built in built_all.values()) >= 9
    assert max(heading.level for built in built_all.values() for heading in built.article.outline) >= 3
    titles = [Counter(heading.title for heading in built.article.outline) for built in built_all.values()]
    assert any(count > 1 for counter in titles for count in counter.values()), "no duplicate heading titles"
    in_headings = [
        element["t"]
        for b in built_all.values()
        for s in b.article.sections
        for element in pandoc.elements(list(s.title_inlines))
    ]
    assert {"Note", "Emph"} <= set(in_headings)
    assert any(
        element["t"] == "Emph" for b in built_all.values() for element in pandoc.elements(list(b.article.title_inlines))
    )
    assert any(internal_targets(built) for built in built_all.values())


# --- Footnotes ----------------------------------------------------------------------------------


def test_pdf_notes_stand_at_the_foot_of_the_page_that_references_them(built_ltr: Built) -> None:
    built = built_ltr
    pages = pdf_pages(built.pdf)
    notes = pdf_footnotes(pages)
    expected = source_notes(built)
    assert [note.number for note in notes] == list(range(1, len(expected) + 1)), "numbered continuously"
    assert [note.text for note in notes] == expected
    assert [(note.number, note.page) for note in notes] == [(note.number, note.call_page) for note in notes]
    # Each note's text is also a destination of its own, on the page of its reference's destination.
    reader = PdfReader(built.pdf)
    destinations = {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}
    for number in range(1, len(expected) + 1):
        assert destinations[f"fn{number}"] == destinations[f"fnref{number}"], f"note {number}"


def test_pdf_note_marks_never_open_a_line(built_ltr: Built) -> None:
    built = built_ltr
    for page in pdf_pages(built.pdf):
        assert page.note_calls_opening_a_line == (), f"page {page.number}"


def test_pdf_has_no_endnote_list(built_ltr: Built) -> None:
    built = built_ltr
    """The notes are at the feet of the pages, not collected after the body under a heading."""
    text = normalise(" ".join(line for page in pdf_pages(built.pdf) for line in page.lines))
    if built.article.references:  # the bibliography may repeat a note word for word (a note style's treaty)
        text = text[: text.rindex("References")]  # the heading as written (small capitals in print)
    for note in source_notes(built):
        assert note[:60] not in text


def epub_body(built: Built) -> etree._Element:
    package = epub_package(built.epub)
    body = package.landmark("bodymatter")
    assert body is not None
    return read_xhtml(built.epub, body.document)


def test_epub_notes_are_footnotes_linked_both_ways(built: Built) -> None:
    body = epub_body(built)
    asides = body.xpath("//x:aside", namespaces=X)
    assert epub_facts(built.epub).footnotes == tuple(source_notes(built))
    references = body.xpath("//x:a[@role='doc-noteref']", namespaces=X)
    assert len(references) == len(asides) == len(source_notes(built))
    for reference in references:
        assert reference.get("{http://www.idpf.org/2007/ops}type") == "noteref"
        target = body.xpath("//x:aside[@id=$id]", id=reference.get("href")[1:], namespaces=X)
        assert len(target) == 1
        aside = target[0]
        assert aside.get("role") == "doc-footnote"
        assert aside.get("{http://www.idpf.org/2007/ops}type") == "footnote"
        assert aside.xpath(".//x:a[@role='doc-backlink']/@href", namespaces=X) == [f"#{reference.get('id')}"]
    deprecated = body.xpath("//*[contains(@epub:type, 'endnote') or contains(@role, 'endnote')]", namespaces=X)
    assert deprecated == []


def test_epubcheck_reports_nothing_even_at_usage_level(built: Built, epubchecks: EpubChecks) -> None:
    """EPUBCheck's messages including the usage level, where deprecation notices (OPF-086b) are."""
    messages = epubchecks(built.epub).report["messages"]
    assert [message["ID"] for message in messages if message["ID"].startswith("OPF-086")] == []
    assert [(m["severity"], m["ID"], m["message"]) for m in messages if m["severity"] != "USAGE"] == []


def test_jats_notes_are_an_fn_group_referenced_by_xref(built: Built) -> None:
    root = etree.parse(str(built.jats), XML_PARSER).getroot()
    assert jats_facts(built.jats).footnotes == tuple(source_notes(built))
    notes = root.findall("back/fn-group/fn")
    assert len(notes) == len(source_notes(built))
    references = root.findall("body//xref[@ref-type='fn']")
    assert [xref.get("rid") for xref in references] == [fn.get("id") for fn in notes]
    assert [fn.findtext("label") for fn in notes] == [str(n) for n in range(1, len(notes) + 1)]


def web_page(built: Built) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(built.pdf.parent / "index.html")).getroot()


def test_web_notes_are_linked_both_ways(built: Built) -> None:
    page = web_page(built)
    asides = page.xpath("//aside[@role='doc-footnote']")
    texts = []
    for aside in asides:
        plain = copy.deepcopy(aside)
        for back in plain.xpath(".//a[@role='doc-backlink']"):
            back.drop_tree()
        texts.append(normalise(plain.text_content()))
    assert texts == source_notes(built)
    for reference in page.xpath("//a[@role='doc-noteref']"):
        note = page.get_element_by_id(reference.get("href")[1:])
        assert note.xpath(".//a[@role='doc-backlink']/@href") == [f"#{reference.get('id')}"]


# --- Structure and ids ----------------------------------------------------------------------------


def jats_outline(element: etree._Element, depth: int = 1) -> Iterator[tuple[int, str, str]]:
    for sec in element.findall("sec"):
        yield depth, str(sec.get("id")), element_text(sec.find("title"), JATS_BLOCKS)
        yield from jats_outline(sec, depth + 1)


@pytest.fixture(scope="module")
def archiving_dtd(jats_schema_dir: Path) -> etree.DTD:
    driver = jats_schema_dir / DTD_DRIVER
    assert driver.is_file(), f"JATS 1.2 Archiving DTD not found at {driver}: set JATS_SCHEMA_DIR"
    return etree.DTD(str(driver))


@pytest.fixture(scope="module")
def publishing_schema() -> etree.XMLSchema:
    folder = official_schemas.schema_dir(JATS_PUBLISHING)
    assert folder is not None and (folder / XSD_DRIVER).is_file(), official_schemas.not_found(JATS_PUBLISHING)
    return etree.XMLSchema(etree.parse(str(folder / XSD_DRIVER)))


def test_jats_is_valid_with_notes_tables_and_nested_sections(
    built: Built, archiving_dtd: etree.DTD, publishing_schema: etree.XMLSchema
) -> None:
    """Every source, including the fixtures with footnotes, tables, maths and subsections: DTD-valid,
    and valid against the Publishing 1.4 XSD when it has an ISSN."""
    tree = etree.parse(str(built.jats), XML_PARSER)
    assert archiving_dtd.validate(tree), archiving_dtd.error_log.filter_from_errors()
    if built.article.ISSN:
        assert publishing_schema.validate(tree), publishing_schema.error_log


def test_jats_sections_nest_like_the_headings(built: Built) -> None:
    root = etree.parse(str(built.jats), XML_PARSER).getroot()
    expected = [(heading.level, heading.id, heading.title) for heading in built.article.outline]
    assert list(jats_outline(root.find("body"))) == expected


def structure_types(path: Path) -> Counter[str]:
    found: Counter[str] = Counter()
    with pikepdf.open(path) as document:

        def walk(node: object) -> None:
            if isinstance(node, pikepdf.Dictionary):
                if "/S" in node:
                    found[str(node["/S"])] += 1
                walk(node.get("/K"))
            elif isinstance(node, pikepdf.Array):
                for child in node:
                    walk(child)

        walk(document.Root["/StructTreeRoot"].get("/K"))
    return found


def test_pdf_tags_and_bookmarks_follow_the_heading_levels(built: Built) -> None:
    levels = Counter(heading.level for heading in built.article.outline)
    types = structure_types(built.pdf)
    # The article title is the H1 and sections are H2s, beside the back matter's; below that, only the body's.
    for level in range(2, 6):
        assert types[f"/H{level + 1}"] == levels[level], f"H{level + 1}"
    outline = pdf_outline(PdfReader(built.pdf))
    assert outline[1:] == [(heading.level, heading.title) for heading in built.article.outline]


def test_the_same_ids_in_every_format(built: Built) -> None:
    ids = [heading.id for heading in built.article.outline]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", identifier) for identifier in ids)
    reader = PdfReader(built.pdf)
    destinations = set(reader.named_destinations)
    jats_ids = set(etree.parse(str(built.jats), XML_PARSER).getroot().xpath("//sec/@id"))
    epub_ids = set(epub_body(built).xpath("//x:section/@id", namespaces=X))
    web_ids = set(web_page(built).xpath("//section/@id"))
    for identifier in ids:
        assert identifier in destinations, f"PDF: {identifier}"
        assert identifier in jats_ids, f"JATS: {identifier}"
        assert identifier in epub_ids, f"EPUB: {identifier}"
        assert identifier in web_ids, f"web: {identifier}"


def test_duplicate_headings_get_distinct_ids(built_all: dict[str, Built]) -> None:
    for built in built_all.values():
        by_title: dict[str, list[str]] = {}
        for heading in built.article.outline:
            by_title.setdefault(heading.title, []).append(heading.id)
        for title, ids in by_title.items():
            assert len(set(ids)) == len(ids), title


def pdf_internal_links(path: Path) -> list[str]:
    """The named destinations the PDF's internal links go to."""
    reader = PdfReader(path)
    found: list[str] = []
    for page in reader.pages:
        for reference in page.get("/Annots") or []:
            annotation = reference.get_object()
            action = annotation.get("/A")
            if "/Dest" in annotation:
                found.append(str(annotation["/Dest"]))
            elif action is not None and action.get("/S") == "/GoTo":
                found.append(str(action["/D"]))
    return found


def test_internal_links_resolve_in_every_format(built: Built) -> None:
    targets = internal_targets(built)
    reader = PdfReader(built.pdf)
    destinations = set(reader.named_destinations)
    pdf_links = pdf_internal_links(built.pdf)
    assert set(pdf_links) <= destinations
    assert set(targets) <= set(pdf_links)
    body = epub_body(built)
    epub_links = [href[1:] for href in body.xpath("//x:a/@href", namespaces=X) if href.startswith("#")]
    assert set(targets) <= set(epub_links)
    assert all(body.xpath("//*[@id=$id]", id=target) for target in epub_links)
    page = web_page(built)
    web_links = [href[1:] for href in page.xpath("//a/@href") if href.startswith("#")]
    assert set(targets) <= set(web_links)
    assert all(page.xpath("//*[@id=$id]", id=target) for target in web_links)
    root = etree.parse(str(built.jats), XML_PARSER).getroot()
    jats_ids = {element.get("id"): element.tag for element in root.iter() if element.get("id")}
    for xref in root.iter("xref"):
        assert xref.get("rid") in jats_ids
        expected_type = {"sec": "sec", "table-wrap": "table", "fn": "fn", "fig": "fig", "ref": "bibr"}.get(
            jats_ids[xref.get("rid")]
        )
        assert xref.get("ref-type") == expected_type, etree.tostring(xref)
    assert set(targets) <= {xref.get("rid") for xref in root.iter("xref")}


def test_external_links_stay_links(built: Built) -> None:
    external = {
        element["c"][2][0]
        for element in source_elements(built)
        if element["t"] == "Link" and not element["c"][2][0].startswith("#")
    }
    root = etree.parse(str(built.jats), XML_PARSER).getroot()
    linked = set(root.xpath("//ext-link/@xlink:href", namespaces={"xlink": "http://www.w3.org/1999/xlink"}))
    linked |= {f"mailto:{address}" for address in root.xpath("//email/text()")}  # JATS's own element for these
    assert external <= linked
    assert external <= set(epub_body(built).xpath("//x:a/@href", namespaces=X))


def test_blocks_keep_their_meaning_in_jats_and_epub(built: Built) -> None:
    counts = kinds(built)
    root = etree.parse(str(built.jats), XML_PARSER).getroot()
    jats = {
        "BlockQuote": "//disp-quote",
        # Numbered lists are "order", or say their numbering (roman-lower, alpha-upper…).
        "OrderedList": (
            "//list[@list-type='order' or starts-with(@list-type, 'roman') or starts-with(@list-type, 'alpha')]"
        ),
        "BulletList": "//list[@list-type='bullet']",
        "DefinitionList": "//def-list",
        "Code": "//monospace[not(@specific-use='kbd')]",  # <kbd> is monospace too, said so
        "Math": "//inline-formula | //disp-formula",
        "Table": "//table-wrap",
        "SmallCaps": "//sc",
        "Subscript": "//sub[not(ancestor::front)]",  # the title's are the title's
    }
    for kind, path in jats.items():
        assert len(root.xpath(path)) == counts[kind], kind
    body = epub_body(built)
    in_body = "//x:div[@id='article-body']"
    epub = {
        "BlockQuote": f"{in_body}//x:blockquote",
        "OrderedList": f"{in_body}//x:ol",
        "BulletList": f"{in_body}//x:ul",
        "DefinitionList": f"{in_body}//x:dl",
        "Code": f"{in_body}//x:code[not(parent::x:pre)]",
        "Table": f"{in_body}//x:table",
        "SmallCaps": f"{in_body}//x:span[@class='smallcaps']",
        "Subscript": f"{in_body}//x:sub",
        "Superscript": f"{in_body}//x:sup[not(ancestor::x:a[@role='doc-noteref'] or ancestor::x:span[@class])]",
    }
    for kind, path in epub.items():
        assert len(body.xpath(path, namespaces=X)) == counts[kind], kind


def assert_rtl_paragraphs_start_at_the_right_edge(pdf: Path, firsts: list[str]) -> None:
    """Right to left, a paragraph starts at the right edge of the text block: its first word, as poppler's
    pdftotext -bbox places it (it gives a right-to-left word's letters in drawing order), ends there."""
    layout = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True)
    root = etree.fromstring(layout.stdout.encode(), etree.XMLParser(recover=True))
    words = [(float(word.get("xMax")), _letters(word.text or "")) for word in root.iter("{*}word")]
    right = max(x for x, _text in words)
    for first in firsts:
        opening = _letters(first.split()[0])
        ends = [x for x, text in words if opening in (text, text[::-1])]
        assert ends, first
        assert any(abs(x - right) < 0.5 for x in ends), f"{first!r} is indented"


def _letters(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c).startswith("L"))


def test_first_paragraph_after_any_heading_is_not_indented(built: Built) -> None:
    """Read from the PDF: the first line of a paragraph right after a heading starts at the text block's edge."""
    firsts: list[str] = []
    for section in built.article.all_sections:
        blocks = list(section.blocks)
        firsts += [
            normalise(pandoc.stringify(after["c"]))[:30]
            for before, after in zip([{"t": "Header"}, *blocks], blocks, strict=False)
            if before["t"] == "Header" and after["t"] == "Para"
        ]
    if built.article.direction == "rtl":
        assert_rtl_paragraphs_start_at_the_right_edge(built.pdf, firsts)
        return
    runs: list[tuple[float, str]] = []
    reader = PdfReader(built.pdf)
    for page in reader.pages:

        def visit(text: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
            if text.strip():
                runs.append((tm[4] * cm[0] + cm[4], normalise(text)))

        page.extract_text(visitor_text=visit)
    left = min(x for x, _text in runs)
    # A short run may open the paragraph ("On", before an emphasised title): then it and the next run do.
    following = [*(normalise(f"{text} {after}") for (_x, text), (_y, after) in itertools.pairwise(runs)), ""]
    for first in firsts:
        starts = [
            x
            for (x, text), joined in zip(runs, following, strict=True)
            if first.startswith(text[:20]) and (len(text) >= 8 or first.startswith(joined[:20]))
        ]
        assert starts, first
        assert abs(starts[0] - left) < 0.5, f"{first!r} is indented"


# --- Tables --------------------------------------------------------------------------------------


def caption_text(table: dict[str, Any]) -> str:
    return normalise(" ".join(pandoc.paragraphs(table["c"][1][1])))


def test_jats_tables_are_table_wraps_with_captions_and_the_xhtml_model(built: Built) -> None:
    tables = source_tables(built)
    root = etree.parse(str(built.jats), XML_PARSER).getroot()
    wraps = root.findall(".//table-wrap")
    assert [element_text(wrap.find("caption"), JATS_BLOCKS) for wrap in wraps] == [caption_text(t) for t in tables]
    for wrap, table in zip(wraps, tables, strict=True):
        head_cells = sum(len(row[1]) for row in table["c"][3][1])
        assert len(wrap.findall("table/thead/tr/th")) == head_cells
        assert wrap.get("id") == (table["c"][0][0] or None)
        alignments = [spec[0]["t"] for spec in table["c"][2]]
        first_row = wrap.find("table/tbody/tr")
        for cell, alignment in zip(first_row, alignments, strict=True):
            assert cell.get("align") == {"AlignRight": "right", "AlignLeft": "left"}.get(alignment)


def test_header_cells_have_scope(built: Built) -> None:
    body = epub_body(built)
    assert all(cell.get("scope") == "col" for cell in body.xpath("//x:thead//x:th", namespaces=X))
    assert len(body.xpath("//x:th", namespaces=X)) == sum(
        len(row[1]) for table in source_tables(built) for row in table["c"][3][1]
    )
    page = web_page(built)
    assert all(cell.get("scope") in ("col", "row") for cell in page.xpath("//th"))


def test_a_long_table_breaks_across_pages_repeating_its_head(tmp_path: Path) -> None:
    base = (FIXTURE_SOURCES / "regulators-publish-subsections" / "article.md").read_text(encoding="utf-8")
    front = base.split("\n---\n", 1)[0]
    rows = "\n".join(f"| Authority {number} | {number * 37} | {2000 + number % 24} |" for number in range(1, 91))
    head = "| Authority | Fine (EUR thousand) | Year |\n|:--|--:|--:|"
    body = f"A long table follows.\n\n{head}\n{rows}\n\n: A long table\n"
    source = tmp_path / "long-table" / "article.md"
    source.parent.mkdir()
    source.write_text(f"{front}\n---\n\n{body}", encoding="utf-8")
    target = tmp_path / "long-table.pdf"
    pdf.write(load_article(source), target)
    row = re.compile(r"^Authority \d+ ")
    spanned = [page for page in pdf_pages(target) if any(row.match(line) for line in page.lines)]
    assert len(spanned) >= 2, "the table should need more than one page"
    for page in spanned:
        head = [n for n, line in enumerate(page.lines) if normalise(line) == "Authority Fine (EUR thousand) Year"]
        assert len(head) == 1, f"page {page.number}: no head row"
        assert head[0] < min(n for n, line in enumerate(page.lines) if row.match(line)), f"page {page.number}"


# --- Inline formatting and the title -----------------------------------------------------------


def test_title_keeps_its_markup_where_the_format_allows_and_is_plain_elsewhere(built: Built) -> None:
    article = built.article
    emphasised = [
        pandoc.stringify(element["c"])
        for element in pandoc.elements(list(article.title_inlines))
        if element["t"] == "Emph"
    ]
    root = etree.parse(str(built.jats), XML_PARSER).getroot()
    title = root.find("front/article-meta/title-group/article-title")
    assert element_text(title, JATS_BLOCKS) == article.title
    assert [element_text(italic, JATS_BLOCKS) for italic in title.iter("italic")] == emphasised
    heading = epub_body(built).xpath("//x:h1", namespaces=X)[0]
    assert element_text(heading) == article.title
    assert [element_text(em) for em in heading.iter(f"{{{XHTML_NS}}}em")] == emphasised
    assert [normalise(em.text_content()) for em in web_page(built).xpath("//h1//em")] == emphasised
    plain = {
        "PDF /Title": str(PdfReader(built.pdf).metadata["/Title"]),
        "dc:title": epub_facts(built.epub).title,
        "<title>": web_page(built).findtext("head/title"),
    }
    for where, value in plain.items():
        assert value == article.title, where
        assert "*" not in str(value) and "\n" not in str(value), where


def test_a_title_over_two_yaml_lines_keeps_no_newline() -> None:
    source = FIXTURE_SOURCES / "climate-rights-footnotes" / "article.md"
    assert "title: |\n" in source.read_text(encoding="utf-8"), "the fixture lost the case it is about"
    article = load_article(source)
    assert "\n" not in article.title and "  " not in article.title


def test_headings_keep_their_markup(built: Built) -> None:
    root = etree.parse(str(built.jats), XML_PARSER).getroot()
    for section in built.article.sections:
        # The heading's own inlines: a note's content is the note's, not the heading's.
        outside_notes = [inline for inline in section.title_inlines if inline["t"] != "Note"]
        notes = [inline for inline in section.title_inlines if inline["t"] == "Note"]
        inner = [*pandoc.elements(outside_notes), *notes]
        sec = root.find(f"body/sec[@id='{section.id}']")
        assert len(sec.find("title").findall(".//italic")) == sum(1 for e in inner if e["t"] == "Emph")
        assert len(sec.find("title").findall(".//xref[@ref-type='fn']")) == sum(1 for e in inner if e["t"] == "Note")
        heading = epub_body(built).xpath("//x:section[@id=$id]/x:h2", id=section.id, namespaces=X)[0]
        assert len(heading.xpath(".//x:em", namespaces=X)) == sum(1 for e in inner if e["t"] == "Emph")
        notes = heading.xpath(".//x:a[@role='doc-noteref']", namespaces=X)
        assert len(notes) == sum(1 for e in inner if e["t"] == "Note")


def test_every_stylesheet_sets_small_caps() -> None:
    for name in ("print.css", "epub.css", "web.css"):
        css = (STYLES / name).read_text(encoding="utf-8")
        assert re.search(r"\.smallcaps\s*\{[^}]*font-variant:\s*small-caps", css), name


def test_front_matter_whitespace_is_normalised() -> None:
    data = {"title": "A title\n  over two lines ", "author": [{"bio": "One\nparagraph.\n\n  Two.\n"}], "year": 2024}
    assert normalise_whitespace(data) == {
        "title": "A title over two lines",
        "author": [{"bio": "One paragraph.\n\nTwo."}],
        "year": 2024,
    }
    assert normalise_whitespace({"title": "no\u00a0break"})["title"] == "no\u00a0break"


# --- Ids the loader settles -------------------------------------------------------------------------


FRONT = """---
title: A Test
article-type: article-commentary
language: en
issued: 2024-01-01
container-title: A Journal
URL: https://example.org/a
author:
  - given: Ada
    family: Lovelace
---
"""


def write_source(folder: Path, body: str) -> Path:
    source = folder / "case" / "article.md"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(FRONT + body, encoding="utf-8")
    return source


def test_a_heading_named_like_a_page_part_gets_a_suffix_and_links_follow(tmp_path: Path) -> None:
    article = load_article(write_source(tmp_path, "\nSee [the credits](#credits).\n\n# Credits\n\nText.\n"))
    assert [heading.id for heading in article.outline] == ["credits-1"]
    link = next(e for e in pandoc.elements(list(article.introduction.blocks)) if e["t"] == "Link")
    assert link["c"][2][0] == "#credits-1"


def test_explicit_ids_are_kept_as_written(tmp_path: Path) -> None:
    body = "\nSee [the scope](#scope).\n\n# Background {#scope}\n\nText.\n\n## Background\n\nMore.\n"
    article = load_article(write_source(tmp_path, body))
    assert [heading.id for heading in article.outline] == ["scope", "background"]


def test_an_unusable_explicit_id_is_refused_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        load_article(write_source(tmp_path, "\nText.\n\n# Background {#2nd-part}\n\nText.\n"))
    assert (caught.value.line, caught.value.field) == (15, "body")
    assert "'2nd-part'" in caught.value.message


def test_non_latin_headings_get_ascii_ids(tmp_path: Path) -> None:
    article = load_article(write_source(tmp_path, "\nText.\n\n# Über die Frage\n\nText.\n\n# Привет\n\nText.\n"))
    ids = [heading.id for heading in article.outline]
    assert ids[0] == "uber-die-frage"
    assert all(identifier.isascii() for identifier in ids)


def test_epub_zip_holds_no_endnotes_anywhere(built: Built) -> None:
    with zipfile.ZipFile(built.epub) as archive:
        for name in archive.namelist():
            if name.endswith((".xhtml", ".opf", ".ncx")):
                assert b"endnote" not in archive.read(name), name


def test_a_link_may_name_a_footnote_by_its_number(tmp_path: Path) -> None:
    body = "\nA claim,[^a] explained in [the note](#fn1).\n\n[^a]: The note.\n"
    article = load_article(write_source(tmp_path, body))
    assert "fn1" in [e["c"][2][0][1:] for e in pandoc.elements(list(article.introduction.blocks)) if e["t"] == "Link"]
    with pytest.raises(SourceError) as caught:
        load_article(write_source(tmp_path, body.replace("#fn1", "#fn2")))
    assert (caught.value.line, caught.value.field) == (13, "body")
    assert "'#fn2'" in caught.value.message


def test_a_long_note_is_printed_whole_at_the_foot_of_a_page(tmp_path: Path) -> None:
    """WeasyPrint cannot continue a note on the next page: a long note goes whole to the foot of its
    reference's page, or (when it no longer fits there) of the next, never lost."""
    paragraph = " ".join(["The Court's reasoning on standing deserves a closer reading than it has had."] * 8)
    long_note = " ".join(f"Sentence {number} of a note that goes on at length." for number in range(55))
    body = "\n\n".join([paragraph] * 4 + [paragraph + "[^long]"] + [paragraph] * 4)
    source = write_source(tmp_path, f"\n{body}\n\n[^long]: {long_note}\n")
    target = tmp_path / "long-note.pdf"
    pdf.write(load_article(source), target)
    notes = pdf_footnotes(pdf_pages(target))
    assert [note.number for note in notes] == [1]
    assert notes[0].text == normalise(long_note)
    assert notes[0].page in (notes[0].call_page, (notes[0].call_page or 0) + 1)


def test_a_note_too_long_for_any_page_is_refused_with_its_line(tmp_path: Path) -> None:
    huge_note = " ".join(f"Sentence {number} of a note that never ends." for number in range(200))
    source = write_source(tmp_path, f"\nA claim.[^huge]\n\n[^huge]: {huge_note}\n")
    with pytest.raises(SourceError) as caught:
        load_article(source)
    assert (caught.value.line, caught.value.field) == (15, "body")
    assert "more than the 3000 that fit at the foot of a page" in caught.value.message


def test_an_unaligned_column_of_numbers_is_set_right_in_every_format(tmp_path: Path) -> None:
    table = "| Year | Fine (EUR) | Note |\n|---|---|---|\n| 2021 | 1,200.5 | Ireland |\n| 2022 | 746 | – |\n"
    article = load_article(write_source(tmp_path, f"\nText.\n\n{table}\n: Fines\n"))
    jats_path, epub_path = tmp_path / "a.xml", tmp_path / "a.epub"
    jats.write(article, jats_path)
    epub.write(article, epub_path)
    cells = etree.parse(str(jats_path), XML_PARSER).getroot().findall(".//tbody/tr[1]/td")
    assert [cell.get("align") for cell in cells] == ["right", "right", None]
    package = epub_package(epub_path)
    document = read_xhtml(epub_path, package.landmark("bodymatter").document)
    styles = [cell.get("style") for cell in document.xpath("//x:tbody/x:tr[1]/x:td", namespaces=X)]
    assert ["right" in (style or "") for style in styles] == [True, True, False]


def test_an_at_sign_in_the_title_is_text(tmp_path: Path) -> None:
    source = write_source(tmp_path, "\nText.\n")
    source.write_text(source.read_text(encoding="utf-8").replace("title: A Test", 'title: "@0 and *x*"'))
    article = load_article(source)
    assert article.title == "@0 and x"
    assert [inline["t"] for inline in article.title_inlines] == ["Str", "Space", "Str", "Space", "Emph"]
