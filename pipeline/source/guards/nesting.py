"""How deep the body's Markdown nests, estimated line by line from its text before pandoc reads it.

pandoc's time grows fast with some kinds of depth: lists nested hundreds deep by indentation take it
seconds to minutes, and brackets inside brackets (links, spans) exponentially more time and memory
with each level. What pandoc reads quickly is measured exactly afterwards, on the AST
(pipeline/pandoc.py); these estimates only stop what would keep pandoc busy first, each at its line.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import SourceError
from pipeline.limits import limit

# The marks that open a quote or a list item at the start of a line, one at a time.
BLOCK_MARK = re.compile(r"[ \t]*(?:>|[-+*]|[0-9]{1,9}[.)]|#[.)]|\(?[A-Za-z0-9]{1,3}[.)])(?=[ \t]|$)")
# In a line: an escaped character, a code span, or a bracket.
BRACKET_OR_CODE = re.compile(r"\\.|`[^`]*`|[\[\]]")
FENCE = re.compile(r"^[ \t]*(`{3,}|~{3,})")
TAB_COLUMNS = 4


def check_markdown_nesting(path: Path, body: str, body_line: int) -> None:
    """Raise SourceError at the first line of the body indented, marked or bracketed past its limit."""
    most_marks, most_columns, most_brackets = (
        limit("nesting-depth"),
        limit("indentation-columns"),
        limit("bracket-depth"),
    )
    fence: str | None = None
    brackets = 0
    for index, line in enumerate(body.split("\n")):
        opened = FENCE.match(line)
        if fence is not None:
            fence = None if opened and opened.group(1).startswith(fence) else fence
            continue
        if opened:
            fence = opened.group(1)[:3]
            continue
        if not line.strip():
            brackets = 0  # a blank line ends the paragraph, and whatever it left open
            continue
        number = body_line + index
        indentation = len(line.expandtabs(TAB_COLUMNS)) - len(line.expandtabs(TAB_COLUMNS).lstrip())
        if indentation > most_columns:
            message = f"this line is indented {indentation} columns; at most {most_columns} (lists {most_marks} deep)"
            raise SourceError(path, number, "body", message)
        marks = _opening_marks(line)
        if marks > most_marks:
            message = f"{marks} quote and list marks open this line; lists and quotes may nest {most_marks} deep"
            raise SourceError(path, number, "body", message)
        brackets, overflow = bracket_depth(line, brackets, most_brackets)
        if overflow is not None:
            message = f"brackets (links, spans, citations) nest more than {most_brackets} deep here"
            raise SourceError(path, number, "body", message, overflow + 1)


def bracket_depth(text: str, depth: int, most: int) -> tuple[int, int | None]:
    """The bracket depth at the end of ``text`` when ``depth`` brackets were open before it, and the
    offset of the first bracket that opens more than ``most`` (None when none does)."""
    for match in BRACKET_OR_CODE.finditer(text):
        token = match.group()
        if token == "[":
            depth += 1
            if depth > most:
                return depth, match.start()
        elif token == "]":
            depth = max(depth - 1, 0)
    return depth, None


def _opening_marks(line: str) -> int:
    count, position = 0, 0
    while (mark := BLOCK_MARK.match(line, position)) is not None and mark.end() > position:
        count, position = count + 1, mark.end()
    return count
