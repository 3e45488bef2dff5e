"""Sources of a generated journal for the journal and OAI-PMH tests: small commentaries (one paragraph,
one or two authors), some in volumes and issues, some with a DOI, some corrected after publication.
Everything a test expects is read back from these files with PyYAML, never from the pipeline."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path
from typing import Any

import yaml

from pipeline.build.run import BuildReport, build

SITE = "https://journal.example.org/"
HOUSE = f"""registrant: Example School of Law
depositor: {{name: Example Journal, email: deposits@example.org}}
title: Example Journal of Commentary
site: {SITE}
issues:
  - {{volume: 1, issue: 1, title: "Borders and water", date: 2021-03-01}}
  - {{volume: 1, issue: 2, date: 2021-09-01}}
"""
FAMILIES = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Novak", "Haddad", "Ibarra", "Kowalski")
GIVENS = ("Ada", "Bruno", "Chiara", "Dmitri", "Esra", "Farid", "Greta", "Hiro")


def placement(number: int, count: int) -> tuple[int | None, int | None]:
    """Volume and issue of article ``number`` (0-based): four issues of volume 1 and 2, then a volume with
    no issues, the last fifth in continuous publication."""
    share = max(count // 5, 1)
    slot = number // share
    return [(1, 1), (1, 2), (2, None), (2, 1)][slot] if slot < 4 else (None, None)


def article_text(number: int, count: int) -> str:
    issued = datetime.date(2021, 1, 1) + datetime.timedelta(days=number * 3)
    volume, issue = placement(number, count)
    authors = [(GIVENS[(number + k) % 8], FAMILIES[(number * 3 + k) % 8]) for k in range(1 + number % 2)]
    front: dict[str, Any] = {
        "title": f"Commentary {number + 1}: on rivers, treaties and courts",
        "article-type": "article-commentary",
        "language": "en",
        "issued": issued.isoformat(),
        "container-title": "Example Journal of Commentary",
        "URL": f"https://example.org/commentary/{number + 1}",
        "author": [{"given": given, "family": family} for given, family in authors],
    }
    if volume is not None:
        front["volume"] = volume
    if issue is not None:
        front["issue"] = issue
    if number % 3 == 0:
        front["DOI"] = f"10.5555/journal.{number + 1:04d}"
    if number % 4 == 0:
        front["abstract"] = f"Abstract of commentary {number + 1}."
    if number % 7 == 0:
        front["updated"] = (issued + datetime.timedelta(days=40)).isoformat()
    text = yaml.safe_dump(front, allow_unicode=True, sort_keys=False)
    return f"---\n{text}---\n\nThe commentary number {number + 1} says one thing, briefly.\n"


def slug(number: int) -> str:
    return f"commentary-{number + 1:04d}"


def write_sources(root: Path, count: int) -> Path:
    for number in range(count):
        folder = root / slug(number)
        folder.mkdir(parents=True)
        (folder / "article.md").write_text(article_text(number, count), encoding="utf-8")
    return root


def front_matter(source: Path) -> dict[str, Any]:
    return yaml.safe_load(source.read_text(encoding="utf-8").split("---")[1])


def build_journal(folder: Path, count: int, formats: tuple[str, ...] = ("jats", "csl-json", "crossref")) -> None:
    """``count`` generated sources in ``folder``/sources, built with the journal into ``folder``/dist."""
    shutil.rmtree(folder / "sources", ignore_errors=True)
    write_sources(folder / "sources", count)
    (folder / "house.yaml").write_text(HOUSE, encoding="utf-8")
    report = rebuild_journal(folder, formats)
    assert report.ok, report.failures


def rebuild_journal(folder: Path, formats: tuple[str, ...] = ("jats", "csl-json", "crossref")) -> BuildReport:
    """Build ``folder``/sources with ``folder``/house.yaml into ``folder``/dist, the journal's files too."""
    return build(
        formats,
        source_root=folder / "sources",
        dist=folder / "dist",
        house_config=folder / "house.yaml",
        journal=True,
        jobs=2,
    )
