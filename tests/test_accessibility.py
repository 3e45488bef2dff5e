"""EPUB accessibility: Ace by DAISY finds no violation in any built book, the package claims EPUB
Accessibility 1.1 conformance only under the writer's rule, the summary describes the book that was
built, and the content documents carry epub:type and ARIA roles on the right elements.

Besides every test source, a variant article (the second fixture's front matter, a body using every
pandoc element the conformance rule allows, footnotes included) is built and checked with Ace too."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURE_SOURCES, REPO_ROOT, Built
from epubcheck_books import EpubChecks
from lxml import etree
from readers.extract import XML_LANG, XML_PARSER, element_text, epub_package, opf_path, read_xhtml

from pipeline.model import Article
from pipeline.prepare.article import load_article
from pipeline.writers import epub

ACE = REPO_ROOT / "tools" / "node" / "node_modules" / ".bin" / "ace-puppeteer"
INSTALL_HINT = "`.ci/run` installs it: Ace by DAISY with `npm ci` in tools/node, Chromium from system-packages.txt"
CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"
CERTIFIER = "commentary-pipeline"
NS = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# The title is the <h1>, sections open with <h2>: anything lower heads a subsection.
SUBHEADINGS = "self::x:h3 or self::x:h4 or self::x:h5 or self::x:h6"

VARIANT_BASE = FIXTURE_SOURCES / "two-authors-open-access"
# One of each pandoc element the conformance rule allows: paragraphs (soft and hard line breaks),
# emphasis, strong, superscript, subscript, a link, footnotes, both kinds of list, a block quotation,
# a subsection heading.
VARIANT_BODY = """
Rivers rarely respect borders.[^borders] This opening has **strong** words
that run on, and a hard\\
line break.

# Treaties

Flows of 10^3^ cubic metres of H~2~O a second are shared.[^flows]

1. measure the flow;
2. share the data.

- a bullet with [a link](https://example.org/basins)
- another bullet

> A treaty is only as strong as the data behind it.

## Enforcement

Enforcement remains *weak*.

[^borders]: The first footnote, with *emphasis*.
[^flows]: The second footnote.
"""


# --- Helpers ---------------------------------------------------------------------------------


def write_variant(folder: Path, slug: str, body: str, files: dict[str, bytes] | None = None) -> Article:
    """A source with the base fixture's front matter, ``body`` and ``files`` beside it, loaded like any other."""
    front_matter = (VARIANT_BASE / "article.md").read_text(encoding="utf-8").split("\n---\n", 1)[0]
    source = folder / slug / "article.md"
    source.parent.mkdir(parents=True)
    source.write_text(f"{front_matter}\n---\n{body}", encoding="utf-8")
    for name, data in (files or {}).items():
        (source.parent / name).write_bytes(data)
    return load_article(source)


@pytest.fixture(scope="session")
def variant(tmp_path_factory: pytest.TempPathFactory, epubchecks: EpubChecks) -> tuple[Article, Path]:
    folder = tmp_path_factory.mktemp("variant")
    article = write_variant(folder, "every-checked-element", VARIANT_BODY)
    path = folder / "every-checked-element.epub"
    epub.write(article, path)
    epubchecks.expect(path)  # checked in the same EPUBCheck batch as the built books
    return article, path


def ace_report(book: Path, folder: Path) -> dict[str, Any]:
    """Run Ace by DAISY on ``book``; its report.json, parsed."""
    if not ACE.is_file():
        pytest.fail(f"Ace by DAISY is missing ({ACE.relative_to(REPO_ROOT)}): {INSTALL_HINT}")
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail(f"Chromium is missing (Ace by DAISY runs in it): {INSTALL_HINT}")
    if shutil.which("node") is None:
        pytest.fail(f"Node.js is missing (Ace by DAISY runs on it): {INSTALL_HINT}")
    outdir = folder / "ace-report"
    options = ["--silent", "--force", "--lang", "en", "--outdir", str(outdir), "--tempdir", str(folder / "ace-tmp")]
    result = subprocess.run(
        [str(ACE), *options, str(book)],
        env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    report = outdir / "report.json"
    assert report.is_file(), (
        f"Ace wrote no report (exit {result.returncode}): {(result.stdout + result.stderr)[-3000:]}"
    )
    return json.loads(report.read_text(encoding="utf-8"))


def violations(report: dict[str, Any]) -> list[str]:
    """Every failed assertion of an Ace report: document, rule, impact and what Ace says."""
    return [
        f"{document['earl:testSubject']['url']}: {assertion['earl:test']['dct:title']} "
        f"({assertion['earl:test']['earl:impact']}): {assertion['earl:result'].get('dct:description', '')}"
        for document in report["assertions"]
        for assertion in document.get("assertions", [])
        if assertion["earl:result"]["earl:outcome"] == "fail"
    ]


def assert_ace_passes(book: Path, folder: Path) -> None:
    report = ace_report(book, folder)
    found = violations(report)
    assert found == [], "Ace by DAISY reports:\n" + "\n".join(found)
    assert report["earl:result"]["earl:outcome"] == "pass"


def pandoc_kinds(value: object) -> Iterator[str]:
    """The kind of every element of pandoc's JSON AST under ``value`` (list attributes included)."""
    if isinstance(value, list):
        for item in value:
            yield from pandoc_kinds(item)
    elif isinstance(value, dict) and "t" in value:
        yield value["t"]
        yield from pandoc_kinds(value.get("c"))


def body_kinds(article: Article) -> set[str]:
    return {kind for section in article.all_sections for kind in pandoc_kinds(list(section.blocks))}


def meta(book: Path, name: str) -> tuple[str, ...]:
    return epub_package(book).meta.get(name, ())


def summary_of(book: Path) -> str:
    summaries = meta(book, "schema:accessibilitySummary")
    assert len(summaries) == 1, summaries
    return summaries[0]


def counted(summary: str, noun: str) -> int | None:
    """The number the summary gives for ``noun`` ("3 sections" -> 3), or None when it names none."""
    match = re.search(rf"\b(\d+) {noun}s?\b", summary)
    return int(match.group(1)) if match else None


def xhtml(book: Path, kind: str) -> etree._Element:
    """The content document of a landmark ("bodymatter", "backmatter")."""
    landmark = epub_package(book).landmark(kind)
    assert landmark is not None, f"no {kind} landmark"
    return read_xhtml(book, landmark.document)


def epub_types(element: etree._Element) -> list[str]:
    return (element.get(EPUB_TYPE) or "").split()


def one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert len(found) == 1, f"{path}: {len(found)} elements"
    return found[0]


# --- Ace by DAISY ----------------------------------------------------------------------------


def test_ace_reports_no_violations(built: Built, tmp_path: Path) -> None:
    assert_ace_passes(built.epub, tmp_path)


def test_ace_reports_no_violations_with_every_checked_element(variant: tuple[Article, Path], tmp_path: Path) -> None:
    assert_ace_passes(variant[1], tmp_path)


def test_variant_passes_epubcheck(variant: tuple[Article, Path], epubchecks: EpubChecks) -> None:
    """The footnote markup (pandoc's, with epub:type added) keeps EPUBCheck at 0/0."""
    result = epubchecks(variant[1])
    counts = {name: getattr(result.checker, name) for name in ("nFatal", "nError", "nWarning")}
    assert counts == {"nFatal": 0, "nError": 0, "nWarning": 0}, [(m.level, m.id, m.short) for m in result.messages]


def test_every_element_the_claim_allows_is_checked_with_ace(
    built_all: dict[str, Built], variant: tuple[Article, Path]
) -> None:
    """The conformance rule is only as good as the Ace runs behind it: each element it allows occurs in
    a book checked above."""
    checked = body_kinds(variant[0]).union(*(body_kinds(built.article) for built in built_all.values()))
    assert sorted(epub.ACE_CHECKED_ELEMENTS - checked) == []


# --- Package metadata ------------------------------------------------------------------------


def test_package_declares_its_language(built: Built) -> None:
    with zipfile.ZipFile(built.epub) as archive:
        package = etree.fromstring(archive.read(opf_path(archive)), XML_PARSER)
    assert package.get(XML_LANG) == built.article.language


def test_text_only_books_claim_conformance_when_every_element_is_checked(built: Built) -> None:
    if built.article.figures:
        assert_image_book_metadata(built.epub, described=True)
        return
    # Every other test source is text only; one has maths, which Ace cannot judge, so no claim is made for it.
    claims = "Math" not in body_kinds(built.article)
    assert meta(built.epub, "dcterms:conformsTo") == ((CONFORMANCE,) if claims else ())
    assert meta(built.epub, "a11y:certifiedBy") == ((CERTIFIER,) if claims else ())
    assert meta(built.epub, "schema:accessMode") == ("textual",)
    assert meta(built.epub, "schema:accessModeSufficient") == ("textual",)
    assert meta(built.epub, "schema:accessibilityHazard") == ("none",)
    features = set(meta(built.epub, "schema:accessibilityFeature"))
    assert features == {"structuralNavigation", "tableOfContents", "readingOrder", "ARIA"}


def assert_image_book_metadata(book: Path, described: bool) -> None:
    """An image's text alternative needs a person to judge: no claim, and the access modes say visual."""
    assert meta(book, "dcterms:conformsTo") == ()
    assert meta(book, "a11y:certifiedBy") == ()
    assert set(meta(book, "schema:accessMode")) == {"textual", "visual"}
    assert meta(book, "schema:accessModeSufficient") == (("textual",) if described else ("textual,visual",))
    assert ("alternativeText" in meta(book, "schema:accessibilityFeature")) is described
    assert meta(book, "schema:accessibilityHazard") == ("unknown",)
    assert "No accessibility conformance is claimed" in summary_of(book)


@pytest.mark.parametrize(
    "markup",
    ["![A river delta seen from above.](delta.png)", '![The delta.](delta.png){fig-alt="A river delta from above."}'],
    ids=["caption-as-alt", "fig-alt"],
)
def test_an_image_withdraws_the_claim(tmp_path: Path, markup: str) -> None:
    png = (FIXTURE_SOURCES / "figures-policy-piece" / "fines-by-year.png").read_bytes()
    article = write_variant(tmp_path, "with-an-image", f"The delta spreads wide.\n\n{markup}\n", {"delta.png": png})
    book = tmp_path / "with-an-image.epub"
    epub.write(article, book)
    assert_image_book_metadata(book, described=True)
    assert counted(summary_of(book), "image") == 1


# --- The summary -----------------------------------------------------------------------------


def facts_of_the_body(book: Path) -> dict[str, int]:
    """What a reader finds in the built book, counted from its content documents."""
    body = xhtml(book, "bodymatter")
    in_body, in_notes = "//x:div[@id='article-body']", "ancestor::x:aside[@role='doc-footnote']"
    paths = {
        "section": f"{in_body}/x:section[not(@id='footnotes')]",
        "subsection": f"{in_body}//*[{SUBHEADINGS}]",
        "list": f"{in_body}//*[self::x:ul or self::x:ol][not({in_notes})]",
        "block quotation": f"{in_body}//x:blockquote[not({in_notes})]",
        "footnote": "//x:aside[@role='doc-footnote']",
        "image": "//x:img",
    }
    return {noun: len(body.xpath(path, namespaces=NS)) for noun, path in paths.items()}


def assert_summary_describes(book: Path) -> None:
    summary = summary_of(book)
    facts = facts_of_the_body(book)
    for noun, number in facts.items():
        # A single section is "the one section"; a count of none is not mentioned.
        expected = number if number > 1 or (number == 1 and noun != "section") else None
        assert counted(summary, noun) == expected, f"{noun}: {number} in the book; summary: {summary}"
    assert ("the one section" in summary) == (facts["section"] == 1)
    assert ("no images" in summary) == (facts["image"] == 0)
    abstract = xhtml(book, "bodymatter").xpath("//*[@role='doc-abstract']", namespaces=NS)
    assert ("an abstract" in summary) == bool(abstract)
    bios = xhtml(book, "backmatter").xpath("//x:p[@class='bio']", namespaces=NS)
    assert ("about the author" in summary) == bool(bios)


def test_summary_describes_the_built_book(built: Built) -> None:
    assert_summary_describes(built.epub)


def test_summary_describes_the_variant(variant: tuple[Article, Path]) -> None:
    assert_summary_describes(variant[1])


def test_summary_follows_the_article(built_all: dict[str, Built], variant: tuple[Article, Path]) -> None:
    """Same front matter, another body: another summary."""
    base = summary_of(built_all[VARIANT_BASE.name].epub)
    changed = summary_of(variant[1])
    assert base != changed
    assert counted(base, "footnote") is None
    assert counted(changed, "footnote") == 2
    assert counted(base, "list") == 1 and counted(changed, "list") == 2


# --- Semantic markup -------------------------------------------------------------------------


def test_body_and_back_matter_are_typed(built: Built) -> None:
    body, back = xhtml(built.epub, "bodymatter"), xhtml(built.epub, "backmatter")
    assert "bodymatter" in epub_types(one(body, "//x:body/x:article"))
    assert "backmatter" in epub_types(one(back, "//x:section[@id='back-matter']"))


def test_navigation_is_typed(built: Built) -> None:
    package = epub_package(built.epub)
    nav = read_xhtml(built.epub, str(package.nav_path))
    toc = one(nav, "//x:nav[@epub:type='toc']")
    assert toc.get("role") == "doc-toc"
    one(nav, "//x:nav[@epub:type='landmarks']")


def test_abstract_bios_and_credits_are_typed(built: Built) -> None:
    article = built.article
    body, back = xhtml(built.epub, "bodymatter"), xhtml(built.epub, "backmatter")
    abstracts = body.xpath("//x:section[@role='doc-abstract']", namespaces=NS)
    assert len(abstracts) == (1 if article.abstract else 0)
    for abstract in abstracts:
        assert epub_types(abstract) == ["abstract"]
        assert element_text(abstract).endswith(article.abstract or "")
    bios = back.xpath("//x:section[x:p[@class='bio']]", namespaces=NS)
    assert [epub_types(section) for section in bios] == ([["contributors"]] if article.bios else [])
    credits = back.xpath("//x:section[@role='doc-credits']", namespaces=NS)
    assert len(credits) == (1 if article.image_credit or article.license else 0)
    assert all(epub_types(section) == ["credits"] for section in credits)
    image_credits = back.xpath("//x:p[@class='image-credit']", namespaces=NS)
    assert len(image_credits) == (1 if article.image_credit else 0)
    assert all(p.get("role") == "doc-credit" and epub_types(p) == ["credit"] for p in image_credits)


def test_footnotes_are_typed(variant: tuple[Article, Path]) -> None:
    """Notes are footnotes (EPUB type ``footnote``, role ``doc-footnote``), never the deprecated ``endnote``."""
    body = xhtml(variant[1], "bodymatter")
    notes = one(body, "//x:section[@id='footnotes']")
    assert epub_types(notes) == ["footnotes"]
    items = notes.xpath("x:aside", namespaces=NS)
    assert len(items) == 2
    assert all(epub_types(item) == ["footnote"] and item.get("role") == "doc-footnote" for item in items)
    assert not body.xpath("//*[contains(@epub:type, 'endnote') or contains(@role, 'endnote')]", namespaces=NS)
    references = body.xpath("//x:a[@role='doc-noteref']", namespaces=NS)
    assert len(references) == 2 and all(epub_types(link) == ["noteref"] for link in references)
    backlinks = body.xpath("//x:a[@role='doc-backlink']", namespaces=NS)
    assert len(backlinks) == 2 and all(epub_types(link) == ["backlink"] for link in backlinks)
    # Each reference and its note point at each other.
    for reference in references:
        note = one(body, f"//x:aside[@id='{reference.get('href').lstrip('#')}']")
        assert note.xpath(".//x:a[@role='doc-backlink']/@href", namespaces=NS) == [f"#{reference.get('id')}"]
