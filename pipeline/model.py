"""The typed document model: one commentary, its people, sections and back matter.

Pure data, no I/O. Field names follow CSL-JSON where one exists (``container-title`` becomes
``container_title``), so a citation export falls out of the model.
"""

from __future__ import annotations

import datetime
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# One block or inline of pandoc's JSON AST (``{"t": "Para", "c": [...]}``); pandoc owns that schema.
PandocBlock = dict[str, Any]
PandocInline = dict[str, Any]


@dataclass(frozen=True)
class Affiliation:
    institution: str
    country: str | None = None
    department: str | None = None
    ROR: str | None = None  # the full https://ror.org/0… form, checksum verified at load


@dataclass(frozen=True)
class House:
    """The publishing house's settings (house.yaml at the project root), the same for every article.
    Every setting is optional: a deposit or a format that needs one leaves its element out without it."""

    abbreviated_title: str | None = None  # the journal title's abbreviation
    print_ISSN: str | None = None
    electronic_ISSN: str | None = None
    DOI_prefix: str | None = None  # "10.1234"
    journal_DOI: str | None = None  # bare, like Article.DOI
    depositor_name: str | None = None
    depositor_email: str | None = None
    registrant: str | None = None


@dataclass(frozen=True)
class Copyright:
    """The copyright line as the source gives it; each part only when given (nothing is inferred)."""

    holder: str | None = None
    year: int | None = None
    statement: str | None = None


# Unicode names of the letters of scripts whose names are written family name first, without a space.
FAMILY_FIRST_SCRIPTS = ("CJK ", "HIRAGANA ", "KATAKANA ", "HANGUL ")


@dataclass(frozen=True)
class Person:
    given: str
    family: str
    role: str | None = None
    affiliations: tuple[Affiliation, ...] = ()
    bio: str | None = None
    ORCID: str | None = None  # the full https://orcid.org/0000-… form, check digit verified at load

    @property
    def name(self) -> str:
        """The name as printed in a byline: given name first, or, for a name written in Chinese, Japanese or
        Korean characters, family name first with no space (陈晓明), as CSL processors print it."""
        return f"{self.family}{self.given}" if self.family_first else f"{self.given} {self.family}"

    @property
    def family_first(self) -> bool:
        """Written in Chinese, Japanese or Korean characters: family name first (JATS's "eastern" style)."""
        letters = [char for char in self.family + self.given if char.isalpha()]
        return bool(letters) and all(unicodedata.name(char, "").startswith(FAMILY_FIRST_SCRIPTS) for char in letters)

    @property
    def file_as(self) -> str:
        """The name as sorted in a catalogue: family name first."""
        return f"{self.family}, {self.given}"


@dataclass(frozen=True)
class License:
    text: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class Note:
    type: str
    text: str


@dataclass(frozen=True)
class Heading:
    """One heading of the body's outline: level 1 opens a section, 2 a subsection, and so on."""

    level: int
    id: str
    title: str  # plain text, for bookmarks, navigation and metadata
    inlines: tuple[PandocInline, ...]  # the heading as written (emphasis, small caps, notes...)


@dataclass(frozen=True)
class Section:
    """A titled section of the body (a level-1 heading and what follows it up to the next one); the
    untitled introduction has ``title=None``. Subsections stay in ``blocks`` as pandoc ``Header``
    blocks, carrying the ids the loader gave them; ``headings`` lists them in order."""

    id: str
    title: str | None
    blocks: tuple[PandocBlock, ...]
    paragraphs: tuple[str, ...]
    title_inlines: tuple[PandocInline, ...] = ()
    headings: tuple[Heading, ...] = ()


@dataclass(frozen=True)
class Figure:
    """A numbered figure of the body: one image file of the source folder, its caption and its text
    alternative. ``caption`` is the caption's plain text (the rich one stays in the body's AST)."""

    id: str
    number: int
    path: str  # the image file, relative to the source folder, as the body names it ("chart.png")
    media_type: str  # "image/png", "image/jpeg" or "image/svg+xml"
    caption: str
    alt: str  # the source's fig-alt, else the caption
    line: int  # where the body shows it, for messages


@dataclass(frozen=True)
class Reference:
    """One entry of the bibliography: its CSL-JSON item (the data) and the entry citeproc formatted from it
    in the article's style (pandoc's ``Div`` with id ``ref-<id>``), with that entry's plain text."""

    id: str
    item: dict[str, Any]
    entry: PandocBlock
    text: str


@dataclass(frozen=True)
class Article:
    slug: str
    source_path: Path
    title: str  # plain text: dc:title, PDF /Title, <title>, citation exports
    article_type: str
    language: str
    issued: datetime.date
    container_title: str
    URL: str
    author: tuple[Person, ...]
    introduction: Section
    sections: tuple[Section, ...]
    genre: str | None = None
    publisher: str | None = None
    ISSN: str | None = None
    DOI: str | None = None
    editor: tuple[Person, ...] = ()
    abstract: str | None = None
    keywords: tuple[str, ...] = ()
    license: License | None = None
    image_credit: str | None = None
    notes: tuple[Note, ...] = field(default=())
    figures: tuple[Figure, ...] = ()
    # The title as pandoc read it (Markdown: emphasis, small caps...), for formats that keep markup.
    title_inlines: tuple[PandocInline, ...] = ()
    references: tuple[Reference, ...] = ()
    citation_style: str | None = None  # the CSL style id the citations were rendered in
    copyright: Copyright | None = None
    updated: datetime.date | None = None  # the last correction of the published record
    version: int | None = None  # the record's version (1 when first published), for deposits
    house: House = House()
    direction: str = "ltr"  # the writing direction of ``language`` (pipeline/language.py): "ltr" or "rtl"
    # The language of the suggested citation (BCP 47); None keeps the house's (styles/house-citation.csl).
    citation_language: str | None = None

    @property
    def identifier(self) -> str:
        """A stable identifier: the DOI when there is one, else the URL."""
        return f"https://doi.org/{self.DOI}" if self.DOI else self.URL

    @property
    def all_sections(self) -> tuple[Section, ...]:
        """The introduction (when it has text) followed by the titled sections."""
        intro = (self.introduction,) if self.introduction.blocks else ()
        return intro + self.sections

    @property
    def image_files(self) -> dict[str, str]:
        """Each image file the article shows (relative path -> media type), once, in order of first use."""
        return {figure.path: figure.media_type for figure in self.figures}

    @property
    def outline(self) -> tuple[Heading, ...]:
        """Every heading of the body in order: each section's, then its subsections'."""
        found: list[Heading] = []
        for section in self.sections:
            found.append(Heading(1, section.id, section.title or "", section.title_inlines))
            found.extend(section.headings)
        return tuple(found)

    @property
    def bios(self) -> tuple[str, ...]:
        return tuple(person.bio for person in self.author if person.bio)
