"""EPUBCheck for tests, once per book per test run: the books are checked in batches, one Java process
each (pipeline/check/epubcheck_batch.py runs EPUBCheck's own command line once per book), with usage messages
(``-u``, where deprecation notices are), and the results are kept for every test that asks."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from pathlib import Path

from filelock import FileLock

from pipeline.check.epubcheck_batch import EPUBCHECK_OPTIONS, BookCheck, check_books

# Java's quick compiler only (tier 1): a run of EPUBCheck spends half its CPU time in the optimising one
# otherwise, and the results are the same.
QUICK_JAVA = ("-XX:TieredStopAtLevel=1",)
WITH_USAGE = (*EPUBCHECK_OPTIONS, "-u")


class EpubChecks:
    """EPUBCheck results for a test run, kept in ``work`` (a folder the pytest-xdist workers may share):
    books announced with ``expect`` are checked together the first time any result is asked for; a book
    asked for later is checked then; a book another worker had checked is read from its report."""

    def __init__(self, work: Path, books: Iterable[Path] = ()) -> None:
        self.work = work
        self.pending: list[Path] = list(books)
        self.results: dict[Path, BookCheck] = {}

    def expect(self, book: Path) -> None:
        if book not in self.results:
            self.pending.append(book)

    def __call__(self, book: Path) -> BookCheck:
        if book not in self.results:
            with FileLock(self.work / "results.lock"):
                index = self.work / "results.json"
                stored = json.loads(index.read_text(encoding="utf-8")) if index.is_file() else {}
                self.results.update({Path(path): BookCheck(**result) for path, result in stored.items()})
                batch = [each for each in dict.fromkeys([*self.pending, book]) if each not in self.results]
                if batch:
                    checked = check_books(batch, WITH_USAGE, QUICK_JAVA)
                    self.results.update(checked)
                    stored.update({str(path): dataclasses.asdict(result) for path, result in checked.items()})
                    index.write_text(json.dumps(stored), encoding="utf-8")
            self.pending = []
        return self.results[book]
