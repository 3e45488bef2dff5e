"""The PDF's structure tree read as assistive technology reads it: one article, not pages.

Independent of the code that writes the tree: the tree is walked with pikepdf, the text of each
element is read by poppler (`pdfinfo -struct-text`), the page text by `pdftotext -tsv`, and what is
expected comes from the source through pandoc's own AST (pypandoc), not from the pipeline's model.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pypandoc
import pytest
from conftest import Built
from readers.tagged import spoken_for_drawn

CASES = [
    "kazakhstan-russia-ukraine",
    "climate-rights-footnotes",
    "figures-policy-piece",
    "regulators-publish-subsections",
]
VARIANTS = ["pdf/ua-1", "pdf/a-3a"]
PAGE_NUMBER = re.compile(r"\b\d+ / \d+\b")


# --- what the source says, through pandoc's AST -------------------------------------------------


def plain(inlines: list[dict]) -> str:
    """The text of pandoc inlines as a reader sees it, footnotes left out."""
    parts: list[str] = []
    for inline in inlines:
        kind, content = inline["t"], inline.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Code", "Math"):
            parts.append(content[1])
        elif kind in ("Emph", "Strong", "Underline", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            parts.append(plain(content))
        elif kind in ("Span", "Link", "Quoted"):
            parts.append(plain(content[1]))
    return "".join(parts)


@dataclass
class Source:
    paragraphs: list[str] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)
    note_paragraphs: list[list[str]] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)  # the text alternative of each
    tables: list[int] = field(default_factory=list)  # rows of each
    table_heads: str = ""  # the words of the head rows, which a table repeats on each page it crosses
    lists: int = 0


@functools.cache
def _pandoc_json(path: Path, modified: int) -> str:
    """The source as pandoc's JSON AST, converted once per file (as it is at time ``modified``)."""
    return pypandoc.convert_file(str(path), "json", format="markdown+smart")


def read_source(path: Path) -> Source:
    ast = json.loads(_pandoc_json(path, path.stat().st_mtime_ns))
    source = Source()

    def notes_in(tree: object) -> None:
        """Every footnote under ``tree``, in the order of the text (tables and headings included)."""
        if isinstance(tree, dict) and tree.get("t") == "Note":
            source.note_paragraphs.append([plain(block["c"]) for block in tree["c"] if block["t"] == "Para"])
        elif isinstance(tree, dict):
            notes_in(tree.get("c"))
        elif isinstance(tree, list):
            for item in tree:
                notes_in(item)

    def blocks(items: list[dict]) -> None:
        for block in items:
            kind, content = block["t"], block.get("c")
            if kind == "Para":
                images = [inline for inline in content if inline["t"] == "Image"]
                if images:
                    continue
                source.paragraphs.append(plain(content))
            elif kind == "Header":
                source.headings.append((content[0], plain(content[2])))
            elif kind == "BlockQuote":
                blocks(content)
            elif kind in ("BulletList", "OrderedList"):
                source.lists += 1
                for item in content if kind == "BulletList" else content[1]:
                    blocks(item)
            elif kind == "Div":
                blocks(content[1])
            elif kind == "Figure":
                image = next(inline for block in content[2] for inline in block["c"] if inline["t"] == "Image")
                attributes = dict(image["c"][0][2])
                caption = " ".join(plain(block["c"]) for block in content[1][1])
                source.figures.append(attributes.get("fig-alt", caption))
            elif kind == "Table":
                head, bodies = content[3], content[4]
                source.tables.append(len(head[1]) + sum(len(body[2]) + len(body[3]) for body in bodies))
                cells = [cell for row in head[1] for cell in row[1]]
                source.table_heads += " ".join(plain(block["c"]) for cell in cells for block in cell[4]) + " "

    blocks(ast["blocks"])
    notes_in(ast["blocks"])
    return source


# --- what the PDF says -----------------------------------------------------------------------------


@dataclass
class Element:
    role: str
    kids: list[Element | str] = field(default_factory=list)  # elements and the text of marked content

    def walk(self, skip: tuple[str, ...] = ()) -> list[Element]:
        found = [self]
        for kid in self.kids:
            if isinstance(kid, Element) and kid.role not in skip:
                found.extend(kid.walk(skip))
        return found

    def text(self, skip: tuple[str, ...] = ()) -> str:
        return " ".join(
            kid if isinstance(kid, str) else kid.text(skip)
            for kid in self.kids
            if isinstance(kid, str) or kid.role not in skip
        )


@functools.cache
def _read_once(pdf: Path, modified: int) -> tuple[str, dict[str, str]]:
    """`pdfinfo -struct-text` and each /ActualText by the text it replaces, of one PDF file as it is at time
    ``modified``: each test of each case reads the same files, so each is read once per session."""
    output = subprocess.run(["pdfinfo", "-struct-text", str(pdf)], capture_output=True, text=True, check=True)
    return output.stdout, spoken_for_drawn(pdf)


def poppler_tree(pdf: Path) -> Element:
    """`pdfinfo -struct-text`: two spaces of indent per level, a role per element (with a colon when
    attributes follow, one a line), quoted text; poppler prints the drawn text, so a run whose marked
    content has an /ActualText (a line hyphenation broke, with the whole word) is read as that text."""
    struct_text, spoken = _read_once(pdf, pdf.stat().st_mtime_ns)
    root = Element("root")
    stack: list[tuple[int, Element]] = [(-1, root)]
    for line in struct_text.splitlines():
        depth = (len(line) - len(line.lstrip(" "))) // 2
        content = line.strip()
        while stack[-1][0] >= depth:
            stack.pop()
        if content.startswith('"'):
            text = content[1:-1]
            stack[-1][1].kids.append(spoken.get("".join(text.split()), text))
        elif content.startswith(("Object ", "/")):  # an annotation; an attribute (under "TH:")
            continue
        else:
            element = Element(content.split(" ")[0].rstrip(":"))
            stack[-1][1].kids.append(element)
            stack.append((depth, element))
    return root


# Quotation marks are set by language (tests/test_punctuation.py checks them); here only the words count.
QUOTATION_MARKS = re.compile(r"[\s\"'‘’“”„‚«»‹›「」『』]")


def squeezed(text: str) -> str:
    return QUOTATION_MARKS.sub("", text)


@pytest.fixture(scope="module")
def built_variants(built_all: dict[str, Built], archival_all: dict[str, Path]) -> dict[tuple[str, str], Path]:
    """The default PDFs and the archival variant of each case (both from the session's shared builds)."""
    return {(slug, variant): built_all[slug].pdf if variant == "pdf/ua-1" else archival_all[slug]
            for slug in CASES for variant in VARIANTS}  # fmt: skip


@pytest.fixture(params=[(slug, variant) for slug in CASES for variant in VARIANTS], ids=lambda case: "-".join(case))
def case(request: pytest.FixtureRequest, built_all: dict[str, Built], built_variants) -> tuple[Path, Path]:
    slug, variant = request.param
    return built_all[slug].article.source_path, built_variants[slug, variant]


def document_of(pdf: Path) -> Element:
    root = poppler_tree(pdf)
    assert [kid.role for kid in root.kids if isinstance(kid, Element)] == ["Document"]
    return root.kids[0]


def body_of(document: Element) -> list[Element]:
    """The document's kids between the title block (first) and the back matter (last)."""
    kids = [kid for kid in document.kids if isinstance(kid, Element)]
    return kids[1:-1]


# --- the tests -------------------------------------------------------------------------------------


def test_one_document_title_block_sections_back_matter(case) -> None:
    _source_path, pdf = case
    document = document_of(pdf)
    assert not [element for element in document.walk() if element.role == "Art"]
    kids = [kid for kid in document.kids if isinstance(kid, Element)]
    title_block, back_matter = kids[0], kids[-1]
    assert title_block.role == "Sect" and [e.role for e in title_block.walk()].count("H1") == 1
    assert back_matter.role == "Sect" and all(
        kid.role == "Sect" for kid in back_matter.kids if isinstance(kid, Element)
    )
    # Each section starts with its heading, whatever page it starts on.
    for section in document.walk():
        if section.role == "Sect" and section not in (title_block, back_matter):
            first = next(kid for kid in section.kids if isinstance(kid, Element))
            assert re.fullmatch(r"H[1-6]|Sect", first.role), first.role


def test_paragraphs_and_headings_are_the_sources(case) -> None:
    source_path, pdf = case
    source = read_source(source_path)
    body = Element("body", body_of(document_of(pdf)))
    skip = ("Note", "Reference", "Table", "Caption")
    paragraphs = [element.text(skip) for element in body.walk(skip) if element.role == "P"]
    assert [squeezed(text) for text in paragraphs] == [squeezed(text) for text in source.paragraphs]
    headings = [
        (int(element.role[1]) - 1, element.text(skip))
        for element in body.walk(skip)
        if re.fullmatch(r"H[2-6]", element.role)
    ]
    assert [(level, squeezed(text)) for level, text in headings] == [
        (level, squeezed(text)) for level, text in source.headings
    ]


def test_notes_have_label_id_and_reference(case) -> None:
    source_path, pdf = case
    source = read_source(source_path)
    document = document_of(pdf)
    notes = [element for element in document.walk() if element.role == "Note"]
    assert len(notes) == len(source.note_paragraphs)
    for note, paragraphs in zip(notes, source.note_paragraphs, strict=True):
        label = note.kids[0]
        assert isinstance(label, Element) and label.role == "Lbl" and label.text().strip()
        texts = [kid.text() for kid in note.kids[1:] if isinstance(kid, Element) and kid.role == "P"]
        assert [squeezed(text) for text in texts] == [squeezed(text) for text in paragraphs]
    for parent in document.walk():
        kids = [kid for kid in parent.kids if isinstance(kid, Element)]
        for before, after in itertools.pairwise(kids):
            if after.role == "Note":
                assert before.role == "Reference"
    with pikepdf.open(pdf) as opened:
        ids = [element.get("/ID") for element in struct_elements(opened) if element.get("/S") == "/Note"]
        assert len(ids) == len(notes) and all(str(value).startswith("fn") for value in ids)
        assert len(set(map(str, ids))) == len(ids)


def struct_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every structure element, in tree order."""
    document = pdf.Root.StructTreeRoot.K
    document = document[0] if isinstance(document, pikepdf.Array) else document
    return [document, *descendants(document)]


def test_figures_tables_lists(case) -> None:
    source_path, pdf = case
    source = read_source(source_path)
    with pikepdf.open(pdf) as opened:
        elements = struct_elements(opened)
        boxes = [page.mediabox for page in opened.pages]
        figures = [element for element in elements if element.S == "/Figure"]
        assert [str(figure.Alt) for figure in figures] == source.figures
        for figure in figures:
            x1, y1, x2, y2 = (float(value) for value in figure.A.BBox)
            page_box = boxes[[page.objgen for page in opened.pages].index(figure.Pg.objgen)]
            assert 0 <= x1 < x2 <= float(page_box[2]) and 0 <= y1 < y2 <= float(page_box[3])
        tables = [element for element in elements if element.S == "/Table"]
        assert len(tables) == len(source.tables)
        for table, rows in zip(tables, source.tables, strict=True):
            inside = descendants(table)
            assert len([e for e in inside if e.S == "/TR"]) == rows
            headers = [e for e in inside if e.S == "/TH"]
            assert headers and all(h.A.O == "/Table" and h.A.Scope in ("/Column", "/Row") for h in headers)
            assert [e for e in inside if e.S == "/TD"]
        lists = [element for element in elements if element.S == "/L"]
        assert len(lists) >= source.lists
        for element in lists:
            items = [kid for kid in element.K if kid.S == "/LI"]
            assert items and len(items) == len(element.K)
            for item in items:
                roles = [kid.S for kid in item.K]
                assert roles in (["/LBody"], ["/Lbl", "/LBody"]), roles


def descendants(element: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    found: list[pikepdf.Dictionary] = []
    kids = element.get("/K", pikepdf.Array())
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            found.append(kid)
            found.extend(descendants(kid))
    return found


def test_links_are_tagged_with_their_annotations(case) -> None:
    _source_path, pdf = case
    with pikepdf.open(pdf) as opened:
        parents = number_tree(opened.Root.StructTreeRoot.ParentTree)
        links = 0
        for page in opened.pages:
            for annotation in page.get("/Annots", []):
                if annotation.Subtype != "/Link":
                    continue
                links += 1
                element = parents[int(annotation.StructParent)]
                assert element.S == "/Link"
                kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
                assert any(isinstance(kid, pikepdf.Dictionary) and kid.get("/Obj") == annotation for kid in kids)
                contents = str(annotation.Contents)
                assert contents.strip() and not re.match(r"^(https?://|www\.)", contents), contents
        assert links
        assert int(opened.Root.StructTreeRoot.ParentTreeNextKey) > max(parents)


def number_tree(node: pikepdf.Dictionary) -> dict[int, object]:
    values: dict[int, object] = {}
    nums = list(node.get("/Nums", []))
    for index in range(0, len(nums), 2):
        values[int(nums[index])] = nums[index + 1]
    for kid in node.get("/Kids", []):
        values.update(number_tree(kid))
    return values


def test_every_marked_content_in_the_tree_or_an_artifact(case) -> None:
    _source_path, pdf = case
    with pikepdf.open(pdf) as opened:
        parents = number_tree(opened.Root.StructTreeRoot.ParentTree)
        in_tree: set[tuple[tuple[int, int], int]] = set()
        for element in struct_elements(opened):
            kids = element.get("/K", pikepdf.Array())
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, int):
                    in_tree.add((element.Pg.objgen, kid))
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                    in_tree.add((kid.Pg.objgen, int(kid.MCID)))
        pagination: Counter[str] = Counter()
        for page in opened.pages:
            page_parents = parents[int(page.StructParents)]
            depth, artifact_depth = 0, None
            for operands, operator in pikepdf.parse_content_stream(page):
                name = str(operator)
                if name in ("BDC", "BMC"):
                    depth += 1
                    tag = operands[0]
                    properties = operands[1] if name == "BDC" else None
                    if tag == "/Artifact" and artifact_depth is None:
                        artifact_depth = depth
                        if properties is not None and properties.get("/Type") == "/Pagination":
                            pagination[str(properties.get("/Subtype", ""))] += 1
                    elif properties is not None and "/MCID" in properties:
                        assert artifact_depth is None, "marked content inside an artifact"
                        mcid = int(properties.MCID)
                        assert (page.objgen, mcid) in in_tree, f"MCID {mcid} of a page is in no element"
                        assert page_parents[mcid].get("/S") is not None
                elif name == "EMC":
                    if artifact_depth == depth:
                        artifact_depth = None
                    depth -= 1
                elif name in ("Tj", "TJ", "'", '"'):
                    assert depth > 0, "text outside any marked content"
        pages = len(opened.pages)
        assert pagination["/Footer"] >= pages
        assert pages == 1 or pagination["/Header"] >= pages - 1


def test_no_running_head_or_page_number_in_the_tree(case) -> None:
    _source_path, pdf = case
    document = document_of(pdf)
    assert not PAGE_NUMBER.search(document.text())
    with pikepdf.open(pdf) as opened:
        title = str(opened.open_metadata().get("dc:title", ""))
    # The title is set twice in the tree (title block, suggested citation), never once per page.
    assert squeezed(document.text()).count(squeezed(title)) <= 2


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text))


def test_pdftotext_words_are_the_tagged_words_in_the_sources_case(case) -> None:
    """Every word poppler extracts from the page is a word of the tree in the same case, bar the running
    heads and page numbers; a word the two cut differently (a subscript run, "CO" "2") has the same letters."""
    source_path, pdf = case
    document = document_of(pdf)
    tagged = words(document.text())
    output = subprocess.run(["pdftotext", "-tsv", str(pdf), "-"], capture_output=True, text=True, check=True)
    rows = [row.split("\t") for row in output.stdout.splitlines()[1:]]
    printed = words(" ".join(row[11] for row in rows if row[0] == "5"))
    with pikepdf.open(pdf) as opened:
        running = " ".join(str(opened.open_metadata().get(key, "")) for key in ("dc:title", "dc:source"))
        pages = len(opened.pages)
    repeated = read_source(source_path).table_heads
    margins = words(" ".join([running, repeated] * (pages - 1))) + words(
        " ".join(f"{n} {pages}" for n in range(1, pages + 1))
    )
    only_tagged, only_printed = tagged - printed, printed - tagged - margins
    assert sorted("".join(only_tagged.elements())) == sorted("".join(only_printed.elements())), (
        only_tagged,
        only_printed,
    )
    assert sum(only_tagged.values()) <= 3, only_tagged
    for label in ("ABOUT", "CITE", "COMMENTARY", "CREDITS", "DISCLAIMER"):
        assert label not in printed


@pytest.mark.parametrize("slug", CASES)
def test_both_variants_have_the_same_tree(slug: str, built_variants) -> None:
    def shape(element: Element) -> list[object]:
        return [element.role, [shape(kid) if isinstance(kid, Element) else kid for kid in element.kids]]

    default, archival = (document_of(built_variants[slug, variant]) for variant in VARIANTS)
    assert shape(default) == shape(archival)


def test_no_empty_element(case) -> None:
    """No element without content (veraPDF's WCAG profile fails an empty span, 4.1.2-17), and no span
    the source did not ask for (a span is only a change of language)."""
    _source_path, pdf = case
    for element in document_of(pdf).walk():
        if element.role not in ("Figure", "Formula"):  # an image, said by its /Alt
            assert element.text().strip() or any(isinstance(kid, Element) for kid in element.kids), element
    with pikepdf.open(pdf) as opened:
        assert all("/Lang" in element for element in struct_elements(opened) if element.S == "/Span")
