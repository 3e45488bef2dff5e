"""Small, named transformations and checks over the body's pandoc AST.

Each does one thing, like a pandoc filter: check what the title may hold (``check_title``), give each
passage in another language its direction (``settle_directions``), refuse a footnote too long for a page
(``check_note_lengths``), align numeric table columns (``align_numeric_columns``). Problems are reported
as SourceError with the line of the source. The ids are settled in pipeline/prepare/ids.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import pandoc
from pipeline.errors import SourceError, quoted, quoted_name
from pipeline.limits import limit
from pipeline.model import PandocBlock, PandocInline
from pipeline.source.language import DIRECTIONS, Direction, UnknownLanguage, writing
from pipeline.source.problems import raise_all

# Elements whose first content item is pandoc's [id, classes, key-values].
ATTRIBUTED_FIRST = frozenset({"Span", "Div", "Link", "Image", "Code", "CodeBlock", "Table", "Figure"})
# Every element that carries attributes (a Header's come second).
ATTRIBUTED = ATTRIBUTED_FIRST | {"Header"}
# What a title may hold: text and inline formatting; no notes, links or images.
TITLE_REFUSED = {"Note": "a footnote", "Link": "a link", "Image": "an image"}

# The 1-based source line of the first of the given texts found in the body.
Locate = Callable[..., int]


def attributes(element: dict[str, Any]) -> list[Any] | None:
    """The [id, classes, key-values] of an element that carries attributes, else None."""
    kind = element["t"]
    if kind in ATTRIBUTED_FIRST:
        return element["c"][0]
    if kind == "Header":
        return element["c"][1]
    return None


@dataclass(frozen=True)
class Contents:
    """What kinds of element a stretch of the AST holds, and which attribute keys they carry: the passes
    that only act on some (raw HTML, quotations, ``lang`` passages) skip a body that has none, one walk
    of it instead of one copying walk each."""

    kinds: frozenset[str]
    attribute_keys: frozenset[str]

    @property
    def holds_raw(self) -> bool:
        return not RAW_KINDS.isdisjoint(self.kinds)

    @property
    def holds_passages(self) -> bool:
        """Whether an element is marked with a language or a direction (``[text]{lang=en}``, ``dir=rtl``)."""
        return not PASSAGE_KEYS.isdisjoint(self.attribute_keys)


RAW_KINDS = frozenset({"RawBlock", "RawInline"})
PASSAGE_KEYS = frozenset({"lang", "dir"})


def contents(value: Any) -> Contents:  # noqa: ANN401 (pandoc's JSON)
    """The kinds of element anywhere under ``value`` (a citation's prefix too) and the attribute keys they carry."""
    kinds: set[str] = set()
    keys: set[str] = set()
    for item in pandoc.anywhere(value):
        kind = item["t"]
        kinds.add(kind)
        if kind in ATTRIBUTED:
            attrs = attributes(item)
            if attrs and attrs[2]:
                keys.update(key for key, _value in attrs[2])
    return Contents(frozenset(kinds), frozenset(keys))


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
MAX_NOTE_CHARACTERS = limit("note-characters")


def check_note_lengths(elements: Iterable[dict[str, Any]], path: Path, locate: Locate) -> None:
    """A footnote (among the body's ``elements``) longer than MAX_NOTE_CHARACTERS is refused with its line:
    the PDF could not print it."""
    for note in (element for element in elements if element["t"] == "Note"):
        text = " ".join(pandoc.paragraphs(note["c"]))
        if len(text) > MAX_NOTE_CHARACTERS:
            message = (
                f"a footnote has {len(text)} characters, more than the {MAX_NOTE_CHARACTERS} that fit at the foot "
                "of a page (a note is not continued on the next); shorten it or split it"
            )
            raise SourceError(path, locate(" ".join(text.split()[:4])), "body", message)


# pandoc's warnings about notes, with the line and column of the text it read (the body).
DUPLICATE_NOTE = re.compile(
    r"Duplicate note reference '(?P<label>.*)' at (?:.* )?line (?P<line>\d+) column (?P<column>\d+)"
)
UNUSED_NOTE = re.compile(r"Note with key '(?P<label>.*)' defined at (?:.* )?line (?P<line>\d+) column (?P<column>\d+)")
# What pandoc leaves as text when a note reference names no note: "[^label]".
NOTE_REFERENCE = re.compile(r"\[\^([^\]\s]+)\]")


def check_notes(blocks: list[PandocBlock], warnings: Iterable[str], path: Path, lines: list[str], first: int) -> None:
    """Every footnote is defined once and referenced: pandoc keeps the last of two definitions, drops a
    definition nothing references and prints a reference to no definition as the text "[^label]", each
    silently but for a warning. ``lines`` are the body's, the first of them file line ``first``. Every
    such note is reported (SourceProblems when there are several)."""
    problems: list[SourceError] = []
    for warning in warnings:
        duplicate, unused = DUPLICATE_NOTE.search(warning), UNUSED_NOTE.search(warning)
        if duplicate is not None:
            label = duplicate["label"]
            defined = _definition_lines(lines, label)
            also = f" (also at line {first + defined[0]})" if len(defined) > 1 else ""
            message = f"footnote [^{quoted_name(label)}] is defined twice{also}; keep one"
            problems.append(
                SourceError(path, first + int(duplicate["line"]) - 1, "body", message, int(duplicate["column"]))
            )
        if unused is not None:
            label = quoted_name(unused["label"])
            message = (
                f"footnote [^{label}] is defined but never referenced, so its text would be lost; "
                f"refer to it with [^{label}] or delete it"
            )
            problems.append(SourceError(path, first + int(unused["line"]) - 1, "body", message, int(unused["column"])))
    for element in pandoc.elements(blocks):
        if element["t"] != "Str":
            continue
        for label in NOTE_REFERENCE.findall(element["c"]):
            written = re.compile(rf"(?<!\\)\[\^{re.escape(label)}\]")
            found = next(((index, match) for index, line in enumerate(lines) if (match := written.search(line))), None)
            if found is None:  # written \[^label]: the text itself, on purpose
                continue
            index, match = found
            message = (
                f"footnote [^{quoted_name(label)}] is referenced but never defined; add a line "
                f"'[^{quoted_name(label)}]: …' (or write \\[^ for the text itself)"
            )
            problems.append(SourceError(path, first + index, "body", message, match.start() + 1))
    raise_all(problems)


def _definition_lines(lines: list[str], label: str) -> list[int]:
    definition = re.compile(rf"^ {{0,3}}\[\^{re.escape(label)}\]:")
    return [index for index, line in enumerate(lines) if definition.match(line)]


def check_title(inlines: list[PandocInline], path: Path, line: int) -> None:
    """A title keeps inline formatting only: it is also plain metadata, a bookmark and a citation."""
    for element in pandoc.elements(inlines):
        if element["t"] in TITLE_REFUSED:
            message = f"may hold emphasis, strong, small caps, sub- and superscript, not {TITLE_REFUSED[element['t']]}"
            raise SourceError(path, line, "title", message)


# A cell that holds only a number: digits with separators, a sign, a percent or per-mille sign.
NUMBER = re.compile(r"^[-+\u2212\u2013]?[\d.,'\u00a0\u2009\u202f ]*\d[\d.,'\u00a0\u2009\u202f ]*[%\u2030]?$")


def align_numeric_columns(elements: Iterable[dict[str, Any]]) -> None:
    """A table column (of the body's ``elements``) the source leaves unaligned and whose body cells are all
    numbers is aligned right, as journals set figures, in every format (pandoc carries the alignment to each
    writer)."""
    for table in (element for element in elements if element["t"] == "Table"):
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
            message = (
                f"dir={quoted(given['dir'])} is not a direction; use rtl, ltr or auto (or only lang: it implies dir)"
            )
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
