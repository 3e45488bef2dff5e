"""What JATS ingest checkers ask of real content (issue 22), on every fixture's JATS, read back with lxml.

The checkers themselves (JATS4R's, PMC's Style Checker) are web services and not installable here, so
their rules are checked on the files: an <ext-link> whose text is its own address has an xlink:title
(JATS4R: a link needs a description); every <mml:math> and <tex-math> has an id, unique in the file,
sits in an <alternatives> beside the other, and a <tex-math> holds a complete LaTeX document (PMC).
And pandoc's own JATS reader, an ingest of its own, recovers every reference's title.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pypandoc
import pytest
import yaml
from conftest import Built
from lxml import etree

XLINK = "http://www.w3.org/1999/xlink"
MATHML = "http://www.w3.org/1998/Math/MathML"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
MARKUP = re.compile(r"<[^>]+>")


def _jats(built: Built) -> etree._Element:
    return etree.parse(str(built.jats), PARSER).getroot()


def test_links_whose_text_is_their_address_have_a_title(built: Built) -> None:
    bare = []
    for link in _jats(built).iter("ext-link"):
        address = link.get(f"{{{XLINK}}}href")
        if "".join(link.itertext()).strip() == address:
            bare.append(link)
            assert (link.get(f"{{{XLINK}}}title") or "").strip(), etree.tostring(link)
    assert bare, "every article links its own address in the suggested citation"


def test_maths_has_ids_alternatives_and_whole_latex_documents(built: Built) -> None:
    root = _jats(built)
    maths = [*root.iter(f"{{{MATHML}}}math"), *root.iter("tex-math")]
    ids = [element.get("id") for element in maths]
    assert all(ids) and len(set(ids)) == len(ids), ids
    for element in maths:
        alternatives = element.getparent()
        assert alternatives.tag == "alternatives"
        assert {child.tag for child in alternatives} == {"tex-math", f"{{{MATHML}}}math"}
    for tex in root.iter("tex-math"):
        document = tex.text or ""
        assert document.startswith("\\documentclass")
        assert document.index("\\begin{document}") < document.index("\\end{document}")
        assert document.rstrip().endswith("\\end{document}")


def test_some_fixture_has_maths(built_all: dict[str, Built]) -> None:
    """The rule above is not vacuous: fixtures with inline and displayed formulas are among those checked."""
    kinds = {
        formula.tag for built in built_all.values() for formula in _jats(built).xpath("//inline-formula|//disp-formula")
    }
    assert kinds == {"inline-formula", "disp-formula"}


def _source_items(built: Built) -> dict[str, dict]:
    """The source's references as pandoc reads them from the source itself (not from the pipeline)."""
    source = built.article.source_path
    front = yaml.safe_load(source.read_text(encoding="utf-8").split("\n---\n", 1)[0].removeprefix("---\n"))
    items = {item["id"]: item for item in front.get("references", [])}
    names = front.get("bibliography", [])
    for name in [names] if isinstance(names, str) else names:
        reader = {".bib": "biblatex", ".json": "csljson", ".yaml": "markdown"}[Path(name).suffix]
        read = json.loads(pypandoc.convert_file(str(source.parent / name), "csljson", format=reader))
        items.update({item["id"]: item for item in read})
    return items


def _plain(text: object) -> str:
    return " ".join(MARKUP.sub("", str(text or "")).replace("’", "'").split())


def test_pandocs_jats_reader_recovers_every_reference_title(built: Built) -> None:
    refs = _jats(built).findall("back/ref-list/ref")
    if not refs:
        assert not built.article.references
        return
    read = json.loads(pypandoc.convert_file(str(built.jats), "csljson", format="jats"))
    # The <ref> ids are the citation keys after "ref-" (pandoc reads them back without it).
    titles = {item["id"].removeprefix("ref-"): _plain(item.get("title")) for item in read}
    expected = _source_items(built)
    keys = [ref.get("id").removeprefix("ref-") for ref in refs]
    assert set(keys) <= set(titles) and set(keys) <= set(expected)
    for key in keys:
        item = expected[key]
        assert titles[key] == _plain(item.get("title") or item.get("container-title")), key


@pytest.mark.parametrize("slug", ["markdown-every-construct"])
def test_a_chapter_keeps_its_title_and_its_book(built_all: dict[str, Built], slug: str) -> None:
    read = json.loads(pypandoc.convert_file(str(built_all[slug].jats), "csljson", format="jats"))
    chapter = next(item for item in read if item["id"].removeprefix("ref-") == "karim2020")
    assert _plain(chapter["title"]) == "Shipping Emissions and the Law of the Sea"
    assert _plain(chapter["container-title"]) == "Research Handbook on Climate Change and the Oceans"
