"""The one door to pandoc: a pinned version, Markdown in, JSON AST out, and AST to other formats."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from typing import Any

import pypandoc

from pipeline.errors import PipelineError
from pipeline.model import Article, PandocBlock

# pypandoc-binary 1.17 ships pandoc 3.9; outputs (and golden facts) are only vouched for with it.
PANDOC_VERSION = "3.9"
# Typographic quotes in the source are kept as typed: the `smart` extension would rewrite straight ones.
# Raw HTML, raw TeX and ```{=format} blocks are read as plain text, so no markup of the source's own
# reaches an output (pipeline/source/sanitize.py checks the rest).
# Heading ids are pandoc's own, in ASCII (accents stripped, other scripts left out), so every format
# and every URL fragment can carry them unchanged.
MARKDOWN_READER = "markdown-smart-raw_html-raw_attribute-raw_tex+ascii_identifiers"
# The title is read as Markdown in the same call as the body, as pandoc metadata.
TITLE_FIELD = "title"


@cache
def pandoc_version() -> str:
    return pypandoc.get_pandoc_version()


def check_pandoc() -> None:
    """Stop before building anything when the pandoc on this machine is not the pinned one."""
    found = pandoc_version()
    if found != PANDOC_VERSION:
        raise PipelineError(
            f"pandoc {PANDOC_VERSION} is required, found {found} at {pypandoc.get_pandoc_path()}; "
            "install the pinned pypandoc-binary (pip install -e .)"
        )


def markdown_to_ast(markdown: str, title: str | None = None) -> dict[str, Any]:
    """Parse pandoc Markdown once into pandoc's JSON AST; a ``title`` is parsed in the same call into
    the document's metadata (a JSON string is a valid YAML scalar, so any text is carried as is)."""
    if title is not None:
        markdown = f"---\n{TITLE_FIELD}: {json.dumps(title, ensure_ascii=False)}\n---\n\n{markdown}"
    return json.loads(pypandoc.convert_text(markdown, "json", format=MARKDOWN_READER))


def title_inlines(meta: dict[str, Any], title: str) -> list[dict[str, Any]]:
    """The title's inlines from parsed metadata. A title Markdown would read as a block (``1. …``,
    ``# …``) is taken as the text it is."""
    value = meta.get(TITLE_FIELD, {})
    if value.get("t") == "MetaInlines":
        return value["c"]
    blocks = value.get("c") if value.get("t") == "MetaBlocks" else None
    if blocks and len(blocks) == 1 and blocks[0]["t"] in ("Para", "Plain"):
        return blocks[0]["c"]
    words = title.split(" ")
    inlines: list[dict[str, Any]] = []
    for word in words:
        inlines += [{"t": "Space"}, {"t": "Str", "c": word}] if inlines else [{"t": "Str", "c": word}]
    return inlines


@cache
def api_version() -> list[int]:
    """The JSON AST version this pandoc reads and writes."""
    return markdown_to_ast("")["pandoc-api-version"]


def ast_to(
    blocks: Iterable[PandocBlock], to: str, extra_args: Iterable[str] = (), meta: dict[str, Any] | None = None
) -> str:
    """Render AST blocks as a fragment of another format (``html5``, ``jats_archiving``...)."""
    document = {"pandoc-api-version": api_version(), "meta": meta or {}, "blocks": list(blocks)}
    return pypandoc.convert_text(json.dumps(document), to, format="json", extra_args=list(extra_args))


# pandoc writes some attribute values as {"t": ...} too (list numbering, quote and maths types, table
# alignment, citation mode): they are not content.
PANDOC_ATTRIBUTE_VALUES = frozenset(
    {
        *("DefaultStyle", "Example", "Decimal", "LowerRoman", "UpperRoman", "LowerAlpha", "UpperAlpha"),
        *("DefaultDelim", "Period", "OneParen", "TwoParens", "SingleQuote", "DoubleQuote", "InlineMath"),
        *("DisplayMath", "AlignLeft", "AlignRight", "AlignCenter", "AlignDefault", "ColWidth", "ColWidthDefault"),
        *("AuthorInText", "SuppressAuthor", "NormalCitation"),
    }
)


def elements(value: object) -> Iterator[dict[str, Any]]:
    """Every block and inline of pandoc's JSON AST under ``value``, depth first, in document order."""
    # An explicit stack: nested generators cost time per element for every level of depth, and the
    # loader and writers walk whole bodies several times.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(reversed(item))
        elif isinstance(item, dict):
            kind = item.get("t")
            if kind is not None and kind not in PANDOC_ATTRIBUTE_VALUES:
                yield item
                pending.append(item.get("c"))


def replaced(value: Any, kind: str, replace: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:  # noqa: ANN401
    """A copy of ``value`` (pandoc's JSON AST) in which every element of ``kind`` is ``replace(element)``."""
    if isinstance(value, list):
        return [replaced(item, kind, replace) for item in value]
    if isinstance(value, dict):
        if value.get("t") == kind:
            return replace(value)
        return {key: replaced(item, kind, replace) for key, item in value.items()}
    return value


def stringify(inlines: Iterable[dict[str, Any]]) -> str:
    """The plain text of pandoc inlines, as a reader sees it (footnotes and markup left out)."""
    parts: list[str] = []
    for inline in inlines:
        kind, content = inline["t"], inline.get("c")
        if kind == "Str":
            parts.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            parts.append(" ")
        elif kind in ("Emph", "Underline", "Strong", "Strikeout", "Superscript", "Subscript", "SmallCaps"):
            parts.append(stringify(content))
        elif kind == "Quoted":
            quotes = "“”" if content[0]["t"] == "DoubleQuote" else "‘’"
            parts.append(quotes[0] + stringify(content[1]) + quotes[1])
        elif kind in ("Cite", "Span", "Link", "Image"):
            parts.append(stringify(content[1]))
        elif kind in ("Code", "Math"):
            parts.append(content[1])
    return "".join(parts)


def paragraphs(blocks: Iterable[PandocBlock]) -> list[str]:
    """The text of every paragraph in ``blocks``, including those nested in lists and quotes."""
    found: list[str] = []
    for block in blocks:
        kind, content = block["t"], block.get("c")
        if kind in ("Para", "Plain"):
            found.append(stringify(content))
        elif kind in ("BlockQuote", "Div"):
            found.extend(paragraphs(content if kind == "BlockQuote" else content[1]))
        elif kind == "BulletList":
            for item in content:
                found.extend(paragraphs(item))
        elif kind == "OrderedList":
            for item in content[1]:
                found.extend(paragraphs(item))
    return found


def body_blocks(article: Article) -> list[PandocBlock]:
    """The whole body as one block list: the introduction, then a level-1 header carrying each
    section's id and title before its blocks, then the bibliography, so one pandoc call renders it all."""
    blocks = list(article.introduction.blocks)
    for section in article.sections:
        blocks.append({"t": "Header", "c": [1, [section.id, [], []], list(section.title_inlines)]})
        blocks.extend(section.blocks)
    blocks.extend(article.bibliography)
    return blocks
