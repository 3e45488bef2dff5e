"""The PDF where two features meet, read back from every fixture's PDF in both variants (the default
PDF/UA-1 and the archival PDF/A-3A), against the source, with readers independent of the writers:

(a) the structure tree's paragraphs and pdftotext's words give the source's words whole, hyphenated
    lines included; (b) no glyph is .notdef or missing from its embedded font; (c) no image dictionary
    of the archival PDF breaks PDF/A; (d) no line of a justified paragraph holds one word while the
    paragraph goes on (test_pdf_lines.py); (e) no page before a figure is left half empty; (f) ordered
    lists are numbered as the source numbers them.
And the PDF with a colour emoji (whose font fontTools rewrites) is the same bytes when built a second
later, with no SOURCE_DATE_EPOCH set."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pypandoc
import pytest
import yaml
from conftest import REPO_ROOT, SOURCE_FILES, Built
from readers.tagged import Element, structure

from pipeline.build.run import build
from pipeline.check.validate import validate_pdf
from pipeline.pdf.glyphs import bad_glyphs

SLUGS = [path.parent.name for path in SOURCE_FILES]
NOT_BODY_TEXT = frozenset({"Note", "Reference", "Lbl"})
# An item's own text, without the list nested in it (the source has it as paragraphs of its own).
OWN_TEXT = NOT_BODY_TEXT | {"L"}
WORD = re.compile(r"\w+(?:[’\-‐]\w+)*")
# A word at least this long may be hyphenated (styles/print.css: hyphenate-limit-chars 6 3 2).
HYPHENATABLE = 6
# A page before a figure may end this much of its text block short (a few lines a kept-together
# paragraph could not fill), not more.
MOST_BLANK_BEFORE_FIGURE = 0.25
ROMAN = (("m", 1000), ("cm", 900), ("d", 500), ("cd", 400), ("c", 100), ("xc", 90), ("l", 50), ("xl", 40))
ROMAN += (("x", 10), ("ix", 9), ("v", 5), ("iv", 4), ("i", 1))


def _front_and_body(source: str | Path) -> tuple[dict, str]:
    """The front matter and body of a test source, named by its slug or by its file."""
    path = source if isinstance(source, Path) else next(path for path in SOURCE_FILES if path.parent.name == source)
    _, front, body = path.read_text(encoding="utf-8").split("---", 2)
    return yaml.safe_load(front), body


def _pandoc_blocks(source: str | Path) -> list[dict]:
    _front, body = _front_and_body(source)
    import json

    return json.loads(pypandoc.convert_text(body, "json", format="markdown-smart"))["blocks"]


def _walk(value: object) -> Iterator[dict]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _walk(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child)


def _plain(inlines: list[dict]) -> str | None:
    """The text of inlines as a reader hears it, notes left out; None when it holds what the PDF prints
    otherwise than the source writes it (citations, maths, images)."""
    parts: list[str] = []
    for inline in inlines:
        kind, content = inline["t"], inline.get("c")
        if kind in ("Cite", "Math", "Image", "RawInline"):
            return None
        if kind == "Note":
            continue
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind == "Code":
            parts.append(content[1])
        else:
            nested = {"Link": content[1] if kind == "Link" else None, "Span": content[-1], "Quoted": content[-1]}.get(
                kind, content
            )
            inner = _plain(nested)
            if inner is None:
                return None
            parts.append(inner)
    return "".join(parts)


def source_paragraphs(slug: str) -> list[str]:
    """The body's paragraphs (and list items' text) as plain text, outside notes."""
    blocks = _pandoc_blocks(slug)
    for note in [node for node in _walk(blocks) if node.get("t") == "Note"]:
        note["c"] = []
    paragraphs = [_plain(node["c"]) for node in _walk(blocks) if node.get("t") in ("Para", "Plain")]
    return [" ".join(text.split()) for text in paragraphs if text and text.strip()]


def _written_in(slug: str) -> str:
    return str(_front_and_body(slug)[0]["language"])


def _spaced(slug: str) -> bool:
    """The language separates its words with spaces and is written left to right (CJK is not; the glyph
    runs of a right-to-left line are drawn in visual order)."""
    language = _written_in(slug).split("-")[0]
    return language not in ("zh", "ja", "ko", "ar", "fa", "he", "ur", "ps", "yi")


# Lines of CJK and right-to-left runs are not counted in words here (no spaces; visual order).
SPACED_SLUGS = [slug for slug in SLUGS if _spaced(slug)]


def words(text: str) -> list[str]:
    """The words of a text; a typewriter apostrophe is the typographic one the house's punctuation prints."""
    return WORD.findall(unicodedata.normalize("NFC", text).replace("'", "’"))


def pdfs(built_all: dict[str, Built], archival_all: dict[str, Path], slug: str) -> list[Path]:
    return [built_all[slug].pdf, archival_all[slug]]


def body_elements(document: Element) -> list[Element]:
    return [element for element in document.walk() if element.role in ("P", "LBody", "TD", "TH", "Caption")]


@pytest.mark.parametrize("slug", SLUGS)
def test_structure_tree_paragraphs_read_as_the_source(
    built_all: dict[str, Built], archival_all: dict[str, Path], slug: str
) -> None:
    """(a) Each paragraph of the source is one element of the tree, its words whole and in order."""
    expected = source_paragraphs(slug)
    # Only a source whose every paragraph cites (the PDF prints the citation, not the key) has none.
    assert expected or '"Cite"' in str(_pandoc_blocks(slug)).replace("'", '"')
    for pdf in pdfs(built_all, archival_all, slug):
        read = body_elements(structure(pdf))
        elements = [element.text(OWN_TEXT) for element in read]
        if _spaced(slug):
            found = {tuple(words(text)) for text in elements}
            # A caption starts with its label ("Figure 1."), which the source does not write.
            captions = [words(element.text(OWN_TEXT)) for element in read if element.role == "Caption"]
            missing = [
                paragraph
                for paragraph in expected
                if tuple(words(paragraph)) not in found
                and not any(caption[-len(words(paragraph)) :] == words(paragraph) for caption in captions)
            ]
        else:
            found_text = {"".join(text.split()) for text in elements}
            if _written_in(slug).startswith(("ar", "he", "fa")):  # glyph runs in visual order
                found_text = {"".join(sorted(text)) for text in found_text}
                missing = [p for p in expected if "".join(sorted("".join(p.split()))) not in found_text]
            else:
                missing = [p for p in expected if "".join(p.split()) not in found_text]
        assert not missing, f"{pdf.name}: paragraphs not read back word for word: {missing[:2]}"


@pytest.mark.parametrize("slug", SPACED_SLUGS)
def test_pdftotext_gives_every_long_word_whole(
    built_all: dict[str, Built], archival_all: dict[str, Path], slug: str
) -> None:
    """(a) Every word hyphenation could break is found whole by poppler as often as the source has it."""
    expected = Counter(word for paragraph in source_paragraphs(slug) for word in words(paragraph))
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: install poppler-utils"
    for pdf in pdfs(built_all, archival_all, slug):
        text = subprocess.run([pdftotext, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout
        found = Counter(words(text.decode("utf-8")))
        short = {word: count for word, count in expected.items() if len(word) >= HYPHENATABLE and found[word] < count}
        assert not short, f"{pdf.name}: words pdftotext does not find whole as often as the source has them: {short}"


def test_hyphenated_fixtures_are_hyphenated(built_all: dict[str, Built]) -> None:
    """The read-backs above meet hyphenated lines: the first title's PDF breaks words at line ends."""
    reader = pikepdf.open(built_all["kazakhstan-russia-ukraine"].pdf)
    actual = [
        operands[1]
        for page in reader.pages
        for operands, operator in pikepdf.parse_content_stream(page)
        if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/ActualText" in operands[1]
    ]
    assert len(actual) >= 4


@pytest.mark.parametrize("slug", SLUGS)
def test_every_glyph_is_in_its_font(built_all: dict[str, Built], archival_all: dict[str, Path], slug: str) -> None:
    """(b) No .notdef glyph, no glyph the embedded font lacks, in any content stream."""
    for pdf in pdfs(built_all, archival_all, slug):
        with pikepdf.open(pdf) as document:
            assert [str(bad) for bad in bad_glyphs(document)] == [], pdf.name


def test_glyph_check_finds_a_notdef_glyph(built_all: dict[str, Built], tmp_path: Path) -> None:
    """(b) The check fails when a text operator draws glyph 0 (written into a copy of a real PDF), and
    `invoke validate` runs it."""
    broken = tmp_path / "broken.pdf"
    with pikepdf.open(built_all["kazakhstan-russia-ukraine"].pdf) as document:
        page = document.pages[0]
        operations = list(pikepdf.parse_content_stream(page))
        index = next(i for i, (_operands, operator) in enumerate(operations) if str(operator) == "TJ")
        operations[index] = ([pikepdf.Array([pikepdf.String(b"\0\0")])], pikepdf.Operator("TJ"))
        page.Contents = document.make_stream(pikepdf.unparse_content_stream(operations))
        problems = [str(bad) for bad in bad_glyphs(document)]
        document.save(broken)
    assert problems and "is the .notdef glyph" in problems[0] and problems[0].startswith("page 1: font ")
    assert f"{broken}: {problems[0]}" in validate_pdf(broken)


@pytest.mark.parametrize("slug", SLUGS)
def test_archival_images_are_pdfa(archival_all: dict[str, Path], slug: str) -> None:
    """(c) ISO 19005-3, 6.2.8: no /Interpolate true, no /Alternates or /OPI, a known rendering intent,
    a colour space and a valid bit depth on each image XObject."""
    with pikepdf.open(archival_all[slug]) as document:
        images = [
            item for item in document.objects if isinstance(item, pikepdf.Stream) and item.get("/Subtype") == "/Image"
        ]
        for image in images:
            where = f"{slug}: image {image.objgen}"
            assert not bool(image.get("/Interpolate", False)), where
            assert "/Alternates" not in image and "/OPI" not in image, where
            assert str(image.get("/Intent", "/RelativeColorimetric")) in (
                "/RelativeColorimetric",
                "/AbsoluteColorimetric",
                "/Perceptual",
                "/Saturation",
            ), where
            assert int(image.get("/BitsPerComponent", 8)) in (1, 2, 4, 8, 16), where
            assert "/ColorSpace" in image or bool(image.get("/ImageMask", False)), where


def test_figures_fixture_has_archival_images(archival_all: dict[str, Path]) -> None:
    with pikepdf.open(archival_all["figures-policy-piece"]) as document:
        assert any(isinstance(item, pikepdf.Stream) and item.get("/Subtype") == "/Image" for item in document.objects)


def _lowest_baselines(document: Element) -> dict[int, float]:
    lowest: dict[int, float] = {}
    for element in document.walk():
        for kid in element.kids:
            if not isinstance(kid, Element) and kid.text.strip():
                lowest[kid.page] = min(lowest.get(kid.page, kid.baseline), kid.baseline)
    return lowest


def blank_before_figures(pdf: Path) -> list[tuple[int, float]]:
    """(page, share of the text block left blank at its foot) for each page followed by one that starts
    with a figure, when text follows that figure."""
    document = structure(pdf)
    lowest = _lowest_baselines(document)
    tops = {}
    for element in document.walk():
        for kid in element.kids:
            if not isinstance(kid, Element) and kid.text.strip():
                tops[kid.page] = max(tops.get(kid.page, kid.baseline), kid.baseline)
    text_bottom = min(lowest.values())
    text_top = max(tops.values())
    height = text_top - text_bottom
    order = [element for element in document.walk() if element.role in ("Figure", "P")]
    found = []
    for index, figure in enumerate(order):
        if figure.role != "Figure" or figure.bbox is None or figure.page is None or figure.page < 2:
            continue
        page_top = tops.get(figure.page, text_top)
        starts_page = figure.bbox[3] >= page_top
        text_follows = any(element.role == "P" for element in order[index + 1 :])
        if starts_page and text_follows and figure.page - 1 in lowest:
            found.append((figure.page - 1, (lowest[figure.page - 1] - text_bottom) / height))
    return found


@pytest.mark.parametrize("slug", SLUGS)
def test_no_half_empty_page_before_a_figure(
    built_all: dict[str, Built], archival_all: dict[str, Path], slug: str
) -> None:
    """(e) The text after a figure fills the page the figure did not fit on."""
    for pdf in pdfs(built_all, archival_all, slug):
        blank = [(page, round(share, 2)) for page, share in blank_before_figures(pdf)]
        assert all(share <= MOST_BLANK_BEFORE_FIGURE for _page, share in blank), f"{pdf.name}: {blank}"


def _label(number: int, style: str) -> str:
    if style in ("LowerRoman", "UpperRoman"):
        roman = ""
        for letters, value in ROMAN:
            while number >= value:
                roman, number = roman + letters, number - value
        return (roman if style == "LowerRoman" else roman.upper()) + "."
    if style in ("LowerAlpha", "UpperAlpha"):
        letter = chr(ord("a") + number - 1)
        return (letter if style == "LowerAlpha" else letter.upper()) + "."
    return f"{number}."


def source_lists(slug: str) -> list[tuple[str, ...]]:
    """Each ordered list's labels as the source numbers it: its start and its kind of number."""
    expected = []
    for node in _walk(_pandoc_blocks(slug)):
        if node.get("t") == "OrderedList":
            (start, style, _delimiter), items = node["c"]
            expected.append(tuple(_label(start + offset, style["t"]) for offset in range(len(items))))
    return expected


@pytest.mark.parametrize("slug", SLUGS)
def test_list_numbers_are_the_sources(built_all: dict[str, Built], archival_all: dict[str, Path], slug: str) -> None:
    """(f) The numbers a list prints (its labels in the PDF text) are the source's."""
    expected = source_lists(slug)
    for pdf in pdfs(built_all, archival_all, slug):
        printed = [
            tuple(
                label.text()
                for item in element.kids
                if isinstance(item, Element)
                for label in item.kids
                if isinstance(label, Element) and label.role == "Lbl"
            )
            for element in structure(pdf).walk()
            if element.role == "L"
        ]
        assert all(labels in printed for labels in expected), f"{pdf.name}: {expected} not in {printed}"


def test_a_fixture_starts_a_list_at_three_and_numbers_one_in_roman() -> None:
    lists = source_lists("marine-pollution-advisory-opinion")
    assert ("3.", "4.") in lists and ("i.", "ii.", "iii.") in lists


def test_emoji_pdf_is_the_same_bytes_a_second_later(tmp_path: Path) -> None:
    """fontTools dates the emoji font it rewrites from the record, not the clock."""
    source = REPO_ROOT / "tests" / "fixtures" / "unicode" / "odd-text"
    shutil.copytree(source, tmp_path / "sources" / source.name)
    environment = {key: value for key, value in os.environ.items() if key != "SOURCE_DATE_EPOCH"}
    built = []
    for run in (1, 2):
        dist = tmp_path / f"dist{run}"
        command = [str(REPO_ROOT / ".venv" / "bin" / "invoke"), "build-pdf", "--sources", str(tmp_path / "sources")]
        subprocess.run([*command, "--dist", str(dist)], cwd=REPO_ROOT, env=environment, check=True, capture_output=True)
        built.append((dist / source.name / f"{source.name}.pdf").read_bytes())
        time.sleep(1.1)
    assert built[0] == built[1]
    with pikepdf.open(io.BytesIO(built[0])) as document:
        fonts = {str(font.get("/BaseFont")) for page in document.pages for font in page.resources.Font.values()}
    assert any("Emoji" in name for name in fonts), fonts


def test_emoji_pdf_of_a_record_older_than_font_dates_builds(tmp_path: Path) -> None:
    """A record date before 1904, which a font's `head` cannot hold, dates the fonts 1904-01-01."""
    source = REPO_ROOT / "tests" / "fixtures" / "unicode" / "odd-text"
    folder = tmp_path / "sources" / source.name
    shutil.copytree(source, folder)
    article = folder / "article.md"
    article.write_text(re.sub(r"(?m)^issued: .*$", "issued: 1060-01-01", article.read_text(encoding="utf-8")))
    report = build(("pdf",), source_root=tmp_path / "sources", dist=tmp_path / "dist")
    assert report.ok, report.failures
