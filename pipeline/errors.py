"""Errors a user can cause, reported as one line naming file, line and field."""

from __future__ import annotations

from pathlib import Path


def shown(path: Path) -> str:
    """A path relative to the working directory when it lies below it: short, and no local prefix."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
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
    """A problem in a source file, located by line and front-matter field."""

    def __init__(self, path: Path | str, line: int, field: str, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.field = field
        self.message = message
        super().__init__(f"{shown(self.path)}:{line}: {field}: {message}")
