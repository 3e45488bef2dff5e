"""Citation metadata for reference managers: the article as one CSL-JSON item.

The model's field names follow CSL-JSON, so the mapping is direct; the BibTeX and RIS writers take their
values from the same model, never from a stored citation.
"""

from __future__ import annotations

import datetime
from typing import Any

from pipeline.model import Metadata, Person

# CSL has no "commentary" (nor "editorial" or "research-article"): whatever a periodical publishes as an
# article is an "article-journal", and the label readers see (e.g. "Commentary") travels in CSL's own
# ``genre``. Only the JATS types that CSL models more exactly are listed here.
CSL_TYPES: dict[str, str] = {
    "book-review": "review-book",
    "product-review": "review",
}
DEFAULT_CSL_TYPE = "article-journal"


def csl_type(article: Metadata) -> str:
    return CSL_TYPES.get(article.article_type, DEFAULT_CSL_TYPE)


def csl_name(person: Person) -> dict[str, str]:
    return {"family": person.family, "given": person.given}


def csl_date(day: datetime.date) -> dict[str, list[list[int]]]:
    return {"date-parts": [[day.year, day.month, day.day]]}


def csl_item(article: Metadata) -> dict[str, Any]:
    """One CSL-JSON item; a key appears only when the source has the data."""
    item: dict[str, Any] = {
        "id": article.slug,
        "type": csl_type(article),
        "title": article.title,
        "author": [csl_name(person) for person in article.author],
        "editor": [csl_name(person) for person in article.editor],
        "container-title": article.container_title,
        "volume": article.volume,
        "issue": article.issue,
        "issued": csl_date(article.issued),
        "genre": article.genre,
        "publisher": article.publisher,
        "ISSN": article.ISSN,
        "DOI": article.DOI,
        "URL": article.URL,
        "abstract": article.abstract,
        # CSL's ``keyword`` is one string; reference managers split it on commas.
        "keyword": ", ".join(article.keywords),
        "language": article.language,
    }
    return {key: value for key, value in item.items() if value}
