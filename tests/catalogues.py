"""What the pipeline's own words should be in an article's language, found without the pipeline's code:
the shipped ``.po`` files read with Babel, picked with Babel's locale negotiation, and CLDR's dates and
name lists."""

from __future__ import annotations

import datetime
import gettext
from functools import cache
from pathlib import Path

import pycountry
from babel import Locale, negotiate_locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parents[1] / "pipeline" / "locale"
TEMPLATE = LOCALE_DIR / "pipeline.pot"
ENGLISH = "en"


def po_files() -> dict[str, Path]:
    """Every shipped catalogue by its folder's name (a Babel locale identifier)."""
    return {path.parents[1].name: path for path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/pipeline.po"))}


@cache
def read(path: Path) -> Catalog:
    with path.open("rb") as stream:
        return read_po(stream)


def catalogue_language(tag: str) -> str | None:
    """The catalogue Babel's negotiation picks for a BCP 47 tag (``zh-Hans-CN`` -> ``zh``), or None."""
    available = {name.replace("_", "-"): name for name in po_files()}
    found = negotiate_locale([tag], list(available), sep="-")
    return available[next(name for name in available if name.lower() == found.lower())] if found else None


def label(tag: str, message: str, **values: object) -> str:
    """A message as the article of language ``tag`` should print it (English where no catalogue serves)."""
    catalog = read(po_files()[catalogue_language(tag) or ENGLISH])
    text = catalog[message].string
    return text % values if values else text


def plural_label(tag: str, singular: str, count: int) -> str:
    catalog = read(po_files()[catalogue_language(tag) or ENGLISH])
    forms = catalog[singular].string
    return forms[gettext.c2py(catalog.plural_expr)(count)] % {"num": count}


def locale_of(tag: str) -> Locale:
    return Locale.parse(tag, sep="-")


def long_date(tag: str, day: datetime.date) -> str:
    return format_date(day, format="long", locale=locale_of(tag))


def name_list(tag: str, names: list[str]) -> str:
    return format_list(names, locale=locale_of(tag))


def country_code(name: str, tag: str) -> str | None:
    """The ISO 3166-1 code of a country named in English or in the article's language, from pycountry's
    names and CLDR's territory names."""
    try:
        return pycountry.countries.lookup(name).alpha_2
    except LookupError:
        pass
    for locale in (locale_of(tag), Locale.parse(ENGLISH)):
        codes = [code for code, territory in locale.territories.items() if territory.casefold() == name.casefold()]
        if codes and codes[0].isalpha():
            return codes[0]
    return None
