"""`invoke serve` and its OAI-PMH 2.0 endpoint, harvested by a real client (Sickle) over a generated journal
of 201 articles (three pages of 100): every record in both formats, the issue sets, paging by resumption
token, from/until, and each of the protocol's errors. What a record should say is read from the sources with
PyYAML and from the built JATS with lxml, never from the pipeline. The pages dist/ holds are served too, and
the server says one line when its port is taken and stops cleanly on Ctrl-C."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from conftest import REPO_ROOT, made_once
from journal_sources import SITE, build_journal, front_matter, placement, slug
from lxml import etree
from sickle import Sickle, oaiexceptions
from sickle.iterator import OAIResponseIterator

# The fewest records the endpoint gives in three pages of 100: paging goes on past a second resumption token.
COUNT = 2 * 100 + 1
INVOKE = [sys.executable, "-m", "invoke", "--search-root", str(REPO_ROOT)]
HOST = "journal.example.org"
JATS_NS = "http://jats.nlm.nih.gov"
SERVER_START_SECONDS = 60


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated journal, built once per run (JATS, CSL-JSON, deposits and the journal's files)."""
    return made_once(tmp_path_factory, "oai-journal", lambda folder: build_journal(folder, COUNT))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(folder: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*INVOKE, "serve", "--port", str(port), "--dist", str(folder / "dist"), "--house", str(folder / "house.yaml")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )


@pytest.fixture(scope="module")
def server(journal: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = start_server(journal, port)
    assert process.stdout is not None
    line = process.stdout.readline()  # the server says where it listens once it does
    assert f"127.0.0.1:{port}" in line, (line, process.stderr.read() if process.poll() is not None else "")
    yield f"http://127.0.0.1:{port}", process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def client(server: tuple[str, subprocess.Popen[str]]) -> Sickle:
    return Sickle(f"{server[0]}/oai", max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def sources(journal: Path) -> dict[str, dict]:
    return {path.parent.name: front_matter(path) for path in sorted((journal / "sources").glob("*/article.md"))}


def identifier(name: str) -> str:
    return f"oai:{HOST}:{name}"


def datestamp(front: dict) -> str:
    return f"{front.get('updated') or front['issued']}T00:00:00Z"


def set_spec(front: dict) -> list[str]:
    if "volume" not in front:
        return []
    spec = f"volume-{front['volume']}"
    return [f"{spec}:issue-{front['issue']}" if "issue" in front else spec]


def test_identify_names_the_journal_and_its_base_url(
    client: Sickle, server: tuple[str, subprocess.Popen], sources: dict[str, dict]
) -> None:
    identify = client.Identify()
    assert identify.repositoryName == "Example Journal of Commentary"
    assert identify.baseURL == f"{server[0]}/oai"
    assert identify.protocolVersion == "2.0"
    assert identify.adminEmail == "deposits@example.org"
    assert identify.earliestDatestamp == min(datestamp(front) for front in sources.values())


def test_every_record_in_dublin_core_over_resumption_tokens(client: Sickle, sources: dict[str, dict]) -> None:
    records = client.ListRecords(metadataPrefix="oai_dc")
    first_token = records.resumption_token
    harvested = list(records)
    assert first_token is not None and first_token.token, f"{COUNT} records come in more than one page"
    assert len(harvested) == COUNT
    by_id = {record.header.identifier: record for record in harvested}
    assert set(by_id) == {identifier(name) for name in sources}
    for name, front in sources.items():
        record = by_id[identifier(name)]
        assert record.header.datestamp == datestamp(front)
        assert record.header.setSpecs == set_spec(front)
        dc = record.metadata
        assert dc["title"] == [front["title"]]
        assert dc["creator"] == [f"{person['family']}, {person['given']}" for person in front["author"]]
        assert dc["date"] == [front["issued"]]
        assert dc["language"] == [front["language"]]
        assert front["URL"] in dc["identifier"]
        assert f"{SITE}{name}/index.html" in dc["identifier"]
        if "DOI" in front:
            assert f"https://doi.org/{front['DOI']}" in dc["identifier"]
        assert dc.get("description", []) == ([front["abstract"]] if "abstract" in front else [])


def shape(root: etree._Element) -> list[tuple[str, dict[str, str], str, str]]:
    """Each element's name, attributes, text and tail, in document order."""
    return [
        (element.tag, dict(element.attrib), (element.text or "").strip(), (element.tail or "").strip())
        for element in root.iter()
        if isinstance(element.tag, str)
    ]


def test_every_record_as_the_built_jats(client: Sickle, journal: Path, sources: dict[str, dict]) -> None:
    harvested = list(client.ListRecords(metadataPrefix="jats"))
    assert len(harvested) == COUNT
    for record in harvested:
        name = record.header.identifier.rsplit(":", 1)[1]
        article = record.xml.find(f".//{{*}}metadata/{{{JATS_NS}}}article")
        assert article is not None, name
        built = etree.parse(str(journal / "dist" / name / f"{name}.xml")).getroot()
        # The record is the built file's <article>, element for element, in the JATS namespace.
        assert shape(article) == [
            (f"{{{JATS_NS}}}{tag}" if tag[0] != "{" else tag, *rest) for tag, *rest in shape(built)
        ]
        meta = article.find(f"{{{JATS_NS}}}front/{{{JATS_NS}}}article-meta")
        assert meta.findtext(f"{{{JATS_NS}}}title-group/{{{JATS_NS}}}article-title") == sources[name]["title"]
        volume = sources[name].get("volume")
        assert meta.findtext(f"{{{JATS_NS}}}volume") == (str(volume) if volume else None)


def test_identifiers_page_by_token_and_match_the_records(client: Sickle, sources: dict[str, dict]) -> None:
    pages = OAIResponseIterator(client, {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"})
    identifiers: list[str] = []
    tokens = 0
    for response in pages:
        identifiers += [element.text for element in response.xml.iter("{*}identifier")]
        tokens += pages.resumption_token is not None
    assert sorted(identifiers) == sorted(identifier(name) for name in sources)
    assert tokens >= 2, f"{COUNT} identifiers take three pages of 100"


def test_the_sets_are_the_issues_and_hold_exactly_their_articles(client: Sickle, sources: dict[str, dict]) -> None:
    sets = {item.setSpec: item.setName for item in client.ListSets()}
    assert sets == {
        "volume-1": "Volume 1",
        "volume-1:issue-1": "Volume 1, issue 1: Borders and water",
        "volume-1:issue-2": "Volume 1, issue 2",
        "volume-2": "Volume 2",
        "volume-2:issue-1": "Volume 2, issue 1",
    }
    for spec in sets:
        listed = {header.identifier for header in client.ListIdentifiers(metadataPrefix="oai_dc", set=spec)}
        expected = {
            identifier(name)
            for name, front in sources.items()
            if any(s == spec or s.startswith(f"{spec}:") for s in set_spec(front))
        }
        assert listed == expected, spec
    assert placement(0, COUNT) == (1, 1)


def test_from_and_until_select_by_datestamp(client: Sickle, sources: dict[str, dict]) -> None:
    listed = {
        header.identifier
        for header in client.ListIdentifiers(metadataPrefix="oai_dc", **{"from": "2022-01-01", "until": "2022-03-31"})
    }
    expected = {
        identifier(name)
        for name, front in sources.items()
        if "2022-01-01" <= str(front.get("updated") or front["issued"]) <= "2022-03-31"
    }
    assert listed == expected and expected


def test_get_record_in_each_format(client: Sickle, sources: dict[str, dict]) -> None:
    name = slug(0)
    record = client.GetRecord(identifier=identifier(name), metadataPrefix="oai_dc")
    assert record.metadata["title"] == [sources[name]["title"]]
    jats = client.GetRecord(identifier=identifier(name), metadataPrefix="jats")
    assert jats.xml.findtext(f".//{{{JATS_NS}}}article-title") == sources[name]["title"]
    formats = {item.metadataPrefix for item in client.ListMetadataFormats(identifier=identifier(name))}
    assert formats == {"oai_dc", "jats"}


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"verb": "Harvest"}, oaiexceptions.BadVerb),
        ({"verb": "ListRecords"}, oaiexceptions.BadArgument),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, oaiexceptions.BadArgument),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, oaiexceptions.CannotDisseminateFormat),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": f"oai:{HOST}:no-such"},
            oaiexceptions.IdDoesNotExist,
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2030-01-01"}, oaiexceptions.NoRecordsMatch),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "volume-9"}, oaiexceptions.NoRecordsMatch),
    ],
)
def test_each_protocol_error(client: Sickle, params: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        OAIResponseIterator(client, params)


def test_a_repeated_argument_is_a_bad_argument(server: tuple[str, subprocess.Popen]) -> None:
    answer = requests.get(f"{server[0]}/oai?verb=Identify&verb=Identify", timeout=30)
    assert re.search(r'<error code="badArgument">', answer.text)


def test_the_journal_pages_are_served(server: tuple[str, subprocess.Popen], journal: Path) -> None:
    for page in ("index.html", "feed.xml", f"{slug(0)}/{slug(0)}.xml", "issues/1/1/index.html"):
        answer = requests.get(f"{server[0]}/{page}", timeout=30)
        assert answer.status_code == 200, page
        assert answer.content == (journal / "dist" / page).read_bytes()


def test_a_taken_port_is_one_line_and_ctrl_c_stops_cleanly(journal: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = start_server(journal, port)
        out, err = refused.communicate(timeout=SERVER_START_SECONDS)
    assert refused.returncode == 2
    assert err.strip() == f"error: port {port} on 127.0.0.1 is already in use; choose another with --port"
    running = start_server(journal, free_port())
    assert running.stdout is not None
    assert "serving" in running.stdout.readline()
    running.send_signal(signal.SIGINT)
    out, err = running.communicate(timeout=30)
    assert running.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err
