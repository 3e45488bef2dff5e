"""Markdown as authors write it (issue 22): the fixture that uses every construct, read back from the EPUB,
the JATS, the PDF and the web page.

What each format must hold is derived from the source itself, independently of the pipeline: the raw
HTML elements by a regular expression over the body, the formulas and the line blocks from pandoc's
own reading of the file (its default Markdown, raw HTML on). Each output is read with lxml, zipfile and
pypdf; nothing here imports a writer.
"""

from __future__ import annotations

import json
import re
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pypandoc
import pytest
from conftest import FIXTURE_SOURCES, made_once
from lxml import etree
from pypdf import PdfReader

from pipeline.build.run import FORMATS, build

SLUG = "markdown-every-construct"
SOURCE = FIXTURE_SOURCES / SLUG / "article.md"
XHTML = "http://www.w3.org/1999/xhtml"
MATHML = "http://www.w3.org/1998/Math/MathML"
XLINK = "http://www.w3.org/1999/xlink"
NS = {"x": XHTML, "m": MATHML, "xlink": XLINK}
# The web page's other vocabularies' attributes (epub:type) have no namespace declared in HTML.
RECOVERING_XML_PARSER = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
# An allowed element with its content, as written in the source (none of them nests in the fixture).
RAW_ELEMENT = re.compile(r"<(abbr|sup|sub|kbd|small|bdi|span)((?:\s+[a-z-]+=\"[^\"]*\")*)>(.*?)</\1>", re.DOTALL)
ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')
VOID_ELEMENT = re.compile(r"<(br|wbr)\s*/?>")
# How the JATS carries each element pandoc has none for (pipeline/markup.json says so too; written out
# here so that a changed table is a failing test, not a silently changed expectation).
JATS_ELEMENT = {
    "abbr": "abbrev",
    "sup": "sup",
    "sub": "sub",
    "kbd": "monospace[@specific-use='kbd']",
    "small": "styled-content[@style-type='small']",
    "bdi": "named-content[@content-type='bdi']",
    "span": "styled-content",
}


@dataclass(frozen=True)
class Written:
    tag: str
    attributes: dict[str, str]
    text: str


def _source_text() -> str:
    return SOURCE.read_text(encoding="utf-8")


def _body() -> str:
    return _source_text().split("\n---\n", 1)[1]


def written_elements() -> list[Written]:
    """The raw HTML elements of the body, in order (the title's are checked apart)."""
    return [
        Written(match[1], dict(ATTRIBUTE.findall(match[2])), " ".join(match[3].split()))
        for match in RAW_ELEMENT.finditer(_body())
    ]


def _pandoc_document() -> dict:
    return json.loads(pypandoc.convert_file(str(SOURCE), "json", format="markdown"))


def _walk(value: object):
    if isinstance(value, list):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, dict):
        if "t" in value:
            yield value
        yield from _walk(value.get("c"))


def _plain(inlines: list) -> str:
    parts = []
    for inline in inlines:
        kind = inline["t"]
        if kind == "Str":
            parts.append(inline["c"])
        elif kind in ("Space", "SoftBreak"):
            parts.append(" ")
        elif kind in ("Emph", "Strong"):
            parts.append(_plain(inline["c"]))
    return "".join(parts)


def formulas() -> list[tuple[str, str]]:
    """Every formula of the source as pandoc reads it: (InlineMath or DisplayMath, its TeX)."""
    return [(node["c"][0]["t"], node["c"][1]) for node in _walk(_pandoc_document()["blocks"]) if node["t"] == "Math"]


def line_blocks() -> list[list[str]]:
    """Each line block's lines, as text (pandoc keeps a line's leading spaces as no-break spaces)."""
    blocks = [node for node in _walk(_pandoc_document()["blocks"]) if node["t"] == "LineBlock"]
    return [[" ".join(_plain(line).split()) for line in block["c"]] for block in blocks]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def make(folder: Path) -> None:
        sources = folder / "sources"
        (sources / SLUG).mkdir(parents=True)
        (sources / SLUG / "article.md").write_bytes(SOURCE.read_bytes())
        report = build(FORMATS, source_root=sources, dist=folder / "dist")
        assert report.ok, report.failures

    return made_once(tmp_path_factory, "markdown-every-construct", make) / "dist" / SLUG


def _epub_document(dist: Path) -> etree._Element:
    with zipfile.ZipFile(dist / f"{SLUG}.epub") as book:
        return etree.fromstring(book.read("EPUB/article.xhtml"))


def _web_page(dist: Path) -> etree._Element:
    """The web page as a browser reads it (HTML, not XML: it may carry attributes of other vocabularies),
    its elements then named in their namespaces, as in the EPUB's XHTML."""
    root = etree.fromstring((dist / "index.html").read_bytes(), etree.HTMLParser())
    for element in list(root.iter(etree.Element)):
        inside_maths = element.tag == "math" or any(parent.tag == "math" for parent in element.iterancestors())
        element.set("data-namespace", MATHML if inside_maths else XHTML)
    for element in root.iter(etree.Element):
        element.tag = f"{{{element.attrib.pop('data-namespace')}}}{element.tag}"
    # Read again as XML: on a tree lxml parsed as HTML, find() takes "x:body" for a tag of that name and
    # leaves the prefix unresolved (it worked only when an XML tree had put the path in lxml's cache first).
    return etree.fromstring(etree.tostring(root), RECOVERING_XML_PARSER)


def _jats(dist: Path) -> etree._Element:
    return etree.parse(str(dist / f"{SLUG}.xml"), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_the_fixture_uses_every_construct() -> None:
    """The fixture is worth its name: each allowed element, both kinds of maths, a line block."""
    tags = {element.tag for element in written_elements()} | set(VOID_ELEMENT.findall(_body()))
    assert tags == {"abbr", "sup", "sub", "kbd", "small", "bdi", "br", "wbr", "span"}
    assert {kind for kind, _tex in formulas()} == {"InlineMath", "DisplayMath"}
    assert line_blocks() and "<!--" in _body()


@pytest.mark.parametrize("reader", [_epub_document, _web_page], ids=["epub", "web"])
def test_raw_html_is_the_element_in_epub_and_web(dist: Path, reader) -> None:
    document = reader(dist)
    body = document.find(".//x:body", NS)
    for written in written_elements():
        found = [
            element
            for element in body.iter(f"{{{XHTML}}}{written.tag}")
            if _text(element) == written.text
            and all(element.get(name) == value for name, value in written.attributes.items())
        ]
        assert found, f"<{written.tag}> {written.text!r} {written.attributes}"
    assert len(body.findall(".//x:wbr", NS)) == _body().count("<wbr>")
    text = _text(body)
    assert "<abbr" not in text and "&lt;" not in text and "editor: check the date" not in text
    # The title keeps its raw HTML as elements too.
    title = document.find(".//x:h1", NS)
    assert title.find("x:abbr", NS).get("title") == "International Maritime Organization"
    assert title.find("x:sub", NS).text == "2"


def test_raw_html_is_mapped_in_jats(dist: Path) -> None:
    root = _jats(dist)
    body_and_notes = [root.find("body"), root.find("back")]
    for written in written_elements():
        path = JATS_ELEMENT[written.tag]
        found = [
            element
            for part in body_and_notes
            for element in part.xpath(f".//{path}")
            if (element.text or "").strip() == written.text.split()[0] or _text(element).startswith(written.text)
        ]
        assert found, f"{path} {written.text!r}"
        element = found[0]
        if written.tag == "abbr":
            assert element.get("alt") == written.attributes["title"]
        if "lang" in written.attributes:
            assert element.get("{http://www.w3.org/XML/1998/namespace}lang") == written.attributes["lang"]
    title = root.find("front/article-meta/title-group/article-title")
    assert title.find("abbrev").get("alt") == "International Maritime Organization"
    assert "<" not in "".join(root.find("body").itertext())


def test_maths_is_mathml_in_epub_and_web(dist: Path) -> None:
    expected = formulas()
    for document in (_epub_document(dist), _web_page(dist)):
        found = document.findall(".//m:math", NS)
        tex = [math.findtext(".//m:annotation[@encoding='application/x-tex']", namespaces=NS) for math in found]
        assert tex == [written for _kind, written in expected]
        displays = [math.get("display") for math in found]
        assert displays == ["block" if kind == "DisplayMath" else "inline" for kind, _tex in expected]
    with zipfile.ZipFile(dist / f"{SLUG}.epub") as book:
        package = etree.fromstring(book.read("EPUB/content.opf"))
    item = package.find(".//{http://www.idpf.org/2007/opf}item[@href='article.xhtml']")
    assert "mathml" in item.get("properties", "").split()


def test_maths_in_jats_has_alternatives_ids_and_whole_latex_documents(dist: Path) -> None:
    root = _jats(dist)
    formulas_found = root.xpath("//inline-formula | //disp-formula")
    expected = formulas()
    assert [f.tag for f in formulas_found] == [
        "disp-formula" if kind == "DisplayMath" else "inline-formula" for kind, _tex in expected
    ]
    for formula, (_kind, tex) in zip(formulas_found, expected, strict=True):
        alternatives = formula.find("alternatives")
        assert alternatives is not None
        latex = alternatives.find("tex-math")
        assert latex.text.startswith("\\documentclass") and latex.text.rstrip().endswith("\\end{document}")
        assert "\\begin{document}" in latex.text and tex.strip() in latex.text
        assert alternatives.find(f"{{{MATHML}}}math") is not None


def test_line_blocks_are_verse_in_jats_and_broken_lines_elsewhere(dist: Path) -> None:
    expected = line_blocks()
    groups = _jats(dist).findall(".//verse-group")
    assert [[_text(line) for line in group.findall("verse-line")] for group in groups] == expected
    for document in (_epub_document(dist), _web_page(dist)):
        blocks = document.findall(".//x:div[@class='line-block']", NS)
        assert len(blocks) == len(expected)
        for block, lines in zip(blocks, expected, strict=True):
            assert len(block.findall("x:br", NS)) == len(lines) - 1
            assert _text(block) == " ".join(lines)


def _structure(node: object, found: list[tuple[str, str | None]]) -> None:
    if isinstance(node, list) or (hasattr(node, "__iter__") and not hasattr(node, "keys")):
        for kid in node:
            _structure(kid.get_object() if hasattr(kid, "get_object") else kid, found)
        return
    if hasattr(node, "keys"):
        if "/S" in node:
            found.append((str(node["/S"]), str(node["/Alt"]) if "/Alt" in node else None))
        if "/K" in node:
            kids = node["/K"]
            _structure(kids.get_object() if hasattr(kids, "get_object") else kids, found)


def test_pdf_draws_each_formula_tagged_with_its_tex(dist: Path) -> None:
    reader = PdfReader(dist / f"{SLUG}.pdf")
    found: list[tuple[str, str | None]] = []
    _structure(reader.trailer["/Root"]["/StructTreeRoot"].get_object(), found)
    assert [alt for role, alt in found if role == "/Formula"] == [tex for _kind, tex in formulas()]
    text = subprocess.run(
        ["pdftotext", "-layout", str(dist / f"{SLUG}.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = " ".join(text.split())
    for written in written_elements():
        if written.tag in ("abbr", "kbd", "small", "sub", "sup"):
            assert written.text in words, written
    assert "<abbr" not in words and "<kbd" not in words and "editor: check the date" not in words
    for lines in line_blocks():
        for line in lines:
            assert line in words
