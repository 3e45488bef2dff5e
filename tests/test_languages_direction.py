"""Languages, directions and scripts, read back from every format.

The writing direction a test expects is read from the source's own text (the Unicode bidirectional
class of the first letter of its first paragraph), never from the pipeline; passages in another
language are found in the source with a regular expression. The outputs are read with lxml, zipfile,
pikepdf and poppler's pdftotext."""

from __future__ import annotations

import difflib
import itertools
import re
import shutil
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pikepdf
import pytest
import yaml
from conftest import REPO_ROOT, SOURCE_FILES, Built
from lxml import etree
from pictures import ARTIFACTS, assert_page_matches_picture
from pypdf import PdfReader

from pipeline.errors import SourceError
from pipeline.prepare.article import load_article
from pipeline.source.language import UnknownLanguage, writing
from pipeline.writers import epub

XHTML = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OPF = "http://www.idpf.org/2007/opf"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)
SLUGS = [path.parent.name for path in SOURCE_FILES]
PICTURES = REPO_ROOT / "docs" / "reference"
# The first page of one right-to-left and one CJK commentary, kept as pictures (UPDATE_REFERENCE_PICTURES=1).
FIRST_PAGE_PICTURES = ("arbitration-egypt-arabic", "zh-commentary-data-rules")
# A passage written in the body: [text]{lang=xx ...} or ::: {lang=xx ...} and its paragraph.
INLINE_PASSAGE = re.compile(r"\[([^\]]+)\]\{([^}]*\blang=[^}]*)\}")
BLOCK_PASSAGE = re.compile(r"^::: *\{([^}]*\blang=[^}]*)\}\n(.*?)\n:::", re.MULTILINE | re.DOTALL)
QUOTATION_MARKS = "“”‘’«»„‚「」『』"
A4_WIDTH_PT = 595.28
SIDE_MARGIN_PT = 27 / 25.4 * 72  # print.css: 27 mm left and right


def source_text(built: Built) -> str:
    return built.article.source_path.read_text(encoding="utf-8")


def front_matter(built: Built) -> dict[str, object]:
    return yaml.safe_load(source_text(built).split("\n---\n", 1)[0].removeprefix("---\n"))


def body_text(built: Built) -> str:
    return source_text(built).split("\n---\n", 1)[1]


def direction_of(text: str) -> str:
    """The direction of a text by its first letter with a strong direction (Unicode's rule P2)."""
    for character in text:
        kind = unicodedata.bidirectional(character)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def expected_direction(built: Built) -> str:
    first_paragraph = next(
        part for part in body_text(built).split("\n\n") if part.strip() and not part.lstrip().startswith("#")
    )
    return direction_of(first_paragraph)


def attributes(text: str) -> dict[str, str]:
    return dict(re.findall(r"([\w-]+)=\"?([^\s\"}]+)\"?", text))


def passages(built: Built) -> list[tuple[str, str, str | None]]:
    """(text, lang, dir as written or None) of every passage the body marks with a language."""
    body = body_text(built)
    found = [
        (text, attributes(attrs)["lang"], attributes(attrs).get("dir")) for text, attrs in INLINE_PASSAGE.findall(body)
    ]
    for attrs, text in BLOCK_PASSAGE.findall(body):
        found.append((" ".join(text.split()), attributes(attrs)["lang"], attributes(attrs).get("dir")))
    return found


def plain(text: str) -> str:
    """Text without bidi controls and combining marks (pdftotext splits Arabic vowel marks off), one-spaced."""
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Mn"))
    return " ".join(kept.split())


def pdftotext(pdf: Path, *options: str) -> str:
    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: install Debian's poppler-utils (system-packages.txt)"
    return subprocess.run([tool, *options, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def epub_documents(book: Path) -> dict[str, etree._Element]:
    """Every XHTML document the package lists, parsed."""
    with zipfile.ZipFile(book) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"), PARSER)
        opf_name = container.find(".//{*}rootfile").get("full-path")
        package = etree.fromstring(archive.read(opf_name), PARSER)
        folder = opf_name.rpartition("/")[0]
        items = package.findall(f".//{{{OPF}}}item[@media-type='application/xhtml+xml']")
        return {
            item.get("href"): etree.fromstring(archive.read(f"{folder}/{item.get('href')}".lstrip("/")), PARSER)
            for item in items
        }


def spine_direction(book: Path) -> str | None:
    with zipfile.ZipFile(book) as archive:
        name = next(name for name in archive.namelist() if name.endswith(".opf"))
        return etree.fromstring(archive.read(name), PARSER).find(f"{{{OPF}}}spine").get("page-progression-direction")


# --- Direction from the language -------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_web_page_has_the_language_and_its_direction(built_all: dict[str, Built], slug: str) -> None:
    built = built_all[slug]
    page = etree.parse(str(built.pdf.parent / "index.html"), etree.HTMLParser()).getroot()
    assert page.get("lang") == front_matter(built)["language"]
    assert page.get("dir") == expected_direction(built)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_epub_document_has_the_language_and_its_direction(built_all: dict[str, Built], slug: str) -> None:
    built = built_all[slug]
    language, direction = front_matter(built)["language"], expected_direction(built)
    documents = epub_documents(built.epub)
    assert {"article.xhtml", "back.xhtml", "nav.xhtml"} <= set(documents)
    for name, root in documents.items():
        assert (root.get("lang"), root.get(XML_LANG), root.get("dir")) == (language, language, direction), name
    assert spine_direction(built.epub) == direction


@pytest.mark.parametrize("slug", SLUGS)
def test_passages_keep_their_language_and_direction(built_all: dict[str, Built], slug: str) -> None:
    built = built_all[slug]
    found = passages(built)
    if not found:
        assert not re.search(r"\blang=", body_text(built)), "a passage the regular expressions missed"
        return
    page = etree.parse(str(built.pdf.parent / "index.html"), etree.HTMLParser()).getroot()
    article = epub_documents(built.epub)["article.xhtml"]
    jats = etree.parse(str(built.jats), PARSER).getroot()
    around = expected_direction(built)
    for text, lang, written_dir in found:
        wanted_dir = written_dir or (direction_of(text) if direction_of(text) != around else None)
        for root, path in ((page, f".//*[@lang='{lang}']"), (article, f".//{{{XHTML}}}*[@lang='{lang}']")):
            elements = [
                element for element in root.iterfind(path) if " ".join("".join(element.itertext()).split()) == text
            ]
            assert elements, f"{lang} passage {text[:30]!r} lost its language"
            assert elements[0].get("dir") == wanted_dir, f"{lang} passage {text[:30]!r}"
        in_jats = [element for element in jats.iter() if element.get(XML_LANG) == lang]
        assert text in [" ".join("".join(element.itertext()).split()) for element in in_jats], f"JATS {lang}"


@pytest.mark.parametrize("slug", SLUGS)
def test_the_suggested_citation_is_marked_with_its_own_language(built_all: dict[str, Built], slug: str) -> None:
    """The house citation is in the article's language unless the house or the source names a
    citation-language: an English citation on an Arabic page is read, and set, left to right."""
    built = built_all[slug]
    house = yaml.safe_load((REPO_ROOT / "house.yaml").read_text(encoding="utf-8")) or {}
    matter = front_matter(built)
    language = str(matter.get("citation-language") or house.get("citation-language") or matter["language"])
    direction = writing(language).direction
    page = etree.parse(str(built.pdf.parent / "index.html"), etree.HTMLParser()).getroot()
    back = epub_documents(built.epub)["back.xhtml"]
    for root, path in ((page, ".//p[@class='suggested-citation']/span[@lang]"),
                       (back, f".//{{{XHTML}}}p[@class='suggested-citation']/{{{XHTML}}}span[@lang]")):  # fmt: skip
        marked = root.findall(path)
        assert [element.get("lang") for element in marked] == [language]
        assert marked[0].get("dir") == (direction if direction != expected_direction(built) else None)


def test_the_language_decides_the_direction_of_a_passage_too() -> None:
    """The French block of the Arabic fixture has no dir in the source; the model gives it one."""
    article = load_article(REPO_ROOT / "tests/fixtures/sources/arbitration-egypt-arabic/article.md")
    divs = [block for section in article.all_sections for block in section.blocks if block["t"] == "Div"]
    assert [dict(div["c"][0][2]) for div in divs] == [{"lang": "fr", "dir": "ltr"}]
    assert article.direction == "rtl"


def test_directions_and_scripts_come_from_cldr() -> None:
    assert [writing(tag).direction for tag in ("ar", "he", "fa", "ur", "az-Arab", "az", "en-GB", "zh-Hans-CN")] == [
        *("rtl", "rtl", "rtl", "rtl", "rtl", "ltr", "ltr", "ltr")
    ]
    assert [writing(tag).script for tag in ("ar", "ru", "zh", "zh-TW", "sr-Latn", "en")] == [
        *("Arab", "Cyrl", "Hans", "Hant", "Latn", "Latn")
    ]
    for tag in ("xx", "qqq", "en-"):
        with pytest.raises(UnknownLanguage, match=re.escape(repr(tag))):
            writing(tag)


def test_a_front_matter_dir_says_the_language_decides(tmp_path: Path) -> None:
    source = tmp_path / "rtl" / "article.md"
    source.parent.mkdir()
    original = (REPO_ROOT / "tests/fixtures/sources/arbitration-egypt-arabic/article.md").read_text(encoding="utf-8")
    source.write_text(original.replace("language: ar\n", "language: ar\ndir: rtl\n"), encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        load_article(source)
    line = original.split("\n").index("language: ar") + 2
    assert (raised.value.line, raised.value.field) == (line, "dir")
    assert "follows 'language' (ar is written right to left)" in raised.value.message


# --- The PDF ---------------------------------------------------------------------------------


def test_pdf_reads_right_to_left_in_logical_order(built_all: dict[str, Built]) -> None:
    """pdftotext gives the words of each right-to-left paragraph (and of the title and bios) in the order
    they were written; a page laid out left to right, or lines set backwards, would give them reversed.
    pdftotext is not exact with Arabic (it cuts a word at a shadda, drops the space between a number and
    Arabic text, and sets a piece of a line apart at a tanween), so the words are compared as sequences:
    the written order must match far better than the reverse one."""
    built = built_all["arbitration-egypt-arabic"]
    words = plain(pdftotext(built.pdf)).split()
    texts = [built.article.title, *built.article.bios]
    texts += [paragraph for section in built.article.all_sections for paragraph in section.paragraphs]
    for text in texts:
        expected = plain(text).split()
        starts = [index for index in range(len(words)) if words[index : index + 2] == expected[:2]]
        assert starts, text[:40]
        windows = [words[start : start + len(expected)] for start in starts]
        forward = max(difflib.SequenceMatcher(None, expected, window).ratio() for window in windows)
        backward = max(difflib.SequenceMatcher(None, expected[::-1], window).ratio() for window in windows)
        assert forward > 0.6 and forward > backward + 0.4, (text[:40], forward, backward)


def test_rtl_notes_stand_at_the_foot_of_their_pages(built_all: dict[str, Built]) -> None:
    """Each note of the right-to-left fixture is printed on the page of its reference (pdftotext per page)."""
    built = built_all["arbitration-egypt-arabic"]
    notes = re.findall(r"^\[\^[\w-]+\]: (.*?)(?=\n\n|\Z)", body_text(built), re.MULTILINE | re.DOTALL)
    calls = [match for match in re.findall(r"\[\^([\w-]+)\](?!:)", body_text(built))]
    assert len(notes) == len(calls) == 4
    with pikepdf.open(built.pdf) as pdf:
        pages = len(pdf.pages)
    # Compared without spaces: pdftotext drops those between a number and Arabic text.
    texts = [re.sub(r"\s", "", plain(pdftotext(built.pdf, "-f", str(n), "-l", str(n)))) for n in range(1, pages + 1)]
    with pikepdf.open(built.pdf) as pdf:
        reference_pages = {
            name: [page.objgen for page in pdf.pages].index(destination[0].objgen) + 1
            for name, destination in pikepdf.NameTree(pdf.Root.Names.Dests).items()
            if name.startswith("fnref")
        }
    for number, note in enumerate(notes, start=1):
        first_words = "".join(plain(note).split()[:4])
        holding = [page for page, text in enumerate(texts, start=1) if f"{number}{first_words}" in text]
        assert holding == [reference_pages[f"fnref{number}"]], f"note {number}"


@pytest.mark.parametrize("slug", ["climate-rights-footnotes", "marine-pollution-advisory-opinion"])
def test_justified_english_is_hyphenated(built_all: dict[str, Built], slug: str) -> None:
    """Some line of the body ends in a hyphenation mark, and the word it splits is one word of the source.
    The drawn glyphs are read (pypdf); pdftotext reads a hyphenated line's /ActualText, without the mark."""
    built = built_all[slug]
    drawn = "\n".join(page.extract_text() for page in PdfReader(built.pdf).pages)
    lines = [line.strip() for line in drawn.splitlines()]
    source_words = set(re.findall(r"[A-Za-z]+", body_text(built)))
    split = [
        line.rsplit(" ", 1)[-1][:-1] + following.split(" ", 1)[0]
        for line, following in itertools.pairwise(lines)
        if line.endswith(("\u2010", "-")) and re.search(r"[a-z][\u2010-]$", line) and following[:1].islower()
    ]
    joined = [re.sub(r"^\W+|\W+$", "", word) for word in split]
    assert joined and all(word in source_words for word in joined), split


def test_no_single_word_first_line_on_page_one(built_all: dict[str, Built]) -> None:
    """The fixture whose first line once held only "On": the opening sentence fills its line."""
    built = built_all["marine-pollution-advisory-opinion"]
    opening = built.article.introduction.paragraphs[0]
    lines = [line.strip() for line in pdftotext(built.pdf, "-f", "1", "-l", "1").splitlines()]
    first = next(line for line in lines if line.startswith(opening.split()[0] + " ") or line == opening.split()[0])
    assert len(first.split()) >= 8, first


@pytest.mark.parametrize("slug", SLUGS)
def test_no_text_runs_past_the_margins(built_all: dict[str, Built], slug: str) -> None:
    """Every word's box lies inside the page's side margins (a line that cannot break would run out)."""
    built = built_all[slug]
    words = etree.fromstring(pdftotext(built.pdf, "-bbox").encode(), etree.XMLParser(recover=True))
    outside = [
        (word.text, round(float(word.get("xMin"))), round(float(word.get("xMax"))))
        for word in words.iter("{*}word")
        if float(word.get("xMin")) < SIDE_MARGIN_PT - 1 or float(word.get("xMax")) > A4_WIDTH_PT - SIDE_MARGIN_PT + 1
    ]
    assert outside == []


@pytest.mark.parametrize("slug", SLUGS)
def test_quotation_marks_print_as_typed(built_all: dict[str, Built], slug: str) -> None:
    """The PDF prints the quotation marks the markup has (no stylesheet substitutes others), and each
    kind the body types is among them."""
    built = built_all[slug]
    page = etree.parse(str(built.pdf.parent / "index.html"), etree.HTMLParser()).getroot()
    in_markup = "".join(page.find(".//body").itertext())
    printed = {mark for mark in QUOTATION_MARKS if mark in pdftotext(built.pdf)}
    assert printed == {mark for mark in QUOTATION_MARKS if mark in in_markup}
    assert {mark for mark in QUOTATION_MARKS if mark in body_text(built)} <= printed


# --- Pictures and the accessibility claim ----------------------------------------------------


@pytest.mark.parametrize("slug", FIRST_PAGE_PICTURES)
def test_first_page_picture(built_all: dict[str, Built], slug: str) -> None:
    built = built_all[slug]
    first_page = plain(pdftotext(built.pdf, "-f", "1", "-l", "1"))
    assert plain(built.article.title)[:12] in first_page, "page 1 no longer opens the article"
    picture = PICTURES / f"{slug}-first-page.png"
    rendered = ARTIFACTS / "reference" / picture.name
    assert_page_matches_picture(built.pdf, 1, picture, rendered, "UPDATE_REFERENCE_PICTURES")


def test_every_script_the_claim_allows_is_checked_with_ace(built_all: dict[str, Built]) -> None:
    """tests/test_accessibility.py runs Ace on every built book: each script the claim allows is in one."""
    checked = set().union(*(epub.body_inventory(built.article).scripts for built in built_all.values()))
    assert sorted(epub.ACE_CHECKED_SCRIPTS - checked) == []


def test_a_script_no_book_checks_withdraws_the_claim(tmp_path: Path) -> None:
    source = tmp_path / "hebrew" / "article.md"
    source.parent.mkdir()
    original = (REPO_ROOT / "tests/fixtures/sources/climate-rights-footnotes/article.md").read_text(encoding="utf-8")
    source.write_text(original.replace("language: en\n", "language: he\n"), encoding="utf-8")
    article = load_article(source)
    metadata = dict(epub.accessibility_metadata(article))
    assert article.direction == "rtl"
    assert "dcterms:conformsTo" not in metadata
    assert "Hebr" in metadata["schema:accessibilitySummary"]
