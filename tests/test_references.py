"""References and citations, read back from every format with independent readers.

Expected values come from the sources themselves: the cited keys from the Markdown (a regular
expression, not pandoc), the reference data from the bibliography files (pybtex for BibTeX, json for
CSL-JSON). Outputs are read with lxml (JATS, web page), zipfile + lxml (EPUB) and pypdf (PDF).
"""

from __future__ import annotations

import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest
import yaml
from conftest import FIXTURE_SOURCES, Built
from lxml import etree
from pybtex.database import parse_file
from pypdf import PdfReader

from pipeline.build import fingerprint
from pipeline.source import bibliography as references

XLINK = "{http://www.w3.org/1999/xlink}href"
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
CITED_SOURCES = ("cited-author-date", "cited-note-style")
# A citation key in pandoc Markdown: @key, [@key, p. 4], [-@key]; not an e-mail address.
CITATION = re.compile(r"(?<![\w.])-?@([A-Za-z0-9_][\w:.#$%&+?<>~/-]*\w|[A-Za-z0-9_])")


@dataclass(frozen=True)
class Expected:
    """One reference as its bibliography file gives it."""

    key: str
    surnames: tuple[str, ...]
    organisations: tuple[str, ...]
    title: str
    container: str | None
    year: str | None
    doi: str | None


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """Compare titles without case or quote shape: pandoc's BibTeX reader sentence-cases English titles
    (CSL restyles them) and its CSL readers make apostrophes typographic."""
    return normalise(text).casefold().replace("’", "'")


def front_and_body(slug: str) -> tuple[dict[str, object], str]:
    text = (FIXTURE_SOURCES / slug / "article.md").read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def expected_keys(slug: str) -> set[str]:
    """Every key the body cites or nocite lists."""
    front, body = front_and_body(slug)
    nocite = {str(entry).removeprefix("@") for entry in front.get("nocite", [])}  # type: ignore[union-attr]
    return set(CITATION.findall(body)) | nocite


def bibliography(slug: str) -> dict[str, Expected]:
    front, _ = front_and_body(slug)
    path = FIXTURE_SOURCES / slug / str(front["bibliography"])
    if path.suffix == ".bib":
        return _from_bibtex(path)
    return _from_csl_json(path)


def _braces(text: str) -> str:
    return text.replace("{", "").replace("}", "")


def _from_bibtex(path: Path) -> dict[str, Expected]:
    found: dict[str, Expected] = {}
    for key, entry in parse_file(str(path), bib_format="bibtex").entries.items():
        people = entry.persons.get("author", [])
        surnames = tuple(_braces(" ".join(p.last_names)) for p in people if p.first_names)
        organisations = tuple(_braces(" ".join(p.last_names)) for p in people if not p.first_names)
        fields = entry.fields
        container = fields.get("journaltitle") or fields.get("booktitle")
        year = fields.get("date", fields.get("year", ""))[:4] or None
        found[key] = Expected(
            key, surnames, organisations, _braces(fields["title"]), container and _braces(container), year,
            fields.get("doi"),
        )  # fmt: skip
    return found


def _from_csl_json(path: Path) -> dict[str, Expected]:
    found: dict[str, Expected] = {}
    for item in json.loads(path.read_text(encoding="utf-8")):
        people = item.get("author", [])
        parts = (item.get("issued") or {}).get("date-parts") or [[]]
        found[item["id"]] = Expected(
            key=item["id"],
            surnames=tuple(p["family"] for p in people if "family" in p),
            organisations=tuple(p["literal"] for p in people if "literal" in p),
            title=item["title"],
            container=item.get("container-title"),
            year=str(parts[0][0]) if parts[0] else None,
            doi=item.get("DOI"),
        )
    return found


@pytest.fixture(params=CITED_SOURCES)
def cited(request: pytest.FixtureRequest, built_all: dict[str, Built]) -> Built:
    return built_all[request.param]


def test_the_fixtures_cover_the_acceptance_cases() -> None:
    """Each cited fixture: ten references or more, of the types the issue names, locators and a nocite."""
    styles = set()
    for slug in CITED_SOURCES:
        front, body = front_and_body(slug)
        assert len(expected_keys(slug)) >= 10
        assert front.get("nocite")
        assert re.search(r"@\w+, (p\.|pp\.|para|art|s) ?\d", body), "no locator"
        raw = (FIXTURE_SOURCES / slug / str(front["bibliography"])).read_text(encoding="utf-8")
        assert re.search(r"doi", raw, re.IGNORECASE)
        styles.add(front["csl"])
    assert styles == {"apa", "oscola"}
    legal = (FIXTURE_SOURCES / "cited-note-style" / "references.json").read_text(encoding="utf-8")
    assert {'"legal_case"', '"legislation"', '"treaty"', '"chapter"', '"report"', '"webpage"'} <= set(
        re.findall(r'"type": ("[a-z_-]+")', legal)
    )


# --- JATS --------------------------------------------------------------------------------------


def test_jats_ref_list_holds_each_reference_in_its_elements(cited: Built) -> None:
    slug = cited.article.slug
    root = etree.parse(str(cited.jats)).getroot()
    refs = root.findall("back/ref-list/ref")
    assert {ref.get("id") for ref in refs} == {f"ref-{key}" for key in expected_keys(slug)}
    assert root.findtext("back/ref-list/title") == "References"
    data = bibliography(slug)
    for ref in refs:
        expected = data[ref.get("id").removeprefix("ref-")]
        citation = ref.find("element-citation")
        assert citation is not None and citation.get("publication-type"), expected.key
        authors = citation.find("person-group[@person-group-type='author']")
        surnames = tuple(authors.xpath("name/surname/text()")) if authors is not None else ()
        collabs = tuple(authors.xpath("collab/text()")) if authors is not None else ()
        assert (surnames, collabs) == (expected.surnames, expected.organisations), expected.key
        titles = [fold(element.text or "") for element in citation if element.tag.endswith("title")]
        titles += [fold(citation.findtext("source") or "")]
        assert fold(expected.title) in titles, expected.key
        if expected.container:
            assert fold(citation.findtext("source") or "") == fold(expected.container), expected.key
        assert citation.findtext("year") == expected.year, expected.key
        assert citation.findtext("pub-id[@pub-id-type='doi']") == expected.doi, expected.key
        mixed = ref.find("mixed-citation")
        assert mixed is not None and normalise("".join(mixed.itertext())), expected.key


def test_jats_every_citation_is_an_xref_that_resolves(cited: Built) -> None:
    root = etree.parse(str(cited.jats)).getroot()
    ids = set(root.xpath("//ref/@id"))
    xrefs = root.xpath("//xref[@ref-type='bibr']")
    rids = {rid for xref in xrefs for rid in xref.get("rid").split()}
    assert rids <= ids
    front, _ = front_and_body(cited.article.slug)
    cited_in_text = expected_keys(cited.article.slug) - {str(e).removeprefix("@") for e in front["nocite"]}
    assert rids == {f"ref-{key}" for key in cited_in_text}


def test_jats_note_style_citations_sit_in_footnotes(built_all: dict[str, Built]) -> None:
    root = etree.parse(str(built_all["cited-note-style"].jats)).getroot()
    assert not root.xpath("//body//xref[@ref-type='bibr']"), "a note style cites from footnotes only"
    assert len(root.xpath("//fn//xref[@ref-type='bibr']")) >= 10
    # The author's own note is numbered among citeproc's: the second of the notes.
    notes = root.xpath("//fn-group/fn")
    assert "author’s own note" in normalise("".join(notes[1].itertext()))


def test_pandoc_reads_every_reference_back_from_the_jats(cited: Built) -> None:
    import pypandoc

    read = json.loads(pypandoc.convert_file(str(cited.jats), "csljson", format="jats"))
    data = bibliography(cited.article.slug)
    # pandoc's reader takes the id prefix its writer adds ("ref-") off again.
    assert {item["id"] for item in read} == expected_keys(cited.article.slug)
    for item in read:
        expected = data[item["id"]]
        assert fold(item.get("title", "")) in (fold(expected.title), fold(expected.container or "")), expected.key
        if expected.doi:
            assert item.get("DOI") == expected.doi


# --- web page ----------------------------------------------------------------------------------


def web_page(built: Built) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(built.jats.parent / "index.html")).getroot()


def test_web_highwire_citation_reference_per_reference(cited: Built) -> None:
    page = web_page(cited)
    contents = page.xpath("//head/meta[@name='citation_reference']/@content")
    data = bibliography(cited.article.slug)
    keys = expected_keys(cited.article.slug)
    assert len(contents) == len(keys)
    titles = {fold(re.search(r"citation_title=([^;]+)", content).group(1)) for content in contents}
    assert titles == {fold(data[key].title) for key in keys}
    dois = {m.group(1) for content in contents for m in re.finditer(r"citation_doi=([^;]+)", content)}
    assert dois == {data[key].doi for key in keys if data[key].doi}


def test_web_json_ld_citation_lists_the_works(cited: Built) -> None:
    page = web_page(cited)
    data = json.loads(page.xpath("//script[@type='application/ld+json']")[0].text)
    names = {fold(work["name"]) for work in data["citation"]}
    expected = bibliography(cited.article.slug)
    assert names == {fold(expected[key].title) for key in expected_keys(cited.article.slug)}


def test_web_bibliography_section_links_dois(cited: Built) -> None:
    page = web_page(cited)
    sections = page.xpath("//section[@role='doc-bibliography']")
    assert len(sections) == 1
    entries = sections[0].xpath(".//div[contains(@class, 'csl-entry')]")
    assert len(entries) == len(expected_keys(cited.article.slug))
    expected = bibliography(cited.article.slug)
    for doi in (item.doi for item in expected.values() if item.doi):
        assert sections[0].xpath(f".//a[contains(@href, '{doi}')]"), doi
    for link in page.xpath("//a[@role='doc-biblioref']/@href"):
        assert page.xpath(f"//*[@id='{link.removeprefix('#')}']"), link


# --- EPUB --------------------------------------------------------------------------------------


def test_epub_bibliography_and_links_in_one_document(cited: Built) -> None:
    with zipfile.ZipFile(cited.epub) as book:
        documents = [name for name in book.namelist() if name.endswith(".xhtml")]
        holding = []
        for name in documents:
            tree = etree.fromstring(book.read(name))
            sections = tree.xpath("//x:section[@role='doc-bibliography']", namespaces=XHTML)
            if sections:
                holding.append((tree, sections[0]))
    assert len(holding) == 1
    tree, section = holding[0]
    entries = section.xpath(".//x:div[contains(@class, 'csl-entry')]", namespaces=XHTML)
    assert {entry.get("id") for entry in entries} == {f"ref-{key}" for key in expected_keys(cited.article.slug)}
    ids = set(tree.xpath("//@id"))
    links = tree.xpath("//x:a[@role='doc-biblioref']/@href", namespaces=XHTML)
    assert links and all(link.removeprefix("#") in ids for link in links)
    hrefs = section.xpath(".//x:a/@href", namespaces=XHTML)
    dois = {item.doi for item in bibliography(cited.article.slug).values() if item.doi}
    assert all(any(doi in href for href in hrefs) for doi in dois), (dois, hrefs)
    epub_text = normalise("".join(section.itertext()))
    for reference in cited.article.references:
        assert normalise(reference.text) in epub_text


# --- PDF ---------------------------------------------------------------------------------------


def test_pdf_holds_each_formatted_entry(cited: Built) -> None:
    text = normalise(" ".join(page.extract_text() for page in PdfReader(cited.pdf).pages))
    text = text.replace("- ", "-")  # a URL broken across lines
    for reference in cited.article.references:
        words = normalise(reference.text).split(" ")
        # Lines break anywhere: compare the entry's opening words, and its title as the source has it.
        assert " ".join(words[:4]) in text, reference.id
    assert "REFERENCES" in text.upper()
    uris = {
        str(annotation.get_object()["/A"].get("/URI"))
        for page in PdfReader(cited.pdf).pages
        for annotation in page.get("/Annots") or []
        if "/A" in annotation.get_object()
    }
    dois = {item.doi for item in bibliography(cited.article.slug).values() if item.doi}
    assert all(f"https://doi.org/{doi}" in uris for doi in dois), (dois, uris)


def test_author_date_citations_with_locators_in_the_text(built_all: dict[str, Built]) -> None:
    built = built_all["cited-author-date"]
    page = web_page(built)
    body = normalise("".join(page.xpath("//div[@id='article-body']")[0].itertext()))
    assert "(Okafor & Lindqvist, 2021, p. 110)" in body
    assert "Haddad (2019)" in body
    assert "pp. 50–52" in body
    assert "(2023)" in body  # the suppressed author: [-@riverwatch2023]


# --- inputs of the incremental build -----------------------------------------------------------


def test_the_styles_package_version_and_the_house_style_are_build_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    before = fingerprint.code_fingerprint.__wrapped__()
    monkeypatch.setattr(fingerprint, "styles_version", lambda: "0.0.0-other")
    assert fingerprint.code_fingerprint.__wrapped__() != before


def test_the_house_style_is_a_known_style_id() -> None:
    assert references.house_style_id() in references.style_ids()


# --- the source contract, case by case ---------------------------------------------------------

MINIMAL = Path(__file__).parent / "fixtures" / "bad" / "minimal-valid" / "article.md"
BOOK_BIB = "@book{haddad2019,\n  author = {Haddad, Samir},\n  title = {Water Sovereignty},\n  date = {2019}\n}\n"
CASE_YAML = (
    "---\nreferences:\n- id: gabcikovo1997\n  type: legal_case\n  title: Gabčíkovo-Nagymaros Project\n"
    "  issued:\n    date-parts: [[1997]]\n---\n"
)


def source_with(folder: Path, front: str, body: str, files: dict[str, str] | None = None) -> Path:
    """minimal-valid with extra front-matter lines and another body, plus files beside it."""
    head, _ = MINIMAL.read_text(encoding="utf-8").rsplit("---\n", 1)
    path = folder / "case" / "article.md"
    path.parent.mkdir(parents=True)
    path.write_text(head.removesuffix("\n") + "\n" + front + "---\n\n" + body + "\n", encoding="utf-8")
    for name, text in (files or {}).items():
        (path.parent / name).write_text(text, encoding="utf-8")
    return path


def test_inline_references_and_a_yaml_file_together(tmp_path: Path) -> None:
    from pipeline.prepare.article import load_article

    front = (
        "bibliography: [cases.yaml]\ncsl: apa\nreferences:\n  - id: hra1998\n    type: legislation\n"
        "    title: Human Rights Act 1998\n"
    )
    path = source_with(tmp_path, front, "Cited [@gabcikovo1997] and [@hra1998].", {"cases.yaml": CASE_YAML})
    article = load_article(path)
    assert {reference.id for reference in article.references} == {"gabcikovo1997", "hra1998"}
    assert article.citation_style == "apa"


def test_a_key_in_two_files_is_a_duplicate(tmp_path: Path) -> None:
    from pipeline.errors import SourceError
    from pipeline.prepare.article import load_article

    path = source_with(
        tmp_path, "bibliography: [a.bib, b.bib]\n", "Cited [@haddad2019].", {"a.bib": BOOK_BIB, "b.bib": BOOK_BIB}
    )
    with pytest.raises(SourceError) as caught:
        load_article(path)
    assert (caught.value.path.name, caught.value.line, caught.value.field) == ("b.bib", 1, "bibliography")
    assert "key 'haddad2019' is defined twice (also at" in caught.value.message
    assert "a.bib:1" in caught.value.message


def test_without_csl_the_house_default_applies(tmp_path: Path) -> None:
    from pipeline.prepare.article import load_article

    article = load_article(
        source_with(tmp_path, "bibliography: refs.bib\n", "As @haddad2019 says.", {"refs.bib": BOOK_BIB})
    )
    house = json.loads((Path(__file__).parents[1] / "styles" / "citation.json").read_text(encoding="utf-8"))["csl"]
    assert article.citation_style == house
    assert [reference.id for reference in article.references] == ["haddad2019"]


def test_a_dependent_style_id_is_resolved_to_its_parent(tmp_path: Path) -> None:
    from pipeline.prepare.article import load_article

    dependent = sorted((references.styles_folder() / "dependent").glob("*.csl"))[0].stem
    path = source_with(
        tmp_path, f"bibliography: refs.bib\ncsl: {dependent}\n", "See [@haddad2019].", {"refs.bib": BOOK_BIB}
    )
    article = load_article(path)
    assert article.citation_style == dependent and len(article.references) == 1


def test_nocite_everything_lists_every_entry_without_citations(tmp_path: Path) -> None:
    from pipeline.prepare.article import load_article

    two = BOOK_BIB + BOOK_BIB.replace("haddad2019", "other2020")
    path = source_with(tmp_path, 'bibliography: refs.bib\nnocite: ["@*"]\n', "No citation here.", {"refs.bib": two})
    assert {reference.id for reference in load_article(path).references} == {"haddad2019", "other2020"}


def test_a_bibliography_url_is_untrusted_input(tmp_path: Path) -> None:
    from pipeline.errors import SourceError
    from pipeline.prepare.article import load_article

    bad = BOOK_BIB.replace("date = {2019}", "date = {2019},\n  url = {javascript:alert(1)}")
    path = source_with(tmp_path, "bibliography: refs.bib\ncsl: apa\n", "See [@haddad2019].", {"refs.bib": bad})
    with pytest.raises(SourceError) as caught:
        load_article(path)
    assert (caught.value.path.name, caught.value.line) == ("refs.bib", 1)
    assert "is not allowed" in caught.value.message


# --- the suggested citation, by the house's own CSL style --------------------------------------


def test_the_seed_suggested_citation_is_unchanged_byte_for_byte() -> None:
    from pipeline.prepare.article import load_article
    from pipeline.prepare.citation import suggested_citation

    seed = (Path(__file__).parent / "fixtures" / "seed" / "commentary.txt").read_text(encoding="utf-8")
    printed = next(line for line in seed.splitlines() if line.startswith("Suggested citation: "))
    article = load_article(Path(__file__).parents[1] / "source" / "kazakhstan-russia-ukraine" / "article.md")
    assert suggested_citation(article) == printed.removeprefix("Suggested citation: ")


@pytest.mark.parametrize("slug", ["two-authors-open-access", "cited-note-style"])
def test_the_suggested_citation_follows_the_house_form(slug: str) -> None:
    from babel import Locale
    from babel.dates import format_date

    from pipeline.prepare.article import load_article
    from pipeline.prepare.citation import suggested_citation

    front, _ = front_and_body(slug)
    names = [f"{person['given']} {person['family']}" for person in front["author"]]
    authors = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    issued = front["issued"]
    # The long date of the article's language (CLDR's, as CSL's locale has it).
    day = format_date(issued, "long", locale=Locale.parse(front["language"], sep="-"))
    link = f"https://doi.org/{front['DOI']}" if "DOI" in front else front["URL"]
    expected = f"{authors}, {front['title']}, {front['container-title']}, {day}, {link}."
    assert suggested_citation(load_article(FIXTURE_SOURCES / slug / "article.md")) == expected


def test_the_house_citation_style_is_valid_csl() -> None:
    from importlib.resources import files

    schema = etree.RelaxNG(etree.parse(str(files("citeproc") / "data/schema/schemas/styles/csl.rng")))
    style = etree.parse(str(Path(__file__).parents[1] / "styles" / "house-citation.csl"))
    assert schema.validate(style), schema.error_log


def test_nocite_on_one_line_as_pandoc_writes_it(tmp_path: Path) -> None:
    from pipeline.prepare.article import load_article

    two = BOOK_BIB + BOOK_BIB.replace("haddad2019", "other2020")
    front = 'bibliography: refs.bib\nnocite: "@haddad2019, @other2020"\n'
    path = source_with(tmp_path, front, "No citation here.", {"refs.bib": two})
    assert {reference.id for reference in load_article(path).references} == {"haddad2019", "other2020"}


def test_an_entry_without_an_id_is_refused(tmp_path: Path) -> None:
    from pipeline.errors import SourceError
    from pipeline.prepare.article import load_article

    no_id = '[\n  {"type": "book", "title": "Nameless"}\n]\n'
    path = source_with(tmp_path, "bibliography: refs.json\n", "No citation here.", {"refs.json": no_id})
    with pytest.raises(SourceError) as caught:
        load_article(path)
    assert (caught.value.path.name, caught.value.field) == ("refs.json", "bibliography")
    assert "the entry 'Nameless' has no id" in caught.value.message


def test_the_suggested_citation_prints_the_title_as_set_and_names_as_typed(tmp_path: Path) -> None:
    from pipeline.prepare.article import load_article
    from pipeline.prepare.citation import suggested_citation

    title = 'Russia\'s "War" & <Peace> 1 < 2 ‘so-called’ “peace”'
    # A tag-like word is escaped in Markdown (raw HTML other than the safe subset is refused).
    written = title.replace("<Peace>", "\\<Peace>")
    source = MINIMAL.read_text(encoding="utf-8").replace("title: A Minimal Commentary", f"title: {json.dumps(written)}")
    source = source.replace("family: Lovelace", "family: O'Lovelace")
    path = tmp_path / "case" / "article.md"
    path.parent.mkdir()
    path.write_text(source, encoding="utf-8")
    front = yaml.safe_load(source.split("---\n")[1])
    # The title's punctuation is set (tests/test_punctuation.py); a name is data, as typed.
    set_title = "Russia’s “War” & <Peace> 1 < 2"
    expected = f"Ada O'Lovelace, {set_title}, {front['container-title']}, March 22, 2022, {front['URL']}."
    assert suggested_citation(load_article(path)) == expected
