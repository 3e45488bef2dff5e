"""Source -> Article: everything the writers need and do not own, computed once per article.

In order: citeproc renders the citations (a note style's become footnotes, so before the notes are
counted) and the bibliography is parsed; the ids are settled by one authority and every internal link
checked against them; the body is split into its untitled introduction and titled sections; the figures
are numbered, given their final ids and placed; then the words the pipeline prints around the author's
(labels, the date, the byline, the genre, a description) are looked up in the article's language, and the
suggested citation and the CSL-JSON item are made. A writer serialises the result and computes nothing of
this again, in whichever process it runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from pipeline import pandoc
from pipeline.errors import SourceError
from pipeline.model import Affiliation, Article, Citation, Figure, Heading, House, PandocBlock, Person, Section
from pipeline.prepare import i18n, ids, outline, references
from pipeline.prepare.citation import citation_language, suggested_citation
from pipeline.prepare.cite import csl_item
from pipeline.prepare.figures import collect_figures, place_figures
from pipeline.source.body import ATTRIBUTED, align_numeric_columns, attributes, check_note_lengths, top_level_headings
from pipeline.source.language import writing
from pipeline.source.load import Source, read_source
from pipeline.source.problems import Problems


def load_article(path: Path, house: House | None = None) -> Article:
    """Read one source (``source/<slug>/article.md``) and prepare its article; ``house`` is the publishing
    house's settings (``pipeline.source.house.load_house``), none when not given. Every problem the
    reading and the preparing find is reported at once."""
    problems = Problems()
    return prepare(read_source(path, house, problems), problems)


def prepare(source: Source, problems: Problems | None = None) -> Article:
    """The article of a source that was read and checked; SourceError (SourceProblems for several) for
    what only shows now (a link to no id, a footnote too long, a figure without its image file), with
    the ``problems`` reading the source found."""
    found = Problems() if problems is None else problems
    path, metadata = source.path, source.metadata
    try:
        cited = references.cite(path, source.citations, source.blocks)
    except SourceError as error:
        found.add(error)
        found.stop()
        raise
    blocks = cited.blocks
    # Listed once for the checks below, none of which changes the body's shape (ids, link targets and
    # column alignments change in place): one walk of it rather than one each.
    listed = list(pandoc.elements(blocks))
    settled: dict[str, str] = {}
    with found.check(again=False):
        settled = ids.settle_ids(listed, source.body, path, source.locate)
    with found.check(again=False):
        references.check_ids(settled, cited, path, source.locate)
    every_id = settled | ids.note_anchors(listed) | references.anchors(cited)
    with found.check(again=False):
        ids.check_internal_links(listed, every_id, path, source.locate)
    with found.check(again=False):
        check_note_lengths(listed, path, source.locate)
    align_numeric_columns(listed)
    try:
        section_level = outline.raise_to_sections(source, blocks)
        introduction, sections = _sections(source, blocks, section_level)
    except SourceError as error:
        found.add(error)
        found.stop()
        raise
    every_block = [*introduction.blocks, *(block for section in sections for block in section.blocks)]
    figures: tuple[Figure, ...] = ()
    images: dict[str, bytes] = {}
    with found.check(again=False):
        figures, images = collect_figures(path, every_block, source.body, source.body_line, every_id)
    found.stop()
    if figures:  # else nothing to place: no copy of the body
        placed = iter(figures)
        introduction = _with_figures(introduction, placed)
        sections = tuple(_with_figures(section, placed) for section in sections)

    language = metadata.language
    localisation = i18n.localisation(language)
    genre = metadata.genre or i18n.default_genre(metadata.article_type, language)
    described = replace(metadata, genre=genre)
    cited_in = citation_language(described)
    notice = i18n.missing_catalogue_notice(language)
    people = {
        "author": tuple(_with_country_codes(person, language) for person in metadata.author),
        "editor": tuple(_with_country_codes(person, language) for person in metadata.editor),
    }
    return Article(
        **{**vars(described), **people},
        introduction=introduction,
        sections=sections,
        figures=figures,
        images=images,
        references=cited.references,
        bibliography=references.bibliography_blocks(cited.references),
        citation_style=cited.style,
        labels=localisation.translations,
        byline=localisation.names([person.name for person in metadata.author]),
        issued_long=localisation.long_date(metadata.issued),
        description=metadata.abstract
        or localisation.gettext(
            "%(genre)s published in %(journal)s on %(date)s",
            genre=genre or localisation.gettext("Article"),
            journal=metadata.container_title,
            date=localisation.long_date(metadata.issued),
        ),
        suggested_citation=Citation(suggested_citation(described), cited_in, writing(cited_in).direction),
        csl_item=csl_item(described),
        scripts=frozenset(writing(tag).script for tag in {language, *_passage_languages(introduction, sections)}),
        notices=(notice,) if notice else (),
    )


def _sections(source: Source, blocks: list[PandocBlock], written: int) -> tuple[Section, tuple[Section, ...]]:
    """The body split at its level-1 headings (written at level ``written``, see outline.py): an untitled
    introduction, then titled sections."""
    introduction: list[PandocBlock] = []
    titled: list[tuple[PandocBlock, list[PandocBlock]]] = []
    for block in blocks:
        if block["t"] == "Header" and block["c"][0] == 1:
            titled.append((block, []))
        elif titled:
            titled[-1][1].append(block)
        else:
            introduction.append(block)
    body_lines = source.body.splitlines()
    sections: list[Section] = []
    index = -1
    for header, section_blocks in titled:
        inlines = header["c"][2]
        heading = pandoc.stringify(inlines).strip()
        index = _heading_index(body_lines, index + 1, "#" * written + " ")
        if not heading:
            raise SourceError(source.path, source.body_line + index, "body", "a section heading has no title")
        sections.append(
            Section(
                id=header["c"][1][0],
                title=heading,
                blocks=tuple(section_blocks),
                paragraphs=tuple(pandoc.paragraphs(section_blocks)),
                title_inlines=tuple(inlines),
                headings=tuple(
                    Heading(sub["c"][0], sub["c"][1][0], pandoc.stringify(sub["c"][2]).strip(), tuple(sub["c"][2]))
                    for sub in top_level_headings(section_blocks)
                ),
            )
        )
    if not introduction and not any(section.paragraphs for section in sections):
        first = next(number for number, text in enumerate(body_lines) if text.strip())
        raise SourceError(
            source.path, source.body_line + first, "body", "has no paragraphs, only headings or other blocks"
        )
    intro = Section(
        id="introduction", title=None, blocks=tuple(introduction), paragraphs=tuple(pandoc.paragraphs(introduction))
    )
    return intro, tuple(sections)


def _heading_index(lines: list[str], start: int, marker: str) -> int:
    """The index of the next section heading line from ``start`` (``marker``: ``# ``, or ``## `` where
    those open sections); the scan stops there, so finding every section reads the body once."""
    return next((number for number in range(start, len(lines)) if lines[number].startswith(marker)), max(start - 1, 0))


def _with_figures(section: Section, figures: Iterator[Figure]) -> Section:
    return replace(section, blocks=tuple(place_figures(section.blocks, figures)))


def _with_country_codes(person: Person, language: str) -> Person:
    """The person with each affiliation's country coded (ISO 3166-1), for the formats that want the code."""
    affiliations = tuple(_coded(affiliation, language) for affiliation in person.affiliations)
    return replace(person, affiliations=affiliations) if affiliations else person


def _coded(affiliation: Affiliation, language: str) -> Affiliation:
    if not affiliation.country:
        return affiliation
    return replace(affiliation, country_code=i18n.country_code(affiliation.country, language))


def _passage_languages(introduction: Section, sections: tuple[Section, ...]) -> set[str]:
    """The languages the body marks passages with (``[text]{lang=en}``, ``::: {lang=fr}``), in the
    sections' headings too."""
    found: set[str] = set()
    for section in (introduction, *sections):
        for element in pandoc.elements([*section.title_inlines, *section.blocks]):
            if element["t"] not in ATTRIBUTED:  # words and spaces, most of a body
                continue
            attrs = attributes(element)
            if attrs and attrs[2]:
                found.update(value for key, value in attrs[2] if key == "lang")
    return found
