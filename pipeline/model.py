"""The typed document model: one commentary, its people, sections and back matter.

Pure data, no I/O. Field names follow CSL-JSON where one exists (``container-title`` becomes
``container_title``), so a citation export falls out of the model. Two stages fill it: reading a source
gives its ``Metadata`` (pipeline/source/), preparing it gives the ``Article`` every writer serialises
(pipeline/prepare/): the body with final ids, figures and references, the words in its language and
the suggested citation, computed once per article.
"""

from __future__ import annotations

import datetime
import gettext
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

# One block or inline of pandoc's JSON AST (``{"t": "Para", "c": [...]}``); pandoc owns that schema.
PandocBlock = dict[str, Any]
PandocInline = dict[str, Any]


@dataclass(frozen=True)
class Affiliation:
    institution: str
    country: str | None = None
    department: str | None = None
    ROR: str | None = None  # the full https://ror.org/0… form, checksum verified at load
    country_code: str | None = None  # ISO 3166-1 alpha-2 of ``country``, when CLDR or ISO know the name


@dataclass(frozen=True)
class Issue:
    """One issue of the journal as house.yaml describes it: which it is (a volume, and an issue of it, or
    none for a volume published as one), and optionally its title and publication date."""

    volume: str
    issue: str | None = None
    title: str | None = None
    date: datetime.date | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        return (self.volume, self.issue)


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
    title: str | None = None  # the journal's name on its own pages (else the newest article's container-title)
    site: str | None = None  # where dist/ is served ("https://journal.example.org/"), for feed and sitemap
    language: str = "en"  # of the journal's own pages (BCP 47)
    issues: tuple[Issue, ...] = ()

    def issue(self, volume: str | None, issue: str | None) -> Issue | None:
        """The house's description of an issue, or a bare one when the house says nothing of it; None
        for an article in continuous publication (no volume)."""
        if volume is None:
            return None
        return next((known for known in self.issues if known.key == (volume, issue)), Issue(volume, issue))

    # Punctuation: "typographic" (quotes, dashes and ellipses educated, quotation marks and spacing by
    # language) or "as-typed" (every character as the source types it).
    punctuation: Literal["typographic", "as-typed"] = "typographic"
    # Quotation marks by BCP 47 tag, overriding CLDR's: (open, close, inner open, inner close).
    quotation_marks: tuple[tuple[str, tuple[str, str, str, str]], ...] = ()
    citation_language: str | None = None  # every suggested citation's language, unless a source names its own


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


# The id pandoc's citeproc gives the bibliography, and the prefix of each entry's id (``ref-<key>``).
BIBLIOGRAPHY_ID = "refs"
ENTRY_ID_PREFIX = "ref-"


@dataclass(frozen=True)
class CitedName:
    """An author or editor of a cited work: a person (family and given names) or, without a family name,
    an organisation (CSL's ``literal``, else the given name alone)."""

    family: str | None = None
    given: str | None = None
    literal: str | None = None

    @property
    def is_person(self) -> bool:
        return bool(self.family)

    @property
    def name(self) -> str:
        """ "Family, Given" for a person (the form indexers read), the name of an organisation."""
        if self.family:
            return f"{self.family}, {self.given}" if self.given else self.family
        return self.literal or self.given or ""


@dataclass(frozen=True)
class Reference:
    """One entry of the bibliography: its CSL-JSON item (the data), the entry citeproc formatted from it in
    the article's style (pandoc's ``Div`` with id ``ref-<id>``) with that entry's plain text, and the
    item's fields parsed once, as plain text, for every format that lists them field by field."""

    id: str
    item: dict[str, Any]
    entry: PandocBlock
    text: str
    type: str = ""  # the CSL item type ("article-journal", "book"...)
    title: str | None = None
    container_title: str | None = None
    author: tuple[CitedName, ...] = ()
    editor: tuple[CitedName, ...] = ()
    year: str | None = None  # of the issued date's parts
    issued_literal: str | None = None  # an issued date given as text ("forthcoming")
    edition: str | None = None
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None  # "12" of "12--15", "12–15" or "12"
    last_page: str | None = None  # "15" of "12--15"; None for a single page
    publisher: str | None = None
    publisher_place: str | None = None
    DOI: str | None = None
    URL: str | None = None


@dataclass(frozen=True)
class Labels:
    """The pipeline's own words from one gettext catalogue, as its compiled form answers them: each
    translated message, the forms of each plural message, and the language's plural rule. Read once per
    catalogue (pipeline/prepare/i18n.py) and carried by the prepared article, so that what prints labels
    looks them up here. ``gettext`` and ``ngettext`` answer as Python's ``gettext`` module does: the
    translation, placeholders unfilled (``labels.gettext("Figure %(number)s") % {"number": 1}``)."""

    messages: dict[str, str]
    plurals: dict[str, tuple[str, ...]]  # by the singular message id
    plural_rule: str  # the catalogue's Plural-Forms expression, in C syntax ("n != 1")

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        forms = self.plurals.get(singular)
        index = _plural_index(self.plural_rule)(count)
        if not forms or index >= len(forms):
            return singular if count == 1 else plural
        return forms[index]


@cache
def _plural_index(rule: str) -> Any:  # noqa: ANN401 (gettext's compiled rule: int -> int)
    return gettext.c2py(rule)


@dataclass(frozen=True)
class Citation:
    """The suggested citation as printed, with the language it is written in and that language's direction."""

    text: str
    language: str  # BCP 47
    direction: Literal["ltr", "rtl"]


@dataclass(frozen=True, kw_only=True)
class Metadata:
    """What a source says about its article, typed and checked (pipeline/source/): the front matter, the
    title as pandoc read it, the house's settings and the writing direction its language has."""

    slug: str
    source_path: Path
    title: str  # plain text: dc:title, PDF /Title, <title>, citation exports
    # The title as pandoc read it (Markdown: emphasis, small caps...), for formats that keep markup.
    title_inlines: tuple[PandocInline, ...] = ()
    article_type: str
    language: str
    issued: datetime.date
    container_title: str
    URL: str
    author: tuple[Person, ...]
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
    copyright: Copyright | None = None
    updated: datetime.date | None = None  # the last correction of the published record
    version: int | None = None  # the record's version (1 when first published), for deposits
    # The volume and issue the article appears in, as written ("12", "S1"); None: continuous publication.
    volume: str | None = None
    issue: str | None = None
    house: House = House()
    direction: Literal["ltr", "rtl"] = "ltr"  # of ``language`` (pipeline/source/language.py)
    # The language of the suggested citation (BCP 47); None keeps the house's (styles/house-citation.csl).
    citation_language: str | None = None

    @property
    def identifier(self) -> str:
        """A stable identifier: the DOI when there is one, else the URL."""
        return f"https://doi.org/{self.DOI}" if self.DOI else self.URL

    @property
    def bios(self) -> tuple[str, ...]:
        return tuple(person.bio for person in self.author if person.bio)


@dataclass(frozen=True, kw_only=True)
class Article(Metadata):
    """The prepared article (pipeline/prepare/): everything a writer needs and does not own, computed once
    per article: the body split into sections with final ids, numbered figures, citeproc's citations and
    the bibliography placed after the body, the references parsed, the words the pipeline prints in the
    article's language, the suggested citation and the article's CSL-JSON item. Frozen and picklable:
    a build prepares it once and hands it to every writer, in any worker process."""

    introduction: Section
    sections: tuple[Section, ...]
    figures: tuple[Figure, ...] = ()
    # Each image file the figures show, by its name in the source folder: its bytes as they were checked,
    # which every format publishes (no writer reads the file again).
    images: dict[str, bytes] = field(default_factory=dict, repr=False)
    references: tuple[Reference, ...] = ()
    # The bibliography as the body's last block (a Div of citeproc's entries, id ``refs``), or nothing.
    bibliography: tuple[PandocBlock, ...] = ()
    citation_style: str | None = None  # the CSL style id the citations were rendered in
    labels: Labels
    byline: str  # the authors' names, listed as the article's language lists them
    issued_long: str  # the publication date as readers of the language write it ("22 mars 2022")
    description: str  # one sentence about the article for metadata: its abstract, else what and where it is
    suggested_citation: Citation
    csl_item: dict[str, Any]  # the article as one CSL-JSON item (pipeline/prepare/cite.py)
    # The writing systems (ISO 15924) of the article's language and of every passage marked in another.
    scripts: frozenset[str] = frozenset()
    notices: tuple[str, ...] = ()  # what the build tells the editor once (a language with no labels)

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
