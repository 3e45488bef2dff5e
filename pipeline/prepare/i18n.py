"""The words the pipeline itself prints, in the article's language: labels from gettext catalogues,
dates and name lists from CLDR (Babel).

A catalogue is ``pipeline/locale/<locale>/LC_MESSAGES/pipeline.po``, read as it is (no compiled ``.mo``,
no compile step): the languages served are exactly the catalogues found there, so adding a language is
adding a ``.po`` file. An article whose language has no catalogue gets the English labels and one notice
per build; its dates and name lists still follow CLDR for its language where Babel knows it.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pycountry
from babel import Locale, UnknownLocaleError
from babel.core import get_locale_identifier
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.pofile import read_po

from pipeline.model import Labels

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
DOMAIN = "pipeline"
# The language of the message ids, and of every label where no catalogue matches.
FALLBACK = "en"


def N_(message: str) -> str:
    """gettext's mark of a message kept here for the catalogues and translated where it is printed."""
    return message


# The genre readers see when the source names none, by JATS @article-type.
DEFAULT_GENRES = {
    "article-commentary": N_("Commentary"),
    "editorial": N_("Editorial"),
    "research-article": N_("Research article"),
    "review-article": N_("Review article"),
    "book-review": N_("Book review"),
    "brief-report": N_("Brief report"),
    "letter": N_("Letter"),
    "news": N_("News"),
}


@cache
def catalogue_paths() -> dict[str, Path]:
    """Each catalogue by its locale identifier (``fr``, ``zh``, ``pt_BR``), as found on disk."""
    return {path.parents[1].name: path for path in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))}


def parse_language(tag: str) -> Locale | None:
    """The CLDR locale of a BCP 47 tag (``zh-Hans-CN``, ``fr-CA``), or of its language alone; None when
    Babel knows neither."""
    for candidate in (tag, tag.split("-")[0]):
        try:
            return Locale.parse(candidate, sep="-")
        except (ValueError, UnknownLocaleError):
            continue
    return None


def catalogue_for(tag: str) -> str | None:
    """The catalogue serving a language: the most specific of its locale's identifiers that has one
    (``zh_Hant_TW``, ``zh_Hant``, ``zh_TW``, ``zh``), else None."""
    locale = parse_language(tag)
    if locale is None:
        return None
    language, territory, script = locale.language, locale.territory, locale.script
    candidates = (
        (language, territory, script, locale.variant),
        (language, territory, script, None),
        (language, None, script, None),
        (language, territory, None, None),
        (language, None, None, None),
    )
    available = catalogue_paths()
    return next((found for parts in candidates if (found := get_locale_identifier(parts)) in available), None)


@cache
def translations(catalogue: str) -> Labels:
    """One catalogue's messages, read from its ``.po`` once per process, answering as its compiled ``.mo``
    would: a fuzzy or empty translation is no translation (Babel's ``write_mo`` leaves them out), and the
    plural rule is the catalogue's ``Plural-Forms``."""
    with catalogue_paths()[catalogue].open("rb") as stream:
        catalog = read_po(stream, locale=catalogue, domain=DOMAIN)
    messages: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or not message.string or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            plurals[message.id[0]] = tuple(message.string)
        else:
            messages[message.id] = message.string
    return Labels(messages=messages, plurals=plurals, plural_rule=catalog.plural_expr)


@dataclass(frozen=True)
class Localisation:
    """What an article's language decides about the pipeline's own words."""

    language: str  # the article's BCP 47 tag
    catalogue: str  # the catalogue its labels come from
    locale: Locale  # the CLDR locale of its dates and name lists
    translations: Labels

    def gettext(self, message: str, **values: object) -> str:
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, count: int, **values: object) -> str:
        return self.translations.ngettext(singular, plural, count) % {"num": count, **values}

    def long_date(self, day: datetime.date) -> str:
        """A date as readers see it, in CLDR's long form (``March 22, 2022``, ``22 mars 2022``)."""
        return format_date(day, format="long", locale=self.locale)

    def names(self, names: Sequence[str]) -> str:
        """``A``, ``A and B``, ``A, B and C`` as the language joins them."""
        return format_list(list(names), locale=self.locale)


@cache
def localisation(language: str) -> Localisation:
    catalogue = catalogue_for(language) or FALLBACK
    locale = parse_language(language) or Locale.parse(FALLBACK)
    return Localisation(language, catalogue, locale, translations(catalogue))


def missing_catalogue_notice(language: str) -> str | None:
    """What the build says once about a language with no catalogue (its labels are English), or None."""
    if catalogue_for(language) is not None:
        return None
    return (
        f"no labels for language {language!r}: English labels used; to add them, copy "
        f"pipeline/locale/{DOMAIN}.pot to pipeline/locale/<language>/LC_MESSAGES/{DOMAIN}.po and translate it"
    )


def default_genre(article_type: str, language: str) -> str | None:
    """The genre label of an article type in the article's language (``Commentary``, ``Комментарий``);
    None for a type with no default."""
    message = DEFAULT_GENRES.get(article_type)
    return localisation(language).gettext(message) if message else None


def country_code(name: str, language: str) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name: pycountry's names and codes, else CLDR's territory
    names in the article's language and in English ("مصر", "Allemagne"); None when neither knows it."""
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        pass
    for locale in (parse_language(language), parse_language(FALLBACK)):
        code = _territory_codes(str(locale)).get(name.casefold()) if locale else None
        if code:
            return code
    return None


@cache
def _territory_codes(locale: str) -> dict[str, str]:
    """CLDR's country names in one locale, casefolded, to ISO 3166-1 codes (regions such as "001" left out)."""
    names = Locale.parse(locale).territories
    return {name.casefold(): code for code, name in names.items() if pycountry.countries.get(alpha_2=code) is not None}
