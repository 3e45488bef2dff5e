"""Odd text survives: markup characters, typographic quotes, emoji, right-to-left scripts, combining
marks and non-breaking spaces in the title, names and body keep every output valid and visible."""

from __future__ import annotations

import shutil
import unicodedata
import zipfile
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from lxml import etree
from readers.extract import normalise, pdf_facts

from pipeline.build.run import build
from pipeline.check.validate import validate_jats, validate_pdf
from pipeline.prepare.article import load_article

SOURCE = REPO_ROOT / "tests" / "fixtures" / "unicode" / "odd-text" / "article.md"
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
RIGHT_TO_LEFT = ("R", "AL")


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", normalise(text))


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sources = tmp_path_factory.mktemp("unicode-sources")
    shutil.copytree(SOURCE.parent, sources / SOURCE.parent.name)
    target = tmp_path_factory.mktemp("unicode-dist")
    report = build(source_root=sources, dist=target)
    assert report.ok, report.failures
    return target / SOURCE.parent.name


def expected_strings() -> list[str]:
    article = load_article(SOURCE)
    person = article.author[0]
    strings = [article.title, person.given, person.family, article.container_title]
    strings += [paragraph for section in article.all_sections for paragraph in section.paragraphs]
    strings += [section.title for section in article.sections if section.title]
    return [nfc(text) for text in strings]


def test_the_fixture_is_odd_enough() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    for needle in ("&", "<", "“", "\u00a0", "\u0301", "🎉", "👩🏽‍⚖️"):
        assert needle in text
    assert {unicodedata.bidirectional(character) for character in text} >= {"R", "AL"}


def test_jats_is_valid_and_keeps_every_string(dist: Path, jats_schema_dir: Path) -> None:
    path = dist / "odd-text.xml"
    assert validate_jats(path, jats_schema_dir) == []
    text = nfc(" ".join(etree.parse(str(path), XML_PARSER).getroot().itertext()))
    assert [needle for needle in expected_strings() if needle not in text] == []


def test_epub_and_web_keep_every_string(dist: Path) -> None:
    with zipfile.ZipFile(dist / "odd-text.epub") as book:
        documents = [etree.fromstring(book.read(n), XML_PARSER) for n in book.namelist() if n.endswith("html")]
        opf = book.read("EPUB/content.opf").decode("utf-8")
    epub_text = nfc(" ".join(" ".join(document.itertext()) for document in documents))
    web = etree.parse(str(dist / "index.html"), etree.HTMLParser(no_network=True)).getroot()
    web_text = nfc(" ".join(web.itertext()))
    for text in (epub_text, web_text):
        assert [needle for needle in expected_strings() if needle not in text] == []
    assert nfc(load_article(SOURCE).title) in nfc(opf.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def test_pdf_is_valid_and_shows_every_word(dist: Path) -> None:
    path = dist / "odd-text.pdf"
    assert validate_pdf(path) == []
    text = nfc(pdf_facts(path).text)
    # Right-to-left words come out of the PDF in visual order: compare word by word there.
    missing = [
        word
        for needle in expected_strings()
        for word in needle.split()
        if word not in text and not any(unicodedata.bidirectional(c) in RIGHT_TO_LEFT for c in word)
    ]
    assert missing == []
    rtl_words = [w for n in expected_strings() for w in n.split() if unicodedata.bidirectional(w[0]) in RIGHT_TO_LEFT]
    assert rtl_words and all(word.strip(",.") in text for word in rtl_words)
