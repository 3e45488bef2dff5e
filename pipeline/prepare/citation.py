"""The house citation style, generated from the metadata by CSL (a citation is never stored in the source).

It is in the article's language (CSL's terms, "and", dates), like every other word around the article,
unless ``house.yaml`` names a ``citation-language`` for every article (a journal cited alike in one
language), and a source's own ``citation-language`` wins over both."""

from __future__ import annotations

from pipeline import pandoc, paths
from pipeline.model import Metadata
from pipeline.paths import HOUSE_CITATION_STYLE
from pipeline.prepare.cite import csl_item
from pipeline.prepare.references import format_entry

# citeproc reads CSL strings as rich text: it curls straight quotes and apostrophes and takes <i>…</i> as
# markup. The house prints what the source typed, so these characters pass through it as private-use
# stand-ins and are put back after.
# Curly quotes too: a locale whose outer quotes are single ones (en-GB) would swap them.
AS_TYPED = {
    **{"'": "\ue000", '"': "\ue001", "<": "\ue002", ">": "\ue003"},
    **{"\u2018": "\ue004", "\u2019": "\ue005", "\u201c": "\ue006", "\u201d": "\ue007"},
}


TO_STAND_INS = str.maketrans(AS_TYPED)
FROM_STAND_INS = str.maketrans({stand_in: typed for typed, stand_in in AS_TYPED.items()})


def citation_language(article: Metadata) -> str:
    """The language the suggested citation is written in (BCP 47): the source's ``citation-language``,
    else the house's, else the article's; the formats that show the citation mark it, so that it is read
    in its language."""
    return article.citation_language or article.house.citation_language or article.language


def suggested_citation(article: Metadata) -> str:
    """The house style (``styles/house-citation.csl``: Authors, Title, Journal, Month D, YYYY, link),
    rendered by pandoc's citeproc from the article's own CSL-JSON item."""
    item = pandoc.translated(csl_item(article), TO_STAND_INS)
    return format_entry(item, paths.STYLES / HOUSE_CITATION_STYLE, citation_language(article)).translate(FROM_STAND_INS)
