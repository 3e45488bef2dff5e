"""Image files are untrusted input, like the body: each is checked before any output uses it.

A raster image (PNG, JPEG) must be what its extension says and declare a sane pixel size; the size is
read from the file's header (Pillow's ``Image.open`` reads no pixel data), so a decompression bomb is
refused before anything decodes it. An SVG is parsed with the project's safe XML parser and refused
when it could run code or reach outside itself: scripts, event handlers, foreign HTML, and links,
styles or entities that point anywhere but inside the file.
"""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import quoted
from pipeline.formats import IMAGE_MEDIA_TYPES
from pipeline.limits import limit

if TYPE_CHECKING:
    from lxml import etree

# The image types every output format can carry (EPUB core media types, JATS, browsers, WeasyPrint).
MEDIA_TYPES = IMAGE_MEDIA_TYPES
PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}
# A figure in a commentary is a chart or a photograph: a few megapixels at most, and far below what
# would take WeasyPrint or a reader's device gigabytes to decode.
MAX_PIXELS = limit("image-pixels")
MAX_SIDE = limit("image-side-pixels")
MAX_FILE_BYTES = limit("image-file-bytes")

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
# The DOCTYPEs drawing programs write (public id, system URL): declared only, never loaded.
SVG_DOCTYPES = frozenset(
    {
        ("-//W3C//DTD SVG 1.1//EN", "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"),
        ("-//W3C//DTD SVG 1.0//EN", "http://www.w3.org/TR/2001/REC-SVG-20010904/DTD/svg10.dtd"),
    }
)
INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[(?P<declarations>.*?)\]\s*>", re.DOTALL)
# Elements that run code or embed another document.
SVG_FORBIDDEN_ELEMENTS = frozenset({"script", "foreignObject", "iframe", "embed", "object", "handler", "listener"})
# url(...) in a style or presentation attribute: only a fragment of this file (url(#gradient)) is local.
CSS_URL = re.compile(r"url\(\s*(['\"]?)(?P<target>[^)'\"]*)\1\s*\)", re.IGNORECASE)
CSS_IMPORT = re.compile(r"@import", re.IGNORECASE)


# Pillow and lxml are imported where an image is checked: a build with nothing to rebuild loads no
# source and skips their import (about 20 ms).


class ImageProblem(Exception):
    """What is wrong with an image file, worded for the editor; the loader adds file and line."""


def media_type(name: str) -> str | None:
    return MEDIA_TYPES.get(Path(name).suffix.lower())


def check_image(data: bytes, media: str) -> None:
    """Raise ImageProblem when ``data`` (an image file's bytes, read within MAX_FILE_BYTES) is not a
    safe image of type ``media``."""
    if media == "image/svg+xml":
        check_svg(data)
    else:
        check_raster(data, PILLOW_FORMATS[media])


def check_raster(data: bytes, expected_format: str) -> None:
    """The header says ``expected_format`` and a sane size; the chunks are whole (verified, not decoded)."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        # Pillow warns, then raises, above its own bomb limits; ours (below) are lower and apply first.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[expected_format]) as image:
                _check_pixel_size(*image.size)
                image.verify()
        except Image.DecompressionBombError:
            raise ImageProblem(f"its header declares far more than {_limits()}; not decoded") from None
        except UnidentifiedImageError:
            raise ImageProblem(f"it is not a {expected_format} image, whatever its extension says") from None
        except (OSError, SyntaxError, ValueError) as error:
            raise ImageProblem(f"it is a damaged {expected_format} image ({error})") from None


def _check_pixel_size(width: int, height: int) -> None:
    if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
        raise ImageProblem(f"its header declares {width}×{height} pixels, more than {_limits()}; not decoded")


def _limits() -> str:
    return f"the {MAX_PIXELS // 1_000_000} megapixels and {MAX_SIDE} pixels a side an image may have"


def check_svg(data: bytes) -> None:
    from lxml import etree

    from pipeline.safexml import SAFE_XML_PARSER

    try:
        root = etree.fromstring(data, SAFE_XML_PARSER)
    except etree.XMLSyntaxError as error:
        raise ImageProblem(f"it is not an SVG image (not well-formed XML: {error})") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise ImageProblem("it is not an SVG image (its root element is not <svg> in the SVG namespace)")
    problem = _doctype_problem(data, root.getroottree().docinfo)
    if problem:
        raise ImageProblem(problem)
    outside_root = [*root.itersiblings(preceding=True), *root.itersiblings()]  # processing instructions, comments
    for node in [*outside_root, *root.iter()]:
        problem = _svg_node_problem(node)
        if problem:
            raise ImageProblem(f"{problem} (line {node.sourceline} of the SVG)")


def _doctype_problem(data: bytes, docinfo: etree.DocInfo) -> str | None:
    """What is wrong with the SVG's DOCTYPE, if anything. None, or the plain DOCTYPE of SVG 1.0 or 1.1
    (which editors write and which is never loaded), is fine. Declarations of its own (an internal
    subset: entities, elements, attribute defaults) and any other external DTD are not: a reader's
    software may expand or fetch them."""
    dtd = docinfo.internalDTD
    if dtd is None:
        return None
    entities = list(dtd.iterentities())
    outside = [entity for entity in entities if entity.system_url or entity.content is None]
    if outside:
        entity = outside[0]
        return (
            f"its DOCTYPE declares the external entity {quoted(entity.name)} ({quoted(entity.system_url or '')}); "
            "an SVG may not refer to files outside itself"
        )
    subset = INTERNAL_SUBSET.search(data)
    if entities or list(dtd.elements()) or (subset is not None and subset.group("declarations").strip()):
        return (
            "its DOCTYPE has an internal subset (declarations between [ and ]), which can define entities "
            "and defaults; an SVG may not (the plain SVG 1.1 DOCTYPE, without [ ], is fine)"
        )
    if docinfo.system_url is not None and (docinfo.public_id, docinfo.system_url) not in SVG_DOCTYPES:
        return (
            f"its DOCTYPE names the external DTD {quoted(docinfo.system_url)}, which a reader's software may "
            "fetch; use the SVG 1.1 DOCTYPE or none"
        )
    return None


def _svg_node_problem(node: etree._Element) -> str | None:
    from lxml import etree

    if isinstance(node, etree._Entity):
        return f"it uses the entity &{node.name};"
    if isinstance(node, etree._ProcessingInstruction):
        return f"it has the processing instruction <?{node.target} …?>"
    if not isinstance(node.tag, str):  # a comment
        return None
    name = etree.QName(node).localname
    if name in SVG_FORBIDDEN_ELEMENTS:
        return f"it has a <{name}> element, which can run code or embed another document"
    for attribute, value in node.attrib.items():
        problem = _svg_attribute_problem(etree.QName(attribute).localname, value)
        if problem:
            return f"<{name} {attribute.rsplit('}', 1)[-1]}> {problem}"
    problem = _css_problem(node.text or "") if name == "style" else None
    if problem:
        return f"<style> {problem}"
    return None


def _svg_attribute_problem(name: str, value: str) -> str | None:
    if name.lower().startswith("on"):
        return "is an event handler, which runs code"
    if name in ("href", "src") and not value.strip().startswith("#"):
        return f"refers to {quoted(value.strip())} outside the image; only #fragments of the file itself may be"
    if name == "attributeName" and value.strip().lower().endswith("href"):
        return "animates a link target"
    return _css_problem(value)


def _css_problem(css: str) -> str | None:
    if CSS_IMPORT.search(css):
        return "imports another file in a style"
    for match in CSS_URL.finditer(css):
        if not match["target"].strip().startswith("#"):
            return f"refers to {quoted(match['target'].strip())} outside the image in a style"
    return None
