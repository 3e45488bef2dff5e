"""house.yaml: the publishing house's settings, checked like a source (one located line, exit 2, dist/
untouched), read into the model every article of a build carries."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import house_refusal

from pipeline import paths
from pipeline.errors import shown
from pipeline.model import House
from pipeline.source.house import load_house

REPO_ROOT = Path(__file__).resolve().parents[1]
MINIMAL_SOURCE = REPO_ROOT / "tests" / "fixtures" / "bad" / "minimal-valid"
FULL_HOUSE = """\
# every setting
abbreviated-title: J. Ex. Water Law
ISSN: 2049-3632
e-ISSN: 2049-3640
DOI-prefix: "10.5555"
journal-DOI: 10.5555/jewl
depositor:
  name: Example Academic Press
  email: deposits@example.org
registrant: Example Academic Press
"""


def write(folder: Path, text: str) -> Path:
    path = folder / "house.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_setting_is_read(tmp_path: Path) -> None:
    house = load_house(write(tmp_path, FULL_HOUSE))
    data = yaml.safe_load(FULL_HOUSE)
    assert house == House(
        abbreviated_title=data["abbreviated-title"],
        print_ISSN=data["ISSN"],
        electronic_ISSN=data["e-ISSN"],
        DOI_prefix=data["DOI-prefix"],
        journal_DOI=data["journal-DOI"],
        depositor_name=data["depositor"]["name"],
        depositor_email=data["depositor"]["email"],
        registrant=data["registrant"],
    )


def test_no_file_and_an_empty_file_mean_no_settings(tmp_path: Path) -> None:
    assert load_house(tmp_path / "missing.yaml") == House()
    assert load_house(write(tmp_path, "# nothing known yet\n")) == House()


def test_the_project_house_file_is_valid_and_invents_nothing() -> None:
    """JURIST's file names only what is on record: its publisher as registrant; no ISSN, no DOI prefix."""
    data = yaml.safe_load(paths.HOUSE_CONFIG.read_text(encoding="utf-8"))
    house = load_house(paths.HOUSE_CONFIG)
    assert set(data) == {"registrant"}
    assert house == House(registrant=data["registrant"])


# (field line, field, message, the file's text)
BAD_HOUSES = {
    "issn-form": (
        2,
        "ISSN",
        "must be an ISSN in the form 1234-567X, got '2049362'",
        "registrant: X\nISSN: '2049362'\n",
    ),
    "doi-prefix-with-suffix": (
        1,
        "DOI-prefix",
        "must be a DOI prefix such as 10.1234, without a slash, got '10.5555/jewl'",
        "DOI-prefix: 10.5555/jewl\n",
    ),
    "depositor-without-email": (
        2,
        "depositor.email",
        "is required but missing",
        "registrant: X\ndepositor:\n  name: Example Academic Press\n",
    ),
    "depositor-bad-email": (
        4,
        "depositor.email",
        "must be an e-mail address such as deposits@example.org, got 'deposits at example.org'",
        "# who deposits\ndepositor:\n  name: Example Academic Press\n  email: deposits at example.org\n",
    ),
    "unknown-setting": (2, "eISSN", "unknown field; did you mean 'e-ISSN'?", "registrant: X\neISSN: 2049-3640\n"),
    "twice": (
        3,
        "registrant",
        "is given twice (also at line 1); keep one",
        "registrant: X\nISSN: 2049-3632\nregistrant: Y\n",
    ),
    "yaml-error": (2, "abbreviated-title", "YAML error", "registrant: X\nabbreviated-title: 'J. Ex\n"),
    "not-a-mapping": (1, "house settings", "must be a mapping of fields", "- registrant: X\n"),
}


@pytest.mark.parametrize("case", sorted(BAD_HOUSES))
def test_a_bad_setting_is_named_by_line_and_field(case: str, tmp_path: Path) -> None:
    line, field, message, text = BAD_HOUSES[case]
    path, error = house_refusal(tmp_path, text)
    assert (error.line, error.field) == (line, field), str(error)
    assert message in error.message, str(error)
    assert str(error) == f"{shown(path)}:{line}: {field}: {error.message}"


INVOKE = (sys.executable, "-m", "invoke", "--search-root", str(REPO_ROOT))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_cli_stops_on_a_bad_house_file_before_writing_anything(tmp_path: Path) -> None:
    sources, dist = tmp_path / "sources", tmp_path / "dist"
    shutil.copytree(MINIMAL_SOURCE, sources / "minimal")
    (dist / "minimal").mkdir(parents=True)
    (dist / "minimal" / "minimal.pdf").write_bytes(b"previous build")
    before = snapshot(dist)
    house = write(tmp_path, "registrant: X\ne-ISSN: 2049-364\n")
    result = subprocess.run(
        [*INVOKE, "build-all", "--sources", sources, "--dist", dist, "--house", house],
        cwd=tmp_path,  # the message names the file as seen from where the build was started
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert result.returncode == 2, output
    assert output == ["house.yaml:2: e-ISSN: must be an ISSN in the form 1234-567X, got '2049-364'"]
    assert snapshot(dist) == before


def test_the_house_settings_reach_every_article_and_are_an_input_of_the_build(tmp_path: Path) -> None:
    from pipeline.build.run import build

    sources, dist = tmp_path / "sources", tmp_path / "dist"
    shutil.copytree(MINIMAL_SOURCE, sources / "minimal")
    house = write(tmp_path, "registrant: Example Academic Press\n")
    first = build(formats=("jats",), source_root=sources, dist=dist, house_config=house)
    assert first.ok and len(first.built) == 1, first.failures
    again = build(formats=("jats",), source_root=sources, dist=dist, house_config=house)
    assert not again.built, "nothing changed: nothing rebuilt"
    write(tmp_path, "registrant: Another Press\n")
    changed = build(formats=("jats",), source_root=sources, dist=dist, house_config=house)
    assert len(changed.built) == 1, "a changed house file rebuilds the articles"
