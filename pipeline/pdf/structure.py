"""One logical structure tree for the whole PDF, in place of WeasyPrint's tree of pages.

WeasyPrint (pinned in pyproject.toml) marks each text run and image it draws as a marked-content
sequence with an MCID, then builds the structure tree page by page (``weasyprint.pdf.tags.add_tags``):
one ``Art`` per page, a paragraph cut by a page break becomes two ``P``, the running heads and page
numbers are marked content that no element lists, and every line is a ``Span`` of its own. Its issue
#2903 is open. Rebuilding that tree from the finished PDF would mean guessing which elements of two
pages are one: nothing in the file says so. The only step that knows is the one that still holds the
laid-out boxes, each of which names the HTML element it comes from.

Contract. ``logical_tags()`` puts ``add_tags`` below in the place of WeasyPrint's function of the same
name for the duration of a ``write_pdf`` call (the one narrow hook: same arguments, called once per PDF
after every page is drawn and before the content streams are serialised). Input: the laid-out
document (pages of boxes) and each page's content stream with the MCIDs WeasyPrint gave its text runs
and images. Output, in the same PDF:

- one ``Document`` whose tree follows the HTML elements, not the pages: an element split over pages
  (a section, a paragraph, a list, a table) is one structure element whose marked-content references
  carry the ``/Pg`` of their page; ``div``, ``article`` and inline markup without a role (``em``,
  ``span``…) add no element, their content belongs to the enclosing one;
- the text of the page margins (running heads, page numbers) and a table's head row repeated on a
  later page become ``/Artifact`` sequences with ``/Type /Pagination`` (``/Subtype /Header`` at the
  top, ``/Footer`` at the foot), removed from the tree; the MCIDs left are renumbered from 0 per page;
- links are ``Link`` with their text and an ``OBJR`` per annotation, each annotation with
  ``/StructParent`` and a ``/Contents`` saying where it leads (its text; "URL of …" for a bare URL);
- a footnote (``float: footnote``) is a ``Note`` with the element's ``/ID`` and its marker as ``Lbl``,
  placed right after its call, a ``Reference``; ``img`` is ``Figure`` with ``/Alt`` and a ``/BBox`` in
  page coordinates; ``th`` a ``TH`` with ``/Scope``; ``li`` an ``LI`` of ``Lbl`` (its marker) and
  ``LBody``;
- ``/ParentTree`` and ``/ParentTreeNextKey`` that list every MCID and annotation once;
- a line that hyphenation broke inside a word keeps its drawn hyphen, and its marked content an
  ``/ActualText`` with the whole word and without the hyphen (the next line's without the word's rest),
  so that search, copy and speech get the word as written.

The print markup of footnotes (``pipeline/render/notes.py``) sets a note's paragraphs and lists as spans, for
a footnote is inline; ``NOTE_CLASS_ROLES`` gives them their roles.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import pydyf

from pipeline.pdf.weasy import weasyprint

boxes = weasyprint.formatting_structure.boxes
Box = boxes.Box
Page = weasyprint.document.Page
Document = weasyprint.document.Document
Stream = weasyprint.pdf.stream.Stream
AbsolutePlaceholder = weasyprint.layout.absolute.AbsolutePlaceholder
LOGGER = weasyprint.logger.LOGGER

# px (CSS) to pt (PDF user space).
PX_TO_PT = 0.75
ELEMENT_ROLES = {
    "p": "P",
    "h1": "H1",
    "h2": "H2",
    "h3": "H3",
    "h4": "H4",
    "h5": "H5",
    "h6": "H6",
    "section": "Sect",
    "header": "Sect",
    "footer": "Sect",
    "aside": "Sect",
    "nav": "Sect",
    "blockquote": "BlockQuote",
    "ul": "L",
    "ol": "L",
    "dl": "L",
    "table": "Table",
    "caption": "Caption",
    "thead": "THead",
    "tbody": "TBody",
    "tfoot": "TFoot",
    "tr": "TR",
    "th": "TH",
    "td": "TD",
    "figure": "Div",
    "figcaption": "Caption",
    "img": "Figure",
    "{http://www.w3.org/2000/svg}svg": "Figure",
    "pre": "Code",
    "code": "Code",
}
# The footnote's inner markup of the print body (pipeline/render/notes.py): spans, since a footnote is inline.
NOTE_CLASS_ROLES = {
    "note-p": "P",
    "note-ul": "L",
    "note-ol": "L",
    "note-li": "LI",
    "note-blockquote": "BlockQuote",
    "note-dl": "L",
}
# A formula drawn as an image (pipeline/pdf/formulas.py) is a Formula, its TeX the /Alt.
CLASS_ROLES = {**NOTE_CLASS_ROLES, "formula": "Formula"}
ARTIFACT_SUBTYPES = {"top": "Header", "bottom": "Footer"}
BARE_URL = re.compile(r"^(https?://|www\.)\S+$")
# A line that ends inside a compound, after its hyphen; poppler would drop the hyphen and join the halves.
HYPHEN_AT_LINE_END = re.compile(r"\w[-\u2010]$")


@contextmanager
def logical_tags() -> Iterator[None]:
    """WeasyPrint's ``write_pdf`` builds the structure tree with ``add_tags`` below while inside."""
    module = weasyprint.pdf
    original = module.add_tags
    module.add_tags = add_tags
    try:
        yield
    finally:
        module.add_tags = original


@dataclass(eq=False)
class MarkedContent:
    page: int
    mcid: int


@dataclass(eq=False)
class AnnotationReference:
    page: int
    annotation: Any


@dataclass(eq=False)
class Node:
    role: str
    attributes: dict[str, Any] = field(default_factory=dict)
    kids: list[Node | MarkedContent | AnnotationReference] = field(default_factory=list)
    page: int | None = None
    reference: Any = None

    def has_content(self) -> bool:
        return any(not isinstance(kid, Node) or kid.has_content() for kid in self.kids)


@dataclass
class _Level:
    """One structure element on the way from the document to a piece of content."""

    key: tuple[int, str]
    role: str
    box: Box


def add_tags(pdf: pydyf.PDF, document: Document, pdf_version: str | bytes | None, page_streams: list[Stream]) -> None:
    """Build the logical tree (see the module's contract); same signature as WeasyPrint's function."""
    root = Node("Document")
    nodes: dict[tuple[int, str], Node] = {}
    artifacts: dict[tuple[int, int], pydyf.Dictionary] = {}
    actual_texts: dict[tuple[int, int], str] = {}
    first_page_of_repeated: dict[int, int] = {}
    annotations_seen: set[int] = set()
    words = _WholeWords(actual_texts)
    terms = _terms(document.pages[0]._page_box) if document.pages else {}
    for number, (page, stream) in enumerate(zip(document.pages, page_streams, strict=True)):
        tags = stream._tags
        folded: dict[int, _Fold] = {}  # by box of this page: the levels down to it, shared by the runs below it
        for box, path in _content(page._page_box, tags, ()):
            mcid = tags.pop(box)["mcid"]
            margin = next((level for level in path if isinstance(level, boxes.MarginBox)), None)
            if margin is not None:
                artifacts[number, mcid] = _pagination(margin.at_keyword.lstrip("@").split("-")[0])
                continue
            levels = _levels((*path, box), terms, folded)
            repeated = next((level for level in levels if level.role in ("THead", "TFoot")), None)
            if repeated is not None:
                first = first_page_of_repeated.setdefault(repeated.key[0], number)
                if first != number:
                    artifacts[number, mcid] = pydyf.Dictionary({"Type": "/Pagination"})
                    continue
            parent = _node_for(levels, root, nodes, number, pdf, page, annotations_seen)
            parent.kids.append(MarkedContent(number, mcid))
            words.read(box, (number, mcid), next((b for b in reversed(path) if isinstance(b, boxes.LineBox)), None))
        for box in list(tags):  # content WeasyPrint drew outside any element: never lost
            root.kids.append(MarkedContent(number, tags.pop(box)["mcid"]))
    _write_tree(pdf, document, pdf_version, page_streams, root, artifacts, actual_texts)


class _WholeWords:
    """The actual texts that give each word hyphenation broke over two lines whole (ISO 32000-1, 14.9.4).

    The line that ends in the drawn hyphen reads as the whole word, without the hyphen; the line that
    goes on with the rest of the word reads without that rest. So every reader that honours
    ``/ActualText`` (search, copy, speech, poppler) gets "Kazakhstani", never "Kazakh" and "stani", while
    the page still shows the hyphen. The rest is the next text run of the same element, which may be on
    the next page, after the notes at the foot of this one (whose own broken words are kept apart: one
    word waiting per element)."""

    def __init__(self, actual_texts: dict[tuple[int, int], str]) -> None:
        self.actual_texts = actual_texts
        self.broken: dict[Element, tuple[int, int]] = {}

    def read(self, box: Box, key: tuple[int, int], line: Box | None) -> None:
        written = _unhyphenated(box)
        broken = self.broken.pop(box.element, None) if isinstance(box, boxes.TextBox) else None
        if broken is not None:
            text = box.text if written is None else written
            rest = re.match(r"\S*", text).group()
            self.actual_texts[broken] += rest
            self.actual_texts[key] = text[len(rest) :].lstrip()
        ends_line = line is not None and _last_text(line) is box
        if written is None and ends_line and HYPHEN_AT_LINE_END.search(box.text):
            written = box.text  # broken after a hyphen of its own ("Нью-" / "Йоркской"): kept, the word joined
        if written is not None:
            self.actual_texts.setdefault(key, written)
            self.broken[box.element] = key


def _last_text(box: Box) -> Box | None:
    """The last text run drawn in ``box`` (a line)."""
    if isinstance(box, boxes.TextBox):
        return box
    for child in reversed(getattr(box, "children", ())):
        found = _last_text(child)
        if found is not None:
            return found
    return None


def _unhyphenated(box: Box) -> str | None:
    """The text of a line hyphenation broke inside a word, without the hyphen it added; None for any
    other box. A line may also end with a hyphen its element has (a break after "self‐"): then the
    line's text, hyphen included, is found in the element's."""
    if not isinstance(box, boxes.TextBox):
        return None
    hyphen = box.style["hyphenate_character"]
    if not hyphen or not box.text.endswith(hyphen) or box.element is None:
        return None
    line = " ".join(box.text.split())
    if line in " ".join("".join(box.element.itertext()).split()):
        return None
    return box.text[: -len(hyphen)]


def _terms(page_box: Box) -> dict[int, int]:
    """For each ``dd`` of the HTML, the ``dt`` it follows: the two are one list item."""
    roots = [box.element for box in page_box.children if box.element is not None]
    terms: dict[int, int] = {}
    for definitions in (dl for root in roots[:1] for dl in root.iter("dl")):
        term = None
        for child in definitions:
            if child.tag == "dt":
                term = child
            elif child.tag == "dd" and term is not None:
                terms[id(child)] = id(term)
    return terms


def _content(box: Box, tags: dict[Box, Any], path: tuple[Box, ...]) -> Iterator[tuple[Box, tuple[Box, ...]]]:
    """Each marked text run or image of a page with the boxes above it, in the order of the box tree
    (the page's flow, then its footnote area, then its margins)."""
    if isinstance(box, AbsolutePlaceholder):
        box = box._box
    if box in tags:
        yield box, path
    if isinstance(box, boxes.ParentBox):
        inner = (*path, box)
        for child in box.children:
            yield from _content(child, tags, inner)


@dataclass(frozen=True)
class _Fold:
    """The structure elements of a path of boxes, outermost first, and whether its last box is a page's
    footnote area (whose children are notes)."""

    levels: tuple[_Level, ...] = ()
    in_footnote_area: bool = False


def _levels(path: tuple[Box, ...], terms: dict[int, int], folded: dict[int, _Fold]) -> list[_Level]:
    """The structure elements a piece of content belongs to, outermost first. ``folded`` keeps, by box
    (of one page: a box is in one place of its page's tree), those of the path down to it: every run of
    text of a line has the same ancestors, and they are read once."""
    start = len(path) - 1
    while start > 0 and id(path[start - 1]) not in folded:
        start -= 1
    fold = folded[id(path[start - 1])] if start > 0 else _Fold()
    for index in range(start, len(path)):
        fold = _fold(fold, path[index], terms)
        if index < len(path) - 1:  # the content itself is no one's ancestor
            folded[id(path[index])] = fold
    return list(fold.levels)


def _fold(fold: _Fold, box: Box, terms: dict[int, int]) -> _Fold:
    """``fold`` gone one box further down."""
    levels = list(fold.levels)
    element = box.element
    footnote, in_footnote_area = fold.in_footnote_area, isinstance(box, boxes.FootnoteAreaBox)
    if element is None or isinstance(box, (boxes.PageBox, boxes.LineBox)):
        return _Fold(fold.levels, in_footnote_area)
    if footnote:  # a footnote's box in the area at the foot of the page
        return _Fold((*levels, _Level((id(element), ""), "Note", box)), in_footnote_area)
    tag = box.element_tag or ""
    name, _, pseudo = tag.partition("::")
    key = id(element)
    if pseudo == "footnote-call":
        if all(known.key != (key, "call") for known in levels):
            levels.append(_Level((key, "call"), "Reference", box))
    elif pseudo in ("marker", "footnote-marker"):
        if levels and levels[-1].key == (key, "body"):
            levels.pop()
        if all(known.key != (key, "marker") for known in levels):
            levels.append(_Level((key, "marker"), "Lbl", box))
    elif not pseudo:
        for level in _element_levels(box, element, name, terms):
            if all(known.key != level.key for known in levels):
                levels.append(level)
    return _Fold(tuple(levels), in_footnote_area)


def _element_levels(box: Box, element: Element, name: str, terms: dict[int, int]) -> list[_Level]:
    key = id(element)
    classes = (element.get("class") or "").split()
    role = next((CLASS_ROLES[name] for name in classes if name in CLASS_ROLES), None)
    role = role or ELEMENT_ROLES.get(name)
    if name == "a" and element.get("href"):
        role = "Link"
    if role is None and element.get("lang") and name not in ("html", "body"):
        role = "Span"
    if name == "li" or role == "LI":
        return [_Level((key, "item"), "LI", box), _Level((key, "body"), "LBody", box)]
    if name == "dt":
        return [_Level((key, "item"), "LI", box), _Level((key, "marker"), "Lbl", box)]
    if name == "dd":  # one item with the term it follows
        item = (terms.get(key, key), "item")
        return [_Level(item, "LI", box), _Level((key, "body"), "LBody", box)]
    return [] if role is None else [_Level((key, ""), role, box)]


def _node_for(
    levels: list[_Level],
    root: Node,
    nodes: dict[tuple[int, str], Node],
    page_number: int,
    pdf: pydyf.PDF,
    page: Page,
    annotations_seen: set[int],
) -> Node:
    """The innermost element of ``levels``, creating those not met before under their parents."""
    parent = root
    for level in levels:
        node = nodes.get(level.key)
        if node is None:
            in_head = any(outer.role == "THead" for outer in levels)
            node = nodes[level.key] = Node(level.role, _attributes(level, page, in_head), page=page_number)
            parent.kids.append(node)
            if level.role == "Reference":
                # The note follows its call: created now, filled when its footnote area is reached.
                note_key = (level.key[0], "")
                nodes[note_key] = note = Node("Note", {"ID": level.box.element.get("id")}, page=page_number)
                parent.kids.append(note)
        annotation = level.box.link_annotation
        if level.role == "Link" and annotation is not None and id(annotation) not in annotations_seen:
            annotations_seen.add(id(annotation))
            annotation["Contents"] = pydyf.String(_link_description(level.box.element))
            node.kids.append(AnnotationReference(page_number, annotation))
        parent = node
    return parent


def _attributes(level: _Level, page: Page, in_head: bool) -> dict[str, Any]:
    box, element = level.box, level.box.element
    if level.role == "Note":
        return {"ID": element.get("id")}
    if level.role in ("Figure", "Formula"):
        x, y = box.content_box_x(), box.content_box_y()
        bottom = (page.height - y - box.height) * PX_TO_PT
        top = (page.height - y) * PX_TO_PT
        alt = element.get("alt")
        if element.tag == "{http://www.w3.org/2000/svg}svg":
            title = element.find("{http://www.w3.org/2000/svg}title")
            alt = title.text if title is not None else None
        return {"Alt": alt, "BBox": (x * PX_TO_PT, bottom, (x + box.width) * PX_TO_PT, top)}
    if level.role in ("TH", "TD"):
        table: dict[str, Any] = {"O": "/Table"}
        if level.role == "TH":
            scope = element.get("scope") or ("column" if in_head else "row")
            table["Scope"] = "/Row" if scope in ("row", "rowgroup") else "/Column"
        if box.colspan != 1:
            table["ColSpan"] = box.colspan
        if box.rowspan != 1:
            table["RowSpan"] = box.rowspan
        return {"A": table}
    if element.get("lang") and level.key[1] == "":
        return {"Lang": element.get("lang")}
    return {}


def _link_description(element: Element) -> str:
    """What a link's annotation says it leads to: its label, else its text; a bare URL is named as one."""
    label = element.get("aria-label") or element.get("title")
    text = " ".join("".join(element.itertext()).split())
    description = label or text
    if BARE_URL.match(description):
        parts = urlsplit(description if "//" in description else f"//{description}")
        host = parts.hostname or description
        return f"URL of a page on {host.removeprefix('www.')}"
    return description


def _pagination(edge: str) -> pydyf.Dictionary:
    artifact = pydyf.Dictionary({"Type": "/Pagination"})
    if edge in ARTIFACT_SUBTYPES:
        artifact["Subtype"] = f"/{ARTIFACT_SUBTYPES[edge]}"
    return artifact


def _write_tree(
    pdf: pydyf.PDF,
    document: Document,
    pdf_version: str | bytes | None,
    page_streams: list[Stream],
    root: Node,
    artifacts: dict[tuple[int, int], pydyf.Dictionary],
    actual_texts: dict[tuple[int, int], str],
) -> None:
    """Artifacts marked, actual texts given and MCIDs renumbered in the page streams, then the tree and
    its parent tree."""
    renumbered: dict[tuple[int, int], int] = {}
    # A page's transparency groups are form XObjects by now, found among the PDF's objects.
    drawn_on: dict[int, list[Stream]] = {}
    for candidate in pdf.objects:
        if isinstance(candidate, Stream) and candidate._tags is not None:
            drawn_on.setdefault(id(candidate._tags), []).append(candidate)
    for number, stream in enumerate(page_streams):
        properties = _marked_properties(drawn_on.get(id(stream._tags), [stream]))
        kept = 0
        for mcid in sorted(properties):
            operations, index = properties[mcid]
            if (number, mcid) in artifacts:
                operations[index - 1] = "/Artifact"
                operations[index] = artifacts[number, mcid]
            else:
                operations[index]["MCID"] = renumbered[number, mcid] = kept
                kept += 1
                if (number, mcid) in actual_texts:
                    operations[index]["ActualText"] = pydyf.String(actual_texts[number, mcid])

    parent_tree = pydyf.Dictionary({"Nums": pydyf.Array()})
    pdf.add_object(parent_tree)
    tree_root = pydyf.Dictionary({"Type": "/StructTreeRoot", "ParentTree": parent_tree.reference})
    pdf.add_object(tree_root)
    if str(pdf_version) >= "2.0":
        namespace = pydyf.Dictionary({"Type": "/Namespace", "NS": pydyf.String("http://iso.org/pdf2/ssn")})
        pdf.add_object(namespace)
        tree_root["Namespaces"] = pydyf.Array([namespace.reference])
    page_parents: list[dict[int, Any]] = [{} for _ in page_streams]
    annotations: list[tuple[Any, Any]] = []
    document_element = _write_node(pdf, root, tree_root.reference, 0, renumbered, page_parents, annotations)
    tree_root["K"] = pydyf.Array([document_element.reference])
    for number, parents in enumerate(page_parents):
        parent_tree["Nums"].extend([number, pydyf.Array([parents[mcid] for mcid in sorted(parents)])])
    for key, (element, annotation) in enumerate(annotations, start=len(page_streams)):
        parent_tree["Nums"].extend([key, element])
        annotation["StructParent"] = key
    tree_root["ParentTreeNextKey"] = len(page_streams) + len(annotations)
    pdf.catalog["StructTreeRoot"] = tree_root.reference
    pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
    pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
    if "Lang" not in pdf.catalog:
        LOGGER.error('Missing required "lang" attribute at the root of the document')
        pdf.catalog["Lang"] = pydyf.String()


def _marked_properties(streams: list[Stream]) -> dict[int, tuple[list[Any], int]]:
    """Each MCID of a page: the operation list holding its property list and the list's index there,
    in the page's stream or in the transparency groups drawn on it (which share the page's MCIDs)."""
    found: dict[int, tuple[list[Any], int]] = {}
    for stream in streams:
        for index, operation in enumerate(stream.stream):
            if isinstance(operation, pydyf.Dictionary) and "MCID" in operation:
                found[operation["MCID"]] = (stream.stream, index)
    return found


def _write_node(
    pdf: pydyf.PDF,
    node: Node,
    parent: bytes,
    page: int,
    renumbered: dict[tuple[int, int], int],
    page_parents: list[dict[int, Any]],
    annotations: list[tuple[Any, Any]],
) -> pydyf.Dictionary:
    page = node.page if node.page is not None else page
    element = pydyf.Dictionary({"Type": "/StructElem", "S": f"/{node.role}", "P": parent, "K": pydyf.Array()})
    if node.page is not None:
        element["Pg"] = pdf.page_references[node.page]
    for name, value in node.attributes.items():
        if value is None:
            continue
        if name == "A":
            element["A"] = pydyf.Dictionary(value)
        elif name == "BBox":
            element["A"] = pydyf.Dictionary({"O": "/Layout", "BBox": pydyf.Array(value)})
        else:
            element[name] = pydyf.String(value)
    pdf.add_object(element)
    for kid in node.kids:
        if isinstance(kid, Node):
            if kid.has_content():
                child = _write_node(pdf, kid, element.reference, page, renumbered, page_parents, annotations)
                element["K"].append(child.reference)
        elif isinstance(kid, MarkedContent):
            mcid = renumbered[kid.page, kid.mcid]
            page_parents[kid.page][mcid] = element.reference
            if kid.page == node.page:
                element["K"].append(mcid)
            else:
                element["K"].append(
                    pydyf.Dictionary({"Type": "/MCR", "Pg": pdf.page_references[kid.page], "MCID": mcid})
                )
        else:
            reference = pydyf.Dictionary(
                {"Type": "/OBJR", "Obj": kid.annotation.reference, "Pg": pdf.page_references[kid.page]}
            )
            element["K"].append(reference)
            annotations.append((element.reference, kid.annotation))
    return element
