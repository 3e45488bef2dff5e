"""WeasyPrint's messages in two classes: faults fail the source with one located line each; notices about
WeasyPrint's own workings are printed once per build and the PDFs are still built."""

from __future__ import annotations

import dataclasses
import io
import shutil
from pathlib import Path

import pikepdf
import pytest
from conftest import FIXTURE_SOURCES, copy_test_sources
from PIL import Image

from pipeline import paths
from pipeline.build.progress import PlainReporter
from pipeline.build.run import build
from pipeline.errors import PipelineError, shown
from pipeline.pdf import writer as pdf
from pipeline.pdf.messages import classify
from pipeline.prepare.article import load_article

# A Toto letter (Unicode 14): no font the set-up installs has it (fc-list ':charset=1e290' lists none; Linear A,
# used before, is covered since fonts-noto-core brought Noto Sans Linear A).
UNCOVERED_CHARACTER = "\U0001e290"
# One source for each set of fonts the PDFs embed: Latin text, Arabic, Cyrillic, Chinese (whose subset through
# fontTools takes 23 s of the 37 every source would), and maths with its TrueType font.
EVERY_FONT = (
    "kazakhstan-russia-ukraine",
    "arbitration-egypt-arabic",
    "ru-commentary-arbitration",
    "zh-commentary-data-rules",
    "markdown-every-construct",
)


def copy_sources(root: Path) -> list[Path]:
    """Every test source (the real ones and the fixtures) copied under ``root``; their article.md files."""
    return sorted(copy_test_sources(root).glob("*/article.md"))


# Beside the first source, the shortest: two PDFs show a fault met by every PDF reported once, and that a
# fault of one source leaves the other built, without laying out every test source.
SHORTEST = "cited-author-date"


def copy_two_sources(root: Path) -> list[Path]:
    """The first test source (as copy_sources orders them) and the shortest, copied under ``root``; their
    article.md files, the first one first."""
    sources = copy_sources(root)
    kept = [sources[0], root / SHORTEST / "article.md"]
    for source in sources:
        if source not in kept:
            shutil.rmtree(source.parent)
    assert len(kept) == 2 and all(source.is_file() for source in kept)
    return kept


def line_holding(path: Path, needle: str) -> int:
    return next(number for number, line in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in line)


def append(source: Path, markdown: str) -> None:
    with source.open("a", encoding="utf-8") as file:
        file.write(f"\n\n{markdown}\n")


def test_without_harfbuzz_subset_the_pdfs_are_built_and_the_notice_is_printed_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # WeasyPrint takes fontTools when its module-level handle on HarfBuzz-Subset is missing: the real
    # fallback path, with WeasyPrint's own message for every font of every PDF.
    monkeypatch.setattr("weasyprint.pdf.fonts.harfbuzz_subset", None)
    sources = copy_sources(tmp_path / "sources")
    for source in sources:
        if source.parent.name not in EVERY_FONT:
            shutil.rmtree(source.parent)
    sources = [source for source in sources if source.exists()]
    assert len(sources) == len(EVERY_FONT), "the notice must be seen to be printed once across several PDFs"
    out, err = io.StringIO(), io.StringIO()
    report = build(formats=("pdf",), source_root=tmp_path / "sources", dist=tmp_path / "dist", jobs=1,
                   reporter=PlainReporter(out, err))  # fmt: skip

    assert report.ok, report.failures
    notices = [line for line in err.getvalue().splitlines() if line.startswith("notice:")]
    assert len(notices) == 1, err.getvalue()
    assert "fontTools" in notices[0] and "HarfBuzz-Subset" in notices[0]
    assert report.notices == [notices[0].removeprefix("notice: ")]
    for source in sources:
        built = tmp_path / "dist" / source.parent.name / f"{source.parent.name}.pdf"
        with pikepdf.open(built) as document:
            fonts = [font for page in document.pages for font in page.Resources.Font.values()]
            assert fonts and all("/FontFile2" in descriptor or "/FontFile3" in descriptor
                                 for descriptor in _font_descriptors(fonts))  # fmt: skip


def _font_descriptors(fonts: list[pikepdf.Object]) -> list[pikepdf.Object]:
    found = []
    for font in fonts:
        for part in [font, *font.get("/DescendantFonts", [])]:
            if "/FontDescriptor" in part:
                found.append(part.FontDescriptor)
    return found


def test_a_character_no_font_has_fails_the_source_with_its_line(tmp_path: Path) -> None:
    source = copy_two_sources(tmp_path / "sources")[0]
    append(source, f"The tablet reads {UNCOVERED_CHARACTER} and nothing more.")
    dist = tmp_path / "dist"
    report = build(formats=("pdf",), source_root=source.parent.parent, dist=dist, jobs=1)

    expected = (
        f"{shown(source)}:{line_holding(source, UNCOVERED_CHARACTER)}: pdf: no installed font has the character "
        f"{UNCOVERED_CHARACTER!r} (U+{ord(UNCOVERED_CHARACTER):04X}); it would print as an empty box"
    )
    assert report.failures == [expected]
    assert not list((dist / source.parent.name).glob("*.pdf*")), "a failed build left a PDF behind"


def test_an_image_gone_after_loading_fails_the_pdf_with_its_line(tmp_path: Path) -> None:
    source = copy_sources(tmp_path / "sources")[0]
    Image.new("RGB", (40, 20), "steelblue").save(source.parent / "map.png")
    append(source, "![A map of the region](map.png)")
    article = load_article(source)
    # The writers publish the image's bytes as they were checked when the article was prepared (a file
    # edited afterwards changes nothing); without them, only the PDF can notice.
    article = dataclasses.replace(article, images={})

    with pytest.raises(PipelineError) as raised:
        pdf.write(article, tmp_path / "out.pdf")
    assert str(raised.value).startswith(f"{shown(source)}:{line_holding(source, 'map.png')}: pdf: image 'map.png'")
    assert "could not be loaded" in str(raised.value)
    assert not (tmp_path / "out.pdf").exists()


def test_a_link_to_a_missing_anchor_fails_the_pdf_with_its_line(tmp_path: Path) -> None:
    source = copy_sources(tmp_path / "sources")[0]
    append(source, "See [the annex](#annex-on-sanctions).")
    append(source, "# Annex on sanctions {#annex-on-sanctions}\n\nThe annex lists the measures.")
    article = load_article(source)
    # The section the link points at is dropped between loading and rendering: only the PDF can notice.
    assert article.sections[-1].title == "Annex on sanctions"
    article = dataclasses.replace(article, sections=article.sections[:-1])

    with pytest.raises(PipelineError) as raised:
        pdf.write(article, tmp_path / "out.pdf")
    line = line_holding(source, "(#annex-on-sanctions)")
    assert str(raised.value) == (
        f"{shown(source)}:{line}: pdf: link to '#annex-on-sanctions' points at no element with that id"
    )


def test_a_rule_weasyprint_ignores_in_styles_fails_with_the_stylesheet_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    styles = tmp_path / "styles"
    shutil.copytree(paths.STYLES, styles)
    with (styles / "print.css").open("a", encoding="utf-8") as css:
        css.write("\n.byline { colour: red; }\n")
    monkeypatch.setattr(paths, "STYLES", styles)
    source = copy_two_sources(tmp_path / "sources")[0]
    dist = tmp_path / "dist"
    report = build(formats=("pdf",), source_root=source.parent.parent, dist=dist, jobs=1)

    line = line_holding(styles / "print.css", "colour: red")
    assert len(report.failures) == 1
    assert report.failures[0].startswith(f"{shown(styles / 'print.css')}:{line}: pdf: WeasyPrint ignores this rule")
    assert "colour" in report.failures[0]
    assert not list((dist / source.parent.name).glob("*.pdf*"))


def test_a_font_that_cannot_be_loaded_fails_the_build(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    styles = tmp_path / "styles"
    shutil.copytree(paths.STYLES, styles)
    with (styles / "print.css").open("a", encoding="utf-8") as css:
        css.write('\n@font-face { font-family: "House Serif"; src: url(no-such-font.otf); }\n')
        css.write('.byline { font-family: "House Serif", serif; }\n')
    monkeypatch.setattr(paths, "STYLES", styles)
    source = copy_two_sources(tmp_path / "sources")[0]
    report = build(formats=("pdf",), source_root=source.parent.parent, dist=tmp_path / "dist", jobs=1)

    line = line_holding(styles / "print.css", "@font-face")
    expected = (
        f"{shown(styles / 'print.css')}:{line}: pdf: the font 'House Serif' of an @font-face rule cannot be loaded"
    )
    assert report.failures == [expected], "one line, named once, though every source's PDF failed"


@pytest.mark.parametrize(
    ("message", "fatal"),
    [
        ('Using fontTools instead of HarfBuzz-Subset for font "DejaVu Sans". This will be unsupported', False),
        ('Unable to subset "Linux Libertine O" with HarfBuzz', False),
        ("Ignored `colour: red` at 3:11, unknown property.", True),
        ("Failed to load image at 'file:///tmp/x.png': No such file", True),
        ("No anchor #annex for internal URI reference", True),
        ("Something WeasyPrint has never said before", True),
    ],
)
def test_classification(message: str, fatal: bool) -> None:
    document = FIXTURE_SOURCES / "two-authors-open-access" / "article.md"
    assert classify(message, document).fatal is fatal


def test_notice_and_fault_lines_name_where_to_look() -> None:
    document = FIXTURE_SOURCES / "two-authors-open-access" / "article.md"
    notice = classify('Using fontTools instead of HarfBuzz-Subset for font "DejaVu Sans".', document)
    assert str(notice).startswith("WeasyPrint subsets fonts with fontTools")
    unknown = classify("Something WeasyPrint has never said before", document)
    assert str(unknown) == f"{shown(document)}: pdf: WeasyPrint: Something WeasyPrint has never said before"


def test_a_note_weasyprint_sets_a_page_late_is_a_notice_not_silence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Which layouts WeasyPrint sets a note late in is not predictable; stand in for its page check so
    # that every layout tried reports note 1 a page after its reference.
    monkeypatch.setattr(pdf, "_misplaced_notes", lambda laid_out: [(1, 1, 2)])
    source = next(path for path in copy_sources(tmp_path / "sources") if "[^" in path.read_text("utf-8"))
    out, err = io.StringIO(), io.StringIO()
    report = build(formats=("pdf",), slug=source.parent.name, source_root=source.parent.parent,
                   dist=tmp_path / "dist", jobs=1, reporter=PlainReporter(out, err))  # fmt: skip

    assert report.ok, report.failures
    expected = (
        f"notice: {shown(source)}: pdf: footnote 1 is printed on page 2, its reference on page 1; "
        "WeasyPrint could not keep them on one page"
    )
    assert err.getvalue().splitlines() == [expected]
    assert (tmp_path / "dist" / source.parent.name / f"{source.parent.name}.pdf").is_file()
