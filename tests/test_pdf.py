"""The PDF, read back with pypdf and pikepdf: metadata, outline, tagging, fonts, title block, page
furniture. Expected values come from the loaded Article, never from the writer or the templates."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pikepdf
from catalogues import long_date, name_list
from conftest import Built
from pypdf import PdfReader
from readers.extract import join_lines, normalise, pdf_date, pdf_outline, pdf_pages

from pipeline.check.validate import validate_pdf
from pipeline.model import Article

SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
# The print stylesheet sets the book in these two families (Debian: fonts-linuxlibertine); Noto (fonts-noto-core,
# fonts-noto-cjk, system-packages.txt) sets the scripts Libertine lacks, such as Chinese.
HOUSE_FONT_FAMILIES = ("libertine", "biolinum", "noto")
FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


def names(article: Article) -> list[str]:
    return [person.name for person in article.author]


def test_document_info(built: Built) -> None:
    article = built.article
    info = PdfReader(built.pdf).metadata
    assert info is not None, "the PDF has no document info dictionary"
    assert info.get("/Title") == article.title
    assert info.get("/Author") == ", ".join(names(article))
    subject = normalise(str(info.get("/Subject", "")))
    assert subject, "no /Subject"
    if article.abstract:
        assert subject == normalise(article.abstract)
    else:
        # Without an abstract the subject says what and where the article is.
        assert article.container_title in subject
        assert normalise(long_date(article.language, article.issued)) in subject


def test_dates_are_the_publication_date_never_the_build_time(built: Built) -> None:
    article = built.article
    reader = PdfReader(built.pdf)
    info = reader.metadata
    midnight = datetime.datetime.combine(article.issued, datetime.time())
    for key in ("/CreationDate", "/ModDate"):
        assert pdf_date(str(info.get(key))) == article.issued.isoformat(), f"{key} is {info.get(key)!r}"
    assert info.creation_date.replace(tzinfo=None) == midnight, f"/CreationDate is {info.creation_date_raw!r}"
    with pikepdf.open(built.pdf) as pdf:
        xmp = pdf.open_metadata()
        assert str(xmp.get("xmp:CreateDate", "")).startswith(article.issued.isoformat())


def test_xmp_title_creators_and_pdfua_identification(built: Built) -> None:
    article = built.article
    xmp = PdfReader(built.pdf).xmp_metadata
    assert xmp is not None, "no XMP metadata stream"
    assert xmp.dc_title == {"x-default": article.title}
    assert list(xmp.dc_creator) == names(article)
    with pikepdf.open(built.pdf) as pdf:
        assert pdf.open_metadata().get("pdfuaid:part") == "1", "XMP lacks the PDF/UA identification (pdfuaid:part)"


def test_language(built: Built) -> None:
    assert PdfReader(built.pdf).trailer["/Root"].get("/Lang") == built.article.language


def test_bookmarks_are_the_title_and_the_headings_nested_by_level(built: Built) -> None:
    """The title, then every heading of the body at its depth (sections, subsections...), as plain text."""
    article = built.article
    expected = [(0, article.title)] + [(heading.level, heading.title) for heading in article.outline]
    assert pdf_outline(PdfReader(built.pdf)) == expected


def test_tagged(built: Built) -> None:
    with pikepdf.open(built.pdf) as pdf:
        root = pdf.Root
        assert bool(root.get("/MarkInfo", {}).get("/Marked", False)), "not marked as tagged"
        assert "/StructTreeRoot" in root, "no structure tree"


def page_fonts(path: Path) -> dict[str, bool]:
    """Base font name (subset tag removed) -> whether every one of its font programs is embedded."""
    fonts: dict[str, bool] = {}
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for font in page.resources.get("/Font", {}).values():
                descendants = font.get("/DescendantFonts")
                for each in list(descendants) if descendants is not None else [font]:
                    descriptor = each.get("/FontDescriptor")
                    embedded = descriptor is not None and any(key in descriptor for key in FONT_FILES)
                    name = SUBSET_TAG.sub("", str(each.get("/BaseFont", font.get("/BaseFont"))).lstrip("/"))
                    fonts[name] = fonts.get(name, True) and embedded
    return fonts


def is_house_font(name: str) -> bool:
    letters = re.sub(r"[^a-z]", "", name.lower())
    return any(family in letters for family in HOUSE_FONT_FAMILIES)


def test_every_font_embedded_and_from_the_house_families(built: Built) -> None:
    fonts = page_fonts(built.pdf)
    assert fonts, "the PDF uses no fonts"
    assert [name for name, embedded in fonts.items() if not embedded] == [], "fonts not embedded"
    foreign = sorted(name for name in fonts if not is_house_font(name))
    assert foreign == [], (
        f"the PDF uses {foreign}, not Linux Libertine/Biolinum: this machine lacks the house fonts and WeasyPrint "
        "fell back to others. Install them (Debian/Ubuntu: apt-get install fonts-linuxlibertine; "
        "`fc-list | grep -i 'Linux Libertine O'` must list them) and rebuild."
    )


def first_missing_in_order(text: str, parts: list[str]) -> str | None:
    """The first of ``parts`` not found in ``text`` after the previous one (case-insensitive, whitespace
    ignored: pdftotext puts a space at every line break, also inside Chinese, which is set without spaces)."""
    position = 0
    haystack = "".join(text.split()).casefold()
    for part in parts:
        needle = "".join(part.split()).casefold()
        found = haystack.find(needle, position)
        if found < 0:
            return part
        position = found + len(needle)
    return None


def title_block_parts(article: Article) -> list[str]:
    parts = [article.genre] if article.genre else []
    parts += [article.title, name_list(article.language, names(article))]
    for person in article.author:
        parts += [person.name, *([person.role] if person.role else [])]
        for affiliation in person.affiliations:
            parts += [part for part in (affiliation.department, affiliation.institution, affiliation.country) if part]
    return [*parts, article.container_title, long_date(article.language, article.issued)]


def test_title_block_on_page_one(built_ltr: Built) -> None:
    built = built_ltr
    article = built.article
    first_page = join_lines(pdf_pages(built.pdf)[0].lines)
    # The title block is what precedes the body (on a short article the citation, which repeats the
    # journal and the date, is on page 1 too).
    opening = normalise(article.all_sections[0].paragraphs[0])[:60]
    assert opening in first_page, "the body does not start on page 1"
    title_block = first_page[: first_page.index(opening)]
    # Compared case-insensitively: the stylesheet sets the genre in capitals.
    missing = first_missing_in_order(title_block, title_block_parts(article))
    assert missing is None, f"the title block lacks {missing!r} (or has it out of order): {title_block!r}"


def test_running_heads_and_page_numbers(built: Built) -> None:
    article = built.article
    pages = pdf_pages(built.pdf)
    assert pages[0].running_head == "", "the first page carries the title block, not a running head"
    for page in pages[1:]:
        assert article.container_title in page.running_head, f"page {page.number}: head {page.running_head!r}"
        assert article.title in page.running_head, f"page {page.number}: head {page.running_head!r}"
    for page in pages:
        assert re.search(rf"\b{page.number}\b", page.folio), f"page {page.number}: no page number, {page.folio!r}"


def test_validate_pdf_finds_no_problem(built: Built) -> None:
    assert validate_pdf(built.pdf) == []


def test_xmp_rights_copyright_and_licence(built: Built) -> None:
    """dc:rights carries the copyright statement and the licence as the source words them, xmpRights:Owner
    the holder; nothing when the source states neither. (XMP has no standard property for an author's
    ORCID iD: dc:creator holds names only, so the iDs are in the JATS, the web page and the EPUB.)"""
    article = built.article
    with pikepdf.open(built.pdf) as pdf:
        xmp = pdf.open_metadata()
        stated = [
            article.copyright.statement if article.copyright else None,
            (article.license.text or article.license.url) if article.license else None,
        ]
        if any(stated):
            assert xmp["dc:rights"] == " ".join(part for part in stated if part)
        else:
            assert "dc:rights" not in xmp
        holder = article.copyright.holder if article.copyright else None
        assert xmp.get("xmpRights:Owner") == ({holder} if holder else None)  # an XMP bag: unordered


def test_the_article_link_names_its_journal_and_site_not_its_address(built: Built) -> None:
    """A screen reader reads the title block's link as words: "JURIST – Academic Commentary (jurist.org)"."""
    article = built.article
    lines = [normalise(line) for line in pdf_pages(built.pdf)[0].lines]
    site = article.URL.split("/")[2].removeprefix("www.")
    link_text = normalise(f"{article.container_title} ({site})")
    if article.direction == "rtl":
        # pypdf orders a line of mixed directions visually (brackets mirrored): its words, not their order.
        linked = [line for line in lines if set(re.findall(r"\w+", link_text)) <= set(re.findall(r"\w+", line))]
        assert linked, f"no line of page 1 holds the words of {link_text!r}"
        assert not any("https://" in line for line in linked)
    else:
        # Squeezed: pypdf puts a space at every line break, which Chinese and Japanese lines do not have.
        first_page = squeezed(" ".join(lines))
        assert squeezed(link_text) in first_page
        title_block = first_page[: first_page.index(squeezed(normalise(article.all_sections[0].paragraphs[0]))[:60])]
        assert article.URL not in title_block and "https://" not in title_block
    reader = PdfReader(built.pdf)
    uris = [str(annotation.get_object()["/A"]["/URI"]) for annotation in reader.pages[0].get("/Annots") or []
            if "/A" in annotation.get_object() and "/URI" in annotation.get_object()["/A"]]  # fmt: skip
    assert article.URL in uris, "the link still leads to the article's page"


def squeezed(text: str) -> str:
    return "".join(text.split())
