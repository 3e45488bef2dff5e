"""The journal's own files, read back against the sources: the home page (every article, newest first,
with authors, date and a relative link), one table of contents per issue (exactly its articles), the Atom
feed (parsed by feedparser), the sitemap and one Crossref deposit per issue (the official XSD). They are
brought up to date incrementally: a no-op build writes nothing, a changed title rewrites only the pages
that show it. Expected values come from the sources (PyYAML) and house.yaml, never from the pipeline."""

from __future__ import annotations

import datetime
import shutil
import subprocess
import sys
from pathlib import Path

import feedparser
import lxml.html
import pytest
from browser import shoot
from conftest import FIXTURE_SOURCES, REPO_ROOT, made_once
from deposit_schemas import crossref_schema
from journal_sources import HOUSE, SITE, build_journal, front_matter, rebuild_journal, write_sources
from lxml import etree

from pipeline.build.run import build
from pipeline.errors import PipelineError

COUNT = 15
FORMATS = ("jats", "csl-json", "crossref", "html")
ISSUE_TITLES = {("1", "1"): "Borders and water"}
ISSUE_DATES = {("1", "1"): "2021-03-01", ("1", "2"): "2021-09-01"}
CROSSREF = "{http://www.crossref.org/schema/5.3.1}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
INVOKE = (sys.executable, "-m", "invoke", "--search-root", str(REPO_ROOT))


def make_journal(folder: Path) -> None:
    """The generated articles plus a Russian one (a page in the journal's language lists it in its own)."""
    shutil.copytree(FIXTURE_SOURCES / "ru-commentary-arbitration", folder / "extra" / "ru-commentary-arbitration")
    build_journal(folder, COUNT, FORMATS)
    shutil.copytree(folder / "extra" / "ru-commentary-arbitration", folder / "sources" / "ru-commentary-arbitration")
    report = rebuild_journal(folder, FORMATS)
    assert report.ok, report.failures


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return made_once(tmp_path_factory, "journal-pages", make_journal)


@pytest.fixture(scope="module")
def sources(journal: Path) -> dict[str, dict]:
    return {path.parent.name: front_matter(path) for path in sorted((journal / "sources").glob("*/article.md"))}


def newest_first(sources: dict[str, dict]) -> list[str]:
    return sorted(sources, key=lambda name: (str(sources[name]["issued"]), name), reverse=True)


def issue_of(front: dict) -> tuple[str, str | None] | None:
    return (str(front["volume"]), str(front["issue"]) if "issue" in front else None) if "volume" in front else None


def issue_folder(key: tuple[str, str | None]) -> str:
    return "issues/" + "/".join(part for part in key if part) + "/"


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes())


def listed(document: lxml.html.HtmlElement, base: Path) -> list[str]:
    """The slugs a listing links to, in order; each link must lead to an article's page in dist/."""
    slugs = []
    for link in document.xpath("//li[contains(@class, 'article-entry')]//*[contains(@class, 'entry-title')]/a"):
        target = (base / link.get("href")).resolve()
        assert target.is_file() and target.name == "index.html", link.get("href")
        assert not link.get("href").startswith(("/", "http")), "relative links only"
        slugs.append(target.parent.name)
    return slugs


def test_the_home_page_lists_every_article_newest_first(journal: Path, sources: dict[str, dict]) -> None:
    home = journal / "dist" / "index.html"
    document = page(home)
    assert listed(document, home.parent) == newest_first(sources)
    assert document.xpath("string(//h1)") == "Example Journal of Commentary"
    for entry in document.xpath("//li[contains(@class, 'article-entry')]"):
        name = entry.xpath(".//a")[0].get("href").split("/")[0]
        front = sources[name]
        assert entry.xpath("string(.//*[contains(@class, 'entry-title')])") == front["title"]
        byline = entry.xpath("string(.//p[@class='entry-byline'])")
        assert all(f"{person['given']} {person['family']}" in byline for person in front["author"])
        assert entry.xpath("string(.//time/@datetime)") == str(front["issued"])
        title = entry.xpath(".//*[contains(@class, 'entry-title')]")[0]
        assert (title.get("lang") or "en") == front["language"]


def test_each_issue_page_lists_exactly_its_articles(journal: Path, sources: dict[str, dict]) -> None:
    issues: dict[tuple[str, str | None], list[str]] = {}
    for name in newest_first(sources):
        if (key := issue_of(sources[name])) is not None:
            issues.setdefault(key, []).append(name)
    pages = sorted(
        path.relative_to(journal / "dist").as_posix() for path in (journal / "dist" / "issues").rglob("index.html")
    )
    assert pages == sorted(f"{issue_folder(key)}index.html" for key in issues)
    home = page(journal / "dist" / "index.html")
    home_links = home.xpath("//nav[contains(@class, 'issues')]//a/@href")
    assert sorted(home_links) == sorted(f"{issue_folder(key)}index.html" for key in issues)
    for key, names in issues.items():
        path = journal / "dist" / issue_folder(key) / "index.html"
        document = page(path)
        assert listed(document, path.parent) == names
        heading = document.xpath("string(//h1)")
        assert heading.startswith(f"Volume {key[0]}, issue {key[1]}" if key[1] else f"Volume {key[0]}")
        if key in ISSUE_TITLES:
            assert ISSUE_TITLES[key] in heading
        first = min(str(sources[name]["issued"]) for name in names)
        assert document.xpath("string(//p[@class='issue-date']/time/@datetime)") == ISSUE_DATES.get(key, first)
        assert document.xpath("string(//a[1]/@href)").startswith("../")


def test_the_pages_are_accessible_static_html_in_the_journal_language(journal: Path) -> None:
    for path in [journal / "dist" / "index.html", *(journal / "dist" / "issues").rglob("index.html")]:
        document = page(path)
        assert document.get("lang") == "en" and document.get("dir") == "ltr"
        assert not document.xpath("//script | //*[@*[starts-with(name(), 'on')]]"), path
        assert len(document.xpath("//h1")) == 1 and len(document.xpath("//main")) == 1
        assert document.xpath("string(//title)")
        assert document.xpath("//link[@rel='alternate'][@type='application/atom+xml']/@href")


def test_the_home_page_renders_in_chromium_without_console_messages(journal: Path, tmp_path: Path) -> None:
    shot = shoot(journal / "dist" / "index.html", tmp_path / "home.png")
    assert shot.console == []
    assert shot.screenshot.stat().st_size > 10_000


def test_the_feed_is_atom_with_one_entry_per_article(journal: Path, sources: dict[str, dict]) -> None:
    parsed = feedparser.parse((journal / "dist" / "feed.xml").read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "Example Journal of Commentary"
    assert [entry.link for entry in parsed.entries] == [f"{SITE}{name}/index.html" for name in newest_first(sources)]
    for entry in parsed.entries:
        front = sources[entry.link.removeprefix(SITE).split("/")[0]]
        assert entry.title == front["title"]
        assert [author.name for author in entry.authors] == [f"{p['given']} {p['family']}" for p in front["author"]]
        assert entry.published.startswith(str(front["issued"]))
        assert entry.updated.startswith(str(front.get("updated") or front["issued"]))
        assert entry.id == (f"https://doi.org/{front['DOI']}" if "DOI" in front else entry.link)
        assert entry.summary == front.get("abstract", entry.summary) and entry.summary


def test_the_sitemap_lists_the_home_issue_and_article_pages(journal: Path, sources: dict[str, dict]) -> None:
    root = etree.parse(str(journal / "dist" / "sitemap.xml")).getroot()
    locations = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in root}
    issues = {issue_of(front) for front in sources.values()} - {None}
    expected = {SITE, *(f"{SITE}{issue_folder(key)}index.html" for key in issues)}
    expected |= {f"{SITE}{name}/index.html" for name in sources}
    assert set(locations) == expected
    for name, front in sources.items():
        assert locations[f"{SITE}{name}/index.html"] == str(front.get("updated") or front["issued"])


def test_one_schema_valid_crossref_deposit_per_issue_with_its_dois(journal: Path, sources: dict[str, dict]) -> None:
    schema = crossref_schema()
    issues = {issue_of(front) for front in sources.values()} - {None}
    for key in issues:
        names = [name for name, front in sources.items() if issue_of(front) == key]
        dois = sorted(sources[name]["DOI"] for name in names if "DOI" in sources[name])
        path = journal / "dist" / issue_folder(key) / "issue.crossref.xml"
        assert path.is_file() == bool(dois), key
        if not dois:
            continue
        deposit = etree.parse(str(path))
        assert schema.validate(deposit), schema.error_log
        journals = deposit.findall(f".//{CROSSREF}journal")
        assert len(journals) == 1
        issue = journals[0].find(f"{CROSSREF}journal_issue")
        assert issue.findtext(f"{CROSSREF}journal_volume/{CROSSREF}volume") == key[0]
        assert issue.findtext(f"{CROSSREF}issue") == key[1]
        assert issue.findtext(f"{CROSSREF}titles/{CROSSREF}title") == ISSUE_TITLES.get(key)
        date = issue.find(f"{CROSSREF}publication_date")
        day = datetime.date(*(int(date.findtext(f"{CROSSREF}{part}")) for part in ("year", "month", "day")))
        first = min(str(sources[name]["issued"]) for name in names)
        assert day.isoformat() == ISSUE_DATES.get(key, first)
        found = sorted(
            element.text
            for element in journals[0].iterfind(f"{CROSSREF}journal_article/{CROSSREF}doi_data/{CROSSREF}doi")
        )
        assert found == dois


def test_the_issue_deposits_are_reproducible(journal: Path, tmp_path: Path) -> None:
    make_journal(tmp_path)
    deposits = sorted((journal / "dist" / "issues").rglob("issue.crossref.xml"))
    assert deposits
    for path in deposits:
        again = tmp_path / "dist" / path.relative_to(journal / "dist")
        assert again.read_bytes() == path.read_bytes()


def journal_files(dist: Path) -> dict[str, int]:
    """Each journal file with its modification time in nanoseconds."""
    names = ["index.html", "feed.xml", "sitemap.xml"]
    names += [path.relative_to(dist).as_posix() for path in (dist / "issues").rglob("*") if path.is_file()]
    return {name: (dist / name).stat().st_mtime_ns for name in names}


def test_the_journal_is_rebuilt_only_when_an_article_changes(tmp_path: Path) -> None:
    build_journal(tmp_path, 8)
    dist = tmp_path / "dist"
    before = journal_files(dist)
    again = rebuild_journal(tmp_path)
    assert again.built == [] and journal_files(dist) == before
    # A new title for one article of issue 1.1: the pages that show it change, the other issue's does not.
    source = tmp_path / "sources" / "commentary-0001" / "article.md"
    source.write_text(source.read_text(encoding="utf-8").replace("Commentary 1:", "Commentary One:"), encoding="utf-8")
    changed = rebuild_journal(tmp_path)
    after = journal_files(dist)
    rewritten = {name for name in before if after.get(name) != before[name]}
    assert {"index.html", "feed.xml", "issues/1/1/index.html"} <= rewritten
    assert "issues/1/2/index.html" not in rewritten
    assert {dist / name for name in rewritten} <= set(changed.built)
    assert "Commentary One: on rivers" in (dist / "issues/1/1/index.html").read_text(encoding="utf-8")


def test_without_a_site_there_is_no_feed_or_sitemap_and_an_emptied_issue_goes(tmp_path: Path) -> None:
    build_journal(tmp_path, 5)
    dist = tmp_path / "dist"
    assert (dist / "feed.xml").is_file()
    (tmp_path / "house.yaml").write_text(HOUSE.replace(f"site: {SITE}\n", ""), encoding="utf-8")
    # Every article moves out of volume 2: its pages and deposit go, and nothing else is left behind.
    for source in (tmp_path / "sources").glob("*/article.md"):
        text = source.read_text(encoding="utf-8")
        source.write_text(text.replace("volume: 2\n", "volume: 1\n"), encoding="utf-8")
    report = rebuild_journal(tmp_path)
    assert report.ok
    assert not (dist / "feed.xml").exists() and not (dist / "sitemap.xml").exists()
    assert not (dist / "issues" / "2").exists()
    assert not page(dist / "index.html").xpath("//link[@type='application/atom+xml']")


def test_a_source_named_like_the_issue_pages_is_refused(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE_SOURCES / "two-authors-open-access", tmp_path / "sources" / "issues")
    with pytest.raises(PipelineError, match="the slug 'issues' names the journal's issue pages; rename the folder"):
        build(("csl-json",), source_root=tmp_path / "sources", dist=tmp_path / "dist", journal=True)
    assert not (tmp_path / "dist").exists()


def test_a_bad_site_option_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE_SOURCES / "two-authors-open-access", tmp_path / "sources" / "one")
    result = subprocess.run(
        [
            *INVOKE,
            "build-all",
            "--sources",
            str(tmp_path / "sources"),
            "--dist",
            str(tmp_path / "dist"),
            "--site",
            "example.org",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    expected = (
        "error: --site 'example.org' must be an http(s) address ending in a slash, such as https://journal.example.org/"
    )
    assert result.stderr.strip() == expected
    assert not (tmp_path / "dist").exists()


def test_invoke_build_all_writes_the_journal_and_a_second_run_leaves_it(tmp_path: Path) -> None:
    """Through the command line: build-all (every format) brings the journal up to date, build-jats does not."""
    write_sources(tmp_path / "sources", 2)
    (tmp_path / "house.yaml").write_text(HOUSE.replace(f"site: {SITE}\n", ""), encoding="utf-8")
    common = [
        "--sources",
        str(tmp_path / "sources"),
        "--dist",
        str(tmp_path / "dist"),
        "--house",
        str(tmp_path / "house.yaml"),
    ]
    jats_only = subprocess.run([*INVOKE, "build-jats", *common], capture_output=True, text=True, check=False)
    assert jats_only.returncode == 0, jats_only.stderr
    assert not (tmp_path / "dist" / "index.html").exists()
    site = "https://pages.example.org/journal/"
    first = subprocess.run([*INVOKE, "build-all", *common, "--site", site], capture_output=True, text=True, check=False)
    assert first.returncode == 0, first.stderr
    assert "journal  " in first.stdout
    parsed = feedparser.parse((tmp_path / "dist" / "feed.xml").read_bytes())
    assert parsed.bozo == 0 and [entry.link for entry in parsed.entries] == [
        f"{site}commentary-0002/index.html",
        f"{site}commentary-0001/index.html",
    ]
    again = subprocess.run([*INVOKE, "build-all", *common, "--site", site], capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stderr
    assert "journal  6 file(s) unchanged" in again.stdout and "built 0 artifact(s)" in again.stdout


def test_the_pages_speak_the_house_language(tmp_path: Path) -> None:
    build_journal(tmp_path, 5)
    (tmp_path / "house.yaml").write_text(HOUSE + "language: fr\n", encoding="utf-8")
    assert rebuild_journal(tmp_path).ok
    home = page(tmp_path / "dist" / "index.html")
    assert home.get("lang") == "fr"
    assert [heading.text_content() for heading in home.xpath("//h2")] == ["Numéros", "Articles"]
    assert "Volume 1, numéro 1" in home.xpath("string(//nav[contains(@class, 'issues')])")
    assert home.xpath("string(//time/@datetime)") and "janvier" in home.xpath(
        "string(//li[contains(@class, 'article-entry')][last()]//time)"
    )
