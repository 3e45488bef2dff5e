"""Article -> BibTeX (``<slug>.bib``): one @article entry keyed by the slug, written by bibtexparser.

Text is LaTeX-encoded by pylatexenc (``&`` becomes ``\\&``, ``Núñez`` becomes ``N\\'u\\~nez``), so the file
works with classic 8-bit BibTeX as well as with biber; letters LaTeX has no command for (Hebrew, CJK,
emoji) stay UTF-8, which biber reads. ``doi`` and ``url`` are verbatim fields in biblatex and url-aware
styles: escaping them would corrupt them, so they are written as they are.
"""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
from bibtexparser.model import Entry, Field
from pylatexenc.latexencode import RULE_DICT, UnicodeToLatexConversionRule, UnicodeToLatexEncoder

from pipeline.model import Article, Person

# Every article this pipeline publishes appears in a periodical (see pipeline.prepare.cite.csl_type).
ENTRY_TYPE = "article"
# BibTeX's predefined month macros: written unquoted, every style prints the month in its own language.
MONTH_MACROS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# BibTeX counts braces even after a backslash, so a lone ``\{`` would end the field early: braces are
# written as commands instead.
BRACES = UnicodeToLatexConversionRule(RULE_DICT, {ord("{"): r"\textbraceleft", ord("}"): r"\textbraceright"})
# The source is plain text: unlike bibtexparser's default encoder, no ``$...$`` is taken for math
# ("$5 and $10" is escaped), and a letter without a LaTeX command is kept as it is, without a warning.
ENCODER = UnicodeToLatexEncoder(
    conversion_rules=[BRACES, "defaults"], unknown_char_policy="keep", unknown_char_warning=False
)
# What BibTeX would read as the end of a name part or of a name.
NAME_SEPARATOR = re.compile(r",|\band\b", re.IGNORECASE)


def latex(text: str) -> str:
    return ENCODER.unicode_to_latex(text)


def name_part(text: str) -> str:
    """A family or given name; braced only when BibTeX would split it, since braces stop styles from
    abbreviating a given name to its initial."""
    encoded = latex(text)
    return f"{{{encoded}}}" if NAME_SEPARATOR.search(text) else encoded


def names(people: tuple[Person, ...]) -> str:
    """``Family, Given and Family, Given``: the form BibTeX splits without guessing."""
    return " and ".join(f"{name_part(person.family)}, {name_part(person.given)}" for person in people)


def fields(article: Article) -> list[Field]:
    """Every field the source has data for, in the order a reader expects them."""
    values = {
        "author": names(article.author),
        "editor": names(article.editor),
        # Braced as a whole: styles that sentence-case titles would lowercase proper nouns.
        "title": f"{{{latex(article.title)}}}",
        "journal": latex(article.container_title),
        "volume": latex(article.volume or ""),
        "number": latex(article.issue or ""),
        "publisher": latex(article.publisher or ""),
        "year": str(article.issued.year),
        "month": MONTH_MACROS[article.issued.month - 1],
        # biblatex reads the full date; classic BibTeX ignores the field and uses year and month.
        "date": article.issued.isoformat(),
        "issn": article.ISSN,
        "doi": article.DOI,
        "url": article.URL,
        "abstract": latex(article.abstract or ""),
        "keywords": latex(", ".join(article.keywords)),
    }
    # The month is a macro: braced, it would be the literal text "nov".
    return [
        Field(key, value, enclosing="no-enclosing" if key == "month" else None)
        for key, value in values.items()
        if value
    ]


def bibtex(article: Article) -> str:
    library = bibtexparser.Library([Entry(ENTRY_TYPE, article.slug, fields(article))])
    return bibtexparser.write_string(library)


def write(article: Article, path: Path) -> None:
    path.write_text(bibtex(article), encoding="utf-8")
