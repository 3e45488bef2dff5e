"""Footnotes and table headers in the body's XHTML, as pandoc renders it once for every edition.

pandoc writes notes as an end-of-document ``<ol>``. The EPUB and web editions get them as notes
(``<aside role="doc-footnote">``, EPUB type ``footnote``) after the body, each linked to and from its
reference; the PDF gets each note's text in place of its reference, for the print stylesheet to
float to the foot of the page (``float: footnote``).
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

XHTML = "http://www.w3.org/1999/xhtml"
NS = {"x": XHTML}
NOTE_NUMBER = re.compile(r"^#fn(\d+)$")
# Block elements a note may hold; in print they become spans (a note sits inside a paragraph there,
# where HTML allows no block) that the stylesheet displays as blocks again.
# fmt: off
BLOCK_TAGS = frozenset({
    "p", "div", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "pre", "table", "thead", "tbody",
    "tr", "th", "td", "caption", "figure", "figcaption", "section", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
})
# fmt: on


def _tag(name: str) -> str:
    return f"{{{XHTML}}}{name}"


@dataclass(frozen=True)
class Footnote:
    number: int
    id: str  # the note's id (fn1)
    reference_id: str  # the id of its reference in the text (fnref1)
    content: tuple[etree._Element, ...]  # the note's blocks, without pandoc's back link


def footnotes(note_list: etree._Element) -> list[Footnote]:
    """The notes of pandoc's end-of-document list, in order."""
    found: list[Footnote] = []
    for number, item in enumerate(note_list.iterfind("x:ol/x:li", NS), start=1):
        item = copy.deepcopy(item)
        for back in item.xpath(".//x:a[@role='doc-backlink']", namespaces=NS):
            remove_keeping_tail(back)
        found.append(Footnote(number, item.get("id"), f"fnref{number}", tuple(item)))
    return found


def note_section(notes: list[Footnote], heading: str, backlink_label: Callable[[int], str]) -> etree._Element:
    """The notes after the body (EPUB, web): a titled section of ``<aside>`` notes, each opening with
    its number, which links back to the reference (named for screen readers by ``backlink_label``)."""
    section = etree.Element(_tag("section"), {"class": "footnotes", "id": "footnotes"}, nsmap={None: XHTML})
    section.set("aria-labelledby", "footnotes-title")
    title = etree.SubElement(section, _tag("h2"), {"id": "footnotes-title"})
    title.text = heading
    for note in notes:
        aside = etree.SubElement(section, _tag("aside"), {"id": note.id, "class": "footnote", "role": "doc-footnote"})
        content = [copy.deepcopy(block) for block in note.content]
        if not content or etree.QName(content[0]).localname != "p":
            content.insert(0, etree.Element(_tag("p"), nsmap={None: XHTML}))
        aside.extend(content)
        first = content[0]
        back = etree.Element(
            _tag("a"), {"href": f"#{note.reference_id}", "class": "footnote-back"}, nsmap={None: XHTML}
        )
        back.set("role", "doc-backlink")
        back.set("aria-label", backlink_label(note.number))
        back.text = str(note.number)
        back.tail = " " + (first.text or "").lstrip()
        first.text = None
        first.insert(0, back)
    return section


def place_footnotes(root: etree._Element, notes: list[Footnote]) -> None:
    """Put each note's text where its reference is (the PDF), glued to the word before it so that the
    reference mark never starts a line of its own."""
    by_id = {note.id: note for note in notes}
    for reference in root.xpath(".//x:a[@role='doc-noteref']", namespaces=NS):
        match = NOTE_NUMBER.match(reference.get("href", ""))
        note = by_id.get(f"fn{match.group(1)}") if match else None
        if note is None:
            continue
        call = etree.Element(_tag("span"), {"class": "note-call", "id": note.reference_id}, nsmap={None: XHTML})
        footnote = etree.SubElement(call, _tag("span"), {"class": "footnote", "id": note.id})
        for block in note.content:
            footnote.append(_as_inline(copy.deepcopy(block)))
        _glue_to_previous_word(reference, call)
        call.tail = reference.tail
        reference.getparent().replace(reference, call)
        _mark_block(call, note.number)
    for heading in root.xpath(
        ".//*[self::x:h2 or self::x:h3 or self::x:h4 or self::x:h5 or self::x:h6]", namespaces=NS
    ):
        if heading.find(".//x:span[@class='footnote']", NS) is not None:
            heading.set("data-label", _text_without_notes(heading))


HEADINGS = frozenset(_tag(f"h{level}") for level in range(1, 7))
NOTES_ATTRIBUTE = "data-notes"


# The smallest blocks a page may break before: a paragraph, a list item, a table row, a heading.
BREAKABLE_BLOCKS = frozenset(_tag(name) for name in ("p", "li", "dt", "dd", "tr", "h2", "h3", "h4", "h5", "h6"))


def _mark_block(call: etree._Element, number: int) -> None:
    """Name the note on the smallest block that holds its reference (a paragraph, list item, table row
    or heading), or on the heading right before that block, which moves with it: the PDF writer may
    have that block start a new page (pipeline/pdf/placement.py)."""
    block = call
    while block.getparent() is not None and block.tag not in BREAKABLE_BLOCKS:
        block = block.getparent()
    previous = block.getprevious()
    if previous is not None and previous.tag in HEADINGS and block.tag not in HEADINGS:
        block = previous
    block.set(NOTES_ATTRIBUTE, " ".join(filter(None, [block.get(NOTES_ATTRIBUTE), str(number)])))


def _text_without_notes(heading: etree._Element) -> str:
    """A heading's text as a bookmark shows it: without its notes or their marks."""
    plain = copy.deepcopy(heading)
    for note in plain.xpath(".//x:span[@class='footnote']", namespaces=NS):
        remove_keeping_tail(note)
    return " ".join("".join(plain.itertext()).split())


def _glue_to_previous_word(reference: etree._Element, call: etree._Element) -> None:
    """Move the word right before ``reference`` (or the inline element it ends with) into ``call``."""
    previous = reference.getprevious()
    parent = reference.getparent()
    text = (previous.tail if previous is not None else parent.text) or ""
    remaining, word = text[: _last_word_start(text)], text[_last_word_start(text) :]
    if previous is not None:
        previous.tail = remaining or None
    else:
        parent.text = remaining or None
    if word:
        call.text = word
    elif previous is not None:
        call.insert(0, _last_word_of(previous))  # ``*a case name*[^1]``: its last word, or the element


def _last_word_of(element: etree._Element) -> etree._Element:
    """The last word of an inline element of plain text (``<em>Others v. Portugal</em>``) as a copy of
    it, the element keeping the words before; an element with markup inside, or of one word, whole.
    Only that word goes into the unbreakable call: a whole case name there would be one box wider than
    the rest of the line (or the line), leaving a first line with a single word ("On") before it."""
    text = element.text or ""
    start = _last_word_start(text)
    if len(element) or start == 0:
        return element  # inserting it into the call moves it there
    last = etree.Element(element.tag, {key: value for key, value in element.attrib.items() if key != "id"})
    last.text = text[start:]
    element.text = text[:start]
    return last


def _last_word_start(text: str) -> int:
    """Where the last word of ``text`` starts (with what follows it): after the last space, or in text
    written without spaces (Chinese, Japanese), at its last wide letter, since a line may break before
    any of them; gluing a whole CJK sentence to a note mark would make it one unbreakable run."""
    start = re.search(r"\S*\s*$", text).start()
    for index in range(len(text) - 1, start - 1, -1):
        if unicodedata.east_asian_width(text[index]) in "WF" and unicodedata.category(text[index]).startswith("L"):
            return index
    return start


def _as_inline(element: etree._Element) -> etree._Element:
    """A note block as spans (class ``note-<tag>``) that the print stylesheet shows as blocks."""
    for node in element.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname in BLOCK_TAGS:
            node.set("class", " ".join(filter(None, [f"note-{etree.QName(node).localname}", node.get("class")])))
            node.tag = _tag("span")
    return element


def scope_table_headers(root: etree._Element) -> None:
    """``scope`` on every header cell: a column's in the table head, a row's in the body."""
    for cell in root.iter(_tag("th")):
        if cell.get("scope") is None:
            in_head = cell.getparent() is not None and cell.getparent().getparent().tag == _tag("thead")
            cell.set("scope", "col" if in_head else "row")


def remove_keeping_tail(element: etree._Element) -> None:
    """Remove an element; the text after it stays where it was."""
    parent, previous = element.getparent(), element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + (element.tail or "")
    else:
        parent.text = (parent.text or "") + (element.tail or "")
    parent.remove(element)
