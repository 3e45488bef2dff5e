"""Volume and issue, optional in the front matter: carried into every format that has a place for them
(JATS, CSL-JSON, BibTeX, RIS, Highwire tags, the Crossref ``<journal_issue>``, DOAJ), read back with
independent readers (lxml, json, pybtex, line by line for RIS); left out entirely for an article in
continuous publication. Issue titles and dates in house.yaml are schema-checked like every setting."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import lxml.html
import pytest
from conftest import FIXTURE_SOURCES, REPO_ROOT, house_refusal
from deposit_schemas import crossref_schema, doaj_schema
from lxml import etree
from pybtex.database import parse_file

from pipeline.build.run import build
from pipeline.check.official_schemas import JATS_ARCHIVING, schema_dir
from pipeline.errors import shown
from pipeline.source.house import load_house

SLUG = "two-authors-open-access"
FORMATS = ("jats", "csl-json", "bibtex", "ris", "html", "crossref", "doaj")
HOUSE = """registrant: Example School of Law
depositor: {name: Example Journal, email: deposits@example.org}
issues:
  - {volume: 3, issue: S1, title: "Rivers", date: 2023-12-01}
"""
CROSSREF = "{http://www.crossref.org/schema/5.3.1}"


def source_with(tmp_path: Path, extra: str) -> tuple[Path, int]:
    """The fixture copied with ``extra`` front-matter lines before its date: its article.md and the line
    the first of them is on."""
    source = tmp_path / "sources" / SLUG / "article.md"
    shutil.copytree(FIXTURE_SOURCES / SLUG, source.parent)
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("\nissued:", f"\n{extra}issued:", 1), encoding="utf-8")
    return source, text[: text.index("\nissued:")].count("\n") + 2


def build_with(tmp_path: Path, extra: str) -> Path:
    """The fixture with ``extra`` front-matter lines before its date, built; its dist folder."""
    source_with(tmp_path, extra)
    (tmp_path / "house.yaml").write_text(HOUSE, encoding="utf-8")
    report = build(
        FORMATS, source_root=tmp_path / "sources", dist=tmp_path / "dist", house_config=tmp_path / "house.yaml"
    )
    assert report.ok, report.failures
    return tmp_path / "dist" / SLUG


def facts(folder: Path) -> dict[str, object]:
    """What each format says of the volume and the issue."""
    jats = etree.parse(str(folder / f"{SLUG}.xml"))
    csl = json.loads((folder / f"{SLUG}.csl.json").read_text(encoding="utf-8"))[0]
    bib = next(iter(parse_file(str(folder / f"{SLUG}.bib")).entries.values())).fields
    ris = dict(
        line.split("  - ", 1)
        for line in (folder / f"{SLUG}.ris").read_text(encoding="utf-8").splitlines()
        if "  - " in line
    )
    page = lxml.html.fromstring((folder / "index.html").read_bytes())
    crossref = etree.parse(str(folder / f"{SLUG}.crossref.xml"))
    doaj = etree.parse(str(folder / f"{SLUG}.doaj.xml"))
    issue = crossref.find(f".//{CROSSREF}journal_issue")
    return {
        "jats": (jats.findtext(".//article-meta/volume"), jats.findtext(".//article-meta/issue")),
        "csl": (csl.get("volume"), csl.get("issue")),
        "bibtex": (bib.get("volume"), bib.get("number")),
        "ris": (ris.get("VL"), ris.get("IS")),
        "highwire": tuple(
            page.xpath(f"string(//meta[@name='citation_{name}']/@content)") or None for name in ("volume", "issue")
        ),
        "crossref": (
            issue.findtext(f"{CROSSREF}journal_volume/{CROSSREF}volume") if issue is not None else None,
            issue.findtext(f"{CROSSREF}issue") if issue is not None else None,
        ),
        "doaj": (doaj.findtext(".//volume"), doaj.findtext(".//issue")),
    }


def test_volume_and_issue_reach_every_format(tmp_path: Path) -> None:
    folder = build_with(tmp_path, "volume: 3\nissue: S1\n")
    assert facts(folder) == {
        name: ("3", "S1") for name in ("jats", "csl", "bibtex", "ris", "highwire", "crossref", "doaj")
    }
    crossref = etree.parse(str(folder / f"{SLUG}.crossref.xml"))
    schema = crossref_schema()
    assert schema.validate(crossref), schema.error_log
    issue = crossref.find(f".//{CROSSREF}journal_issue")
    assert issue.findtext(f"{CROSSREF}titles/{CROSSREF}title") == "Rivers"
    assert [issue.findtext(f"{CROSSREF}publication_date/{CROSSREF}{part}") for part in ("year", "month", "day")] == [
        "2023",
        "12",
        "01",
    ]
    assert doaj_schema().validate(etree.parse(str(folder / f"{SLUG}.doaj.xml")))
    dtd = etree.DTD(str(schema_dir(JATS_ARCHIVING) / "JATS-archivearticle1-mathml3.dtd"))
    assert dtd.validate(etree.parse(str(folder / f"{SLUG}.xml"))), dtd.error_log.filter_from_errors()


def test_a_volume_alone_is_a_volume_without_issue_dated_by_the_article(tmp_path: Path) -> None:
    folder = build_with(tmp_path, "volume: 12\n")
    assert facts(folder) == {
        name: ("12", None) for name in ("jats", "csl", "bibtex", "ris", "highwire", "crossref", "doaj")
    }
    issue = etree.parse(str(folder / f"{SLUG}.crossref.xml")).find(f".//{CROSSREF}journal_issue")
    assert issue.findtext(f"{CROSSREF}publication_date/{CROSSREF}year") == "2023"
    assert crossref_schema().validate(issue.getroottree())


def test_continuous_publication_has_neither_anywhere(tmp_path: Path) -> None:
    assert facts(build_with(tmp_path, "")) == {
        name: (None, None) for name in ("jats", "csl", "bibtex", "ris", "highwire", "crossref", "doaj")
    }


def test_a_corrected_article_carries_its_correction_date_in_jats(tmp_path: Path) -> None:
    folder = build_with(tmp_path, "updated: 2024-01-15\n")
    dates = etree.parse(str(folder / f"{SLUG}.xml")).findall(".//article-meta/pub-date")
    assert [(date.get("date-type"), date.get("iso-8601-date")) for date in dates][1] == ("corrected", "2024-01-15")
    dtd = etree.DTD(str(schema_dir(JATS_ARCHIVING) / "JATS-archivearticle1-mathml3.dtd"))
    assert dtd.validate(etree.parse(str(folder / f"{SLUG}.xml"))), dtd.error_log.filter_from_errors()


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ("issue: 2\n", "issue", "needs volume too; give both or neither"),
        ("volume: 'three / four'\n", "volume", "must be a whole number or a short label"),
        ("volume: 0\n", "volume", "must be a whole number or a short label"),
    ],
)
def test_a_bad_volume_or_issue_is_named_by_line_and_field(tmp_path: Path, extra: str, field: str, message: str) -> None:
    source, line = source_with(tmp_path, extra)
    report = build(("csl-json",), source_root=tmp_path / "sources", dist=tmp_path / "dist")
    assert not report.ok and not (tmp_path / "dist" / SLUG).exists()
    assert report.failures[0].startswith(f"{shown(source)}:{line}: {field}: "), report.failures
    assert message in report.failures[0]


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("issues:\n  - {issue: 2}\n", 2, "issues[0].volume", "is required but missing"),
        ("issues:\n  - {volume: 1, date: 2021-02-30}\n", 2, "issues[0].date", "not a real calendar date"),
        ("site: journal.example.org\n", 1, "site", "must be an http(s) address ending in a slash"),
        ("language: 'english please'\n", 1, "language", "BCP 47"),
    ],
)
def test_bad_journal_settings_are_named_by_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    _path, error = house_refusal(tmp_path, text)
    assert (error.line, error.field) == (line, field), str(error)
    assert message in error.message, str(error)


def test_the_project_house_file_still_loads() -> None:
    assert load_house(REPO_ROOT / "house.yaml").issues == ()
