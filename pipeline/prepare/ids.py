"""One id authority for the body: every id an output carries, written by the source or generated, is
settled here, once, before anything is rendered.

Headings keep pandoc's ids (ASCII, ``-1``, ``-2``… for repeated titles) or the ``{#id}`` written; a derived
id that a template, a note (``fn1``) or the bibliography (``ref-<key>``) already uses gets pandoc's own
suffix, and links to it follow; a written id that cannot be used is refused with its line. Figures without
an id get ``fig-<number>``, never one already taken. Every ``#anchor`` link must land on one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pipeline import pandoc
from pipeline.errors import SourceError, quoted
from pipeline.source.body import ATTRIBUTED, Locate, attributes
from pipeline.source.problems import raise_all

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
# An id written in an attribute block: "{#id}", "{.class #id}", "{#id key=value}".
WRITTEN_ID = re.compile(r"\{[^}\n]*?#([^\s}]+)(?=[\s}])")


def reserved(identifier: str) -> bool:
    return identifier in RESERVED_IDS or bool(RESERVED_ID_PATTERN.match(identifier))


def _with_ids(elements: Sequence[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], list[Any]]]:
    for element in elements:
        if element["t"] not in ATTRIBUTED:  # words and spaces, most of a body
            continue
        attrs = attributes(element)
        if attrs is not None and attrs[0]:
            yield element, attrs


def _written_ids(body: str) -> set[str]:
    """The ids the source gives itself (``{#id}``, also among other attributes) rather than pandoc deriving them."""
    return {match.group(1) for match in WRITTEN_ID.finditer(body)}


def settle_ids(elements: Sequence[dict[str, Any]], body: str, path: Path, locate: Locate) -> dict[str, str]:
    """Give the body (its ``elements``, as ``pandoc.elements`` lists them) one id scheme: pandoc's heading
    ids (or the source's ``{#id}``) as written, ASCII XML names, unique, and never one the templates use.
    A heading id pandoc derived that collides with a template id gets pandoc's own suffix (``-1``,
    ``-2``…), and links to it follow; an id the source wrote that cannot be used is refused with its line.
    Returns every id with the kind of element that carries it (``Header``, ``Table``, ``Figure``…)."""
    taken: dict[str, str] = {}
    renamed: dict[str, str] = {}
    written = _written_ids(body)
    for element, attrs in _with_ids(elements):
        identifier = attrs[0]
        explicit = element["t"] != "Header" or identifier in written
        if not XML_ID.match(identifier):
            message = (
                f"id {quoted(identifier)} must start with a letter and use only ASCII letters, digits, '-', '_', '.'"
            )
            raise SourceError(path, locate("#" + identifier), "body", message)
        if identifier in taken or reserved(identifier):
            if explicit:
                why = "is used twice in the body" if identifier in taken else "is reserved for the page's own parts"
                line = locate("#" + identifier, occurrence=2 if identifier in taken else 1)
                raise SourceError(path, line, "body", f"id {quoted(identifier)} {why}; choose another")
            suffix = 1
            while f"{identifier}-{suffix}" in taken or reserved(f"{identifier}-{suffix}"):
                suffix += 1
            renamed[identifier] = attrs[0] = f"{identifier}-{suffix}"
        taken[attrs[0]] = element["t"]
    if not renamed:
        return taken
    for element in elements:
        if element["t"] == "Link" and element["c"][2][0].startswith("#"):
            target = element["c"][2][0][1:]
            if target in renamed:
                element["c"][2][0] = f"#{renamed[target]}"
    return taken


def check_internal_links(
    elements: Sequence[dict[str, Any]], anchors: dict[str, str], path: Path, locate: Locate
) -> None:
    """Every ``#anchor`` link of the body (of its ``elements``) must name an id the body has (a heading,
    figure, table, span…)."""
    problems = []
    seen: dict[str, int] = {}
    for element in elements:
        if element["t"] != "Link" or not element["c"][2][0].startswith("#"):
            continue
        target = element["c"][2][0]
        seen[target] = seen.get(target, 0) + 1
        if target[1:] not in anchors:
            text = pandoc.stringify(element["c"][1])
            message = (
                f"link {quoted(text)} points to {quoted(target)}, which is not the id of any heading, figure or table"
            )
            close = sorted(anchor for anchor in anchors if anchor.startswith(target[1:4]))[:3]
            hint = f"; ids in the body include {', '.join(close)}" if close else ""
            line = locate(f"({target})", target, occurrence=seen[target])
            problems.append(SourceError(path, line, "body", message + hint))
    raise_all(problems)


def note_anchors(elements: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The ids every format gives the footnotes among ``elements``, numbered in order (``fn1``, ``fn2``…): a
    link may name them."""
    count = sum(1 for element in elements if element["t"] == "Note")
    return {f"fn{number}": "Note" for number in range(1, count + 1)}


def free_id(stem: str, taken: dict[str, str]) -> str:
    """``stem`` itself when neither the body nor the page uses it, else ``stem-2``, ``stem-3``…"""
    candidate, suffix = stem, 2
    while candidate in taken or reserved(candidate):
        candidate, suffix = f"{stem}-{suffix}", suffix + 1
    return candidate
