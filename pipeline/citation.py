"""The house citation style, generated from the metadata by CSL (a citation is never stored in the source);
the long date and name list the title block prints."""

from __future__ import annotations

import datetime

from pipeline import paths
from pipeline.cite import csl_item
from pipeline.model import Article, Person
from pipeline.references import format_entry

SUGGESTED_CITATION_LABEL = "Suggested citation"
# A CSL style the house wrote (not one of the CSL repository's), beside the house's stylesheets.
HOUSE_CITATION_STYLE = "house-citation.csl"


def long_date(day: datetime.date) -> str:
    """A date as readers see it: ``March 22, 2022`` (independent of the machine's locale)."""
    months = (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    )
    return f"{months[day.month - 1]} {day.day}, {day.year}"


def join_names(people: tuple[Person, ...]) -> str:
    """``A``, ``A and B``, ``A, B and C``."""
    names = [person.name for person in people]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# The last article's citation: the writers of one article ask for it several times (one pandoc call).
_last_formatted: tuple[Article, str] | None = None


def suggested_citation(article: Article) -> str:
    """The house style (``styles/house-citation.csl``: Authors, Title, Journal, Month D, YYYY, link),
    rendered by pandoc's citeproc from the article's own CSL-JSON item."""
    global _last_formatted
    if _last_formatted is None or _last_formatted[0] is not article:
        _last_formatted = (article, format_entry(csl_item(article), paths.STYLES / HOUSE_CITATION_STYLE))
    return _last_formatted[1]
