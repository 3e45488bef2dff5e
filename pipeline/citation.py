"""The house citation style, generated from the metadata (a citation is never stored in the source)."""

from __future__ import annotations

import datetime

from pipeline.model import Article, Person

SUGGESTED_CITATION_LABEL = "Suggested citation"


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


def suggested_citation(article: Article) -> str:
    """JURIST house style: Authors, Title, Journal, Month D, YYYY, link."""
    parts = (join_names(article.author), article.title, article.container_title, long_date(article.issued))
    return f"{', '.join(parts)}, {article.identifier}."
