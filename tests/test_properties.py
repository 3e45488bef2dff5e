"""Property-based tests (Hypothesis): random titles, names, paragraphs and section lists always give
outputs that are well-formed, valid (JATS DTD, EPUB structure, tagged PDF) and contain every paragraph."""

from __future__ import annotations

import re
import string
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from readers.extract import normalise

from pipeline.build.run import build
from pipeline.check.validate import validate_jats, validate_pdf
from pipeline.prepare.article import load_article

XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
# Scripts the installed fonts cover (Latin, Greek, Cyrillic, Hebrew, Arabic, emoji: system-packages.txt);
# a character no font has fails the PDF build on purpose (WeasyPrint's .notdef warning).
COVERED_RANGES = (
    (0x21, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x5D0, 0x5EA), (0x621, 0x63A), (0x641, 0x64A),
    (0x2010, 0x2027), (0x20AC, 0x20AC), (0x1F600, 0x1F64F),
)  # fmt: skip
CHARACTERS = st.one_of(
    [st.characters(min_codepoint=low, max_codepoint=high, categories=("L", "M", "N", "P", "S"))
     for low, high in COVERED_RANGES]
)  # fmt: skip
WORD = st.text(CHARACTERS, min_size=1, max_size=12).filter(lambda word: word.strip() == word)
PHRASE = st.lists(WORD, min_size=1, max_size=8).map(" ".join)
PARAGRAPH = st.lists(WORD, min_size=1, max_size=40).map(" ".join)
MARKDOWN_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")


def markdown_text(text: str) -> str:
    """Plain text as pandoc Markdown: every ASCII punctuation character escaped, so it prints as typed."""
    return MARKDOWN_PUNCTUATION.sub(r"\\\1", text)


@st.composite
def articles(draw: st.DrawFn) -> tuple[dict[str, object], list[str], list[tuple[str, list[str]]]]:
    front = {
        "title": markdown_text(draw(PHRASE)),  # the title is Markdown: a plain phrase is escaped
        "article-type": "article-commentary",
        "language": draw(st.sampled_from(["en", "de", "ar", "he", "zh-Hans", "en-GB"])),
        "issued": draw(st.dates()).isoformat(),
        "container-title": draw(PHRASE),
        "URL": "https://example.org/" + draw(st.text(string.ascii_lowercase, min_size=1, max_size=10)),
        "author": [
            {"given": draw(WORD), "family": draw(WORD)} for _ in range(draw(st.integers(min_value=1, max_value=3)))
        ],
    }
    introduction = draw(st.lists(PARAGRAPH, max_size=3))
    titles = draw(st.lists(PHRASE, min_size=0 if introduction else 1, max_size=4, unique_by=normalise))
    sections = [(title, draw(st.lists(PARAGRAPH, min_size=1, max_size=3))) for title in titles]
    return front, introduction, sections


def source_text(front: dict[str, object], introduction: list[str], sections: list[tuple[str, list[str]]]) -> str:
    parts = [f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n"]
    parts += [markdown_text(paragraph) for paragraph in introduction]
    for title, paragraphs in sections:
        parts.append(f"# {markdown_text(title)}")
        parts += [markdown_text(paragraph) for paragraph in paragraphs]
    return "\n\n".join(parts) + "\n"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", normalise(text))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(articles())
def test_random_articles_build_valid_complete_outputs(jats_schema_dir: Path, drawn: tuple) -> None:
    front, introduction, sections = drawn
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        source = root / "sources" / "random" / "article.md"
        source.parent.mkdir(parents=True)
        source.write_text(source_text(front, introduction, sections), encoding="utf-8")
        article = load_article(source)
        assert [section.title for section in article.sections] == [normalise(title) for title, _ in sections]
        expected = [normalise(paragraph) for paragraph in introduction]
        expected += [normalise(paragraph) for _, paragraphs in sections for paragraph in paragraphs]
        assert [p for section in article.all_sections for p in section.paragraphs] == expected

        report = build(source_root=root / "sources", dist=root / "dist")
        assert report.ok, report.failures
        folder = root / "dist" / "random"
        assert validate_jats(folder / "random.xml", jats_schema_dir) == []
        assert validate_pdf(folder / "random.pdf") == []
        jats_text = nfc(" ".join(etree.parse(str(folder / "random.xml"), XML_PARSER).getroot().itertext()))
        with zipfile.ZipFile(folder / "random.epub") as book:
            assert book.namelist()[0] == "mimetype"
            etree.fromstring(book.read("EPUB/content.opf"), XML_PARSER)
            epub_text = nfc(
                " ".join(
                    " ".join(etree.fromstring(book.read(name), XML_PARSER).itertext())
                    for name in book.namelist()
                    if name.endswith(".xhtml")
                )
            )
        for text in (jats_text, epub_text):
            assert [paragraph for paragraph in expected if nfc(paragraph) not in text] == []
