"""Raw HTML in a source: the safe inline subset becomes elements, anything else is refused at its line.

pandoc reads each tag of the body as a raw element of its own (``<abbr title="…">``, then the words,
then ``</abbr>``). An allowed element (pipeline/markup.json) with its closing tag in the same run of
text becomes one element around the words between them: pandoc's own where it has one (``<sup>`` a
Superscript, ``<span lang>`` a Span, ``<br>`` a line break), else a Span of class ``html-<tag>`` that the
renderers write as the element (pipeline/markup.py). An HTML comment is dropped. Every other tag, an
attribute the element does not take, a tag never closed or closed without being opened, is a problem
at its line naming what is allowed: raw HTML is never printed as text, nor passed through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from pipeline import markup
from pipeline.errors import SourceError, quoted

COMMENT_START = "<!--"
# The file line of the ``occurrence``-th body line holding ``needle`` (pipeline.source.load.Source.locate).
Locate = Callable[..., int]


@dataclass(frozen=True)
class Tag:
    name: str
    attributes: tuple[tuple[str, str], ...]
    opens: bool
    closes: bool


class _TagParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[Tag] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(Tag(tag, tuple((name, value or "") for name, value in attrs), True, False))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(Tag(tag, tuple((name, value or "") for name, value in attrs), True, True))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(Tag(tag, (), False, True))


def parse_tag(text: str) -> Tag | None:
    """The one tag ``text`` is, or None when it is not exactly one tag."""
    parser = _TagParser()
    parser.feed(text)
    parser.close()
    return parser.tags[0] if len(parser.tags) == 1 else None


def allowed_list() -> str:
    elements = markup.raw_html_elements()
    described = []
    for name, entry in elements.items():
        attributes = entry.get("attributes", [])
        described.append(f"<{name}>" + (f" ({', '.join(attributes)})" if attributes else ""))
    return ", ".join(described)


@dataclass
class _Open:
    tag: Tag
    raw: str
    before: list[Any]
    at: int  # the occurrence of ``raw`` in the body, for its line


@dataclass
class RawHtml:
    """Reads the raw tags of one source's AST; ``problems`` are what it refused, in document order."""

    path: Path
    locate: Locate
    field_name: str = "body"
    problems: list[SourceError] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    # Tags refused when they opened: their closing tags are the same mistake, reported once.
    refused_open: dict[str, int] = field(default_factory=dict)

    def settle(self, value: Any) -> Any:  # noqa: ANN401 (pandoc's JSON)
        """A copy of ``value`` with every raw HTML element read (allowed ones as elements, comments and
        refused ones dropped: a problem stops the source anyway)."""
        if isinstance(value, list):
            return self._settle_list(value)
        if isinstance(value, dict):
            return {key: self.settle(item) for key, item in value.items()}
        return value

    def _occurrence(self, raw: str) -> int:
        self.seen[raw] = self.seen.get(raw, 0) + 1
        return self.seen[raw]

    def _refuse(self, raw: str, occurrence: int, message: str) -> None:
        line = self.locate(raw.splitlines()[0] if raw.strip() else raw, occurrence=occurrence)
        self.problems.append(SourceError(self.path, line, self.field_name, message))

    def _settle_list(self, items: list[Any]) -> list[Any]:
        out: list[Any] = []
        opened: list[_Open] = []
        for item in items:
            kind = item.get("t") if isinstance(item, dict) else None
            if kind == "RawBlock" and item["c"][0] == "html":
                self._raw_block(item["c"][1])
            elif kind == "RawInline" and item["c"][0] == "html":
                out = self._raw_inline(item["c"][1], out, opened)
            else:
                out.append(self.settle(item))
        for left in reversed(opened):
            self._refuse(
                left.raw, left.at, f"{quoted(left.raw)} is not closed in the same paragraph; add </{left.tag.name}>"
            )
            out = [*left.before, *out]
        return out

    def _closes_refused(self, tag: Tag | None) -> bool:
        """Whether ``tag`` closes one refused when it opened (and counts it closed)."""
        if tag is None or tag.opens or not self.refused_open.get(tag.name):
            return False
        self.refused_open[tag.name] -= 1
        return True

    def _opened_refused(self, tag: Tag | None) -> None:
        if tag is not None and tag.opens and not tag.closes:
            self.refused_open[tag.name] = self.refused_open.get(tag.name, 0) + 1

    def _raw_block(self, raw: str) -> None:
        occurrence = self._occurrence(raw)
        tag = parse_tag(raw.strip())
        if raw.lstrip().startswith(COMMENT_START) or self._closes_refused(tag):
            return
        self._opened_refused(tag)
        self._refuse(raw, occurrence, f"raw HTML block {quoted(raw.strip())} is not allowed; {self._advice()}")

    def _advice(self) -> str:
        return (
            f"the HTML a body may hold is {allowed_list()}, inside a paragraph; "
            "write Markdown instead, or \\< for a literal <"
        )

    def _raw_inline(self, raw: str, out: list[Any], opened: list[_Open]) -> list[Any]:
        occurrence = self._occurrence(raw)
        if raw.startswith(COMMENT_START):
            return out
        tag = parse_tag(raw)
        elements = markup.raw_html_elements()
        if self._closes_refused(tag):
            return out
        if tag is None or tag.name not in elements:
            self._opened_refused(tag)
            self._refuse(raw, occurrence, f"raw HTML {quoted(raw)} is not allowed; {self._advice()}")
            return out
        entry = elements[tag.name]
        refused = [name for name, _value in tag.attributes if name not in entry.get("attributes", [])]
        if refused:
            allowed = ", ".join(entry.get("attributes", [])) or "none"
            message = f"<{tag.name}> may not carry {', '.join(refused)} (attributes allowed: {allowed})"
            self._refuse(raw, occurrence, message)
            self._opened_refused(tag)
            return out
        if entry.get("void"):
            if tag.opens:
                out.append(_element(tag, entry, []))
            return out
        if tag.opens and not tag.closes:
            opened.append(_Open(tag, raw, out, occurrence))
            return []
        if opened and opened[-1].tag.name == tag.name:
            start = opened.pop()
            return [*start.before, _element(start.tag, entry, out)]
        self._refuse(raw, occurrence, f"{quoted(raw)} closes an element that is not open in this paragraph")
        return out


def _element(tag: Tag, entry: dict[str, Any], content: list[Any]) -> dict[str, Any]:
    """The AST element an allowed tag becomes around ``content``."""
    kind = entry.get("pandoc")
    attributes = [[name, value] for name, value in tag.attributes]
    if kind == "LineBreak":
        return {"t": "LineBreak"}
    if kind in ("Superscript", "Subscript"):
        return {"t": kind, "c": content}
    if kind == "Span":
        return {"t": "Span", "c": [["", [], attributes], content]}
    return {"t": "Span", "c": [["", [markup.CLASS_PREFIX + tag.name], attributes], content]}
