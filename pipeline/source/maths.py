"""Maths in a source: every formula must be one pandoc can write as MathML.

The web page and the EPUB show MathML, the JATS carries it beside the TeX and the PDF draws it; pandoc
would write a formula its TeX reader cannot read as the raw TeX, with a warning. Each formula is
converted once here, all of a source's in one pandoc call, and one that does not convert is a problem at
its line, quoted.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from pipeline import pandoc
from pipeline.errors import SourceError, quoted
from pipeline.model import PandocBlock
from pipeline.safexml import SAFE_XML_PARSER
from pipeline.source.problems import raise_all

MATHML = "{http://www.w3.org/1998/Math/MathML}math"
XHTML = "http://www.w3.org/1999/xhtml"


def formulas(value: Any) -> list[dict[str, Any]]:  # noqa: ANN401 (pandoc's JSON)
    return [element for element in pandoc.elements(value) if element["t"] == "Math"]


def unconvertible(found: list[dict[str, Any]]) -> list[int]:
    """The indexes of the formulas pandoc cannot write as MathML."""
    if not found:
        return []
    blocks = [
        {"t": "Div", "c": [[f"formula-{index}", [], []], [{"t": "Plain", "c": [formula]}]]}
        for index, formula in enumerate(found)
    ]
    document = {"pandoc-api-version": pandoc.api_version(), "meta": {}, "blocks": blocks}
    converted = pandoc.convert(json.dumps(document), "json", "html5", ["--mathml", "--wrap=none"])
    wrapper = etree.fromstring(f'<div xmlns="{XHTML}">{converted.output}</div>'.encode(), SAFE_XML_PARSER)
    written = {
        division.get("id") for division in wrapper.iter(f"{{{XHTML}}}div") if division.find(f".//{MATHML}") is not None
    }
    return [index for index in range(len(found)) if f"formula-{index}" not in written]


def check_formulas(blocks: list[PandocBlock], path: Path, locate: Callable[..., int], field: str = "body") -> None:
    """Raise SourceProblems (or the one SourceError) for each formula pandoc cannot write as MathML."""
    found = formulas(blocks)
    seen: dict[str, int] = {}
    problems = []
    indexes = set(unconvertible(found))
    for index, formula in enumerate(found):
        tex = formula["c"][1]
        first_line = next((line.strip() for line in tex.splitlines() if line.strip()), tex)
        seen[first_line] = seen.get(first_line, 0) + 1
        if index in indexes:
            message = (
                f"the formula {quoted(tex.strip())} is not TeX that pandoc can write as MathML; "
                "correct it (pandoc reads LaTeX maths with amsmath's commands)"
            )
            problems.append(SourceError(path, locate(first_line, occurrence=seen[first_line]), field, message))
    raise_all(problems)
