"""The bad-input contract: a rejected source stops with one line ``path:LINE: field: what is wrong``,
exit code 2 and no traceback; the other sources still build, and dist/ is left as it was for the bad one.

The corpus is tests/fixtures/bad/<case>/article.md, each a small edit of tests/fixtures/bad/minimal-valid,
with tests/fixtures/bad/expected.json naming the line, field and message each case must be reported with
(and the file, for a fault in a bibliography file beside article.md: it is reported in that file).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.build.fingerprint import STATE_FOLDER
from pipeline.errors import SourceError, shown
from pipeline.prepare.article import load_article

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT / "tests" / "fixtures" / "bad"
EXPECTED: dict[str, dict[str, str | int]] = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
CASES = sorted(EXPECTED)
CONTROL = "minimal-valid"
GOOD_SOURCES = (CORPUS / CONTROL, REPO_ROOT / "tests" / "fixtures" / "sources" / "two-authors-open-access")
SUFFIXES = (".pdf", ".epub", ".xml")
# One reported error, with or without the CLI's "error: " prefix (and a column for a single character).
ERROR_LINE = re.compile(
    r"^(?:error: )?(?P<path>\S+/(?:article\.md|references\.\w+)):(?P<line>\d+)(?::(?P<column>\d+))?: "
    r"(?P<field>[^:]+): (?P<message>.+)$"
)
# A few cases of different kinds, each also run through the CLI on its own.
SINGLE_RUNS = (
    *("missing-title", "date-unparseable", "yaml-unclosed-quote", "yaml-duplicate-key", "invalid-utf8"),
    *("image-missing", "image-svg-script", "image-bomb"),
    *("cite-unknown-key", "bibliography-unparsable"),
)


def source_file(case: str) -> Path:
    return CORPUS / case / "article.md"


def reported_file(case: str, folder: Path = CORPUS) -> Path:
    """The file a case's error names: its article.md, or the bibliography file at fault."""
    return folder / case / str(EXPECTED[case].get("file", "article.md"))


# The corpus itself.


def test_corpus_has_an_expectation_for_every_case() -> None:
    folders = {path.parent.name for path in CORPUS.glob("*/article.md")}
    assert folders == {*EXPECTED, CONTROL}
    assert len(EXPECTED) >= 25
    for case, expected in EXPECTED.items():
        assert set(expected) >= {"line", "field", "message"}, case


def test_control_source_is_valid() -> None:
    article = load_article(source_file(CONTROL))
    assert article.title == "A Minimal Commentary"
    assert [person.family for person in article.author] == ["Lovelace"]


def test_fixtures_hold_the_bytes_they_are_about() -> None:
    """Editors and formatters "fix" such files; these cases are worthless once fixed."""
    with pytest.raises(UnicodeDecodeError):
        source_file("invalid-utf8").read_bytes().decode("utf-8")
    assert b"\n\t- given:" in source_file("yaml-tab-indentation").read_bytes()


# (a) The loader.


@pytest.mark.parametrize("case", CASES)
def test_loader_names_line_field_and_problem(case: str) -> None:
    expected = EXPECTED[case]
    path = reported_file(case)
    with pytest.raises(SourceError) as caught:
        load_article(source_file(case))
    error = caught.value
    assert (error.line, error.field) == (expected["line"], expected["field"]), str(error)
    assert str(expected["message"]) in error.message, str(error)
    assert str(error) == f"{shown(path)}:{error.line}: {error.field}: {error.message}"
    assert "\n" not in str(error)
    assert 1 <= error.line <= len(path.read_bytes().splitlines()), "the line must exist in the file"


# (b) The command line.


def run_build_all(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", "build-all", *map(str, args)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
        check=False,
    )


def error_lines(result: subprocess.CompletedProcess[str]) -> list[re.Match[str]]:
    lines = (result.stdout + result.stderr).splitlines()
    return [match for match in map(ERROR_LINE.match, (line.strip() for line in lines)) if match]


def previous_build(dist: Path, slug: str) -> None:
    """Artifacts a former build left for ``slug``: a failed build must not touch them."""
    for suffix in SUFFIXES:
        target = dist / slug / f"{slug}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f"previous {slug}{suffix}".encode())


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def assert_reported(match: re.Match[str], source: Path, case: str) -> None:
    expected = EXPECTED[case]
    assert Path(match["path"]).resolve() == source.resolve(), match.group(0)
    assert (int(match["line"]), match["field"]) == (expected["line"], expected["field"]), match.group(0)
    assert str(expected["message"]) in match["message"], match.group(0)


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr


@dataclass(frozen=True)
class Run:
    """One CLI build: its sources and dist folders, dist/ as it was before, and the finished process."""

    sources: Path
    dist: Path
    before: dict[str, bytes]
    result: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def keep_going(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One CLI build of every bad case beside two good sources, over a dist/ holding a previous build of all."""
    sources = tmp_path_factory.mktemp("sources")
    for folder in (*(CORPUS / case for case in CASES), *GOOD_SOURCES):
        shutil.copytree(folder, sources / folder.name)
    dist = tmp_path_factory.mktemp("dist")
    for slug in (*CASES, *(folder.name for folder in GOOD_SOURCES)):
        previous_build(dist, slug)
    before = snapshot(dist)
    return Run(sources, dist, before, run_build_all("--sources", sources, "--dist", dist))


def test_cli_reports_each_bad_source_on_one_line(keep_going: Run) -> None:
    sources, result = keep_going.sources, keep_going.result
    assert result.returncode == 2, result.stdout + result.stderr
    assert_no_traceback(result)
    reported: dict[str, list[re.Match[str]]] = {}
    for match in error_lines(result):
        reported.setdefault(Path(match["path"]).parent.name, []).append(match)
    assert sorted(reported) == CASES, "exactly the bad sources are reported"
    for case, matches in reported.items():
        assert len(matches) == 1, [match.group(0) for match in matches]
        assert_reported(matches[0], reported_file(case, sources), case)


def test_cli_builds_the_good_sources_anyway(keep_going: Run) -> None:
    dist, before = keep_going.dist, keep_going.before
    magic = {".pdf": b"%PDF-", ".epub": b"PK", ".xml": b"<?xml"}
    for folder in GOOD_SOURCES:
        for suffix in SUFFIXES:
            relative = f"{folder.name}/{folder.name}{suffix}"
            built = (dist / relative).read_bytes()
            assert built != before[relative], f"{relative} was not rebuilt"
            assert built.startswith(magic[suffix]), relative


def test_cli_leaves_dist_unchanged_for_bad_sources(keep_going: Run) -> None:
    dist, before = keep_going.dist, keep_going.before
    # The good sources' folders change, and so do the build's own record of what it built and the journal's
    # files that list the articles just published (pipeline/journal/).
    good = {folder.name for folder in GOOD_SOURCES} | {STATE_FOLDER, "index.html", "feed.xml", "sitemap.xml", "issues"}
    after = snapshot(dist)
    assert {name: data for name, data in after.items() if name.split("/")[0] not in good} == {
        name: data for name, data in before.items() if name.split("/")[0] not in good
    }
    bad_names = {name for name in after if name.split("/")[0] not in good}
    assert bad_names == {name for name in before if name.split("/")[0] not in good}, "no file appears or disappears"
    assert not list(dist.rglob("*.part"))


@pytest.mark.parametrize("case", SINGLE_RUNS)
def test_cli_single_bad_source(case: str, tmp_path: Path) -> None:
    sources, dist = tmp_path / "sources", tmp_path / "dist"
    shutil.copytree(CORPUS / case, sources / case)
    previous_build(dist, case)
    before = snapshot(dist)
    result = run_build_all("--sources", sources, "--dist", dist)
    assert result.returncode == 2, result.stdout + result.stderr
    assert_no_traceback(result)
    matches = error_lines(result)
    assert len(matches) == 1, result.stdout + result.stderr
    assert_reported(matches[0], reported_file(case, sources), case)
    assert snapshot(dist) == before


def test_cli_source_option_builds_only_the_named_bad_source(keep_going: Run, tmp_path: Path) -> None:
    sources = keep_going.sources
    case = "unknown-key-typo"
    result = run_build_all("--sources", sources, "--dist", tmp_path / "dist", "--source", case)
    assert result.returncode == 2, result.stdout + result.stderr
    assert_no_traceback(result)
    matches = error_lines(result)
    assert len(matches) == 1, result.stdout + result.stderr
    assert_reported(matches[0], sources / case / "article.md", case)
    assert not snapshot(tmp_path / "dist")


def test_cli_unknown_source_name(keep_going: Run, tmp_path: Path) -> None:
    sources = keep_going.sources
    result = run_build_all("--sources", sources, "--dist", tmp_path / "dist", "--source", "no-such-commentary")
    assert result.returncode == 2, result.stdout + result.stderr
    assert_no_traceback(result)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "'no-such-commentary'" in lines[0]
    assert not (tmp_path / "dist").exists()
