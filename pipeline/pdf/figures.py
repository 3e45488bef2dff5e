"""A figure that does not fit where it stands goes to the top of the next page, and the text after it
fills the page it left, as print typesetting places figures.

WeasyPrint keeps a figure in the flow (it has no page floats): a figure taller than the room left on a
page moves to the next one and leaves that room blank, half a page at times. Once the document is laid
out, each figure that opens a page after such a gap is moved, in the print HTML, after the blocks that
follow it and fit whole into the gap (paragraphs, lists, quotations, tables; never past a heading or
another figure), and the document is laid out again. A figure only ever moves later: never before its
first reference, and its number (written in its caption) stays its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.pdf.weasy import weasyprint

boxes = weasyprint.formatting_structure.boxes
XHTML = "{http://www.w3.org/1999/xhtml}"
# A gap smaller than this (CSS px: about two lines of body text) is not worth moving a figure for.
SMALLEST_GAP = 40.0
# Blocks a figure is never moved past: the text after a heading belongs under it, and figures keep
# their order.
BARRIERS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "figure", "section"})
TAG = re.compile(r"<(/?)([A-Za-z][\w:.-]*)(?:\s[^>]*?)?(/?)>")


@dataclass(frozen=True)
class Move:
    figure: int  # the figure's place among the document's figures, from 0
    past: int  # how many of the blocks after it it moves past


def filled(document: str, laid_out: weasyprint.Document) -> str | None:
    """``document`` with each figure that left a gap moved after the blocks that fill it; None when
    no figure did."""
    moves = _moves(laid_out)
    if not moves:
        return None
    for move in sorted(moves, key=lambda move: -move.figure):
        document = _moved(document, move)
    return document


def _local(element: object) -> str:
    tag = getattr(element, "tag", "")
    return tag.removeprefix(XHTML) if isinstance(tag, str) else ""


def _moves(laid_out: weasyprint.Document) -> list[Move]:
    pages = laid_out.pages
    if not pages:
        return []
    root = pages[0]._page_box.children[0].element
    figures = [element for element in root.iter() if _local(element) == "figure"]
    parents = {child: parent for parent in root.iter() for child in parent}
    moves = []
    for number in range(1, len(pages)):
        figure = _opening_figure(pages[number]._page_box)
        if figure is None or figure.element not in figures:
            continue
        gap = _gap(pages[number - 1]._page_box)
        if gap < SMALLEST_GAP:
            continue
        following = list(parents[figure.element])
        following = following[following.index(figure.element) + 1 :]
        past = _fitting_blocks(following, pages[number]._page_box, pages[number + 1 :], gap)
        if past:
            moves.append(Move(figures.index(figure.element), past))
    return moves


def _flow(box: boxes.Box) -> list[boxes.Box]:
    """The page's boxes in the order of the flow, without its margins and footnote area."""
    found = []
    for child in getattr(box, "children", ()):
        if isinstance(child, (boxes.MarginBox, boxes.FootnoteAreaBox)):
            continue
        found.append(child)
        found += _flow(child)
    return found


def _opening_figure(page_box: boxes.PageBox) -> boxes.Box | None:
    """The figure the page's flow starts with, if it starts with one."""
    for box in _flow(page_box):
        if _local(box.element) == "figure" and isinstance(box, boxes.BlockBox):
            return box
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)):
            return None
    return None


def _gap(page_box: boxes.PageBox) -> float:
    """The height left empty at the foot of the page's text block (above its footnotes)."""
    bottom = page_box.content_box_y() + page_box.height
    notes = next((box for box in page_box.children if isinstance(box, boxes.FootnoteAreaBox)), None)
    if notes is not None and notes.children:
        bottom = notes.position_y
    drawn = [
        box.position_y + box.margin_height()
        for box in _flow(page_box)
        if isinstance(box, (boxes.LineBox, boxes.ReplacedBox))
    ]
    return bottom - max(drawn, default=bottom)


def _fitting_blocks(following: list, page_box: boxes.PageBox, later_pages: list, gap: float) -> int:
    """How many of the blocks ``following`` a figure fit whole into ``gap``."""
    parent_boxes = {box.element: box for box in _flow(page_box) if isinstance(box, boxes.BlockBox)}
    later = {box.element for page in later_pages for box in _flow(page._page_box)}
    room, count = gap, 0
    for sibling in following:
        box = parent_boxes.get(sibling)
        if _local(sibling) in BARRIERS or box is None or sibling in later:
            break
        room -= box.margin_height()
        if room < 0:
            break
        count += 1
    return count


def _moved(document: str, move: Move) -> str:
    """The figure ``move.figure`` of the markup taken out and put back after ``move.past`` blocks."""
    starts = [match.start() for match in re.finditer(r"<figure[\s>]", document)]
    start = starts[move.figure]
    end = document.index("</figure>", start) + len("</figure>")
    figure, rest = document[start:end], document[:start] + document[end:]
    depth, closed, position = 0, 0, start
    for tag in TAG.finditer(rest, start):
        closing, _name, empty = tag.group(1), tag.group(2), tag.group(3)
        if empty:
            if depth == 0:
                closed += 1
        elif closing:
            depth -= 1
            if depth == 0:
                closed += 1
        else:
            depth += 1
        if depth < 0:
            break
        if closed == move.past:
            position = tag.end()
            break
    return rest[:position] + "\n" + figure + rest[position:]
