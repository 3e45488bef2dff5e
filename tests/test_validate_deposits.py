"""`invoke validate` checks the deposits too: the Crossref deposit and the DOAJ record against their XSDs,
the MECA package's manifest against its DTD, each found as the tests find them (pipeline.official_schemas).

One fixture with a DOI and an ISSN is built with a house file that names a depositor, so that every deposit
is written; each is then broken the way a hand edit or a bad writer would break it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURE_SOURCES, REPO_ROOT
from lxml import etree

from pipeline.build.run import build
from pipeline.check import validate
from pipeline.formats import artifact_name
from pipeline.writers.deposit.meca import MANIFEST_NAME

SLUG = "two-authors-open-access"
HOUSE = """\
ISSN: 1234-5679
depositor: {name: Example Academic Press, email: deposits@example.org}
registrant: Example Academic Press
"""
DEPOSITS = ("crossref", "doaj", "meca")


@pytest.fixture(scope="module")
def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The JATS, the PDF (which the MECA package carries) and the deposits of one source; no EPUB, whose
    EPUBCheck run other tests make."""
    root = tmp_path_factory.mktemp("deposits")
    shutil.copytree(FIXTURE_SOURCES / SLUG, root / "sources" / SLUG)
    (root / "house.yaml").write_text(HOUSE, encoding="utf-8")
    report = build(
        ("jats", "pdf", "crossref", "doaj"),
        source_root=root / "sources",
        dist=root / "dist",
        house_config=root / "house.yaml",
    )
    assert report.ok, report.failures
    return root / "dist"


@pytest.fixture
def dist(built_dist: Path, tmp_path: Path) -> Path:
    """A copy of the built folder that a test may break."""
    return shutil.copytree(built_dist, tmp_path / "dist")


def deposit(dist: Path, format_name: str) -> Path:
    return dist / SLUG / artifact_name(format_name, SLUG)


def test_every_deposit_is_checked_and_valid(dist: Path) -> None:
    checked, problems = validate.validate_dist(dist)
    assert problems == []
    assert {deposit(dist, name) for name in DEPOSITS} <= set(checked)


def rewrite_xml(path: Path, change: str, by: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert change in text
    path.write_text(text.replace(change, by, 1), encoding="utf-8")


def test_a_broken_crossref_deposit_is_reported_against_the_crossref_schema(dist: Path) -> None:
    path = deposit(dist, "crossref")
    root = etree.parse(str(path)).getroot()
    first_child = etree.QName(root[0]).localname
    rewrite_xml(path, f"<{first_child}>", f"<bogus/><{first_child}>")
    problems = validate.validate_crossref(path)
    assert problems and all(problem.startswith(f"{path}:") for problem in problems)
    assert "(Crossref deposit schema 5.3.1)" in problems[0] and "bogus" in problems[0]


def test_a_doaj_record_without_its_title_is_reported(dist: Path) -> None:
    path = deposit(dist, "doaj")
    title = etree.parse(str(path)).getroot().find("record/title")
    rewrite_xml(path, etree.tostring(title, encoding="unicode", with_tail=False), "")
    problems = validate.validate_doaj(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:") and "(DOAJ article XML 1.3 schema)" in problems[0]


def replace_member(package: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(package) as old:
        members = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(package, "w") as new:
        for info, content in members:
            new.writestr(info, data if info.filename == name else content)


def test_a_meca_manifest_the_dtd_rejects_is_reported_and_so_is_a_package_without_one(dist: Path) -> None:
    path = deposit(dist, "meca")
    with zipfile.ZipFile(path) as package:
        manifest = package.read(MANIFEST_NAME).decode("utf-8")
    replace_member(
        path, MANIFEST_NAME, manifest.replace('item-type="manuscript"', 'item-type="manuscript" size="9"').encode()
    )
    problems = validate.validate_meca(path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}: {MANIFEST_NAME}:") and "size" in problems[0]

    replace_member(path, MANIFEST_NAME, b"<manifest")
    assert validate.validate_meca(path)[0].startswith(f"{path}: {MANIFEST_NAME}: not well-formed XML")
    path.write_bytes(b"not a zip")
    assert validate.validate_meca(path) == [f"{path}: not a readable ZIP package: File is not a zip file"]


def test_invoke_validate_fails_on_a_broken_deposit_and_names_it(dist: Path) -> None:
    path = deposit(dist, "doaj")
    rewrite_xml(path, "<record>", "<record><bogus/>")
    environment = {key: value for key, value in os.environ.items() if not key.endswith("_SCHEMA_DIR")}
    command = [sys.executable, "-m", "invoke", "validate", "--dist", str(dist)]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=environment, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.splitlines()[0].startswith(f"{path}:") and "bogus" in result.stdout
    checked = sum(deposit(dist, name).exists() for name in ("jats", "epub", "pdf", *DEPOSITS))
    assert result.stderr.strip().splitlines()[-1] == f"1 problem(s) in {checked} artifact(s)"


def test_a_deposit_whose_schema_is_missing_is_reported_not_passed(dist: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSREF_SCHEMA_DIR", str(dist / "nowhere"))
    path = deposit(dist, "crossref")
    assert validate.validate_crossref(path) == [
        f"{path}: Crossref deposit schema 5.3.1: no crossref5.3.1.xsd in {dist / 'nowhere'}; "
        "run `invoke fetch-schemas` (or set CROSSREF_SCHEMA_DIR)"
    ]
