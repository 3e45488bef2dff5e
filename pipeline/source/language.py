"""What a BCP 47 language tag says about writing: its direction and script, from CLDR through Babel.

No list of right-to-left languages is kept here: CLDR's character order decides (``ar``, ``he``,
``fa``, ``ur``, ``yi``… are right to left; ``az-Arab`` too, ``az`` not), and CLDR's likely subtags
give the script a tag implies (``zh`` is written in Han, ``sr`` in Cyrillic).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Literal

import babel
from babel.core import get_global

from pipeline.errors import quoted

Direction = Literal["ltr", "rtl"]
DIRECTIONS: tuple[Direction, ...] = ("ltr", "rtl")


class UnknownLanguage(ValueError):
    """A tag CLDR has no data for (or that is no well-formed tag); the message says which."""


@dataclass(frozen=True)
class Writing:
    """How text in one language is written: ``direction`` ("ltr" or "rtl") and ``script`` (ISO 15924)."""

    tag: str
    direction: Direction
    script: str


@cache
def writing(tag: str) -> Writing:
    """The direction and script of ``tag``; UnknownLanguage when CLDR does not know the language."""
    try:
        locale = babel.Locale.parse(tag, sep="-")
    except (babel.UnknownLocaleError, ValueError, TypeError):  # no CLDR data for it, or no well-formed tag
        raise UnknownLanguage(
            f"{quoted(tag)} is not a language CLDR knows; give a BCP 47 tag such as en, ar or zh-Hans"
        ) from None
    direction: Direction = "rtl" if locale.character_order == "right-to-left" else "ltr"
    return Writing(tag=tag, direction=direction, script=locale.script or _likely_script(locale))


def _likely_script(locale: babel.Locale) -> str:
    """The script CLDR's likely subtags give a tag that names none (``ar`` -> Arab, ``zh-TW`` -> Hant)."""
    likely: dict[str, str] = get_global("likely_subtags")
    keys = [f"{locale.language}_{locale.territory}"] if locale.territory else []
    for key in [*keys, locale.language]:
        if key in likely:
            parts = likely[key].split("_")
            return next((part for part in parts[1:] if len(part) == 4 and part.istitle()), "Zyyy")
    return "Zyyy"  # ISO 15924 "undetermined script"
