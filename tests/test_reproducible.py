"""Reproducible builds: the same source gives the same bytes in every format, built on different days
(SOURCE_DATE_EPOCH, time zone), from different directories, and no output names a local path."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SOURCE_FILES, copy_test_sources


def build_in(place: Path, epoch: int, zone: str) -> dict[str, str]:
    """Copy the sources into ``place``, build there from the command line, return SHA-256 by file."""
    copy_test_sources(place / "sources")
    environment = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "TZ": zone}
    command = [sys.executable, "-m", "invoke", "--search-root", str(REPO_ROOT), "build-all"]
    command += ["--sources", "sources", "--dist", "dist", "--force"]
    result = subprocess.run(command, cwd=place, env=environment, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        path.relative_to(place / "dist").as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((place / "dist").glob("*/*"))
    }


def contents(path: Path) -> list[bytes]:
    """The bytes a reader of the file gets: for a ZIP (EPUB, MECA package, bag), every entry unpacked."""
    if path.suffix in (".epub", ".zip"):
        with zipfile.ZipFile(path) as book:
            return [book.read(name) for name in book.namelist()]
    return [path.read_bytes()]


@pytest.fixture(scope="module")
def monday(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """One command-line build, shared by the tests below: its folder and its files' hashes."""
    place = tmp_path_factory.mktemp("builds") / "monday"
    return place, build_in(place, epoch=1_600_000_000, zone="UTC")


def test_same_bytes_on_other_days_in_other_directories(monday: tuple[Path, dict[str, str]]) -> None:
    place, first = monday
    second = build_in(place.parent / "a much later day", epoch=1_900_000_000, zone="Asia/Almaty")
    assert first.keys() == second.keys()
    assert {name for name in first if name.endswith((".pdf", ".epub", ".xml", "index.html"))} >= {
        f"{f.parent.name}/{f.parent.name}.pdf" for f in SOURCE_FILES
    }
    assert [name for name in first if first[name] != second[name]] == []


def test_no_output_names_a_local_path(monday: tuple[Path, dict[str, str]]) -> None:
    place, _hashes = monday
    # Each folder as the start of a path below it ("/root/", not the "/root" of "</rootfiles>").
    local = [f"{folder}/".encode() for folder in (place.parent, REPO_ROOT, Path.home())]
    for path in (place / "dist").glob("*/*"):
        for data in contents(path):
            assert not [needle for needle in local if needle in data], path
