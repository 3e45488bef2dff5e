"""The article's figures: collected once from the body's AST, numbered, their image files checked, and
placed back in the body with their final ids and text alternatives, the same for every format.

A figure is pandoc's implicit figure, an image alone in its paragraph with a caption:
``![Caption](chart.png){#fig-fines fig-alt="What the chart shows"}`` (Quarto's ``fig-alt`` for the
text alternative; without it the caption serves). Figures are numbered in document order; the number
and id come from here (a figure without an id gets ``fig-<number>`` from the id authority,
pipeline/prepare/ids.py, never an id already taken), the label text ("Figure 1") from the labels.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline import pandoc
from pipeline.errors import SourceError, quoted
from pipeline.model import Figure, PandocBlock
from pipeline.prepare.ids import free_id
from pipeline.source.guards.images import MAX_FILE_BYTES, MEDIA_TYPES, ImageProblem, check_image, media_type
from pipeline.source.guards.sourcefiles import NamedBy, read_source_file

FIG_ALT = "fig-alt"
FIGURE_ID_PREFIX = "fig-"
# An image file's name travels into ZIP entries, URLs and XML attributes unescaped: plain characters only.
SAFE_FILE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$")


def collect_figures(
    path: Path, blocks: Iterable[PandocBlock], body: str, body_line: int, taken: dict[str, str]
) -> tuple[tuple[Figure, ...], dict[str, bytes]]:
    """Every figure of the body, numbered, with its image file checked, and each image file's bytes as
    checked (by its name; the writers publish these, never the file read again); SourceError at the
    first problem. ``taken`` holds every id of the body and gets the ids generated for figures without one."""
    body_lines = body.splitlines()
    lines = _LineFinder(body_lines, body_line)
    in_figures: set[int] = set()
    found: list[tuple[dict[str, Any], dict[str, Any], int]] = []
    for element in pandoc.elements(list(blocks)):
        if element["t"] == "Figure":
            images = [inner for inner in pandoc.elements(element["c"][2]) if inner["t"] == "Image"]
            target = images[0]["c"][2][0] if images else ""
            line = lines.find(target)
            if len(images) != 1:
                raise SourceError(path, line, "body", f"a figure must hold exactly one image, not {len(images)}")
            in_figures.add(id(images[0]))
            found.append((element, images[0], line))
        elif element["t"] == "Image" and id(element) not in in_figures:
            target = element["c"][2][0]
            raise SourceError(path, lines.find(target), "body", _loose_image_problem(element))
    figures: list[Figure] = []
    images: dict[str, bytes] = {}
    for number, (element, image, line) in enumerate(found, start=1):
        figure, data = _figure(path, element, image, line, number, taken)
        taken[figure.id] = "Figure"
        figures.append(figure)
        images.setdefault(figure.path, data)
    return tuple(figures), images


def _loose_image_problem(image: dict[str, Any]) -> str:
    target = image["c"][2][0]
    if not pandoc.stringify(image["c"][1]).strip() and not _fig_alt(image):
        return f'image {quoted(target)} has neither a caption nor alt text: write ![Caption](file){{fig-alt="…"}}'
    return (
        f"image {quoted(target)} must stand alone in its own paragraph, with a caption, to be a figure: "
        f'![Caption](file){{fig-alt="…"}}'
    )


def _figure(
    path: Path,
    element: dict[str, Any],
    image: dict[str, Any],
    line: int,
    number: int,
    taken: dict[str, str],
) -> tuple[Figure, bytes]:
    target = image["c"][2][0]
    caption = _plain(pandoc.stringify(block_inlines(element["c"][1][1])))
    alt = _plain(_fig_alt(image)) or caption
    if not alt:
        raise SourceError(path, line, "body", f"image {quoted(target)} has neither a caption nor alt text (fig-alt)")
    media, data = _checked_file(path, target, line)
    # A written id is the body's (settled with the others); a generated one is free of every id there is.
    figure_id = element["c"][0][0] or free_id(f"{FIGURE_ID_PREFIX}{number}", taken)
    return Figure(figure_id, number, target, media, caption, alt, line), data


def _checked_file(path: Path, target: str, line: int) -> tuple[str, bytes]:
    """The media type and the bytes of the image file ``target`` of the source folder, once checked."""
    if not SAFE_FILE_NAME.match(target) or ".." in PurePosixPath(target).parts:
        message = f"image file name {quoted(target)} may hold only letters, digits, '-', '_', '.' and '/' (no spaces)"
        raise SourceError(path, line, "body", message)
    media = media_type(target)
    if media is None:
        kinds = ", ".join(sorted(MEDIA_TYPES))
        raise SourceError(path, line, "body", f"image {quoted(target)} is not of a supported type ({kinds})")
    data = read_image(path, target, line)
    try:
        check_image(data, media)
    except ImageProblem as problem:
        raise SourceError(path, line, "body", f"image {quoted(target)} is refused: {problem}") from None
    return media, data


def read_image(path: Path, target: str, line: int) -> bytes:
    """The bytes of the image file ``target`` that line ``line`` of the source ``path`` shows, read
    through the one door to a source's files."""
    return read_source_file(path.parent, target, NamedBy(path, line, "body"), "image file", MAX_FILE_BYTES)


def _fig_alt(image: dict[str, Any]) -> str:
    return next((value for key, value in image["c"][0][2] if key == FIG_ALT), "")


def _plain(text: str) -> str:
    return " ".join(text.split())


def block_inlines(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The inlines of a caption's Plain/Para blocks, one space between blocks."""
    inlines: list[dict[str, Any]] = []
    for block in blocks:
        if block["t"] in ("Plain", "Para"):
            inlines += ([{"t": "Space"}] if inlines else []) + block["c"]
    return inlines


class _LineFinder:
    """The file line of each image in turn: the next body line, from the last one found, naming it."""

    def __init__(self, body_lines: list[str], body_line: int) -> None:
        self.body_lines = body_lines
        self.body_line = body_line
        self.start = 0

    def find(self, target: str) -> int:
        for needle in (f"]({target}", target):
            for index in range(self.start, len(self.body_lines)):
                if needle and needle in self.body_lines[index]:
                    self.start = index
                    return self.body_line + index
        return self.body_line + self.start


def place_figures(blocks: Iterable[PandocBlock], figures: Iterator[Figure]) -> list[PandocBlock]:
    """A copy of ``blocks`` in which each figure (the next of ``figures``) has its id, and its image the
    figure's alt text (no ``fig-alt`` attribute left)."""
    return pandoc.replaced(list(blocks), "Figure", lambda block: _placed(block, next(figures)))


def _placed(block: dict[str, Any], figure: Figure) -> dict[str, Any]:
    attributes, caption, content = block["c"]
    return {"t": "Figure", "c": [[figure.id, attributes[1], attributes[2]], caption, _with_alt(content, figure)]}


def _with_alt(content: object, figure: Figure) -> object:
    def image(value: dict[str, Any]) -> dict[str, Any]:
        (image_id, classes, pairs), _alt, target = value["c"]
        kept = [[key, item] for key, item in pairs if key != FIG_ALT]
        return {"t": "Image", "c": [[image_id, classes, kept], [{"t": "Str", "c": figure.alt}], target]}

    return pandoc.replaced(content, "Image", image)
