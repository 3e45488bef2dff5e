"""Characters a source may not hold, found at their line and column before anything parses the text.

- Control characters: C0 (but tab, line feed, and a carriage return that ends a line before its line
  feed), DEL and C1. No output can carry them (XML 1.0 forbids most of them, lxml refuses them), they
  are invisible in an editor, and some end a line for one reader and not for another (form feed, NEL),
  which would make every line number after them wrong. The line and paragraph separators U+2028 and
  U+2029 are refused for that last reason too.
- Explicit direction controls, the ones that open a scope (embeddings U+202A/U+202B, overrides
  U+202D/U+202E, isolates U+2066–U+2068) and the ones that close it (U+202C, U+2069). In metadata (the
  front matter, bibliographies) they are refused: every field is copied into formats with no markup to
  close them (BibTeX, RIS, bag-info, meta tags, the OPF), and outputs take fields apart and put them
  together again ("Family, Given", initials, running heads), so a pair balanced in the source is not
  balanced in every output; the direction of metadata follows the article's language, and the marks
  U+200E, U+200F and U+061C, which open nothing, stay allowed for the rare neutral character that needs
  one. In the body a line may use them when each one it opens it also closes, in order.

Zero-width joiners and non-joiners (U+200D, U+200C), which scripts and emoji need, are ordinary text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from pipeline.errors import SourceError

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]|\r(?!\n)")
DIRECTION_CONTROL = re.compile("[\u202a-\u202e\u2066-\u2069]")
POP_FORMATTING, POP_ISOLATE = "\u202c", "\u2069"
EMBEDDINGS = frozenset("\u202a\u202b\u202d\u202e")
ISOLATES = frozenset("\u2066\u2067\u2068")


def character_name(character: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``; controls have no Unicode name, only their code."""
    name = unicodedata.name(character, "")
    return f"U+{ord(character):04X} {name}" if name else f"the control character U+{ord(character):04X}"


def check_characters(path: Path, text: str, field_at: Callable[[int], str], body_from: int | None) -> None:
    """Raise SourceError at the first refused character of ``text`` (the whole file ``path``): a control
    anywhere, a direction control in a line before ``body_from`` (all of them when it is None), or
    one the body leaves unbalanced on its line. ``field_at`` names the field a line belongs to."""
    control = CONTROL.search(text)
    if control is not None:
        line, column = _position(text, control.start())
        message = f"holds {character_name(control.group())}, which no output can carry; delete it"
        raise SourceError(path, line, field_at(line), message, column)
    if DIRECTION_CONTROL.search(text) is None:
        return
    lines = text.split("\n")
    for index, line_text in enumerate(lines):
        number = index + 1
        if body_from is None or number < body_from:
            found = DIRECTION_CONTROL.search(line_text)
            if found is not None:
                message = (
                    f"holds {character_name(found.group())}; direction controls are not allowed in metadata "
                    "(its direction follows 'language'; the marks U+200E and U+200F are allowed)"
                )
                raise SourceError(path, number, field_at(number), message, found.start() + 1)
        else:
            problem = _unbalanced(line_text)
            if problem is not None:
                column, message = problem
                raise SourceError(path, number, field_at(number), message, column)


def _unbalanced(line: str) -> tuple[int, str] | None:
    """The column and the fault of the first direction control of ``line`` that is not balanced."""
    opened: list[tuple[int, str]] = []
    for match in DIRECTION_CONTROL.finditer(line):
        character, column = match.group(), match.start() + 1
        if character in EMBEDDINGS or character in ISOLATES:
            opened.append((column, character))
            continue
        wanted = EMBEDDINGS if character == POP_FORMATTING else ISOLATES
        if not opened or opened[-1][1] not in wanted:
            return column, f"{character_name(character)} closes nothing opened before it on this line"
        opened.pop()
    if opened:
        column, character = opened[-1]
        closer = POP_FORMATTING if character in EMBEDDINGS else POP_ISOLATE
        return column, f"{character_name(character)} is not closed on its line (by {character_name(closer)})"
    return None


def _position(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column (in characters) of ``offset``."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1
