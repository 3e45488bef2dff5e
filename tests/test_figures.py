"""Figures in every format, read back with independent readers: the EPUB holds each image file and
shows it with its caption and text alternative, dist/<slug>/ ships it beside the web page and the
JATS (listed in the manifest), the JATS <fig> carries label, caption, alt-text and graphic, the PDF
embeds each raster image and tags each figure with its /Alt, and the web page's images load in
Chromium. Expected values come from the source text (parsed here with a regular expression, not by
the pipeline) and from the label messages of the article's language (the .po files, read with Babel)."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pikepdf
import pytest
import yaml
from browser import image_widths
from catalogues import label
from conftest import Built
from lxml import etree
from PIL import Image
from pypdf import PdfReader

FIGURES_SOURCE = "figures-policy-piece"
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "x": "http://www.w3.org/1999/xhtml",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "xlink": "http://www.w3.org/1999/xlink",
}
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# A figure as an editor writes it: ![Caption](file){#id fig-alt="..."} alone on its line.
FIGURE_LINE = re.compile(r"^!\[(?P<caption>[^\]]*)\]\((?P<file>[^)\s]+)\)(?:\{(?P<attributes>[^}]*)\})?\s*$")
MEDIA_TYPE_BY_SUFFIX = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class SourceFigure:
    number: int
    id: str
    file: str
    caption: str
    alt: str
    language: str  # the article's, whose figure labels these are

    @property
    def media_type(self) -> str:
        return MEDIA_TYPE_BY_SUFFIX[Path(self.file).suffix.lower()]

    @property
    def label(self) -> str:
        return label(self.language, "Figure %(number)s", number=self.number)

    @property
    def caption_label(self) -> str:
        return label(self.language, "Figure %(number)s.", number=self.number)


def source_figures(source: Path) -> list[SourceFigure]:
    figures: list[SourceFigure] = []
    text = source.read_text(encoding="utf-8")
    language = yaml.safe_load(text.split("---\n")[1])["language"]
    for line in text.splitlines():
        match = FIGURE_LINE.match(line)
        if not match:
            continue
        attributes = match["attributes"] or ""
        explicit_id = re.search(r"#([\w.-]+)", attributes)
        alt = re.search(r'fig-alt="([^"]*)"', attributes)
        number = len(figures) + 1
        figures.append(
            SourceFigure(
                number=number,
                id=explicit_id.group(1) if explicit_id else f"fig-{number}",
                file=match["file"],
                caption=match["caption"],
                alt=alt.group(1) if alt else match["caption"],
                language=language,
            )
        )
    return figures


def text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


@pytest.fixture(scope="module")
def figures_built(built_all: dict[str, Built]) -> Built:
    return built_all[FIGURES_SOURCE]


@pytest.fixture(scope="module")
def expected(figures_built: Built) -> list[SourceFigure]:
    figures = source_figures(figures_built.article.source_path)
    assert len(figures) == 3, "the fixture has a PNG, an SVG and a JPEG figure"
    assert {figure.media_type for figure in figures} == {"image/png", "image/svg+xml", "image/jpeg"}
    assert any(figure.alt != figure.caption for figure in figures), "at least one fig-alt differs from its caption"
    assert any(figure.alt == figure.caption for figure in figures), "at least one figure without fig-alt"
    return figures


def source_bytes(built: Built, figure: SourceFigure) -> bytes:
    return (built.article.source_path.parent / figure.file).read_bytes()


def test_the_model_holds_the_figures_of_the_source(figures_built: Built, expected: list[SourceFigure]) -> None:
    model = [
        (figure.number, figure.id, figure.path, figure.media_type, figure.caption, figure.alt)
        for figure in figures_built.article.figures
    ]
    assert model == [(f.number, f.id, f.file, f.media_type, f.caption, f.alt) for f in expected]


def test_the_text_cites_each_figure_by_its_number(figures_built: Built, expected: list[SourceFigure]) -> None:
    source = figures_built.article.source_path.read_text(encoding="utf-8")
    for figure in expected:
        assert f"[{figure.label}](#{figure.id})" in source


# --- EPUB ---------------------------------------------------------------------------------------


def opf_of(book: zipfile.ZipFile) -> tuple[str, etree._Element]:
    container = etree.fromstring(book.read("META-INF/container.xml"), XML_PARSER)
    path = container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]
    return path, etree.fromstring(book.read(path), XML_PARSER)


def test_the_epub_packages_each_image_byte_for_byte(figures_built: Built, expected: list[SourceFigure]) -> None:
    with zipfile.ZipFile(figures_built.epub) as book:
        opf_path, package = opf_of(book)
        folder = str(Path(opf_path).parent)
        items = {
            item.get("href"): item.get("media-type") for item in package.xpath("//opf:manifest/opf:item", namespaces=NS)
        }
        for figure in expected:
            assert items.get(figure.file) == figure.media_type, figure.file
            assert book.read(f"{folder}/{figure.file}") == source_bytes(figures_built, figure)


def epub_article(book_path: Path) -> etree._Element:
    with zipfile.ZipFile(book_path) as book:
        opf_path, package = opf_of(book)
        folder = Path(opf_path).parent
        first = package.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)[0]
        href = package.xpath("//opf:manifest/opf:item[@id=$id]/@href", id=first, namespaces=NS)[0]
        return etree.fromstring(book.read(str(folder / href)), XML_PARSER)


def assert_html_figures(figures: list[etree._Element], expected: list[SourceFigure], img: str, caption: str) -> None:
    assert [figure.get("id") for figure in figures] == [figure.id for figure in expected]
    for element, figure in zip(figures, expected, strict=True):
        images = element.findall(img)
        assert [(image.get("src"), image.get("alt")) for image in images] == [(figure.file, figure.alt)]
        assert text(element.find(caption)) == f"{figure.caption_label} {figure.caption}"


def test_the_epub_shows_each_figure_with_caption_and_alt(figures_built: Built, expected: list[SourceFigure]) -> None:
    document = epub_article(figures_built.epub)
    figures = document.xpath("//x:figure", namespaces=NS)
    assert_html_figures(
        figures, expected, "{http://www.w3.org/1999/xhtml}img", "{http://www.w3.org/1999/xhtml}figcaption"
    )


def package_meta(book_path: Path, name: str) -> list[str]:
    with zipfile.ZipFile(book_path) as book:
        _path, package = opf_of(book)
    return [meta.text for meta in package.xpath("//opf:meta[@property=$name]", name=name, namespaces=NS)]


def test_the_epub_accessibility_metadata_stays_true(figures_built: Built, expected: list[SourceFigure]) -> None:
    assert set(package_meta(figures_built.epub, "schema:accessMode")) == {"textual", "visual"}
    # Every figure has a text alternative (its fig-alt, else its caption): text alone suffices.
    assert package_meta(figures_built.epub, "schema:accessModeSufficient") == ["textual"]
    assert "alternativeText" in package_meta(figures_built.epub, "schema:accessibilityFeature")
    assert package_meta(figures_built.epub, "dcterms:conformsTo") == []


# --- dist/<slug>/ and the manifest --------------------------------------------------------------


def test_each_image_sits_beside_the_page_and_the_jats_and_is_listed(
    figures_built: Built, expected: list[SourceFigure]
) -> None:
    folder = figures_built.pdf.parent
    listed = {entry["name"]: entry for entry in json.loads((folder / "manifest.json").read_text())["artifacts"]}
    for figure in expected:
        data = (folder / figure.file).read_bytes()
        assert data == source_bytes(figures_built, figure)
        entry = listed[figure.file]
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["size"] == len(data)
        assert entry["media_type"] == figure.media_type


def test_a_source_without_figures_ships_no_image(built: Built) -> None:
    shipped = {path.name for path in built.pdf.parent.iterdir() if path.suffix.lower() in MEDIA_TYPE_BY_SUFFIX}
    assert shipped == {figure.file for figure in source_figures(built.article.source_path)}


# --- JATS ---------------------------------------------------------------------------------------


def test_jats_figures_carry_label_caption_alt_text_and_graphic(
    figures_built: Built, expected: list[SourceFigure]
) -> None:
    root = etree.parse(str(figures_built.jats), XML_PARSER).getroot()
    figures = root.findall(".//body//fig")
    assert [fig.get("id") for fig in figures] == [figure.id for figure in expected]
    for fig, figure in zip(figures, expected, strict=True):
        assert fig.findtext("label") == figure.label
        assert [text(p) for p in fig.findall("caption/p")] == [figure.caption]
        graphics = fig.findall("graphic")
        assert len(graphics) == 1
        graphic = graphics[0]
        assert graphic.get(XLINK_HREF) == figure.file
        assert f"{graphic.get('mimetype')}/{graphic.get('mime-subtype')}" == figure.media_type
        assert [text(alt) for alt in graphic.iter("alt-text")] == [figure.alt]
        # The href resolves beside the XML file.
        assert (figures_built.jats.parent / graphic.get(XLINK_HREF)).is_file()


# --- PDF ----------------------------------------------------------------------------------------


def image_sizes(resources: pikepdf.Dictionary, seen: set[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
    """(width, height) of every image XObject under ``resources``, looking into form XObjects."""
    sizes: list[tuple[int, int]] = []
    seen = seen if seen is not None else set()
    for xobject in dict(resources.get("/XObject", {})).values():
        key = xobject.objgen
        if key in seen:
            continue
        seen.add(key)
        if xobject.get("/Subtype") == "/Image":
            sizes.append((int(xobject.Width), int(xobject.Height)))
        elif xobject.get("/Subtype") == "/Form" and "/Resources" in xobject:
            sizes += image_sizes(xobject.Resources, seen)
    return sizes


def structure_elements(node: object, kind: str) -> list[pikepdf.Dictionary]:
    found: list[pikepdf.Dictionary] = []
    if isinstance(node, pikepdf.Array):
        for item in node:
            found += structure_elements(item, kind)
    elif isinstance(node, pikepdf.Dictionary):
        if node.get("/S") == kind:
            found.append(node)
        if "/K" in node:
            found += structure_elements(node.K, kind)
    return found


def test_the_pdf_embeds_each_raster_image_and_tags_each_figure(
    figures_built: Built, expected: list[SourceFigure]
) -> None:
    with pikepdf.open(figures_built.pdf) as pdf:
        sizes = [size for page in pdf.pages for size in image_sizes(page.Resources)]
        figures = structure_elements(pdf.Root.StructTreeRoot, "/Figure")
        alts = [str(figure.get("/Alt", "")) for figure in figures]
    for figure in expected:
        if figure.media_type != "image/svg+xml":
            with Image.open(figures_built.article.source_path.parent / figure.file) as image:
                assert image.size in sizes, f"{figure.file} ({image.size}) is not embedded; images: {sizes}"
    assert alts == [figure.alt for figure in expected]


def test_the_pdf_numbers_the_figures_like_the_other_formats(figures_built: Built, expected: list[SourceFigure]) -> None:
    pdf_text = " ".join(" ".join(page.extract_text() or "" for page in PdfReader(figures_built.pdf).pages).split())
    for figure in expected:
        assert f"{figure.caption_label} {figure.caption[:30]}" in pdf_text


# --- Web page -----------------------------------------------------------------------------------


def test_the_web_page_shows_each_figure(figures_built: Built, expected: list[SourceFigure]) -> None:
    page = figures_built.pdf.parent / "index.html"
    document = lxml.html.parse(str(page)).getroot()
    assert_html_figures(document.xpath("//figure"), expected, "img", "figcaption")
    for figure in expected:
        assert (page.parent / figure.file).is_file()


def test_the_web_page_images_render_in_chromium(
    figures_built: Built, expected: list[SourceFigure], tmp_path: Path
) -> None:
    widths = image_widths(figures_built.pdf.parent / "index.html", tmp_path)
    assert set(widths) == {figure.file for figure in expected}
    assert all(width > 0 for width in widths.values()), widths
