"""How a build reports progress: plain lines for logs, a live bar (rich) on a terminal.

Either way each artifact gets one line with its time, errors go to stderr, and the order of the lines
is the order of the sources, whatever order parallel workers finish in.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import TextIO


class PlainReporter:
    """Lines only: no control characters, so CI logs stay readable."""

    def __init__(self, out: TextIO | None = None, err: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self.err = err or sys.stderr

    def __enter__(self) -> PlainReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def start(self, total: int, description: str) -> None:
        self.line(description)

    def line(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def error(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def advance(self) -> None:
        return None


class QuietReporter(PlainReporter):
    """Errors only (for tests and library use)."""

    def line(self, text: str) -> None:
        return None


class LiveReporter(PlainReporter):
    """A progress bar over the sources, with the artifact lines printed above it."""

    def __init__(self) -> None:
        # rich is loaded only for a terminal: logs and quick no-op rebuilds do without it.
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        super().__init__()
        self.console = Console(stderr=False)
        self.error_console = Console(stderr=True)
        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self.task: int | None = None

    def __enter__(self) -> LiveReporter:
        self.bar.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.bar.__exit__(kind, value, traceback)

    def start(self, total: int, description: str) -> None:
        self.task = self.bar.add_task(description, total=total)

    def line(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False, soft_wrap=True)

    def error(self, text: str) -> None:
        self.error_console.print(text, highlight=False, markup=False, soft_wrap=True)

    def advance(self) -> None:
        if self.task is not None:
            self.bar.advance(self.task)


Reporter = PlainReporter


def reporter_for(stream: TextIO) -> PlainReporter:
    """A live bar on a terminal, plain lines anywhere else."""
    return LiveReporter() if stream.isatty() else PlainReporter()
