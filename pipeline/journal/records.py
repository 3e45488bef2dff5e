"""The journal's articles as the build published them: one record per ``dist/<slug>/``, read from the
article's CSL-JSON (title, authors, dates, volume and issue, abstract) and its JATS (the date of the last
correction, the licence), newest first; and the issues they fall into."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline.formats import ISSUES_FOLDER, artifact_name
from pipeline.model import House, Issue, Person
from pipeline.safexml import SAFE_XML_PARSER

XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@dataclass(frozen=True)
class Record:
    """One published article, as its files in ``dist/<slug>/`` say."""

    slug: str
    csl: dict[str, Any]  # the article's CSL-JSON item
    jats: Path
    issued: datetime.date
    corrected: datetime.date | None  # JATS <pub-date date-type="corrected">
    license_url: str | None

    @property
    def title(self) -> str:
        return str(self.csl["title"])

    @property
    def authors(self) -> tuple[Person, ...]:
        return tuple(Person(given=name.get("given", ""), family=name.get("family", "")) for name in self.csl["author"])

    @property
    def language(self) -> str:
        return str(self.csl.get("language", ""))

    @property
    def volume(self) -> str | None:
        return self.csl.get("volume")

    @property
    def issue(self) -> str | None:
        return self.csl.get("issue")

    @property
    def datestamp(self) -> datetime.date:
        """When the record last changed: its correction, else its publication."""
        return self.corrected or self.issued

    @property
    def page(self) -> str:
        """The article's web page, relative to dist/."""
        return f"{self.slug}/index.html"

    def artifact(self, format_name: str) -> Path:
        return self.jats.parent / artifact_name(format_name, self.slug)


@dataclass(frozen=True)
class IssueGroup:
    """An issue (or a volume published as one) and its articles, newest first."""

    issue: Issue
    records: tuple[Record, ...]

    @property
    def folder(self) -> str:
        """Its pages' folder, relative to dist/: ``issues/3/`` or ``issues/3/2/``."""
        parts = [ISSUES_FOLDER, self.issue.volume, *([self.issue.issue] if self.issue.issue else [])]
        return "/".join(parts) + "/"

    @property
    def set_spec(self) -> str:
        """Its OAI-PMH set: ``volume-3`` or ``volume-3:issue-2`` (a set inside its volume's)."""
        spec = f"volume-{self.issue.volume}"
        return f"{spec}:issue-{self.issue.issue}" if self.issue.issue else spec

    @property
    def date(self) -> datetime.date:
        """The house's date of the issue, else its first article's."""
        return self.issue.date or min(record.issued for record in self.records)


def read_records(dist: Path) -> list[Record]:
    """Every article published in ``dist``, newest first (then by slug)."""
    records = [
        _record(folder)
        for folder in sorted(dist.iterdir() if dist.is_dir() else ())
        if not folder.name.startswith(".") and (folder / artifact_name("csl-json", folder.name)).is_file()
    ]
    return sorted(records, key=lambda record: (record.issued, record.slug), reverse=True)


def _record(folder: Path) -> Record:
    slug = folder.name
    item = json.loads((folder / artifact_name("csl-json", slug)).read_text(encoding="utf-8"))[0]
    jats = folder / artifact_name("jats", slug)
    front = etree.parse(str(jats), SAFE_XML_PARSER).getroot().find("front") if jats.is_file() else None
    dates = {
        element.get("date-type"): datetime.date.fromisoformat(element.get("iso-8601-date", ""))
        for element in (front.iterfind("article-meta/pub-date") if front is not None else ())
    }
    license_element = front.find("article-meta/permissions/license") if front is not None else None
    parts = item["issued"]["date-parts"][0]
    return Record(
        slug=slug,
        csl=item,
        jats=jats,
        issued=dates.get("pub") or datetime.date(*parts),
        corrected=dates.get("corrected"),
        license_url=license_element.get(XLINK_HREF) if license_element is not None else None,
    )


def issue_groups(records: Iterable[Record], house: House) -> list[IssueGroup]:
    """The issues the articles name, newest first; an article without a volume is in none."""
    grouped: dict[tuple[str, str | None], list[Record]] = {}
    for record in records:
        if record.volume is not None:
            grouped.setdefault((record.volume, record.issue), []).append(record)
    groups = []
    for (volume, number), members in grouped.items():
        issue = house.issue(volume, number)
        assert issue is not None  # a volume is named
        groups.append(IssueGroup(issue, tuple(members)))
    return sorted(groups, key=lambda group: (group.date, group.folder), reverse=True)
