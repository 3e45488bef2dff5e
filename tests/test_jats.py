"""The JATS writer, checked by reading its file back with lxml and pandoc, against the model.

Expected values come from the loaded Article, never from the writer, so a wrong mapping cannot
agree with itself.
"""

from __future__ import annotations

import json
import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypandoc
import pytest
from catalogues import country_code, label
from lxml import etree

from pipeline.check import official_schemas, validate
from pipeline.check.official_schemas import JATS_PUBLISHING
from pipeline.formats import artifact_name
from pipeline.model import Article, Person
from pipeline.pandoc import paragraphs, stringify
from pipeline.prepare.article import load_article
from pipeline.prepare.citation import suggested_citation
from pipeline.writers import jats

REPO_ROOT = Path(__file__).resolve().parents[1]
SOURCES = {
    "kazakhstan": REPO_ROOT / "source/kazakhstan-russia-ukraine/article.md",
    "two-authors": REPO_ROOT / "tests/fixtures/sources/two-authors-open-access/article.md",
}
DTD_DRIVER = "JATS-archivearticle1-mathml3.dtd"
XSD_DRIVER = "JATS-journalpublishing1-4-mathml3.xsd"
PUBLIC_ID = "-//NLM//DTD JATS (Z39.96) Journal Archiving and Interchange DTD with MathML3 v1.2 20190208//EN"
XLINK = "http://www.w3.org/1999/xlink"
ALI = "http://www.niso.org/schemas/ali/1.0/"
MATHML = "http://www.w3.org/1998/Math/MathML"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
HREF = f"{{{XLINK}}}href"


@dataclass(frozen=True)
class Built:
    article: Article
    path: Path
    tree: etree._ElementTree

    @property
    def root(self) -> etree._Element:
        return self.tree.getroot()

    @property
    def meta(self) -> etree._Element:
        return self.root.find("front/article-meta")


@pytest.fixture(scope="module", params=sorted(SOURCES), ids=sorted(SOURCES))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    article = load_article(SOURCES[request.param])
    path = tmp_path_factory.mktemp(request.param) / artifact_name("jats", article.slug)
    jats.write(article, path)
    # Read back as an archive would, but without fetching or expanding anything.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return Built(article, path, etree.parse(str(path), parser))


@pytest.fixture(scope="module")
def publishing_xsd_dir() -> Path:
    """The JATS 1.4 Publishing XSD folder, found as `invoke validate` finds it. Tests fail (never skip)
    when it is missing."""
    folder = official_schemas.schema_dir(JATS_PUBLISHING)
    assert folder is not None and (folder / XSD_DRIVER).is_file(), official_schemas.not_found(JATS_PUBLISHING)
    return folder


@pytest.fixture(scope="module")
def publishing_schema(publishing_xsd_dir: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(publishing_xsd_dir / XSD_DRIVER)))


def text_of(element: etree._Element | None) -> str:
    """Whitespace-normalised text of an element and its descendants."""
    assert element is not None
    return " ".join("".join(element.itertext()).split())


def normalised(text: str) -> str:
    return " ".join(text.split())


def paragraphs_of(text: str | None) -> list[str]:
    """A plain-text field's blank-line-separated paragraphs, whitespace-normalised."""
    return [normalised(part) for part in re.split(r"\n\s*\n", text or "") if part.strip()]


def test_valid_against_the_official_dtd(built: Built, jats_schema_dir: Path) -> None:
    driver = jats_schema_dir / DTD_DRIVER
    assert driver.is_file(), f"JATS 1.2 Archiving DTD not found at {driver}: set JATS_SCHEMA_DIR"
    dtd = etree.DTD(str(driver))
    assert dtd.validate(built.tree), dtd.error_log.filter_from_errors()


def test_the_sources_cover_both_journal_shapes() -> None:
    """Without a source with and one without an ISSN, the Publishing tests below would be vacuous."""
    assert sorted(bool(load_article(source).ISSN) for source in SOURCES.values()) == [False, True]


def test_valid_against_the_publishing_xsd_when_the_source_has_an_issn(
    built: Built, publishing_schema: etree.XMLSchema
) -> None:
    valid = publishing_schema.validate(built.tree)
    if built.article.ISSN:
        assert valid, publishing_schema.error_log
    else:
        # Publishing requires <journal-id> and <issn>, which such a source cannot honestly supply:
        # it is held to the Archiving DTD only (validate_dist skips the XSD for it).
        assert not valid


def test_doctype_version_type_and_language(built: Built) -> None:
    assert built.tree.docinfo.public_id == PUBLIC_ID
    assert built.tree.docinfo.system_url == DTD_DRIVER
    assert built.tree.docinfo.encoding.upper() == "UTF-8"
    assert built.root.tag == "article"
    assert built.root.get("dtd-version") == "1.2"
    assert built.root.get("article-type") == built.article.article_type
    assert built.root.get(XML_LANG) == built.article.language


def test_namespaces_declared_only_when_used(built: Built) -> None:
    declared = built.root.nsmap
    assert declared.get("xlink") == XLINK
    assert ("ali" in declared) == bool(built.article.license and built.article.license.url)
    assert "mml" not in declared  # neither source has math
    # Declared once, on the root, not repeated on descendants.
    assert all(element.nsmap == declared for element in built.root.iter(tag=etree.Element))


def test_journal_meta(built: Built) -> None:
    journal = built.root.find("front/journal-meta")
    ids = [(element.get("journal-id-type"), element.text) for element in journal.findall("journal-id")]
    # The ISSN is the journal's only identifier the source has; nothing is invented without one.
    assert ids == ([("issn", built.article.ISSN)] if built.article.ISSN else [])
    assert journal[0].tag == ("journal-id" if built.article.ISSN else "journal-title-group")
    assert journal.findtext("journal-title-group/journal-title") == built.article.container_title
    assert journal.findtext("publisher/publisher-name") == built.article.publisher
    issns = journal.findall("issn")
    # Both the JATS 1.2 attribute and the one PMC's Style Checker requires ("issn must have a pub-type").
    if built.article.ISSN:
        assert [(issn.text, issn.get("publication-format"), issn.get("pub-type")) for issn in issns] == [
            (built.article.ISSN, "electronic", "epub")
        ]
    else:
        assert issns == []


def test_doi_and_subject(built: Built) -> None:
    ids = [(element.get("pub-id-type"), element.text) for element in built.meta.findall("article-id")]
    assert ids == ([("doi", built.article.DOI)] if built.article.DOI else [])
    subjects = built.meta.findall("article-categories/subj-group[@subj-group-type='heading']/subject")
    assert [subject.text for subject in subjects] == ([built.article.genre] if built.article.genre else [])


def test_title(built: Built) -> None:
    assert built.meta.findtext("title-group/article-title") == built.article.title


def assert_contrib(contrib: etree._Element, person: Person, language: str) -> None:
    name = contrib.find("name")
    # JATS "eastern": family name first, as names written in Chinese (Han) characters are.
    letters = [char for char in person.family + person.given if char.isalpha()]
    han = all(unicodedata.name(char).startswith("CJK UNIFIED IDEOGRAPH") for char in letters)
    assert name.get("name-style") == ("eastern" if han else "western")
    assert name.findtext("surname") == person.family
    assert name.findtext("given-names") == person.given
    assert contrib.findtext("role") == person.role
    orcids = contrib.findall("contrib-id")
    # JATS4R: the full https form, typed, and not claimed as authenticated (the source is not an ORCID sign-in).
    expected_ids = [("orcid", "false", person.ORCID)] if person.ORCID else []
    assert [(i.get("contrib-id-type"), i.get("authenticated"), i.text) for i in orcids] == expected_ids
    assert contrib[0].tag == ("contrib-id" if person.ORCID else "name")
    # An affiliation sits in its contrib, or in article-meta linked by an aff xref.
    affs = contrib.findall("aff") or [
        contrib.getroottree().getroot().find(f".//aff[@id='{xref.get('rid')}']")
        for xref in contrib.findall("xref[@ref-type='aff']")
    ]
    assert len(affs) == len(person.affiliations)
    for aff, affiliation in zip(affs, person.affiliations, strict=True):
        departments = [element.text for element in aff.findall("institution[@content-type='dept']")]
        assert departments == ([affiliation.department] if affiliation.department else [])
        assert [element.text for element in aff.iter("institution") if element.get("content-type") is None] == [
            affiliation.institution
        ]
        wraps = aff.findall("institution-wrap")
        if affiliation.ROR:
            assert len(wraps) == 1
            assert [(i.get("institution-id-type"), i.text) for i in wraps[0].findall("institution-id")] == [
                ("ror", affiliation.ROR)
            ]
            assert wraps[0].findtext("institution") == affiliation.institution
        else:
            assert wraps == [] and aff.find(".//institution-id") is None
        country = aff.find("country")
        if affiliation.country:
            assert country.text == affiliation.country
            assert country.get("country") == country_code(affiliation.country, language)
        else:
            assert country is None
    bio = contrib.find("bio")
    if person.bio:
        assert text_of(bio) == normalised(person.bio)
    else:
        assert bio is None


def test_authors(built: Built) -> None:
    authors = built.meta.findall("contrib-group/contrib[@contrib-type='author']")
    assert len(authors) == len(built.article.author)
    for contrib, person in zip(authors, built.article.author, strict=True):
        assert_contrib(contrib, person, built.article.language)


def test_editors(built: Built) -> None:
    editors = built.meta.findall("contrib-group/contrib[@contrib-type='editor']")
    assert len(editors) == len(built.article.editor)
    for contrib, person in zip(editors, built.article.editor, strict=True):
        assert_contrib(contrib, person, built.article.language)


def test_kazakhstan_resolves_to_its_iso_code(built: Built) -> None:
    for country in built.root.iter("country"):
        if country.text == "Kazakhstan":
            assert country.get("country") == "KZ"


def test_pub_date(built: Built) -> None:
    issued = built.article.issued
    dates = built.meta.findall("pub-date")
    assert len(dates) == 1
    date = dates[0]
    assert date.get("publication-format") == "electronic"
    assert date.get("date-type") == "pub"
    assert date.get("iso-8601-date") == issued.isoformat()
    assert (int(date.findtext("day")), int(date.findtext("month")), int(date.findtext("year"))) == (
        issued.day,
        issued.month,
        issued.year,
    )


def test_self_uri(built: Built) -> None:
    uris = built.meta.findall("self-uri")
    # JATS4R: the text describes the linked object (the article, by its title); "a URI is not descriptive link text".
    assert [(uri.get(HREF), uri.text) for uri in uris] == [(built.article.URL, built.article.title)]
    assert not re.search(r"https?://|www\.", uris[0].text)


def test_permissions(built: Built) -> None:
    terms_of_use, copyright_line = built.article.license, built.article.copyright
    permissions = built.meta.find("permissions")
    if terms_of_use is None and copyright_line is None:
        assert permissions is None
        return
    # Only what the source states: no copyright statement, year or holder is made up.
    stated = [
        ("copyright-statement", copyright_line.statement if copyright_line else None),
        ("copyright-year", str(copyright_line.year) if copyright_line and copyright_line.year else None),
        ("copyright-holder", copyright_line.holder if copyright_line else None),
    ]
    expected = [(tag, text) for tag, text in stated if text] + [("license", None)] * bool(terms_of_use)
    assert [(child.tag, child.text if child.tag != "license" else None) for child in permissions] == expected
    if terms_of_use is None:
        return
    element = permissions.find("license")
    assert element.get(HREF) == terms_of_use.url
    assert element.findtext(f"{{{ALI}}}license_ref") == terms_of_use.url
    assert element.findtext("license-p") == terms_of_use.text
    expected_children = [f"{{{ALI}}}license_ref"] * bool(terms_of_use.url) + ["license-p"] * bool(terms_of_use.text)
    assert [child.tag for child in element] == expected_children


def test_no_custom_meta(built: Built) -> None:
    """Every field has a standard JATS element; custom-meta would hide it from ingest."""
    assert built.root.find(".//custom-meta-group") is None
    assert built.root.find(".//custom-meta") is None


def test_abstract_and_keywords(built: Built) -> None:
    abstract = built.meta.find("abstract")
    if built.article.abstract:
        assert text_of(abstract) == normalised(built.article.abstract)
    else:
        assert abstract is None
    keywords = built.meta.findall("kwd-group[@kwd-group-type='author']/kwd")
    assert [keyword.text for keyword in keywords] == list(built.article.keywords)


def test_sections_in_order_with_their_ids(built: Built) -> None:
    sections = built.root.findall("body/sec")
    assert [(sec.get("id"), sec.findtext("title")) for sec in sections] == [
        (section.id, section.title) for section in built.article.sections
    ]


def test_every_paragraph_of_the_model_is_in_the_body(built: Built) -> None:
    body = built.root.find("body")
    introduction = [p for child in body if child.tag != "sec" for p in child.iter("p")]
    assert [text_of(p) for p in introduction] == [normalised(text) for text in built.article.introduction.paragraphs]
    for section in built.article.sections:
        sec = body.find(f"sec[@id='{section.id}']")
        assert [text_of(p) for p in sec.iter("p")] == [normalised(text) for text in section.paragraphs]


def test_back_matter(built: Built) -> None:
    back = built.root.find("back")
    for note in built.article.notes:
        # PMC Style Checker: "notes-type='disclaimer' must be children of front"; every other note is back matter.
        place = built.root.find("front") if note.type == "disclaimer" else back
        notes = place.findall(f"notes[@notes-type='{note.type}']")
        assert [text_of(element) for element in notes] == [normalised(note.text)]
        assert built.root.findall(f".//notes[@notes-type='{note.type}']") == notes
    front = built.root.find("front")
    assert [child.tag for child in front][:2] == ["journal-meta", "article-meta"]
    assert all(child.tag == "notes" for child in front[2:])
    credits = back.findall("notes[@notes-type='image-credit']")
    if built.article.image_credit:
        assert [element.findtext("title") for element in credits] == [label(built.article.language, "Image credit")]
        assert [text_of(element.find("p")) for element in credits] == [normalised(built.article.image_credit)]
    else:
        assert credits == []
    citations = back.findall("notes[@notes-type='suggested-citation']")
    assert [element.findtext("title") for element in citations] == [label(built.article.language, "Suggested citation")]
    assert ["".join(element.find("p").itertext()) for element in citations] == [suggested_citation(built.article)]


def test_no_empty_elements(built: Built) -> None:
    empty = [
        built.tree.getpath(element)
        for element in built.root.iter(tag=etree.Element)
        if len(element) == 0 and not (element.text or "").strip()
    ]
    assert empty == []


def test_deterministic(built: Built, tmp_path: Path) -> None:
    again = tmp_path / built.path.name
    jats.write(built.article, again)
    assert again.read_bytes() == built.path.read_bytes()


# --- read back by pandoc's JATS reader, an independent route ------------------------------------


def read_with_pandoc(path: Path) -> dict[str, Any]:
    return json.loads(pypandoc.convert_file(str(path), "json", format="jats"))


def plain_meta(value: dict[str, Any]) -> Any:
    """A pandoc metadata value as plain Python: strings, paragraph lists, lists and dicts."""
    kind, content = value["t"], value["c"]
    if kind == "MetaInlines":
        return normalised(stringify(content))
    if kind == "MetaString":
        return content
    if kind == "MetaBlocks":
        return [normalised(text) for text in paragraphs(content)]
    if kind == "MetaList":
        return [plain_meta(item) for item in content]
    if kind == "MetaMap":
        return {key: plain_meta(item) for key, item in content.items()}
    raise AssertionError(f"unexpected pandoc metadata value {kind}")


def expected_meta(article: Article) -> dict[str, Any]:
    """What pandoc 3.9's JATS reader takes from <article-meta>, as the model states it. The reader
    maps no <kwd-group>, editor, role or bio into metadata; keywords are checked with lxml above."""
    expected: dict[str, Any] = {
        "title": normalised(article.title),
        "author": [normalised(person.name) for person in article.author],
        "date": article.issued.isoformat(),
    }
    if article.abstract:
        expected["abstract"] = paragraphs_of(article.abstract)
    if article.license:
        fields = {"link": article.license.url, "text": article.license.text}
        expected["license"] = {key: value for key, value in fields.items() if value}
    if article.copyright:
        line = article.copyright
        fields = {"holder": line.holder, "statement": line.statement, "year": str(line.year) if line.year else None}
        expected["copyright"] = {key: value for key, value in fields.items() if value}
    return expected


def split_at_sections(blocks: list[dict[str, Any]]) -> tuple[list[tuple[str, str]], list[list[dict[str, Any]]]]:
    """(id, title) of each level-1 header, and the blocks before the first and under each."""
    headers: list[tuple[str, str]] = []
    chunks: list[list[dict[str, Any]]] = [[]]
    for block in blocks:
        if block["t"] == "Header" and block["c"][0] == 1:
            headers.append((block["c"][1][0], stringify(block["c"][2])))
            chunks.append([])
        else:
            chunks[-1].append(block)
    return headers, chunks


def back_matter(article: Article) -> tuple[list[str], list[str]]:
    """Titles and paragraphs of the back matter, in the order of the file, from the model."""
    titled = [
        (label(article.language, "Image credit"), article.image_credit),
        (label(article.language, "Suggested citation"), suggested_citation(article)),
    ]
    titles = [title for title, text in titled if text]
    back_notes = [note.text for note in article.notes if note.type != "disclaimer"]
    texts = back_notes + [text for _title, text in titled if text]
    return titles, [paragraph for text in texts for paragraph in paragraphs_of(text)]


def test_pandoc_reads_back_the_metadata(built: Built) -> None:
    meta = read_with_pandoc(built.path)["meta"]
    assert {key: plain_meta(value) for key, value in meta.items()} == expected_meta(built.article)


def test_pandoc_reads_back_the_sections_and_their_paragraphs(built: Built) -> None:
    headers, chunks = split_at_sections(read_with_pandoc(built.path)["blocks"])
    assert headers == [(section.id, section.title) for section in built.article.sections]
    expected = [list(built.article.introduction.paragraphs)] + [list(s.paragraphs) for s in built.article.sections]
    # pandoc flattens <back> into the blocks after the last section: its notes' titles become
    # level-2 headers, and its paragraphs follow the last section's.
    back_titles, back_paragraphs = back_matter(built.article)
    expected[-1] += back_paragraphs
    # The <notes> of <front> (the disclaimer) it reads before the body.
    front_notes = [note.text for note in built.article.notes if note.type == "disclaimer"]
    expected[0] = [paragraph for text in front_notes for paragraph in paragraphs_of(text)] + expected[0]
    assert [[normalised(text) for text in paragraphs(chunk)] for chunk in chunks] == [
        [normalised(text) for text in section] for section in expected
    ]
    subheaders = [stringify(block["c"][2]) for block in chunks[-1] if block["t"] == "Header"]
    assert subheaders == back_titles


# --- validate.py: the Publishing XSD check -------------------------------------------------------


def write_jats(source: str, folder: Path) -> Path:
    article = load_article(SOURCES[source])
    path = folder / article.slug / artifact_name("jats", article.slug)
    path.parent.mkdir(parents=True)
    jats.write(article, path)
    return path


def without_journal_id(path: Path, folder: Path) -> Path:
    """A copy that is still DTD-valid (Archiving allows no journal-id) but not Publishing-valid."""
    broken = folder / "broken" / "broken.xml"
    broken.parent.mkdir(parents=True)
    text = path.read_text(encoding="utf-8")
    broken.write_text(re.sub(r"\s*<journal-id [^>]*>[^<]*</journal-id>", "", text, count=1), encoding="utf-8")
    return broken


def test_validate_jats_publishing(tmp_path: Path, publishing_xsd_dir: Path) -> None:
    path = write_jats("two-authors", tmp_path)
    assert validate.validate_jats_publishing(path, publishing_xsd_dir) == []
    problems = validate.validate_jats_publishing(without_journal_id(path, tmp_path), publishing_xsd_dir)
    assert len(problems) == 1 and "journal-title-group" in problems[0]
    assert f"no {XSD_DRIVER} in {tmp_path}" in validate.validate_jats_publishing(path, tmp_path)[0]


def test_validate_dist_applies_the_publishing_xsd_to_jats_with_an_issn(
    tmp_path: Path, publishing_xsd_dir: Path, jats_schema_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JATS_SCHEMA_DIR", str(jats_schema_dir))
    monkeypatch.setenv("JATS_PUBLISHING_XSD_DIR", str(publishing_xsd_dir))
    dist = tmp_path / "dist"
    with_issn = write_jats("two-authors", dist)
    without_issn = write_jats("kazakhstan", dist)  # not Publishing-valid (no ISSN), and not held to it
    broken = without_journal_id(with_issn, dist)
    checked, problems = validate.validate_dist(dist)
    assert sorted(checked) == sorted([with_issn, without_issn, broken])
    assert len(problems) == 1 and problems[0].startswith(f"{broken}:") and "journal-title-group" in problems[0]

    shutil.rmtree(broken.parent)
    assert validate.validate_dist(dist) == (sorted([with_issn, without_issn]), [])


def test_jats_with_an_issn_and_no_publishing_xsd_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A folder without the XSD: the check says what to do instead of passing the file unchecked.
    monkeypatch.setenv("JATS_PUBLISHING_XSD_DIR", str(tmp_path / "empty"))
    problems = validate.validate_jats_publishing_if_applicable(write_jats("two-authors", tmp_path))
    assert len(problems) == 1 and "JATS_PUBLISHING_XSD_DIR" in problems[0] and "fetch-schemas" in problems[0]
    assert validate.validate_jats_publishing_if_applicable(write_jats("kazakhstan", tmp_path)) == []


# --- links in plain-text fields ------------------------------------------------------------------

WEB_ADDRESS = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+[\w]")


def test_addresses_in_notes_and_bios_are_links(built: Built) -> None:
    """Every web or e-mail address the model's notes, bios and suggested citation hold is an <ext-link> or
    <email> in the file (the seed's editorial note names commentary@jurist.org); none is made up."""
    texts = [note.text for note in built.article.notes] + [person.bio for person in built.article.author if person.bio]
    texts.append(suggested_citation(built.article))
    expected_urls = sorted(url for text in texts for url in WEB_ADDRESS.findall(text))
    expected_emails = sorted(email for text in texts for email in EMAIL_ADDRESS.findall(text))
    places = [*built.root.findall("front/notes"), *built.root.findall("back/notes"), *built.meta.iter("bio")]
    links = [link for place in places for link in place.iter("ext-link")]
    assert sorted(link.get(HREF) for link in links) == expected_urls
    assert all(link.text == link.get(HREF) and link.get("ext-link-type") == "uri" for link in links)
    assert sorted(email.text for place in places for email in place.iter("email")) == expected_emails


def test_the_seed_editorial_note_has_its_email_address() -> None:
    article = load_article(SOURCES["kazakhstan"])
    note = next(note for note in article.notes if note.type == "editorial")
    root = jats.build(article)
    paragraph = root.find("back/notes[@notes-type='editorial']/p")
    emails = paragraph.findall("email")
    assert [email.text for email in emails] == ["commentary@jurist.org"]
    assert "".join(paragraph.itertext()) == note.text  # the words around it unchanged


def test_notes_links_keep_trailing_punctuation_outside() -> None:
    from dataclasses import replace

    from pipeline.model import Note

    article = load_article(SOURCES["two-authors"])
    text = "Data at https://example.org/data_(2023). Questions: editors@example.org, or (https://example.org/faq)."
    root = jats.build(replace(article, notes=(Note("editorial", text),)))
    paragraph = root.find("back/notes[@notes-type='editorial']/p")
    assert [link.get(HREF) for link in paragraph.iter("ext-link")] == [
        "https://example.org/data_(2023)",
        "https://example.org/faq",
    ]
    assert [email.text for email in paragraph.iter("email")] == ["editors@example.org"]
    assert "".join(paragraph.itertext()) == text


def test_house_settings_reach_the_journal_meta(tmp_path: Path, jats_schema_dir: Path, publishing_xsd_dir: Path) -> None:
    """The house's print ISSN and title abbreviation; the source's ISSN stays the electronic edition's."""
    from dataclasses import replace

    from pipeline.model import House

    article = load_article(SOURCES["two-authors"])
    house = House(abbreviated_title="J. Ex. Water Law", print_ISSN="2049-3640", electronic_ISSN="2049-3659")
    path = tmp_path / "house.xml"
    jats.write(replace(article, house=house), path)
    assert validate.validate_jats(path, jats_schema_dir) == []
    assert validate.validate_jats_publishing(path, publishing_xsd_dir) == []
    journal = etree.parse(str(path)).getroot().find("front/journal-meta")
    assert journal.findtext("journal-title-group/abbrev-journal-title[@abbrev-type='publisher']") == "J. Ex. Water Law"
    issns = [(issn.get("pub-type"), issn.get("publication-format"), issn.text) for issn in journal.findall("issn")]
    assert issns == [("epub", "electronic", article.ISSN), ("ppub", "print", "2049-3640")]
    without_source_issn = jats.build(replace(article, ISSN=None, house=house)).find("front/journal-meta")
    assert [issn.text for issn in without_source_issn.findall("issn")] == ["2049-3659", "2049-3640"]
    assert without_source_issn.findtext("journal-id[@journal-id-type='issn']") == "2049-3659"
