"""The journal as an OAI-PMH 2.0 repository, through the ``oaipmh`` library's server (a maintained fork of
pyoai): this module only answers its questions from what the build published. Each article is one
record (``oai:<site host>:<slug>``) dated by its last correction, in ``oai_dc`` (from its CSL-JSON and
JATS) and ``jats`` (the built JATS ``<article>`` itself); each issue is a set, inside its volume's."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from oaipmh import common, error
from oaipmh.metadata import MetadataRegistry
from oaipmh.server import BatchingServer, oai_dc_writer

from pipeline.journal.pages import issue_label
from pipeline.journal.records import IssueGroup, Record, issue_groups, read_records
from pipeline.model import House
from pipeline.prepare.i18n import localisation
from pipeline.safexml import SAFE_XML_PARSER

# A page of ListRecords, ListIdentifiers or ListSets; the rest follows a resumption token.
BATCH_SIZE = 100
METADATA_FORMATS = {
    "oai_dc": ("http://www.openarchives.org/OAI/2.0/oai_dc.xsd", "http://www.openarchives.org/OAI/2.0/oai_dc/"),
    "jats": ("https://jats.nlm.nih.gov/archiving/1.2/xsd/JATS-archivearticle1.xsd", "http://jats.nlm.nih.gov"),
}
# OAI-PMH wants every record's root in a namespace; JATS 1.2 has none, so its elements are put in the one
# OJS's and Libero's JATS records use (its attributes, and its XLink and MathML names, are unchanged).
JATS_NS = METADATA_FORMATS["jats"][1]
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
DEFAULT_HOST = "localhost"


def _jats_writer(element: etree._Element, metadata: common.Metadata) -> None:
    built: etree._Element = metadata.element()
    namespaces = {prefix: uri for prefix, uri in built.nsmap.items() if prefix}
    nsmap = {None: JATS_NS, **namespaces}
    article = etree.SubElement(element, f"{{{JATS_NS}}}{built.tag}", dict(built.attrib), nsmap=nsmap)
    article.text = built.text
    for child in built:
        article.append(copy.deepcopy(child))
    for descendant in article.iterdescendants():
        if isinstance(descendant.tag, str) and not descendant.tag.startswith("{"):
            descendant.tag = f"{{{JATS_NS}}}{descendant.tag}"


@dataclass(frozen=True)
class Repository:
    """The records and sets of one dist/, read once."""

    records: tuple[Record, ...]
    groups: tuple[IssueGroup, ...]
    house: House
    base_url: str

    @property
    def host(self) -> str:
        return (urlsplit(self.house.site).hostname if self.house.site else None) or DEFAULT_HOST

    def identifier(self, record: Record) -> str:
        return f"oai:{self.host}:{record.slug}"

    def sets_of(self, record: Record) -> list[str]:
        return [group.set_spec for group in self.groups if record in group.records]


class Journal:
    """The IBatchingOAI interface of ``oaipmh.server``, answered from one Repository."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    def identify(self) -> common.Identify:
        repository = self.repository
        house = repository.house
        earliest = min((record.datestamp for record in repository.records), default=datetime.date(1970, 1, 1))
        title = house.title or (str(repository.records[0].csl.get("container-title")) if repository.records else "")
        return common.Identify(
            repositoryName=title,
            baseURL=repository.base_url,
            protocolVersion="2.0",
            adminEmails=[house.depositor_email] if house.depositor_email else [],
            earliestDatestamp=_moment(earliest),
            deletedRecord="no",
            granularity=GRANULARITY,
            compression=["identity"],
            toolkit_description=False,
        )

    def listMetadataFormats(self, identifier: str | None = None) -> list[tuple[str, str, str]]:
        if identifier is not None:
            self._record(identifier)
        return [(prefix, schema, namespace) for prefix, (schema, namespace) in METADATA_FORMATS.items()]

    def listSets(self, cursor: int = 0, batch_size: int = BATCH_SIZE) -> list[tuple[str, str, None]]:
        if not self.repository.groups:
            raise error.NoSetHierarchyError("this journal has no volumes or issues")
        words = localisation(self.repository.house.language)
        sets: dict[str, str] = {}
        for group in sorted(self.repository.groups, key=lambda group: group.set_spec):
            volume = group.set_spec.split(":")[0]
            sets.setdefault(volume, words.gettext("Volume %(volume)s", volume=group.issue.volume))
            label = issue_label(group.issue, words)
            sets[group.set_spec] = f"{label}: {group.issue.title}" if group.issue.title else label
        return [(spec, name, None) for spec, name in sets.items()][cursor : cursor + batch_size]

    def getRecord(self, metadataPrefix: str, identifier: str) -> tuple[Any, Any, None]:
        _check_format(metadataPrefix)
        return self._full(self._record(identifier), metadataPrefix)

    def listIdentifiers(self, metadataPrefix: str, **selection: Any) -> list[common.Header]:  # noqa: ANN401
        return [self._header(record) for record in self._selected(metadataPrefix, **selection)]

    def listRecords(self, metadataPrefix: str, **selection: Any) -> list[tuple[Any, Any, None]]:  # noqa: ANN401
        return [self._full(record, metadataPrefix) for record in self._selected(metadataPrefix, **selection)]

    # --- helpers --------------------------------------------------------------------------------

    def _record(self, identifier: str) -> Record:
        found = next((r for r in self.repository.records if self.repository.identifier(r) == identifier), None)
        if found is None:
            raise error.IdDoesNotExistError(f"no record {identifier}")
        return found

    def _selected(
        self,
        metadata_prefix: str,
        set: str | None = None,
        from_: datetime.datetime | None = None,
        until: datetime.datetime | None = None,
        cursor: int = 0,
        batch_size: int = BATCH_SIZE,
    ) -> Iterator[Record]:
        _check_format(metadata_prefix)
        if set is not None and not self.repository.groups:
            raise error.NoSetHierarchyError("this journal has no volumes or issues")
        # Oldest first, so that a harvest resumed later meets new records at its end.
        ordered = sorted(self.repository.records, key=lambda record: (record.datestamp, record.slug))
        matching = [
            record
            for record in ordered
            if (from_ is None or _moment(record.datestamp) >= from_)
            and (until is None or _moment(record.datestamp) <= until)
            and (
                set is None
                or any(spec == set or spec.startswith(f"{set}:") for spec in self.repository.sets_of(record))
            )
        ]
        yield from matching[cursor : cursor + batch_size]

    def _header(self, record: Record) -> common.Header:
        repository = self.repository
        return common.Header(
            None, repository.identifier(record), _moment(record.datestamp), repository.sets_of(record), False
        )

    def _full(self, record: Record, metadata_prefix: str) -> tuple[Any, Any, None]:
        if metadata_prefix == "jats":
            metadata = common.Metadata(etree.parse(str(record.jats), SAFE_XML_PARSER).getroot(), {})
        else:
            metadata = common.Metadata(None, dublin_core(record, self.repository))
        return self._header(record), metadata, None


def dublin_core(record: Record, repository: Repository) -> dict[str, list[str]]:
    """The record in simple Dublin Core, from the article's published CSL-JSON and JATS."""
    item = record.csl
    source = ", ".join(
        part
        for part in (
            item.get("container-title"),
            f"vol. {item['volume']}" if item.get("volume") else None,
            f"no. {item['issue']}" if item.get("issue") else None,
        )
        if part
    )
    identifiers = [item["URL"], *([f"https://doi.org/{item['DOI']}"] if item.get("DOI") else [])]
    if repository.house.site:
        identifiers.append(f"{repository.house.site}{record.page}")
    return {
        "title": [record.title],
        "creator": [f"{name.get('family')}, {name.get('given')}" for name in item.get("author", [])],
        "contributor": [f"{name.get('family')}, {name.get('given')}" for name in item.get("editor", [])],
        "subject": [word.strip() for word in item.get("keyword", "").split(",") if word.strip()],
        "description": [item["abstract"]] if item.get("abstract") else [],
        "publisher": [item["publisher"]] if item.get("publisher") else [],
        "date": [record.issued.isoformat()],
        "type": ["Text", "info:eu-repo/semantics/article"],
        "format": ["application/xml"],
        "identifier": identifiers,
        "source": [source] if source else [],
        "language": [record.language] if record.language else [],
        "rights": [record.license_url] if record.license_url else [],
    }


def _check_format(metadata_prefix: str) -> None:
    if metadata_prefix not in METADATA_FORMATS:
        raise error.CannotDisseminateFormatError(
            f"{metadata_prefix!r} is not a format of this repository; choose {' or '.join(METADATA_FORMATS)}"
        )


def _moment(day: datetime.date) -> datetime.datetime:
    """A day as the library's datestamps are: a naive date-time in UTC, midnight."""
    return datetime.datetime(day.year, day.month, day.day)


def server(dist: Path, house: House, base_url: str) -> BatchingServer:
    """An OAI-PMH server over what ``dist`` holds now."""
    records = read_records(dist)
    repository = Repository(tuple(records), tuple(issue_groups(records, house)), house, base_url)
    registry = MetadataRegistry()
    registry.registerWriter("oai_dc", oai_dc_writer)
    registry.registerWriter("jats", _jats_writer)
    return BatchingServer(Journal(repository), metadata_registry=registry, resumption_batch_size=BATCH_SIZE)
