"""Image files are untrusted: pipeline/source/guards/images.py refuses SVGs that could run code or reach outside
themselves, raster images whose header declares an absurd size (before any decoding), and files
whose content is not the type their extension says. Each case is made here, byte by byte."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from pipeline.errors import SourceError
from pipeline.prepare.article import load_article
from pipeline.source.guards.images import MAX_PIXELS, MAX_SIDE, ImageProblem, check_image, check_svg

SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10">'
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def svg(inner: str, root: str = SVG_OPEN) -> bytes:
    return f"{root}{inner}</svg>".encode()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width``×``height`` and whose data is one short row: a few dozen bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("inner", "message"),
    [
        ("<script>alert(1)</script>", "<script> element"),
        ('<rect width="1" height="1" onclick="x()"/>', "<rect onclick> is an event handler"),
        ('<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">hi</p></foreignObject>', "<foreignObject>"),
        ('<image href="file:///etc/passwd" width="1" height="1"/>', "refers to 'file:///etc/passwd'"),
        ('<image xlink:href="other.png" width="1" height="1"/>', "refers to 'other.png'"),
        ('<use xlink:href="https://example.org/sprite.svg#a"/>', "refers to 'https://example.org/sprite.svg#a'"),
        ('<rect width="1" height="1" style="fill: url(http://example.org/x)"/>', "refers to 'http://example.org/x'"),
        ('<rect width="1" height="1" fill="url(\'other.svg#g\')"/>', "refers to 'other.svg#g'"),
        ("<style>@import url(#x); rect { fill: red }</style>", "imports another file"),
        ("<style>rect { fill: url(http://example.org/p.png) }</style>", "<style> refers to 'http://example.org/p.png'"),
        ('<a href="#x"><set attributeName="href" to="javascript:alert(1)"/></a>', "animates a link target"),
    ],
)
def test_unsafe_svg_is_refused(inner: str, message: str) -> None:
    with pytest.raises(ImageProblem) as caught:
        check_svg(svg(inner))
    assert message in str(caught.value)


def test_an_svg_with_entities_is_refused() -> None:
    data = b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaa">]>' + svg("<text>&a;</text>")
    with pytest.raises(ImageProblem, match="its DOCTYPE has an internal subset"):
        check_svg(data)


def test_a_stylesheet_instruction_is_refused() -> None:
    with pytest.raises(ImageProblem, match="processing instruction"):
        check_svg(b'<?xml-stylesheet href="http://example.org/s.css"?>' + svg(""))


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"\x89PNG\r\n\x1a\n", "not an SVG image"), (b'<html xmlns="http://www.w3.org/1999/xhtml"/>', "root element")],
)
def test_not_an_svg(data: bytes, message: str) -> None:
    with pytest.raises(ImageProblem, match=message):
        check_svg(data)


def test_a_clean_svg_with_local_references_passes() -> None:
    check_svg(
        svg(
            '<defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>'
            '<rect width="10" height="10" fill="url(#g)" style="stroke: url( #g )"/><use xlink:href="#g"/>'
            "<title>A square</title><!-- a comment -->"
        )
    )
    check_svg((FIXTURES / "sources" / "figures-policy-piece" / "complaint-to-fine.svg").read_bytes())


@pytest.mark.parametrize(
    ("width", "height"),
    [(100_000, 100_000), (MAX_SIDE + 1, 10), (10, MAX_SIDE + 1), (8000, MAX_PIXELS // 8000 + 1)],
    ids=["pillow-bomb", "too-wide", "too-tall", "too-many-pixels"],
)
def test_an_absurd_declared_size_is_refused_undecoded(tmp_path: Path, width: int, height: int) -> None:
    path = tmp_path / "chart.png"
    path.write_bytes(png_header_only(width, height))
    assert path.stat().st_size < 200
    with pytest.raises(ImageProblem, match="its header declares") as caught:
        check_image(path.read_bytes(), "image/png")
    assert "not decoded" in str(caught.value)


def test_a_sane_size_passes(tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    Image.new("RGB", (MAX_SIDE, 2), "white").save(path, format="PNG")
    check_image(path.read_bytes(), "image/png")


@pytest.mark.parametrize(
    ("saved_as", "declared", "message"),
    [
        ("JPEG", "image/png", "not a PNG image"),
        ("PNG", "image/jpeg", "not a JPEG image"),
        ("GIF", "image/png", "not a PNG image"),
    ],
)
def test_content_must_match_the_extension(tmp_path: Path, saved_as: str, declared: str, message: str) -> None:
    path = tmp_path / "image"
    Image.new("RGB", (8, 8), "red").save(path, format=saved_as)
    with pytest.raises(ImageProblem, match=message):
        check_image(path.read_bytes(), declared)


def test_text_named_png_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    path.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    with pytest.raises(ImageProblem, match="not a PNG image"):
        check_image(path.read_bytes(), "image/png")


def test_a_damaged_png_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "chart.png"
    Image.new("RGB", (32, 32), "red").save(path, format="PNG")
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF  # inside the image data: its checksum no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ImageProblem, match="damaged"):
        check_image(path.read_bytes(), "image/png")


# --- Through the loader ---------------------------------------------------------------------------

FRONT_MATTER = (FIXTURES / "bad" / "minimal-valid" / "article.md").read_text(encoding="utf-8").split("\n---\n", 1)[0]


def source_with(folder: Path, body: str) -> Path:
    source = folder / "with-images" / "article.md"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(f"{FRONT_MATTER}\n---\n\nSome text.\n\n{body}\n", encoding="utf-8")
    return source


def test_an_image_may_sit_in_a_subfolder(tmp_path: Path) -> None:
    source = source_with(tmp_path, "![A chart.](images/chart.png)")
    (source.parent / "images").mkdir()
    Image.new("RGB", (20, 10), "white").save(source.parent / "images" / "chart.png", format="PNG")
    figures = load_article(source).figures
    assert [(figure.path, figure.media_type, figure.id, figure.number) for figure in figures] == [
        ("images/chart.png", "image/png", "fig-1", 1)
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("![A chart.](link.png)", "leads outside the source's folder"),
        ("![A chart.](chart.gif)", "is not of a supported type"),
        ("![A chart.](my%20chart.png)", "may hold only letters"),
        ("Inline ![a chart](chart.png) in text.", "must stand alone in its own paragraph"),
    ],
)
def test_the_loader_refuses_with_the_line(tmp_path: Path, body: str, message: str) -> None:
    source = source_with(tmp_path, body)
    (source.parent / "link.png").symlink_to("/etc/passwd")
    with pytest.raises(SourceError) as caught:
        load_article(source)
    assert message in caught.value.message
    assert (caught.value.line, caught.value.field) == (FRONT_MATTER.count("\n") + 6, "body")
