"""The journal's HTML pages: the home page (every article, newest first, and the issues) and one table of
contents per issue, rendered through the article pages' renderer and stylesheet in the house's language.
Every link is relative, so dist/ reads the same from any host or from a downloaded copy."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from markupsafe import Markup

from pipeline import paths
from pipeline.formats import JOURNAL_STYLES
from pipeline.journal.records import IssueGroup, Record
from pipeline.model import Issue
from pipeline.prepare.i18n import Localisation, localisation
from pipeline.render import html
from pipeline.source.language import UnknownLanguage, writing


@dataclass(frozen=True)
class Journal:
    """What every page of the journal shares."""

    title: str
    language: str
    site: str | None  # the absolute address of dist/, when the house gives it
    feed: bool  # whether dist/feed.xml is written (it needs the site)

    @property
    def words(self) -> Localisation:
        return localisation(self.language)


@dataclass(frozen=True)
class Entry:
    """One article as a listing shows it."""

    page: str
    title: str
    language: str
    direction: str
    byline: str
    issued: datetime.date
    issued_long: str
    issue_label: str | None
    issue_folder: str | None


@dataclass(frozen=True)
class IssueView:
    folder: str
    label: str
    title: str | None
    date: datetime.date
    date_long: str


def issue_label(issue: Issue, words: Localisation) -> str:
    """ "Volume 3, issue 2", or "Volume 3", in the journal's language."""
    if issue.issue:
        return words.gettext("Volume %(volume)s, issue %(issue)s", volume=issue.volume, issue=issue.issue)
    return words.gettext("Volume %(volume)s", volume=issue.volume)


def issue_view(group: IssueGroup, words: Localisation) -> IssueView:
    return IssueView(
        group.folder, issue_label(group.issue, words), group.issue.title, group.date, words.long_date(group.date)
    )


def entry(
    record: Record, groups: dict[tuple[str, str | None], IssueGroup], words: Localisation, journal_language: str
) -> Entry:
    group = groups.get((record.volume, record.issue)) if record.volume else None
    return Entry(
        page=record.page,
        title=record.title,
        language=record.language,
        direction=writing_direction(record.language),
        # Joined as the article's language joins names ("A и B"), since the names are its words.
        byline=localisation(record.language or journal_language).names([person.name for person in record.authors]),
        issued=record.issued,
        issued_long=words.long_date(record.issued),
        issue_label=issue_label(group.issue, words) if group else None,
        issue_folder=group.folder if group else None,
    )


def writing_direction(tag: str) -> str:
    """The direction of a published article's language (its build checked the tag), else left to right."""
    try:
        return writing(tag).direction
    except UnknownLanguage:
        return "ltr"


def _stylesheet() -> Markup:
    return Markup("\n".join((paths.STYLES / name).read_text(encoding="utf-8") for name in JOURNAL_STYLES))


def _render(template: str, journal: Journal, root: str, relative: str, **context: object) -> str:
    words = journal.words
    return html.render_page(
        template,
        words.translations,
        journal_title=journal.title,
        language=journal.language,
        direction=writing_direction(journal.language),
        root=root,
        feed=journal.feed,
        canonical=f"{journal.site}{relative}" if journal.site else None,
        stylesheet=_stylesheet(),
        **context,
    )


def home_page(journal: Journal, records: list[Record], groups: list[IssueGroup]) -> str:
    words = journal.words
    by_key = {group.issue.key: group for group in groups}
    return _render(
        "journal/home.html.j2",
        journal,
        root="",
        relative="",
        page_title=journal.title,
        description=journal.title,
        issues=[issue_view(group, words) for group in groups],
        entries=[entry(record, by_key, words, journal.language) for record in records],
    )


def issue_page(journal: Journal, group: IssueGroup) -> str:
    words = journal.words
    view = issue_view(group, words)
    title = f"{view.label}: {view.title}" if view.title else view.label
    return _render(
        "journal/issue.html.j2",
        journal,
        root="../" * group.folder.count("/"),
        relative=f"{group.folder}index.html",
        page_title=f"{title} – {journal.title}",
        description=f"{journal.title}, {title}",
        issue=view,
        # Every entry is of this issue: none links to it again.
        entries=[entry(record, {}, words, journal.language) for record in group.records],
    )
