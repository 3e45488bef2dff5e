"""Untrusted body content: what a source may put into the outputs.

Sources come from many hands. Raw TeX and raw blocks are not parsed as markup at all (the reader's
raw extensions are off, so such text prints as typed); raw HTML is read tag by tag, and only a safe
inline subset kept (pipeline/source/rawhtml.py). What remains is checked here on the AST: link
targets, image paths and element attributes. Each violation is reported with the line of the source
it comes from.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from pipeline import pandoc
from pipeline.errors import SourceError, quoted
from pipeline.source.body import ATTRIBUTED, RAW_KINDS
from pipeline.source.body import attributes as element_attributes
from pipeline.source.problems import raise_all

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
# Attributes a source may set on a span, div, heading, link or image besides id and classes
# (fig-alt: a figure's text alternative, Quarto's name for it; pipeline/prepare/figures.py reads it).
SAFE_ATTRIBUTE = re.compile(r"^(data-[a-z0-9-]+|lang|dir|title|width|height|fig-alt)$")
# What _problem looks at: raw elements, and those carrying attributes (links and images among them).
CHECKED_KINDS = RAW_KINDS | ATTRIBUTED


def check_body(blocks: list[dict[str, Any]], path: Path, body: str, body_line: int) -> None:
    """Raise SourceError for the one unsafe element of the body's AST, SourceProblems for several."""
    problems = []
    seen: dict[tuple[str, ...], int] = {}
    for element in pandoc.elements(blocks):
        if element["t"] not in CHECKED_KINDS:  # words and spaces, most of a body: nothing to check
            continue
        problem, needles = _problem(element)
        if problem:
            seen[needles] = seen.get(needles, 0) + 1
            line = _line_of(body, needles, body_line, seen[needles])
            problems.append(SourceError(path, line, "body", problem))
    raise_all(problems)


def _problem(element: dict[str, Any]) -> tuple[str | None, tuple[str, ...]]:
    """What is wrong with ``element``, and the texts (best first) that find its line in the source."""
    kind, content = element["t"], element.get("c")
    if kind in RAW_KINDS:
        return f"raw {content[0]} is not allowed", (content[1][:40],)
    attributes = element_attributes(element)
    if attributes is not None:
        for key, _value in attributes[2]:
            if not SAFE_ATTRIBUTE.match(key):
                return (
                    f"attribute {quoted(key)} is not allowed "
                    "(only data-*, lang, dir, title, width, height and fig-alt)",
                    (key,),
                )
    if kind in ("Link", "Image"):
        target = content[2][0]
        problem = link_problem(target) if kind == "Link" else _image_problem(target)
        if kind == "Link" and not target:
            text = pandoc.stringify(content[1])
            problem = f"link {quoted(text)} has no address: give one, [{text}](https://…), or an anchor, (#id)"
        # As written: [text](target), [text](<target>), <target>; an empty target only as ]().
        needles = (f"]({target})", f"]({target} ", f"](<{target}>)", f"<{target}>", target) if target else ("]()",)
        return problem, needles
    return None, ()


def link_problem(target: str) -> str | None:
    if target.startswith("#"):
        return None
    scheme = urlsplit(target).scheme.lower()
    if scheme in LINK_SCHEMES:
        return None
    return f"link target {quoted(target)} is not allowed: use an http(s) or mailto address, or #anchor"


def _image_problem(target: str) -> str | None:
    """Images come from the source's own folder, by a relative path that stays inside it."""
    parts = urlsplit(target)
    relative = PurePosixPath(parts.path)
    if parts.scheme.lower() == "data":
        kind = parts.path.split(";", 1)[0].split(",", 1)[0] or "data"
        return (
            f"image is embedded as a data: URI ({quoted(kind)}, {len(target)} characters); "
            "save it as a file in the source's folder and give that file's name"
        )
    if parts.scheme or parts.netloc or relative.is_absolute() or ".." in relative.parts or not parts.path:
        return f"image {quoted(target)} must be a file in the source's folder, given by a relative path"
    return None


def _line_of(body: str, needles: tuple[str, ...], body_line: int, occurrence: int = 1) -> int:
    """The file line of the ``occurrence``-th body line holding the first of ``needles`` found."""
    lines = body.splitlines()
    for needle in needles:
        found = [number for number, text in enumerate(lines) if needle and needle in text]
        if found:
            return body_line + found[min(occurrence, len(found)) - 1]
    return body_line
