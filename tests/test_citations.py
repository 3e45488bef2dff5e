"""The citation exports (CSL-JSON, BibTeX, RIS), each read back by an independent reader and compared
with the model.

No registry package ships the official CSL-JSON schema (csl-data.json), so the CSL-JSON is checked
against the vocabulary of the official CSL 1.0.2 schema that citeproc-py ships (csl.rng: item types and
variables) and rendered by two real CSL processors: citeproc-py and the pinned pandoc's citeproc.
The BibTeX is written by bibtexparser and read by pybtex; the RIS is written and read by rispy.
Expected values come from the loaded Article, never from the writers.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime
import json
import re
import unicodedata
import warnings
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pypandoc
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
from citeproc.source.json import CiteProcJSON
from conftest import Built
from lxml import etree
from pybtex.database import Person as BibPerson
from pybtex.database import parse_file, parse_string
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

from pipeline.model import Article, Person
from pipeline.writers import bibtex

CSL_RNG = files("citeproc") / "data/schema/schemas/styles/csl.rng"
CITEPROC_STYLE = files("citeproc") / "data/styles/harvard-cite-them-right.csl"
RNG = {"rng": "http://relaxng.org/ns/structure/1.0"}
# The fields BibTeX styles and biber read verbatim: written unescaped on purpose.
BIBTEX_VERBATIM = {"doi", "url"}
UNESCAPED_LATEX_SPECIAL = re.compile(r"(?<!\\)[&%$#_]")


def csl_path(built: Built) -> Path:
    return built.pdf.parent / f"{built.article.slug}.csl.json"


def bib_path(built: Built) -> Path:
    return built.pdf.parent / f"{built.article.slug}.bib"


def ris_path(built: Built) -> Path:
    return built.pdf.parent / f"{built.article.slug}.ris"


def csl_items(built: Built) -> list[dict[str, Any]]:
    return json.loads(csl_path(built).read_text(encoding="utf-8"))


def shown_plain(text: str) -> str:
    """Text as compared across renderers: styles re-nest quotation marks and re-wrap lines."""
    return " ".join(re.sub("[“”‘’\"']", "'", text).split())


# --- CSL-JSON -------------------------------------------------------------------------------------------


@cache
def csl_vocabulary(define: str) -> frozenset[str]:
    """The values one ``<define>`` of the official CSL schema allows (e.g. ``item-types``)."""
    tree = etree.parse(str(CSL_RNG))
    values = tree.xpath(f"//rng:define[@name='{define}']//rng:value/text()", namespaces=RNG)
    assert values, f"no {define} in {CSL_RNG}"
    return frozenset(values)


def test_csl_json_is_a_one_item_array_keyed_by_the_slug(built: Built) -> None:
    items = csl_items(built)
    assert isinstance(items, list) and len(items) == 1
    assert items[0]["id"] == built.article.slug


def test_csl_json_uses_only_the_official_csl_vocabulary(built: Built) -> None:
    item = csl_items(built)[0]
    assert item["type"] in csl_vocabulary("item-types")
    names, dates = csl_vocabulary("variables.names"), csl_vocabulary("variables.dates")
    strings = csl_vocabulary("variables.strings") | csl_vocabulary("variables.titles")
    for key, value in item.items():
        if key in ("id", "type"):
            continue
        if key in names:
            assert value and all(set(name) == {"family", "given"} for name in value), key
            assert all(isinstance(part, str) and part for name in value for part in name.values()), key
        elif key in dates:
            assert set(value) == {"date-parts"} and len(value["date-parts"]) == 1, key
            assert all(isinstance(part, int) for part in value["date-parts"][0]), key
        else:
            assert key in strings, f"{key} is not a CSL variable"
            assert isinstance(value, str) and value, key


def test_csl_json_carries_the_model(built: Built) -> None:
    article, item = built.article, csl_items(built)[0]

    def csl_names(people: tuple[Person, ...]) -> list[dict[str, str]]:
        return [{"family": person.family, "given": person.given} for person in people]

    assert item["title"] == article.title
    assert item["author"] == csl_names(article.author)
    assert item.get("editor", []) == csl_names(article.editor)
    assert item["container-title"] == article.container_title
    issued = article.issued
    assert item["issued"] == {"date-parts": [[issued.year, issued.month, issued.day]]}
    assert item["URL"] == article.URL
    assert item["language"] == article.language
    optional = {
        "DOI": article.DOI,
        "ISSN": article.ISSN,
        "publisher": article.publisher,
        "abstract": article.abstract,
        "genre": article.genre,
    }
    for key, value in optional.items():
        assert item.get(key) == value, key
    keywords = item.get("keyword")
    assert (keywords.split(", ") if keywords else []) == list(article.keywords)


def test_csl_json_renders_in_citeproc_py(built: Built) -> None:
    article = built.article
    with warnings.catch_warnings():
        # citeproc-py warns about any variable it does not know: a misspelt key must fail.
        warnings.simplefilter("error")
        source = CiteProcJSON(csl_items(built))
        style = CitationStylesStyle(str(CITEPROC_STYLE), validate=False)
        bibliography = CitationStylesBibliography(style, source, formatter.plain)
        bibliography.register(Citation([CitationItem(article.slug)]))
        entries = [str(entry) for entry in bibliography.bibliography()]
    assert len(entries) == 1
    assert_rendered(article, entries[0])


def test_csl_json_renders_in_pandoc_citeproc(built: Built) -> None:
    article = built.article
    rendered = pypandoc.convert_text(
        f"[@{article.slug}]",
        "plain",
        format="markdown",
        extra_args=["--citeproc", f"--bibliography={csl_path(built)}", "--wrap=none"],
    )
    assert_rendered(article, rendered)


def assert_rendered(article: Article, rendered: str) -> None:
    """Every part of the reference that every style prints."""
    text = shown_plain(rendered)
    assert shown_plain(article.title) in text
    for person in article.author:
        assert person.family in text
    assert shown_plain(article.container_title) in text
    assert str(article.issued.year) in text
    assert article.identifier in text


# --- BibTeX ---------------------------------------------------------------------------------------------


@cache
def latex_to_text() -> LatexNodes2Text:
    """pylatexenc's LaTeX reader, taught the text-mode brace and caret commands it does not know."""
    context = get_default_latex_context_db()
    symbols = {"textbraceleft": "{", "textbraceright": "}", "textasciicircum": "^"}
    macros = [MacroTextSpec(name, text) for name, text in symbols.items()]
    context.add_context_category("text-symbols", macros=macros, prepend=True)
    return LatexNodes2Text(latex_context=context)


def latex_text(latex: str) -> str:
    return latex_to_text().latex_to_text(latex)


def bib_names(people: list[BibPerson]) -> list[tuple[str, str]]:
    return [
        (
            latex_text(" ".join(person.prelast_names + person.last_names)),
            latex_text(" ".join(person.first_names + person.middle_names)),
        )
        for person in people
    ]


def model_names(people: tuple[Person, ...]) -> list[tuple[str, str]]:
    return [(person.family, person.given) for person in people]


def test_bibtex_parses_and_round_trips(built: Built) -> None:
    article = built.article
    database = parse_file(str(bib_path(built)), "bibtex")
    assert list(database.entries) == [article.slug]
    entry = database.entries[article.slug]
    assert entry.type == "article"
    fields = entry.fields
    assert latex_text(fields["title"]) == article.title
    assert bib_names(entry.persons["author"]) == model_names(article.author)
    assert bib_names(entry.persons.get("editor", [])) == model_names(article.editor)
    assert latex_text(fields["journal"]) == article.container_title
    assert fields["year"] == str(article.issued.year)
    # pybtex expands BibTeX's month macros to English month names.
    assert fields["month"] == calendar.month_name[article.issued.month]
    assert datetime.date.fromisoformat(fields["date"]) == article.issued
    assert fields.get("doi") == article.DOI
    assert fields["url"] == article.URL
    assert fields.get("issn") == article.ISSN
    assert latex_text(fields.get("publisher", "")) == (article.publisher or "")
    assert latex_text(fields.get("abstract", "")) == (article.abstract or "")


# Unicode names of characters LaTeX has no command for.
WITHOUT_LATEX = ("CJK ", "FULLWIDTH ", "IDEOGRAPHIC ", "ARABIC ", "HEBREW ")


def test_bibtex_text_is_escaped_for_latex(built: Built) -> None:
    """Special characters and non-ASCII letters are LaTeX commands, outside the verbatim fields (Chinese
    characters, which have none, stay as they are: biber and XeLaTeX read UTF-8)."""
    entry = parse_file(str(bib_path(built)), "bibtex").entries[built.article.slug]
    raw = [value for key, value in entry.fields.items() if key.lower() not in BIBTEX_VERBATIM]
    raw += [str(person) for people in entry.persons.values() for person in people]
    for value in raw:
        escapable = "".join(char for char in value if not unicodedata.name(char, "").startswith(WITHOUT_LATEX))
        assert escapable.isascii(), value
        assert not UNESCAPED_LATEX_SPECIAL.search(value), value


def test_bibtex_survives_special_characters_in_every_text(built: Built) -> None:
    """Characters that end a field, a name or a list of names in BibTeX still round-trip."""
    tricky = "Costs of $5 & $10: 50% of #1 under_score, {a lone brace and back\\slash ~ ^"
    people = (Person(given="Tom", family="Smith, Jr"), Person(given="{", family="Law and Order"))
    article = dataclasses.replace(built.article, title=tricky, container_title=tricky, author=people)
    entry = parse_string(bibtex.bibtex(article), "bibtex").entries[article.slug]
    assert latex_text(entry.fields["title"]) == tricky
    assert latex_text(entry.fields["journal"]) == tricky
    assert bib_names(entry.persons["author"]) == model_names(people)
    assert not UNESCAPED_LATEX_SPECIAL.search(entry.fields["title"])


# --- RIS ------------------------------------------------------------------------------------------------


def test_ris_parses_and_round_trips(built: Built) -> None:
    article = built.article
    records = rispy.loads(ris_path(built).read_text(encoding="utf-8"))
    assert len(records) == 1
    record = records[0]
    assert record["type_of_reference"] == "JOUR"
    assert record["id"] == article.slug
    assert record["title"] == article.title
    assert [tuple(name.split(", ", 1)) for name in record["authors"]] == model_names(article.author)
    editors = [tuple(name.split(", ", 1)) for name in record.get("secondary_authors", [])]
    assert editors == model_names(article.editor)
    assert record["secondary_title"] == article.container_title
    assert record["year"] == str(article.issued.year)
    assert datetime.datetime.strptime(record["date"], "%Y/%m/%d/").date() == article.issued
    assert record.get("doi") == article.DOI
    assert record["urls"] == [article.URL]
    assert record.get("issn") == article.ISSN
    assert record.get("publisher") == article.publisher
    assert record.get("abstract") == article.abstract
    assert record.get("keywords", []) == list(article.keywords)
    assert record["language"] == article.language
