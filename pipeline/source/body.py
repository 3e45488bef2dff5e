"""Small, named transformations and checks over the body's pandoc AST, run once at load time.

Each does one thing, like a pandoc filter: give every id one safe, unique form (``settle_ids``),
check that every ``#anchor`` link lands on something (``check_internal_links``), check what the
title may hold (``check_title``). Problems are reported as SourceError with the line of the source.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pipeline import pandoc
from pipeline.errors import SourceError
from pipeline.model import PandocBlock, PandocInline
from pipeline.source.language import DIRECTIONS, Direction, UnknownLanguage, writing

# An id every output accepts: an ASCII XML name (JATS @id, XHTML and EPUB fragments, PDF destinations).
XML_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
# Ids the templates (pipeline/templates/) and pandoc's note markup give their own elements: a body id
# equal to one of them would make two elements share it.
# fmt: off
RESERVED_IDS = frozenset({
    "title", "title-block", "abstract", "abstract-title", "article-body", "introduction", "main",
    "back-matter", "about-the-author", "about-the-author-title", "cite-this", "cite-this-title",
    "credits", "credits-title", "footnotes", "footnotes-title", "title-markup",
    "references", "references-title", "refs",
})
# fmt: on
RESERVED_ID_PATTERN = re.compile(r"^(?:fn\d+|fnref\d+|note-\d+(?:-title)?)$")
# Elements whose first content item is pandoc's [id, classes, key-values].
# An id written in an attribute block: "{#id}", "{.class #id}", "{#id key=value}".
WRITTEN_ID = re.compile(r"\{[^}\n]*?#([^\s}]+)(?=[\s}])")
ATTRIBUTED_FIRST = frozenset({"Span", "Div", "Link", "Image", "Code", "CodeBlock", "Table", "Figure"})
# What a title may hold: text and inline formatting; no notes, links or images.
TITLE_REFUSED = {"Note": "a footnote", "Link": "a link", "Image": "an image"}

# The 1-based source line of the first of the given texts found in the body.
Locate = Callable[..., int]


def reserved(identifier: str) -> bool:
    return identifier in RESERVED_IDS or bool(RESERVED_ID_PATTERN.match(identifier))


def attributes(element: dict[str, Any]) -> list[Any] | None:
    """The [id, classes, key-values] of an element that carries attributes, else None."""
    kind = element["t"]
    if kind in ATTRIBUTED_FIRST:
        return element["c"][0]
    if kind == "Header":
        return element["c"][1]
    return None


def _with_ids(blocks: list[PandocBlock]) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    for element in pandoc.elements(blocks):
        attrs = attributes(element)
        if attrs is not None and attrs[0]:
            yield element, attrs


def _written_ids(body: str) -> set[str]:
    """The ids the source gives itself (``{#id}``, also among other attributes) rather than pandoc deriving them."""
    return {match.group(1) for match in WRITTEN_ID.finditer(body)}


def settle_ids(blocks: list[PandocBlock], body: str, path: Path, locate: Locate) -> dict[str, str]:
    """Give the body one id scheme: pandoc's heading ids (or the source's ``{#id}``) as written,
    ASCII XML names, unique, and never one the templates use. A heading id pandoc derived that
    collides with a template id gets pandoc's own suffix (``-1``, ``-2``…), and links to it follow;
    an id the source wrote that cannot be used is refused with its line. Returns every id with the
    kind of element that carries it (``Header``, ``Table``, ``Figure``, ``Image``, ``Span``…)."""
    taken: dict[str, str] = {}
    renamed: dict[str, str] = {}
    written = _written_ids(body)
    for element, attrs in _with_ids(blocks):
        identifier = attrs[0]
        explicit = element["t"] != "Header" or identifier in written
        if not XML_ID.match(identifier):
            message = f"id {identifier!r} must start with a letter and use only ASCII letters, digits, '-', '_', '.'"
            raise SourceError(path, locate("#" + identifier), "body", message)
        if identifier in taken or reserved(identifier):
            if explicit:
                why = "is used twice in the body" if identifier in taken else "is reserved for the page's own parts"
                line = locate("#" + identifier, occurrence=2 if identifier in taken else 1)
                raise SourceError(path, line, "body", f"id {identifier!r} {why}; choose another")
            suffix = 1
            while f"{identifier}-{suffix}" in taken or reserved(f"{identifier}-{suffix}"):
                suffix += 1
            renamed[identifier] = attrs[0] = f"{identifier}-{suffix}"
        taken[attrs[0]] = element["t"]
    if not renamed:
        return taken
    for element in pandoc.elements(blocks):
        if element["t"] == "Link" and element["c"][2][0].startswith("#"):
            target = element["c"][2][0][1:]
            if target in renamed:
                element["c"][2][0] = f"#{renamed[target]}"
    return taken


def check_internal_links(blocks: list[PandocBlock], anchors: dict[str, str], path: Path, locate: Locate) -> None:
    """Every ``#anchor`` link of the body must name an id the body has (a heading, figure, table, span…)."""
    for element in pandoc.elements(blocks):
        if element["t"] != "Link" or not element["c"][2][0].startswith("#"):
            continue
        target = element["c"][2][0]
        if target[1:] not in anchors:
            text = pandoc.stringify(element["c"][1])
            message = f"link {text!r} points to {target!r}, which is not the id of any heading, figure or table"
            close = sorted(anchor for anchor in anchors if anchor.startswith(target[1:4]))[:3]
            hint = f"; ids in the body include {', '.join(close)}" if close else ""
            raise SourceError(path, locate(f"({target})", target), "body", message + hint)


def note_anchors(blocks: list[PandocBlock]) -> dict[str, str]:
    """The ids every format gives the footnotes, numbered in order (``fn1``, ``fn2``…): a link may name them."""
    count = sum(1 for element in pandoc.elements(blocks) if element["t"] == "Note")
    return {f"fn{number}": "Note" for number in range(1, count + 1)}


def citations_as_text(value: Any) -> Any:  # noqa: ANN401 (pandoc's JSON)
    """``@word`` in a title is text, not a citation (pandoc reads it as one): each Cite becomes the
    inlines it was written as."""
    if isinstance(value, list):
        spliced: list[Any] = []
        for item in value:
            if isinstance(item, dict) and item.get("t") == "Cite":
                spliced.extend(citations_as_text(item["c"][1]))
            else:
                spliced.append(citations_as_text(item))
        return spliced
    if isinstance(value, dict) and "c" in value:
        return {**value, "c": citations_as_text(value["c"])}
    return value


# WeasyPrint cannot continue a footnote on the next page: a note must fit at the foot of one page
# (about sixty lines of note type), with room to spare for the text that references it.
MAX_NOTE_CHARACTERS = 3000


def check_note_lengths(blocks: list[PandocBlock], path: Path, locate: Locate) -> None:
    """A footnote longer than MAX_NOTE_CHARACTERS is refused with its line: the PDF could not print it."""
    for note in (element for element in pandoc.elements(blocks) if element["t"] == "Note"):
        text = " ".join(pandoc.paragraphs(note["c"]))
        if len(text) > MAX_NOTE_CHARACTERS:
            message = (
                f"a footnote has {len(text)} characters, more than the {MAX_NOTE_CHARACTERS} that fit at the foot "
                "of a page (a note is not continued on the next); shorten it or split it"
            )
            raise SourceError(path, locate(" ".join(text.split()[:4])), "body", message)


def check_title(inlines: list[PandocInline], path: Path, line: int) -> None:
    """A title keeps inline formatting only: it is also plain metadata, a bookmark and a citation."""
    for element in pandoc.elements(inlines):
        if element["t"] in TITLE_REFUSED:
            message = f"may hold emphasis, strong, small caps, sub- and superscript, not {TITLE_REFUSED[element['t']]}"
            raise SourceError(path, line, "title", message)


# A cell that holds only a number: digits with separators, a sign, a percent or per-mille sign.
NUMBER = re.compile(r"^[-+\u2212\u2013]?[\d.,'\u00a0\u2009\u202f ]*\d[\d.,'\u00a0\u2009\u202f ]*[%\u2030]?$")


def align_numeric_columns(blocks: list[PandocBlock]) -> None:
    """A table column the source leaves unaligned and whose body cells are all numbers is aligned
    right, as journals set figures, in every format (pandoc carries the alignment to each writer)."""
    for table in (element for element in pandoc.elements(blocks) if element["t"] == "Table"):
        colspecs, bodies = table["c"][2], table["c"][4]
        rows = [row for body in bodies for row in body[3]]
        for column, spec in enumerate(colspecs):
            if spec[0]["t"] != "AlignDefault" or not rows:
                continue
            cells = [row[1][column] if column < len(row[1]) else None for row in rows]
            texts = [" ".join(pandoc.paragraphs(cell[4])).strip() if cell else "" for cell in cells]
            if all(NUMBER.match(text) for text in texts if text) and any(texts):
                spec[0] = {"t": "AlignRight"}


# What a passage's ``dir`` may say; "auto" leaves it to the text (the first strong character decides).
PASSAGE_DIRECTIONS = (*DIRECTIONS, "auto")


def settle_directions(value: Any, direction: Direction, path: Path, locate: Locate) -> None:  # noqa: ANN401 (AST)
    """A passage marked with a language (``[text]{lang=en}``, ``::: {lang=fr}``) is in a language CLDR
    knows, and is written in that language's direction: when it differs from the direction of the text
    around it (a French block in an Arabic article) and the source gives no ``dir``, it gets one, so
    every format sets it the right way round. A ``dir`` the source gives is kept, if it is a direction."""
    if isinstance(value, list):
        for item in value:
            settle_directions(item, direction, path, locate)
        return
    if not isinstance(value, dict) or "t" not in value:
        return
    attrs = attributes(value)
    inner = direction
    if attrs is not None:
        given = dict(attrs[2])
        if "dir" in given and given["dir"] not in PASSAGE_DIRECTIONS:
            message = f"dir={given['dir']!r} is not a direction; use rtl, ltr or auto (or only lang: it implies dir)"
            raise SourceError(path, locate(f"dir={given['dir']}", f'dir="{given["dir"]}"'), "body", message)
        if "lang" in given:
            try:
                implied = writing(given["lang"]).direction
            except UnknownLanguage as error:
                raise SourceError(
                    path, locate(f"lang={given['lang']}", f'lang="{given["lang"]}"'), "body", str(error)
                ) from None
            if "dir" not in given and implied != direction:
                attrs[2].append(["dir", implied])
                given["dir"] = implied
        if given.get("dir") in DIRECTIONS:
            inner = given["dir"]
    settle_directions(value.get("c"), inner, path, locate)


def top_level_headings(blocks: list[PandocBlock]) -> Iterator[PandocBlock]:
    """The Header blocks among ``blocks`` themselves (not inside quotes or lists): the outline."""
    return (block for block in blocks if block["t"] == "Header")
