"""Untrusted content stays contained: raw markup beyond the safe subset is refused with its line (and
escaped, prints as text), unsafe links, images and attributes are refused with a line number,
WeasyPrint reads nothing outside the source folder and styles/, and no build touches the network."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from audit import Watch, watching
from lxml import etree

from pipeline.build.run import build
from pipeline.check.validate import validate_jats
from pipeline.errors import PipelineError, SourceError
from pipeline.pdf.fetch import ConfinedURLFetcher
from pipeline.prepare.article import load_article
from pipeline.safexml import SAFE_XML_PARSER
from pipeline.source.folder import discover
from pipeline.source.problems import SourceProblems

FRONT_MATTER = """---
title: "Safe \\\\<script>alert('title')\\\\</script> & sound"
article-type: article-commentary
language: en
issued: 2022-01-01
container-title: "Journal <b>bold</b>"
URL: https://example.org/a
author:
  - given: "Eve <img src=x onerror=alert(1)>"
    family: Mallory
---

"""
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@pytest.fixture
def watch() -> Iterator[type[Watch]]:
    with watching() as watched:
        yield watched


def write_source(root: Path, slug: str, body: str) -> Path:
    folder = root / slug
    folder.mkdir(parents=True)
    path = folder / "article.md"
    path.write_text(FRONT_MATTER + body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('Text [x]{onclick="steal()"} here.\n', "attribute 'onclick' is not allowed"),
        ("See [this](javascript:alert(1)).\n", "link target 'javascript:alert(1)' is not allowed"),
        ("See [this](data:text/html;base64,PHNjcmlwdD4=).\n", "link target 'data:text/html"),
        ("![secret](/etc/passwd)\n", "must be a file in the source's folder"),
        ("![secret](file:///etc/passwd)\n", "must be a file in the source's folder"),
        ("![metadata](http://169.254.169.254/latest/meta-data)\n", "must be a file in the source's folder"),
        ("![up](../../etc/passwd)\n", "must be a file in the source's folder"),
    ],
)
def test_unsafe_body_content_is_refused_with_its_line(tmp_path: Path, body: str, message: str) -> None:
    path = write_source(tmp_path, "unsafe", "Introduction.\n\n" + body)
    with pytest.raises(SourceError) as caught:
        load_article(path)
    assert message in caught.value.message
    assert caught.value.line == FRONT_MATTER.count("\n") + 3
    assert caught.value.field == "body"


def test_raw_markup_is_refused_at_its_line(tmp_path: Path) -> None:
    """Raw HTML beyond the safe subset (pipeline/markup.json) is refused, every tag in one report."""
    body = (
        "Intro <script>alert('body')</script> and <b onmouseover=\"x()\">bold</b>.\n\n"
        '<img src="file:///etc/passwd">\n\n'
        '# Section\n\nText with <abbr onclick="x()">ABBR</abbr>.\n'
    )
    path = write_source(tmp_path, "raw", body)
    with pytest.raises(SourceProblems) as caught:
        load_article(path)
    first = FRONT_MATTER.count("\n") + 1
    reported = [(problem.line, problem.field, problem.message.split(";")[0]) for problem in caught.value.problems]
    assert reported == [
        (first, "body", "raw HTML block \"<script>alert('body')</script>\" is not allowed"),
        (first, "body", "raw HTML '<b onmouseover=\"x()\">' is not allowed"),
        (first + 2, "body", "raw HTML '<img src=\"file:///etc/passwd\">' is not allowed"),
        (first + 6, "body", "<abbr> may not carry onclick (attributes allowed: title, lang, dir)"),
    ]


def straight_quotes(text: str) -> str:
    """Every quotation mark as a straight single quote (the pipeline sets them as a typesetter would)."""
    return re.sub('["‘’“”]', "'", text)


def test_escaped_markup_reaches_no_output_as_markup(tmp_path: Path, watch: type[Watch]) -> None:
    body = (
        "Intro \\<script>alert('body')\\</script> and \\<b onmouseover=\"x()\">bold\\</b>.\n\n"
        '```{=html}\n<iframe src="https://evil.example"></iframe>\n```\n\n'
        '\\<img src="file:///etc/passwd">\n\n'
        "# Section\n\nText with \\<angle\\> & ampersand.\n"
    )
    write_source(tmp_path / "sources", "raw-markup", body)
    dist = tmp_path / "dist"
    report = build(source_root=tmp_path / "sources", dist=dist)
    assert report.ok, report.failures
    folder = dist / "raw-markup"
    with zipfile.ZipFile(folder / "raw-markup.epub") as book:
        xhtml = [book.read(name) for name in book.namelist() if name.endswith(".xhtml")]
    documents = [etree.fromstring(data, XML_PARSER) for data in xhtml]
    documents.append(etree.parse(str(folder / "index.html"), etree.HTMLParser(no_network=True)).getroot())
    for document in documents:
        local_names = {etree.QName(element).localname for element in document.iter() if isinstance(element.tag, str)}
        scripts = [e for e in document.iter() if isinstance(e.tag, str) and etree.QName(e).localname == "script"]
        assert all(script.get("type") == "application/ld+json" for script in scripts)
        assert not local_names & {"iframe", "img", "b"}
        handlers = [name for element in document.iter() if isinstance(element.tag, str) for name in element.attrib]
        assert not [name for name in handlers if name.lower().startswith("on")]
    # Quotation marks in the text are set by language (tests/test_punctuation.py): straightened here.
    texts = [straight_quotes(" ".join(document.itertext())) for document in documents]
    # The EPUB's article document and the web page show the raw markup as typed, not run.
    assert sum(straight_quotes("<script>alert('body')</script>") in text for text in texts) == 2
    jats = etree.parse(str(folder / "raw-markup.xml"), XML_PARSER).getroot()
    jats_names = {element.tag for element in jats.iter() if isinstance(element.tag, str)}
    assert not jats_names & {"script", "iframe", "img", "b"}
    assert straight_quotes("<script>alert('title')</script>") in straight_quotes(
        "".join(jats.findtext(".//article-title"))
    )
    assert not [path for path in watch.opened if path.startswith("/etc/")]
    assert watch.connections == []


def test_the_pdf_fetcher_never_reads_outside_its_roots(tmp_path: Path, watch: type[Watch]) -> None:
    inside = tmp_path / "source"
    inside.mkdir()
    (inside / "ok.css").write_text("p { color: black }")
    (inside / "link-to-passwd.css").symlink_to("/etc/passwd")
    fetcher = ConfinedURLFetcher([inside])
    for url in (
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/",
        f"file://{inside}/../../../etc/passwd",
        f"file://{inside}/link-to-passwd.css",
        "file://remote-host/etc/passwd",
        "ftp://example.org/x",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert fetcher.fetch((inside / "ok.css").as_uri()).read() == b"p { color: black }"
    assert not [path for path in watch.opened if "passwd" in path]
    assert watch.connections == []


@pytest.mark.parametrize("slug", ["../etc", "..", "a/../../b", "/etc", "UPPER"])
def test_no_slug_can_leave_the_sources_or_dist(tmp_path: Path, slug: str) -> None:
    write_source(tmp_path, "fine", "Text.\n")
    with pytest.raises(PipelineError):
        discover(tmp_path, slug)


def test_xml_the_pipeline_reads_expands_no_entities(tmp_path: Path, watch: type[Watch], jats_schema_dir: Path) -> None:
    """An XML file with an external entity and an entity bomb: validated without reading or expanding."""
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE article [<!ENTITY secret SYSTEM "file:///etc/passwd">'
        '<!ENTITY remote SYSTEM "http://169.254.169.254/latest/meta-data/">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>\n'
        "<article><front>&secret;&remote;&c;</front></article>\n"
    )
    problems = validate_jats(hostile, jats_schema_dir)
    assert problems  # not a valid JATS article, and said so
    parsed = etree.parse(str(hostile), SAFE_XML_PARSER)
    assert "aaaaaaaaaa" not in "".join(parsed.getroot().itertext())
    assert not [path for path in watch.opened if "passwd" in path]
    assert watch.connections == []
