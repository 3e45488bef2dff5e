"""The body's section level: the shallowest heading level written opens a section.

Many writers keep ``#`` for the article's title and open their sections with ``##``. Every format splits
the body at its top headings (pandoc's JATS makes a ``<sec>`` of each, the HTML a ``<section>``), so a
body whose shallowest headings are ``##`` has its headings raised until they are level 1: its ``##`` are
its sections and its ``###`` their subsections, in every format alike. A heading of the introduction
deeper than the section level has no section to belong to: refused with its line.
"""

from __future__ import annotations

from pipeline import pandoc
from pipeline.errors import SourceError, quoted
from pipeline.model import PandocBlock
from pipeline.source.load import Source


def raise_to_sections(source: Source, blocks: list[PandocBlock]) -> int:
    """Raise every heading of ``blocks`` (in place) so that the shallowest is level 1; return the level
    the source wrote its sections at (1 for ``#``, 2 for ``##``…)."""
    if any(block["t"] == "Header" and block["c"][0] == 1 for block in blocks):
        headers = []  # the usual case, seen without walking the whole body
    else:
        headers = [element for element in pandoc.elements(blocks) if element["t"] == "Header"]
    if not headers:
        return _checked_introduction(source, blocks, 1)
    written = min(header["c"][0] for header in headers)
    for header in headers:
        header["c"][0] -= written - 1
    return _checked_introduction(source, blocks, written)


def _checked_introduction(source: Source, blocks: list[PandocBlock], written: int) -> int:
    """``written``, once no heading of the introduction (before the first level-1 heading) is found."""
    for block in blocks:
        if block["t"] != "Header":
            continue
        if block["c"][0] == 1:
            break
        level = block["c"][0] + written - 1
        title = pandoc.stringify(block["c"][2]).strip()
        marker = "#" * level + " "
        line = source.locate(f"{marker}{title}", title)
        raise SourceError(
            source.path,
            line,
            "body",
            f"heading {quoted(title)} (level {level}) comes before the first section heading "
            f"({'#' * written}) and belongs to no section: make it a section heading or move it into a section",
        )
    return written
