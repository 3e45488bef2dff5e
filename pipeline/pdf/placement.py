"""Every footnote on its reference's page, in one layout of the document.

WeasyPrint sometimes sets a note a page after its reference: to keep a paragraph's widows and orphans
it moves the notes already placed on a page to the next one, and when it backtracks over a page break
(a heading kept with its text) the note it had moved on stays moved. Laying the whole document out
again with page breaks forced before such references multiplies the layout's cost by the number of
tries. Instead, WeasyPrint's page loop (``make_all_pages``) is driven here page by page: after each
page, a note called on it but not printed at its foot is dealt with in two steps, each laying out again
only the pages from the one it changes. First, when the block holding the call (the paragraph, list
item, table row, or the heading right before it: ``data-notes``, pipeline/render/notes.py) ends on that
page, the page is ended before its last block (with the heading kept with it): WeasyPrint took the note
off to make room for that block's lines (it gives a paragraph its orphans before a note its page), and
the page keeps the rest of its text. Only if the note is still late does its block start a new page,
leaving the room it took blank. The pages before cannot change, so the cost is one layout plus a few
pages per note kept.

A note that stays late (its block already starts a page, or the note is taller than the room there)
is left where WeasyPrint put it; the PDF writer reports it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from math import inf
from typing import Any

from pipeline.pdf.weasy import weasyprint
from pipeline.render.notes import NOTES_ATTRIBUTE

build = weasyprint.formatting_structure.build
NOTE_ID = re.compile(r"fn(\d+)")
# How many pages back a moved block may start (a paragraph runs over two or three pages at most): the
# layout context is kept as it was before each of these pages, not before every page of the article.
PAGES_BACK = 6
KEPT_WITH_NEXT = frozenset({"avoid", "avoid-page"})  # break-after values that keep a block with the next
layout = weasyprint.layout
boxes = weasyprint.formatting_structure.boxes
pages_module = weasyprint.layout.page


@dataclass
class _Snapshot:
    """What laying out a page changes in WeasyPrint's layout context, as it was before the page."""

    footnotes: list[Any]
    reported_footnotes: list[Any]
    broken_out_of_flow: dict[Any, Any]
    rendered_notes: int

    @classmethod
    def of(cls, context: Any) -> _Snapshot:  # noqa: ANN401 (WeasyPrint's LayoutContext)
        return cls(
            list(context.footnotes),
            list(context.reported_footnotes),
            dict(context.broken_out_of_flow),
            len(context.rendered_notes),
        )

    def restore(self, context: Any) -> None:  # noqa: ANN401
        context.footnotes = list(self.footnotes)
        context.reported_footnotes = list(self.reported_footnotes)
        context.broken_out_of_flow = dict(self.broken_out_of_flow)
        del context.rendered_notes[self.rendered_notes :]


@dataclass
class Placement:
    """What the last layout did to keep notes with their references (for the writer and the bench)."""

    ended: list[int] = field(default_factory=list)  # notes whose page was ended after their block
    moved: list[int] = field(default_factory=list)  # notes whose block was made to start a page
    pages_laid_out: int = 0  # pages laid out, counting those laid out again
    pages: int = 0


def _note_number(footnote: Any) -> int | None:  # noqa: ANN401 (a WeasyPrint box)
    match = NOTE_ID.fullmatch((footnote.element.get("id") or "") if footnote.element is not None else "")
    return int(match.group(1)) if match else None


def _blocks_by_element(root_box: Any) -> dict[int, Any]:  # noqa: ANN401
    """The first block box of each element (by its id), where a page break can be asked for."""
    found: dict[int, Any] = {}
    for box in root_box.descendants():
        if box.element is not None and isinstance(box, boxes.BlockLevelBox | boxes.TableRowBox):
            found.setdefault(id(box.element), box)
    return found


def _blocks_by_note(by_element: dict[int, Any]) -> dict[int, Any]:
    """The box of the block each note's reference asks to move with it (its ``data-notes``)."""
    found: dict[int, Any] = {}
    for box in by_element.values():
        for number in (box.element.get(NOTES_ATTRIBUTE) or "").split():
            found.setdefault(int(number), box)
    return found


def _late_notes(page: Any, printed: list[Any]) -> list[int]:  # noqa: ANN401
    """The notes called on ``page`` whose text is not among those ``printed`` at its foot."""
    late: list[int] = []
    for box in page.descendants():
        footnote = getattr(box, "footnote", None)
        if footnote is not None and footnote not in printed:
            number = _note_number(footnote)
            if number is not None and number not in late:
                late.append(number)
    return late


def _last_block_after(page: Any, element: Any) -> Any | None:  # noqa: ANN401 (WeasyPrint boxes)
    """The element of the last block on ``page`` after the whole of ``element``'s block, or of the first
    of the blocks kept with it (a heading before its text); None when nothing follows that block there
    (it runs on to the next page, or ends the flow). WeasyPrint takes a page's notes off to make room
    for the last block's lines, so the page is ended before that block."""
    after: list[Any] = []  # boxes of the blocks after ``element``'s, in the page's order
    seen = False

    def walk(box: Any, parent_element: Any) -> None:  # noqa: ANN401
        nonlocal seen
        block = isinstance(box, boxes.BlockLevelBox | boxes.TableRowBox) and box.element is not parent_element
        if block and seen and box.element is not None:
            after.append(box)
        elif block and box.element is element:
            seen = True  # the block's own boxes are not looked into
            return
        for child in getattr(box, "children", ()):
            walk(child, box.element)

    walk(page.children[0], None)  # the root box; the footnote and note areas follow it
    index = len(after) - 1
    while index > 0 and after[index - 1].style["break_after"] in KEPT_WITH_NEXT:
        index -= 1
    return after[index].element if after else None


def _holds(page: Any, element: Any) -> bool:  # noqa: ANN401
    return any(box.element is element for box in page.descendants())


def _start_page(pages: list[Any], index: int, element: Any) -> int:  # noqa: ANN401
    """The first page of the run of pages up to ``index`` that hold a part of ``element``, looking no
    further back than PAGES_BACK + 1 pages."""
    lowest = max(index - PAGES_BACK - 1, 0)
    while index > lowest and _holds(pages[index - 1], element):
        index -= 1
    return index


def _break_before(box: Any) -> bool:  # noqa: ANN401
    """Make ``box`` start a new page; False when it already does."""
    if box.style["break_before"] in ("page", "left", "right", "recto", "verso"):
        return False
    box.style = box.style.copy()  # its own: a style object may be shared
    box.style["break_before"] = "page"
    return True


def _pages_keeping_notes(placement: Placement) -> Any:  # noqa: ANN401
    original = pages_module.make_all_pages

    def make_all_pages(context: Any, root_box: Any, html: Any, pages: list[Any]) -> Iterator[Any]:  # noqa: ANN401
        if pages:  # WeasyPrint's repagination (page counters): its own loop remakes only changed pages
            yield from original(context, root_box, html, pages)
            return
        by_element = _blocks_by_element(root_box)
        blocks = _blocks_by_note(by_element)
        made: list[Any] = []
        snapshots: dict[int, _Snapshot] = {}
        context.rendered_notes = []
        index = 0
        while True:
            remake_state = context.page_maker[index][-1]
            remake_state.update(content_changed=False, pages_wanted=False, anchors=[], content_lookups=[])
            del made[index:]
            snapshots = {number: kept for number, kept in snapshots.items() if index - PAGES_BACK <= number < index}
            snapshots[index] = _Snapshot.of(context)
            page, resume_at = pages_module.remake_page(index, context, root_box, html)
            placement.pages_laid_out += 1
            made.append(page)
            restart = None
            for number in _late_notes(page, context.current_page_footnotes):
                block = blocks.get(number)
                if block is None or number in placement.moved:
                    continue
                following = None if number in placement.ended else _last_block_after(page, block.element)
                if following is not None and id(following) in by_element and _break_before(by_element[id(following)]):
                    placement.ended.append(number)
                    restart = index if restart is None else min(restart, index)
                    continue
                start = _start_page(made, index, block.element)
                if start in snapshots and _break_before(block):
                    placement.moved.append(number)
                    restart = start if restart is None else min(restart, start)
            if restart is not None:
                snapshots[restart].restore(context)
                index = restart
                continue
            index += 1
            if resume_at is None and not context.reported_footnotes:
                context.page_maker = context.page_maker[: index + 1]
                context.broken_out_of_flow.clear()
                context.reported_footnotes.clear()
                placement.pages = len(made)
                yield from made
                return

    return make_all_pages


def _without_margins(box: Any) -> bool:  # noqa: ANN401
    """No block of ``box`` (itself included) has a vertical margin that could collapse with a neighbour's."""
    return not any(
        isinstance(part, boxes.BlockLevelBox) and (part.margin_top or part.margin_bottom) for part in box.descendants()
    )


def _footnote_area_by_sums(original: Any) -> Any:  # noqa: ANN401 (WeasyPrint's method)
    """WeasyPrint's ``LayoutContext._update_footnote_area``, with each note laid out once.

    WeasyPrint lays out the whole footnote area again each time a note is added to a page, taken back or
    moved on: a page of k notes costs k(k+1)/2 note layouts, some 15% of a long article's layout. Notes
    without vertical margins stack in the area edge to edge, so its height is the sum of its notes'
    heights, each note measured once, alone in an area of the page's width. A page holding a note with a
    margin anywhere (a note of several paragraphs, a list), an area with a maximum height (which can
    overflow) or in columns goes the original way."""
    heights: dict[tuple[int, float], float | None] = {}

    def note_height(context: Any, area: Any, note: Any) -> float | None:  # noqa: ANN401
        key = (id(note), area.page.width)
        if key not in heights:
            alone = area.deepcopy()
            alone.children = [note.deepcopy()]  # anonymous boxes are made in place: never in the note itself
            laid = layout.block_level_layout(context, build.create_anonymous_boxes(alone), -inf, None, area.page)[0]
            fits = laid is not None and len(laid.children) == 1 and _without_margins(laid.children[0])
            heights[key] = laid.height if fits and laid.height == laid.children[0].margin_height() else None
        return heights[key]

    def update(context: Any) -> bool:  # noqa: ANN401
        area, notes = context.current_footnote_area, context.current_page_footnotes
        if context.in_column or not notes or area.style["max_height"].value != inf:
            return original(context)
        measured = [note_height(context, area, note) for note in notes]
        if None in measured:
            return original(context)
        if area.height != "auto":
            context.page_bottom += area.margin_height()
        area.children = notes
        area.height = sum(measured)
        context.page_bottom -= area.margin_height()
        return False  # an area without a maximum height grows with its notes: nothing overflows it

    return update


@contextmanager
def notes_kept_with_references() -> Iterator[Placement]:
    """While open, WeasyPrint lays documents out keeping each note on its reference's page (see above),
    measuring each note once for the footnote area (_footnote_area_by_sums)."""
    placement = Placement()
    original_pages, original_area = layout.make_all_pages, layout.LayoutContext._update_footnote_area
    layout.make_all_pages = _pages_keeping_notes(placement)
    layout.LayoutContext._update_footnote_area = _footnote_area_by_sums(original_area)
    try:
        yield placement
    finally:
        layout.make_all_pages = original_pages
        layout.LayoutContext._update_footnote_area = original_area
