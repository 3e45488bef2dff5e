"""The prepared article: computed once per article, frozen and picklable, and all a writer needs.

Writers only serialise it (they run with the preparing code made to fail), a build prepares each article
once however many workers write it (the suggested citation is rendered once per article), one id authority
hands out every id (a generated figure id never takes one the source wrote), the references are parsed once
("12--15" is a page range on the web page as in the JATS and the Crossref deposit), and a no-op rebuild
imports neither WeasyPrint, nor pandoc, nor Babel. Outputs are read back with lxml, never the writers."""

from __future__ import annotations

import dataclasses
import json
import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import lxml.html
import pytest
from conftest import FIXTURE_SOURCES
from lxml import etree

from pipeline.build.run import build
from pipeline.formats import WRITERS, artifact_name, missing, writer
from pipeline.prepare import citation, i18n, references
from pipeline.prepare.article import load_article
from pipeline.source.house import load_house

MINIMAL = Path(__file__).parent / "fixtures" / "bad" / "minimal-valid" / "article.md"
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
XLINK = "{http://www.w3.org/1999/xlink}href"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


def minimal_source(folder: Path, slug: str, front: str = "", body: str | None = None) -> Path:
    """minimal-valid under ``slug`` with extra front-matter lines and, when given, another body."""
    head, original_body = MINIMAL.read_text(encoding="utf-8").rsplit("---\n", 1)
    path = folder / slug / "article.md"
    path.parent.mkdir(parents=True)
    text = head.removesuffix("\n") + "\n" + front + "---\n" + (original_body if body is None else "\n" + body + "\n")
    path.write_text(text, encoding="utf-8")
    return path


# --- a value, prepared once ----------------------------------------------------------------------


def test_the_prepared_article_is_frozen_and_travels_to_a_worker_whole(tmp_path: Path) -> None:
    article = load_article(FIXTURE_SOURCES / "cited-note-style" / "article.md")
    with pytest.raises(dataclasses.FrozenInstanceError):
        article.title = "Another"  # type: ignore[misc]
    copied = pickle.loads(pickle.dumps(article))
    assert copied == article
    for name in ("jats", "csl-json", "html", "epub"):
        original, travelled = tmp_path / f"original-{name}", tmp_path / f"travelled-{name}"
        writer(name).write(article, original)
        writer(name).write(copied, travelled)
        assert original.read_bytes() == travelled.read_bytes(), name


def test_writers_only_serialise_the_prepared_article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With citeproc, the catalogues and the suggested citation made to fail, every format is still written."""
    sources = tmp_path / "sources"
    shutil.copytree(FIXTURE_SOURCES / "figures-policy-piece", sources / "figures-policy-piece")
    shutil.copytree(FIXTURE_SOURCES / "cited-author-date", sources / "cited-author-date")
    house = load_house(Path(__file__).parents[1] / "house.yaml")
    articles = [load_article(path, house) for path in sorted(sources.glob("*/article.md"))]

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a writer called back into preparing")

    for module, name in [
        (citation, "suggested_citation"),
        (citation, "citation_language"),
        (references, "format_entry"),
        (references, "cite"),
        (i18n, "localisation"),
        (i18n, "translations"),
        (i18n, "catalogue_for"),
        (i18n, "country_code"),
    ]:
        monkeypatch.setattr(module, name, refuse)
    for article in articles:
        for name in WRITERS:
            if missing(name, article) is None:
                target = tmp_path / article.slug / artifact_name(name, article.slug)
                target.parent.mkdir(exist_ok=True)
                writer(name).write(article, target)
                assert target.stat().st_size > 0


@pytest.mark.parametrize(("slugs", "jobs"), [(("only",), 2), (("one", "two", "three"), 2), (("one", "two"), 1)])
def test_the_suggested_citation_is_rendered_once_per_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slugs: tuple[str, ...], jobs: int
) -> None:
    """By format (one article, its formats shared by two workers), by source, or in one process: citeproc
    renders each article's suggested citation once. Forked workers inherit the counting wrapper and
    append to one file."""
    sources = tmp_path / "sources"
    for slug in slugs:
        minimal_source(sources, slug)
    calls = tmp_path / "calls"
    calls.touch()
    original = references.format_entry

    def counted(item: dict[str, object], *arguments: object) -> str:
        with calls.open("a", encoding="utf-8") as log:
            log.write(f"{item['id']}\n")
        return original(item, *arguments)  # type: ignore[arg-type]

    monkeypatch.setattr(citation, "format_entry", counted)
    report = build(("pdf", "epub", "jats", "html", "csl-json"), source_root=sources, dist=tmp_path / "dist", jobs=jobs)
    assert report.ok, report.failures
    assert sorted(calls.read_text(encoding="utf-8").split()) == sorted(slugs)


# --- one id authority ----------------------------------------------------------------------------

IDS_BODY = """\
A first paragraph, pointing at [the heading](#fig-1) and at [the chart](#fig-chart).

# Figures in general {#fig-1}

A section whose heading the author named fig-1.

![A chart without an id.](chart.svg)

![A chart with one.](chart.svg){#fig-chart}
"""
CHART = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n'


@pytest.fixture(scope="module")
def ids_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    sources = tmp_path_factory.mktemp("id-sources")
    path = minimal_source(sources, "ids", body=IDS_BODY)
    (path.parent / "chart.svg").write_text(CHART, encoding="utf-8")
    dist = tmp_path_factory.mktemp("id-dist")
    report = build(("jats", "html", "epub"), source_root=sources, dist=dist)
    assert report.ok, report.failures
    return dist / "ids"


def test_a_generated_figure_id_never_takes_a_written_one(ids_built: Path) -> None:
    jats = etree.parse(str(ids_built / "ids.xml"), XML_PARSER).getroot()
    ids = [element.get("id") for element in jats.iter() if element.get("id")]
    assert len(ids) == len(set(ids)), ids
    assert [section.get("id") for section in jats.iter("sec")] == ["fig-1"]
    figures = [fig.get("id") for fig in jats.iter("fig")]
    assert figures[1] == "fig-chart"
    assert figures[0] not in ("fig-1", "fig-chart") and figures[0].startswith("fig-1")
    assert {xref.get("rid") for xref in jats.iter("xref")} == {"fig-1", "fig-chart"}
    page = lxml.html.parse(str(ids_built / "index.html")).getroot()
    page_ids = [element.get("id") for element in page.iter() if element.get("id")]
    assert len(page_ids) == len(set(page_ids)), page_ids
    assert page.get_element_by_id("fig-1").tag == "section"
    assert page.get_element_by_id(figures[0]).tag == "figure"


# --- references parsed once ----------------------------------------------------------------------

RANGE_REFERENCE = """\
references:
  - id: okafor2020
    type: article-journal
    title: Ports and Treaties
    container-title: Maritime Law Review
    author:
      - family: Okafor
        given: Ngozi
    issued:
      date-parts: [[2020]]
    volume: "7"
    page: "12--15"
"""


def test_a_page_range_is_one_range_in_every_format(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    minimal_source(
        sources, "ranges", front=RANGE_REFERENCE + "DOI: 10.5555/ranges.1\n", body="As argued [@okafor2020]."
    )
    house = tmp_path / "house.yaml"
    house.write_text(
        "depositor:\n  name: Test Press\n  email: deposits@example.org\nregistrant: Test Press\n", encoding="utf-8"
    )
    dist = tmp_path / "dist"
    report = build(("jats", "html", "crossref"), source_root=sources, dist=dist, house_config=house)
    assert report.ok, report.failures
    jats = etree.parse(str(dist / "ranges" / "ranges.xml"), XML_PARSER).getroot()
    citation_element = jats.find(".//ref[@id='ref-okafor2020']/element-citation")
    assert (citation_element.findtext("fpage"), citation_element.findtext("lpage")) == ("12", "15")
    page = lxml.html.parse(str(dist / "ranges" / "index.html")).getroot()
    highwire = page.xpath("//meta[@name='citation_reference']/@content")
    assert len(highwire) == 1
    pairs = dict(pair.split("=", 1) for pair in highwire[0].split("; "))
    assert (pairs["citation_firstpage"], pairs["citation_lastpage"]) == ("12", "15")
    json_ld = json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])
    assert json_ld["citation"][0]["author"] == [{"@type": "Person", "name": "Okafor, Ngozi"}]
    deposit = etree.parse(str(dist / "ranges" / "ranges.crossref.xml"), XML_PARSER).getroot()
    namespace = {"c": "http://www.crossref.org/schema/5.3.1"}
    assert deposit.xpath("//c:citation[@key='okafor2020']/c:first_page/text()", namespaces=namespace) == ["12"]


# --- a no-op rebuild ------------------------------------------------------------------------------


def test_a_no_op_rebuild_imports_neither_weasyprint_nor_pandoc_nor_babel_nor_lxml(tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    minimal_source(sources, "quiet")
    invoke = Path(sys.executable).with_name("invoke")
    command = [str(invoke), "build-all", "--sources", str(sources), "--dist", str(tmp_path / "dist")]
    first = subprocess.run(command, capture_output=True, text=True, check=False, cwd=Path(__file__).parents[1])
    assert first.returncode == 0, first.stdout + first.stderr
    again = subprocess.run(
        [sys.executable, "-X", "importtime", *command],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[1],
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "built 0 artifact(s)" in again.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in again.stderr.splitlines() if line.startswith("import time")}
    assert imported, "python -X importtime reported nothing"
    # Nor lxml and Jinja: the journal's check hashes the published files' bytes, it parses and renders nothing.
    heavy = {"weasyprint", "pypandoc", "babel", "lxml", "jinja2"}
    assert sorted(name for name in imported if name.split(".")[0] in heavy) == []


def test_an_image_edited_after_preparing_is_published_as_it_was_checked(tmp_path: Path) -> None:
    """The image files are read once, through the door, and checked; every format publishes those bytes,
    so a file replaced between preparing and writing (by a concurrent edit, or on purpose) reaches no output."""
    sources = tmp_path / "sources"
    shutil.copytree(FIXTURE_SOURCES / "figures-policy-piece", sources / "figures-policy-piece")
    folder = sources / "figures-policy-piece"
    checked = {path.name: path.read_bytes() for path in folder.iterdir() if path.suffix in (".png", ".svg", ".jpg")}
    article = load_article(folder / "article.md")
    for name in checked:
        (folder / name).write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>")
    book = tmp_path / "book.epub"
    writer("epub").write(article, book)
    with zipfile.ZipFile(book) as opened:
        carried = {name: opened.read(f"EPUB/{name}") for name in checked}
    assert carried == checked
    writer("pdf").write(article, tmp_path / "out.pdf")  # WeasyPrint gets the checked bytes: no fault
