"""Round trip: every format of every source, read back by ``tests/readers/extract.py``, says what the model says.

Expected values come from the loaded Article (and the house citation built from it), never from a
writer or a template, and never from literals copied out of a source.
"""

from __future__ import annotations

import pytest
from conftest import Built
from readers.extract import EXTRACTORS, Facts, normalise

from pipeline import pandoc
from pipeline.model import Article
from pipeline.prepare.citation import suggested_citation

FORMATS = tuple(EXTRACTORS)
# pypdf reads a line that mixes right-to-left and left-to-right runs (an Arabic sentence with a Latin
# name or a number) with the runs out of order, and Arabic vowel marks doubled or dropped: the text of
# a right-to-left PDF is read back with poppler's pdftotext in tests/test_languages_direction.py.


def metadata_problems(article: Article, facts: Facts) -> list[str]:
    expected = {
        "title": article.title,
        "authors": tuple(person.name for person in article.author),
        "date": article.issued.isoformat(),
        "identifier": article.identifier,
        "language": article.language,
        "section_titles": tuple(section.title for section in article.sections),
    }
    problems = [
        f"{name}: read {getattr(facts, name)!r}, expected {value!r}"
        for name, value in expected.items()
        if getattr(facts, name) != value
    ]
    return problems + journal_problems(article, facts) + url_problems(article, facts)


def journal_problems(article: Article, facts: Facts) -> list[str]:
    if facts.journal is None and facts.page_count == 1:
        # A one-page PDF has no running head: the journal is stated only in its title block.
        if normalise(article.container_title) not in facts.text:
            return [f"journal: {article.container_title!r} is neither in a running head nor in the text"]
        return []
    if facts.journal != article.container_title:
        return [f"journal: read {facts.journal!r}, expected {article.container_title!r}"]
    return []


def url_problems(article: Article, facts: Facts) -> list[str]:
    if facts.url == article.URL:
        return []
    problem = f"url: read {facts.url!r}, expected {article.URL!r}"
    if facts.format == "pdf" and article.DOI and article.URL not in facts.links and article.URL not in facts.text:
        problem += (
            " -- WRITER BUG: the PDF never states the article's URL when it has a DOI (the title block in "
            "pipeline/templates/_title_block.html.j2 prints the DOI *instead of* the URL, and the citation "
            "uses the DOI too), so a reader of the PDF cannot find the article's page"
        )
    return [problem]


# Where a formula stands in a paragraph, for a format that draws it (the PDF): an image, whose TeX is its
# /Alt in the structure tree (tests/test_markdown_constructs.py reads that), not text.
FORMULA = "\x00"


def _paragraph_pieces(section_blocks: object, drawn_formulas: bool) -> list[list[str]]:
    """Each paragraph of a section as the runs of text a reader finds in order: the whole paragraph, or
    for a format that draws formulas, the text between them."""
    if not drawn_formulas:
        return [[paragraph] for paragraph in pandoc.paragraphs(section_blocks)]
    marked = pandoc.replaced(list(section_blocks), "Math", lambda _math: {"t": "Str", "c": FORMULA})
    return [[piece for piece in paragraph.split(FORMULA) if piece.strip()] for paragraph in pandoc.paragraphs(marked)]


def find_paragraphs(article: Article, text: str, drawn_formulas: bool = False) -> tuple[list[str], int]:
    """Look up every paragraph of every section, in order; return the problems and where the body ends."""
    problems: list[str] = []
    position = 0
    for section in article.all_sections:
        for pieces in _paragraph_pieces(section.blocks, drawn_formulas):
            for expected in (normalise(piece).strip() for piece in pieces):
                found = text.find(expected, position)
                if found < 0:
                    where = "out of order" if expected in text else "missing"
                    title = section.title or "introduction"
                    problems.append(f"paragraph {where} in section {title!r}: {expected[:90]!r}")
                else:
                    position = found + len(expected)
    return problems, position


def back_matter(article: Article) -> list[tuple[str, str]]:
    """(label, normalised text) of everything the back matter must hold."""
    items = [("bio", bio) for bio in article.bios]
    items.append(("suggested citation", suggested_citation(article)))
    items += [(f"{note.type} note", note.text) for note in article.notes]
    if article.image_credit:
        items.append(("image credit", article.image_credit))
    if article.license and article.license.text:
        items.append(("licence", article.license.text))
    return [(label, normalise(text)) for label, text in items]


def back_matter_problems(article: Article, facts: Facts, body_end: int) -> list[str]:
    """Each back-matter item is there, after the last paragraph of the last section, and not inside it."""
    reading = normalise(f"{facts.text} {facts.back_matter_text}")
    last_section = facts.section_texts[-1] if facts.section_texts else ""
    problems: list[str] = []
    for label, text in back_matter(article):
        first = reading.find(text)
        if first < 0:
            problems.append(f"{label} missing: {text[:90]!r}")
        elif first < body_end:
            problems.append(f"{label} comes before the end of the last section: {text[:90]!r}")
        if facts.back_matter_text and (text not in facts.back_matter_text or text in facts.text):
            problems.append(f"{label} is not (only) in the back matter: {text[:90]!r}")
        if text in last_section:
            problems.append(f"{label} is inside the last section: {text[:90]!r}")
    if facts.citation is not None and facts.citation != suggested_citation(article):
        problems.append(f"suggested citation reads {facts.citation!r}, expected {suggested_citation(article)!r}")
    return problems


@pytest.mark.parametrize("format_name", [name for name in FORMATS if name != "pdf"])
def test_round_trip(built: Built, format_name: str) -> None:
    assert_round_trip(built, format_name)


def test_pdf_round_trip(built_ltr: Built) -> None:
    """pypdf orders a line of mixed directions visually: right-to-left PDFs are read back by
    tests/test_languages_direction.py."""
    assert_round_trip(built_ltr, "pdf")


def assert_round_trip(built: Built, format_name: str) -> None:
    article = built.article
    facts = EXTRACTORS[format_name](getattr(built, format_name))
    assert facts.format == format_name
    paragraph_problems, body_end = find_paragraphs(article, facts.text, drawn_formulas=format_name == "pdf")
    problems = [
        *metadata_problems(article, facts),
        *paragraph_problems,
        *back_matter_problems(article, facts, body_end),
    ]
    assert not problems, f"the {format_name} of {article.slug} disagrees with the model:\n" + "\n".join(problems)
