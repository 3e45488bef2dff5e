"""Article -> RIS (``<slug>.ris``): one JOUR record, written by rispy.

Tags follow what reference managers read for a journal article (Zotero's RIS translator among them):
T2 is the periodical, A2 the editors, SN the ISSN, DA the full date and PY the year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import rispy

from pipeline.model import Article, Person

# Every article this pipeline publishes appears in a periodical (see pipeline.prepare.cite.csl_type).
REFERENCE_TYPE = "JOUR"


class _Writer(rispy.RisWriter):
    def set_header(self, count: int) -> str:
        # rispy numbers each record ("1."); the RIS specification starts a record at its TY line.
        return ""


def names(people: tuple[Person, ...]) -> list[str]:
    return [person.file_as for person in people]


def record(article: Article) -> dict[str, Any]:
    """One rispy record (rispy's key names, one per RIS tag); keys only for the data the source has."""
    values: dict[str, Any] = {
        "type_of_reference": REFERENCE_TYPE,
        "id": article.slug,
        "title": article.title,
        "authors": names(article.author),
        "secondary_authors": names(article.editor),
        "secondary_title": article.container_title,
        "volume": article.volume,
        "number": article.issue,
        "publisher": article.publisher,
        "year": str(article.issued.year),
        # RIS dates are YYYY/MM/DD/ with a trailing slash before the (empty) free-text part.
        "date": article.issued.strftime("%Y/%m/%d/"),
        "issn": article.ISSN,
        "doi": article.DOI,
        "urls": [article.URL],
        "abstract": article.abstract,
        "keywords": list(article.keywords),
        "language": article.language,
    }
    return {key: value for key, value in values.items() if value}


def write(article: Article, path: Path) -> None:
    path.write_text(rispy.dumps([record(article)], implementation=_Writer), encoding="utf-8")
