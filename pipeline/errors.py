"""Errors a user can cause, reported as one line naming file, line and field."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.limits import limit


def shown(path: Path) -> str:
    """A path relative to the working directory when it lies below it: short, and no local prefix. The
    file itself is named, not what it may link to (a link out of a source folder is the fault)."""
    try:
        return str((path.parent.resolve() / path.name).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class PipelineError(Exception):
    """A failure the user can act on; the CLI prints it without a traceback, and exits with ``exit_code``.
    ``details`` is what ``--debug`` adds (a traceback from a worker process)."""

    exit_code = 2
    details = ""


class LocatedError(PipelineError):
    """A failure whose message already says where to look (``file:line: …``), one line per problem."""


class SourceError(LocatedError):
    """A problem in a source file, located by line (and column, for a single character) and field."""

    def __init__(self, path: Path | str, line: int, field: str, message: str, column: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column
        self.field = quoted_name(field)
        self.message = message
        where = f"{line}:{column}" if column is not None else f"{line}"
        super().__init__(f"{shown(self.path)}:{where}: {self.field}: {message}")


# The most of an offending value a message quotes (pipeline/limits.json says why).
QUOTED_CHARACTERS = limit("quoted-characters")


def quoted(value: object, most: int = QUOTED_CHARACTERS) -> str:
    """A value as a message quotes it: its repr, or for a long one an excerpt and how long it is,
    so that no message carries a whole value (a 5 MB field, a data: URI, an expanded YAML alias)."""
    if isinstance(value, str):
        if len(value) <= most:
            return repr(value)
        return f"{value[:most]!r}… ({len(value)} characters)"
    if isinstance(value, dict):
        return f"a mapping of {len(value)} field(s)" if len(repr(value)) > most else repr(value)
    if isinstance(value, list):
        return f"a list of {len(value)} item(s)" if len(repr(value)) > most else repr(value)
    text = repr(value)
    return text if len(text) <= most else f"{text[:most]}…"


def quoted_name(name: str, most: int = QUOTED_CHARACTERS) -> str:
    """A field's name as a message shows it: whole when short, else its start."""
    return name if len(name) <= most else f"{name[:most]}…"


# A quoted span of another program's message (PyYAML, jsonschema, pandoc), in single or double quotes.
QUOTED_SPAN = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")
# The most of another program's message a line carries.
MESSAGE_CHARACTERS = 4 * QUOTED_CHARACTERS


def clipped(message: str) -> str:
    """Another program's message with each value it quotes cut to an excerpt, and itself cut short:
    such messages quote what they refuse, whole."""
    shortened = QUOTED_SPAN.sub(
        lambda span: span.group() if len(span.group()) <= QUOTED_CHARACTERS + 2 else quoted(span.group()[1:-1]),
        message,
    )
    return shortened if len(shortened) <= MESSAGE_CHARACTERS else f"{shortened[:MESSAGE_CHARACTERS]}…"


def mismatch(what: str, found: list[str | None], expected: list[str]) -> str:
    """An internal check's failure in one short line: how many of ``what`` each side has and the first
    place they differ, never the whole lists (a long article has hundreds of sections or notes)."""
    at = next(
        (index for index, pair in enumerate(zip(found, expected, strict=False)) if pair[0] != pair[1]),
        min(len(found), len(expected)),
    )
    first = quoted(found[at]) if at < len(found) else "nothing"
    wanted = quoted(expected[at]) if at < len(expected) else "nothing"
    return f"{len(found)} {what} where {len(expected)} were expected; number {at + 1} is {first}, expected {wanted}"
