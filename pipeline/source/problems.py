"""Every problem of a source in one build: checks report what they find to a collector, which stops the
source once all its checks have run (or once it holds as many problems as pipeline/limits.json allows),
with one located line per problem in the order of the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from pipeline.errors import LocatedError, SourceError, shown
from pipeline.limits import limit


class SourceProblems(LocatedError):
    """Several problems of one source, one ``file:line: field: message`` line each, in file order."""

    def __init__(self, problems: Iterable[SourceError], more: int = 0) -> None:
        self.problems = tuple(sorted(problems, key=_order))
        self.more = more
        lines = [str(problem) for problem in self.problems]
        if more:
            first = self.problems[0]
            lines.append(f"{shown(first.path)}: {more} more problem(s) not listed; correct these and build again")
        super().__init__("\n".join(lines))


def _order(problem: SourceError) -> tuple[str, int, int]:
    return (str(problem.path), problem.line, problem.column or 0)


class Problems:
    """What the checks of one source found so far."""

    def __init__(self) -> None:
        self.found: list[SourceError] = []
        self.more = 0

    def add(self, *problems: SourceError) -> None:
        for problem in problems:
            if any(str(known) == str(problem) for known in self.found):
                continue
            if len(self.found) >= limit("problems-per-source"):
                self.more += 1
            else:
                self.found.append(problem)

    @contextmanager
    def check(self, again: bool = True) -> Iterator[None]:
        """Run one check: what it raises is recorded, and the source goes on to its next check. With
        ``again`` false, a problem on a line already reported is left out: a later stage meeting an
        element refused earlier (an image the body check refused, whose file the figures then miss)."""
        try:
            yield
        except (SourceProblems, SourceError) as error:
            found = error.problems if isinstance(error, SourceProblems) else (error,)
            reported = {(known.path, known.line) for known in self.found}
            self.add(*(problem for problem in found if again or (problem.path, problem.line) not in reported))
            self.more += getattr(error, "more", 0)

    def __bool__(self) -> bool:
        return bool(self.found)

    def stop(self) -> None:
        """Raise what was found, if anything: the source stops here."""
        if len(self.found) == 1 and not self.more:
            raise self.found[0]
        if self.found:
            raise SourceProblems(self.found, self.more)


def raise_all(problems: list[SourceError]) -> None:
    """Raise what one check found: nothing, the one problem, or all of them."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise SourceProblems(problems)
