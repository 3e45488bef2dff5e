"""The house citation style, generated from the metadata by CSL (a citation is never stored in the source).

It is in the house's language (the style's ``default-locale``), whatever the article's, unless the source
names another in ``citation-language``: a citation is read by the house's readers and indexers alike,
and its label ("Suggested citation") is what the article's language translates."""

from __future__ import annotations

from functools import cache

from lxml import etree

from pipeline import paths
from pipeline.model import Metadata
from pipeline.paths import HOUSE_CITATION_STYLE
from pipeline.prepare.cite import csl_item
from pipeline.prepare.references import format_entry

# citeproc reads CSL strings as rich text: it curls straight quotes and apostrophes and takes <i>…</i> as
# markup. The house prints what the source typed, so these characters pass through it as private-use
# stand-ins and are put back after.
AS_TYPED = {"'": "\ue000", '"': "\ue001", "<": "\ue002", ">": "\ue003"}


def _stand_ins(value: object) -> object:
    if isinstance(value, str):
        return value.translate(str.maketrans(AS_TYPED))
    if isinstance(value, list):
        return [_stand_ins(item) for item in value]
    if isinstance(value, dict):
        return {key: _stand_ins(item) for key, item in value.items()}
    return value


def _as_typed(text: str) -> str:
    return text.translate(str.maketrans({stand_in: typed for typed, stand_in in AS_TYPED.items()}))


CSL_NS = "http://purl.org/net/xbiblio/csl"


@cache
def _house_language() -> str:
    """The house citation style's ``default-locale``: the language of every citation that names none."""
    style = etree.parse(str(paths.STYLES / HOUSE_CITATION_STYLE)).getroot()
    return style.get("default-locale") or "en-US"


def citation_language(article: Metadata) -> str:
    """The language the suggested citation is written in (BCP 47): the source's ``citation-language``,
    else the house's; the formats that show the citation mark it, so that it is read in its language."""
    return article.citation_language or _house_language()


def suggested_citation(article: Metadata) -> str:
    """The house style (``styles/house-citation.csl``: Authors, Title, Journal, Month D, YYYY, link),
    rendered by pandoc's citeproc from the article's own CSL-JSON item."""
    item = {key: _stand_ins(value) for key, value in csl_item(article).items()}
    return _as_typed(format_entry(item, paths.STYLES / HOUSE_CITATION_STYLE, article.citation_language))
