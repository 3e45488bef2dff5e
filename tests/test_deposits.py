"""Deposit files and packages: Crossref, DOAJ, MECA, BagIt, and the archival PDF's associated files.

Each file is validated against its official schema (tests/deposit_schemas.py) and read back with an
independent reader (lxml, zipfile, bagit, pikepdf); expected values come from the source's model."""

from __future__ import annotations

import dataclasses
import datetime
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import bagit
import pikepdf
import pytest
from conftest import FIXTURE_SOURCES, REPO_ROOT
from deposit_schemas import crossref_schema, doaj_schema, meca_manifest_dtd
from lxml import etree

from pipeline.build.manifest import MANIFEST_NAME, media_type
from pipeline.build.run import build
from pipeline.formats import PACKAGES, artifact_name
from pipeline.model import Article
from pipeline.prepare.article import load_article
from pipeline.source.house import load_house
from pipeline.writers.deposit.record import batch_id, deposit_timestamp

CR = {"cr": "http://www.crossref.org/schema/5.3.1", "jats": "http://www.ncbi.nlm.nih.gov/JATS1"}
AI = "http://www.crossref.org/AccessIndicators.xsd"
MECA = {"m": "https://manuscriptexchange.org/schema/manifest", "xlink": "http://www.w3.org/1999/xlink"}
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
HOUSE = """\
abbreviated-title: J. Ex. Water Law
ISSN: 1234-5679
depositor: {name: Example Academic Press, email: deposits@example.org}
registrant: Example Academic Press
"""
# A cited fixture given a DOI and a correction: a deposit with references, an updated date and a version.
CITED_WITH_DOI = "cited-with-doi"
CORRECTION = "DOI: 10.5555/example.2024.0007\nupdated: 2024-03-01\nversion: 2\n"
# With a DOI and an ISSN; with references; with figures; the real first title has neither DOI nor ISSN.
SLUGS = ("two-authors-open-access", "figures-policy-piece", CITED_WITH_DOI, "kazakhstan-russia-ukraine")


@dataclass(frozen=True)
class Deposits:
    dist: Path
    house: Path
    articles: dict[str, Article]

    def file(self, slug: str, format_name: str) -> Path:
        return self.dist / slug / artifact_name(format_name, slug)


def deposit_sources(root: Path) -> Path:
    for slug in SLUGS[:2]:
        shutil.copytree(FIXTURE_SOURCES / slug, root / slug)
    shutil.copytree(REPO_ROOT / "source" / SLUGS[3], root / SLUGS[3])
    cited = shutil.copytree(FIXTURE_SOURCES / "cited-author-date", root / CITED_WITH_DOI)
    text = (cited / "article.md").read_text(encoding="utf-8")
    (cited / "article.md").write_text(text.replace("ISSN:", CORRECTION + "ISSN:", 1), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def deposits(tmp_path_factory: pytest.TempPathFactory) -> Deposits:
    root = tmp_path_factory.mktemp("deposits")
    sources = deposit_sources(root / "sources")
    house = root / "house.yaml"
    house.write_text(HOUSE, encoding="utf-8")
    report = build(source_root=sources, dist=root / "dist", house_config=house)
    assert report.ok, report.failures
    articles = {slug: load_article(sources / slug / "article.md", load_house(house)) for slug in SLUGS}
    return Deposits(root / "dist", house, articles)


def crossref_of(deposits: Deposits, slug: str) -> etree._Element:
    return etree.parse(str(deposits.file(slug, "crossref"))).getroot()


# --- Crossref -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", [slug for slug in SLUGS if slug != "kazakhstan-russia-ukraine"])
def test_crossref_deposit_is_valid_for_every_article_with_a_doi(deposits: Deposits, slug: str) -> None:
    path = deposits.file(slug, "crossref")
    assert path.is_file() == bool(deposits.articles[slug].DOI)
    if path.is_file():
        schema = crossref_schema()
        assert schema.validate(etree.parse(str(path))), schema.error_log


def test_crossref_carries_the_source(deposits: Deposits) -> None:
    article = deposits.articles["two-authors-open-access"]
    root = crossref_of(deposits, article.slug)
    house = load_house(deposits.house)
    assert root.findtext("cr:head/cr:depositor/cr:depositor_name", namespaces=CR) == house.depositor_name
    assert root.findtext("cr:head/cr:depositor/cr:email_address", namespaces=CR) == house.depositor_email
    assert root.findtext("cr:head/cr:registrant", namespaces=CR) == house.registrant
    journal = root.find("cr:body/cr:journal/cr:journal_metadata", CR)
    assert journal.findtext("cr:full_title", namespaces=CR) == article.container_title
    assert journal.findtext("cr:abbrev_title", namespaces=CR) == house.abbreviated_title
    issns = {issn.text: issn.get("media_type") for issn in journal.findall("cr:issn", CR)}
    assert issns == {house.print_ISSN: "print", article.ISSN: "electronic"}
    assert root.find("cr:body/cr:journal/cr:journal_issue", CR) is None  # the source states none
    item = root.find("cr:body/cr:journal/cr:journal_article", CR)
    assert item.findtext("cr:titles/cr:title", namespaces=CR) == article.title
    assert item.findtext("cr:doi_data/cr:doi", namespaces=CR) == article.DOI
    assert item.findtext("cr:doi_data/cr:resource", namespaces=CR) == article.URL
    assert item.findtext("jats:abstract/jats:p", namespaces=CR) == article.abstract
    date = item.find("cr:publication_date", CR)
    assert date.get("media_type") == "online"
    assert datetime.date(*(int(date.findtext(f"cr:{part}", namespaces=CR)) for part in ("year", "month", "day"))) == (
        article.issued
    )
    assert item.findtext(f"{{{AI}}}program/{{{AI}}}license_ref") == article.license.url
    people = item.findall("cr:contributors/cr:person_name", CR)
    expected = [(person, "author") for person in article.author] + [(person, "editor") for person in article.editor]
    assert len(people) == len(expected)
    for index, (element, (person, role)) in enumerate(zip(people, expected, strict=True)):
        assert element.get("sequence") == ("first" if index == 0 else "additional")
        assert element.get("contributor_role") == role
        assert (element.findtext("cr:given_name", namespaces=CR), element.findtext("cr:surname", namespaces=CR)) == (
            person.given,
            person.family,
        )
        assert element.findtext("cr:ORCID", namespaces=CR) == person.ORCID
        institutions = element.findall("cr:affiliations/cr:institution", CR)
        assert [institution.findtext("cr:institution_name", namespaces=CR) for institution in institutions] == [
            affiliation.institution for affiliation in person.affiliations
        ]
        assert [
            institution.findtext("cr:institution_id[@type='ror']", namespaces=CR) for institution in institutions
        ] == [affiliation.ROR for affiliation in person.affiliations]
    assert any(person.ORCID for person in article.author) and any(
        affiliation.ROR for person in article.author for affiliation in person.affiliations
    )


def test_crossref_citation_list_is_the_bibliography(deposits: Deposits) -> None:
    article = deposits.articles[CITED_WITH_DOI]
    citations = crossref_of(deposits, CITED_WITH_DOI).findall(".//cr:citation_list/cr:citation", CR)
    assert [citation.get("key") for citation in citations] == [reference.id for reference in article.references]
    for citation, reference in zip(citations, article.references, strict=True):
        item = reference.item
        assert citation.findtext("cr:doi", namespaces=CR) == item.get("DOI")
        if citation.find("cr:unstructured_citation", CR) is not None:
            assert citation.findtext("cr:unstructured_citation", namespaces=CR) == reference.text
            continue
        assert citation.findtext("cr:journal_title", namespaces=CR) == item["container-title"]
        assert citation.findtext("cr:article_title", namespaces=CR) == item["title"]
        assert citation.findtext("cr:author", namespaces=CR) == item["author"][0]["family"]
        assert citation.findtext("cr:cYear", namespaces=CR) == str(item["issued"]["date-parts"][0][0])
        assert citation.findtext("cr:volume", namespaces=CR) == item.get("volume")
        assert item["page"].startswith(citation.findtext("cr:first_page", namespaces=CR) + "-")
    structured = [citation for citation in citations if citation.find("cr:journal_title", CR) is not None]
    assert structured and len(structured) < len(citations)  # both kinds are exercised


def test_crossref_timestamp_and_batch_id_come_from_the_source(deposits: Deposits) -> None:
    article = deposits.articles[CITED_WITH_DOI]
    head = crossref_of(deposits, CITED_WITH_DOI).find("cr:head", CR)
    timestamp = head.findtext("cr:timestamp", namespaces=CR)
    # The correction's date (not the issue date, nor today), then its version.
    assert timestamp.startswith(article.updated.strftime("%Y%m%d")) and timestamp.endswith(f"{article.version:03d}")
    assert head.findtext("cr:doi_batch_id", namespaces=CR).startswith(f"{article.slug}-")
    first = deposits.articles["two-authors-open-access"]
    assert (
        crossref_of(deposits, first.slug)
        .findtext("cr:head/cr:timestamp", namespaces=CR)
        .startswith(first.issued.strftime("%Y%m%d"))
    )


def test_every_later_record_has_a_larger_timestamp_and_a_new_batch() -> None:
    article = load_article(FIXTURE_SOURCES / "two-authors-open-access" / "article.md")
    later_version = dataclasses.replace(article, version=2)
    later_day = dataclasses.replace(article, updated=article.issued + datetime.timedelta(days=1), version=1)
    later_still = dataclasses.replace(later_day, version=7)
    stamps = [int(deposit_timestamp(record)) for record in (article, later_version, later_day, later_still)]
    assert stamps == sorted(set(stamps))
    assert batch_id(article, b"one body") == batch_id(article, b"one body") != batch_id(article, b"another body")


# --- DOAJ -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_doaj_record_is_valid_for_every_article_with_an_issn(deposits: Deposits, slug: str) -> None:
    path = deposits.file(slug, "doaj")
    assert path.is_file() == bool(deposits.articles[slug].ISSN)
    if path.is_file():
        schema = doaj_schema()
        assert schema.validate(etree.parse(str(path))), schema.error_log


def test_doaj_record_carries_the_source(deposits: Deposits) -> None:
    article = deposits.articles["two-authors-open-access"]
    record = etree.parse(str(deposits.file(article.slug, "doaj"))).getroot().find("record")
    assert record.findtext("title") == article.title
    assert record.findtext("journalTitle") == article.container_title
    assert record.findtext("eissn") == article.ISSN
    assert record.findtext("issn") == load_house(deposits.house).print_ISSN
    assert record.findtext("doi") == article.DOI
    assert record.findtext("fullTextUrl") == article.URL
    assert record.findtext("publicationDate") == article.issued.isoformat()
    assert [keyword.text for keyword in record.findall("keywords/keyword")] == list(article.keywords)
    names = {entry.get("affiliationId"): entry.text for entry in record.findall("affiliationsList/affiliationName")}
    authors = record.findall("authors/author")
    assert [author.findtext("name") for author in authors] == [person.name for person in article.author]
    assert [author.findtext("orcid_id") for author in authors] == [person.ORCID for person in article.author]
    assert [[names[number.text] for number in author.findall("affiliationId")] for author in authors] == [
        [affiliation.institution for affiliation in person.affiliations] for person in article.author
    ]


def test_no_deposit_without_what_it_requires(deposits: Deposits, tmp_path: Path) -> None:
    bare = deposits.articles["kazakhstan-russia-ukraine"]
    assert not (bare.DOI or bare.ISSN)
    assert not deposits.file(bare.slug, "crossref").exists() and not deposits.file(bare.slug, "doaj").exists()
    # An article with a DOI, but a house file that names no depositor: no Crossref deposit either.
    sources = tmp_path / "sources"
    shutil.copytree(FIXTURE_SOURCES / "two-authors-open-access", sources / "two-authors-open-access")
    house = tmp_path / "house.yaml"
    house.write_text("registrant: Example Academic Press\n", encoding="utf-8")
    report = build(("jats", "crossref", "doaj"), source_root=sources, dist=tmp_path / "dist", house_config=house)
    assert report.ok, report.failures
    folder = tmp_path / "dist" / "two-authors-open-access"
    assert not (folder / "two-authors-open-access.crossref.xml").exists()
    assert (folder / "two-authors-open-access.doaj.xml").is_file()
    # Nothing to write is remembered: the next build has nothing to do.
    again = build(("jats", "crossref", "doaj"), source_root=sources, dist=tmp_path / "dist", house_config=house)
    assert again.built == [] and again.ok


# --- MECA and BagIt -----------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_meca_package_is_valid_and_holds_the_jats_pdf_and_images(deposits: Deposits, slug: str) -> None:
    article = deposits.articles[slug]
    folder = deposits.dist / slug
    with zipfile.ZipFile(deposits.file(slug, "meca")) as package:
        manifest = etree.fromstring(package.read("manifest.xml"))
        dtd = meca_manifest_dtd()
        assert dtd.validate(manifest), dtd.error_log
        listed = {
            item.find("m:instance", MECA).get(XLINK_HREF): item.get("item-type")
            for item in manifest.findall("m:item", MECA)
        }
        assert set(package.namelist()) == {"manifest.xml", *listed}
        assert package.read("article.xml") == (folder / artifact_name("jats", slug)).read_bytes()
        assert package.read(f"{slug}.pdf") == (folder / artifact_name("pdf", slug)).read_bytes()
        for figure in article.figures:
            assert package.read(figure.path) == (folder / figure.path).read_bytes()
        for item in manifest.findall("m:item", MECA):
            instance = item.find("m:instance", MECA)
            assert instance.get("media-type") == media_type(instance.get(XLINK_HREF))
    assert listed == {
        "article.xml": "article-metadata",
        f"{slug}.pdf": "manuscript",
        **{figure.path: "figure" for figure in article.figures},
    }


@pytest.mark.parametrize("slug", SLUGS)
def test_bag_validates_and_holds_every_published_file(deposits: Deposits, slug: str, tmp_path: Path) -> None:
    article = deposits.articles[slug]
    folder = deposits.dist / slug
    with zipfile.ZipFile(deposits.file(slug, "bagit")) as archive:
        assert {name.split("/")[0] for name in archive.namelist()} == {slug}
        archive.extractall(tmp_path)
    bag = bagit.Bag(str(tmp_path / slug))
    bag.validate()
    assert bag.info["Bagging-Date"] == (article.updated or article.issued).isoformat()
    assert bag.info["External-Identifier"] == article.identifier
    packages = {artifact_name(name, slug) for name in PACKAGES}
    published = {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.name not in packages | {MANIFEST_NAME}
    }
    assert {name.removeprefix("data/") for name in bag.payload_files()} == published
    for name in published:
        assert (tmp_path / slug / "data" / name).read_bytes() == (folder / name).read_bytes()


def test_packages_are_listed_in_the_manifest(deposits: Deposits) -> None:
    import json

    listed = json.loads((deposits.dist / SLUGS[0] / MANIFEST_NAME).read_text(encoding="utf-8"))
    names = {entry["name"] for entry in listed["artifacts"]}
    assert {artifact_name(name, SLUGS[0]) for name in PACKAGES} <= names


def test_two_builds_give_the_same_deposit_bytes(deposits: Deposits, tmp_path: Path) -> None:
    sources = deposit_sources(tmp_path / "sources")
    report = build(source_root=sources, dist=tmp_path / "dist", house_config=deposits.house)
    assert report.ok, report.failures
    compared = 0
    for slug in SLUGS:
        for format_name in ("crossref", "doaj", "meca", "bagit"):
            first = deposits.file(slug, format_name)
            second = tmp_path / "dist" / slug / first.name
            assert first.exists() == second.exists()
            if first.exists():
                assert first.read_bytes() == second.read_bytes(), first.name
                compared += 1
    assert compared >= 2 * len(SLUGS) + 2


# --- The archival PDF -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def archival(archival_all: dict[str, Path]) -> Path:
    """The two-author fixture's archival PDF, with the JATS and CSL-JSON beside it (the session's build)."""
    return archival_all[SLUGS[0]].parent


def test_archival_pdf_embeds_the_jats_and_csl_json_beside_it(archival: Path) -> None:
    expected = {
        artifact_name("jats", SLUGS[0]): ("/Source", "/application/xml"),
        artifact_name("csl-json", SLUGS[0]): ("/Data", "/application/vnd.citationstyles.csl+json"),
    }
    with pikepdf.open(archival / artifact_name("pdf", SLUGS[0])) as pdf:
        associated = {str(spec.UF): spec for spec in pdf.Root.AF}
        assert associated.keys() == expected.keys()
        for name, (relationship, subtype) in expected.items():
            spec = associated[name]
            assert (spec.AFRelationship, str(spec.F)) == (relationship, name)
            stream = spec.EF.F
            assert stream.Subtype == subtype
            assert stream.read_bytes() == (archival / name).read_bytes()
            assert "/ModDate" not in stream.Params and "/CreationDate" not in stream.Params
            assert pdf.attachments[name].get_file().read_bytes() == (archival / name).read_bytes()


def test_archival_pdf_is_both_pdf_a_and_pdf_ua(archival: Path) -> None:
    with pikepdf.open(archival / artifact_name("pdf", SLUGS[0])) as pdf:
        xmp = pdf.open_metadata()
        assert (xmp.get("pdfaid:part"), xmp.get("pdfaid:conformance"), xmp.get("pdfuaid:part")) == ("3", "A", "1")
        packet = etree.fromstring(pdf.Root.Metadata.read_bytes())
    # The extension schema PDF/A requires for pdfuaid, declaring its one property.
    ns = {
        "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#",
        "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
    }
    schemas = [
        entry
        for entry in packet.iter("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}li")
        if entry.findtext("pdfaSchema:namespaceURI", namespaces=ns) == "http://www.aiim.org/pdfua/ns/id/"
    ]
    assert len(schemas) == 1
    assert schemas[0].findtext("pdfaSchema:prefix", namespaces=ns) == "pdfuaid"
    properties = schemas[0].findall(".//pdfaProperty:name", ns)
    assert [(p.text, p.getparent().findtext("pdfaProperty:valueType", namespaces=ns)) for p in properties] == [
        ("part", "Integer")
    ]


@pytest.mark.parametrize(
    ("issued", "dated"), [("1975-06-30", (1980, 1, 1, 0, 0, 0)), ("2108-01-01", (2107, 12, 31, 0, 0, 0))]
)
def test_a_record_outside_zip_dates_is_packed_at_the_nearer_end(
    tmp_path: Path, issued: str, dated: tuple[int, ...]
) -> None:
    """ZIP's dates run from 1980 to 2107: an article issued outside them is still packaged."""
    sources = tmp_path / "sources"
    folder = shutil.copytree(FIXTURE_SOURCES / SLUGS[0], sources / SLUGS[0])
    text = (folder / "article.md").read_text(encoding="utf-8")
    (folder / "article.md").write_text(text.replace("issued: 2023-11-05", f"issued: {issued}"), encoding="utf-8")
    report = build(("jats", "csl-json"), source_root=sources, dist=tmp_path / "dist")
    assert report.ok, report.failures
    for package_name in PACKAGES:
        with zipfile.ZipFile(tmp_path / "dist" / SLUGS[0] / artifact_name(package_name, SLUGS[0])) as package:
            assert {info.date_time for info in package.infolist()} == {dated}
