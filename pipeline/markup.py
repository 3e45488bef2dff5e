"""The markup a source may write beyond pandoc Markdown, as data (pipeline/markup.json): the safe inline
subset of raw HTML and how each format carries it, and the LaTeX document a JATS <tex-math> holds.

pipeline/source/rawhtml.py reads a source's raw tags into the body's AST: an element pandoc has
(``<sup>``) becomes that element, any other allowed one a Span with the class ``html-<tag>``. The
renderers turn such a Span back into its element here: the tag itself for the web page, EPUB and PDF,
its JATS counterpart for JATS.
"""

from __future__ import annotations

import html
import json
from functools import cache
from importlib import resources
from typing import Any

from pipeline import pandoc

# The class of a Span that stands for an allowed raw HTML element pandoc has no element for.
CLASS_PREFIX = "html-"


@cache
def _table() -> dict[str, Any]:
    return json.loads(resources.files("pipeline").joinpath("markup.json").read_text(encoding="utf-8"))


def raw_html_elements() -> dict[str, dict[str, Any]]:
    """The allowed raw HTML elements by tag name, each with its attributes and mappings."""
    return _table()["raw-html"]["elements"]


def element_of(span: dict[str, Any]) -> str | None:
    """The allowed element (without a pandoc element of its own) a Span stands for, else None."""
    elements = raw_html_elements()
    for name in span["c"][0][1]:
        tag = name.removeprefix(CLASS_PREFIX)
        if name.startswith(CLASS_PREFIX) and tag in elements and "pandoc" not in elements[tag]:
            return tag
    return None


def _attributes_text(attributes: dict[str, str]) -> str:
    return "".join(f' {name}="{html.escape(value, quote=True)}"' for name, value in attributes.items())


def as_html(value: Any) -> Any:  # noqa: ANN401 (pandoc's JSON)
    """A copy of the AST in which each element Span is its HTML element, as raw HTML around its content."""

    def expand(span: dict[str, Any]) -> list[Any] | None:
        tag = element_of(span)
        if tag is None:
            return None
        attributes = dict(span["c"][0][2])
        if raw_html_elements()[tag].get("void"):
            return [{"t": "RawInline", "c": ["html", f"<{tag}{_attributes_text(attributes)} />"]}]
        opening = {"t": "RawInline", "c": ["html", f"<{tag}{_attributes_text(attributes)}>"]}
        return [opening, *span["c"][1], {"t": "RawInline", "c": ["html", f"</{tag}>"]}]

    return pandoc.spliced(value, "Span", expand, where=element_of)


def as_jats(value: Any) -> Any:  # noqa: ANN401 (pandoc's JSON)
    """A copy of the AST in which each element Span is its JATS counterpart, as raw JATS around its content."""

    def expand(span: dict[str, Any]) -> list[Any] | None:
        tag = element_of(span)
        if tag is None:
            return None
        mapping = raw_html_elements()[tag]
        element = mapping.get("jats")
        if element is None:
            return list(span["c"][1])
        given = dict(span["c"][0][2])
        attributes = dict(mapping.get("jats-attributes", {}))
        if "lang" in given:
            attributes["xml:lang"] = given["lang"]
        title, title_as = given.get("title"), mapping.get("jats-title")
        if title and title_as == "alt":
            attributes["alt"] = title
        closing = f"</{element}>"
        if title and title_as == "def":
            closing = f"<def><p>{html.escape(title, quote=False)}</p></def>{closing}"
        opening = {"t": "RawInline", "c": ["jats", f"<{element}{_attributes_text(attributes)}>"]}
        return [opening, *span["c"][1], {"t": "RawInline", "c": ["jats", closing]}]

    return pandoc.spliced(value, "Span", expand, where=element_of)


def tex_document(tex: str, display: bool) -> str:
    """A complete LaTeX document holding one formula, as PMC wants a JATS <tex-math> to hold."""
    table = _table()["tex-document"]
    formula = table["display" if display else "inline"].replace("{tex}", tex.strip())
    return table["template"].replace("{formula}", formula)
