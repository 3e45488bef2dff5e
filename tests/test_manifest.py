"""``dist/<slug>/manifest.json``: every artifact in the folder with its media type, size and SHA-256
(recomputed here with hashlib), the versions that made it, and bytes that depend only on the files."""

from __future__ import annotations

import hashlib
import json
import shutil
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from conftest import Built

from pipeline.build import run as build_module
from pipeline.build.progress import QuietReporter
from pipeline.build.run import build
from pipeline.errors import PipelineError
from pipeline.pandoc import pandoc_version

MANIFEST = "manifest.json"


def read_manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def listed(folder: Path) -> dict[str, dict[str, Any]]:
    return {artifact["name"]: artifact for artifact in read_manifest(folder)["artifacts"]}


def files_in(folder: Path) -> set[str]:
    """What an ingest system would find in the folder, besides the manifest."""
    return {path.name for path in folder.iterdir() if path.is_file() and path.name != MANIFEST}


def expected_media_types(built: Built) -> dict[str, str]:
    slug, folder = built.article.slug, built.pdf.parent
    types = {
        built.pdf.name: "application/pdf",
        built.epub.name: "application/epub+zip",
        built.jats.name: "application/xml",
        f"{slug}.csl.json": "application/vnd.citationstyles.csl+json",
        f"{slug}.bib": "application/x-bibtex",
        f"{slug}.ris": "application/x-research-info-systems",
    }
    if (folder / "index.html").exists():
        types["index.html"] = "text/html"
    return types


def test_manifest_lists_every_artifact_and_never_itself(built: Built) -> None:
    folder = built.pdf.parent
    names = set(listed(folder))
    assert names == files_in(folder)
    assert MANIFEST not in names
    assert set(expected_media_types(built)) <= names


def test_sizes_and_digests_match_the_files(built: Built) -> None:
    folder = built.pdf.parent
    for name, artifact in listed(folder).items():
        data = (folder / name).read_bytes()
        assert artifact["size"] == len(data), name
        assert artifact["sha256"] == hashlib.sha256(data).hexdigest(), name


def test_media_types(built: Built) -> None:
    artifacts = listed(built.pdf.parent)
    for name, media_type in expected_media_types(built).items():
        assert artifacts[name]["media_type"] == media_type, name


def test_versions_and_slug(built: Built) -> None:
    manifest = read_manifest(built.pdf.parent)
    assert manifest["slug"] == built.article.slug
    assert manifest["generator"] == {
        "commentary-pipeline": version("commentary-pipeline"),
        "pandoc": pandoc_version(),
    }


def test_bytes_are_deterministic(built: Built) -> None:
    """Sorted keys and entries, no time: rewriting the manifest of the same files gives the same bytes."""
    folder = built.pdf.parent
    before = (folder / MANIFEST).read_bytes()
    data = json.loads(before)
    assert before.decode("utf-8") == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    names = [artifact["name"] for artifact in data["artifacts"]]
    assert names == sorted(names)
    build_module.write_manifest(folder, QuietReporter())
    assert (folder / MANIFEST).read_bytes() == before


@pytest.fixture
def copied(built: Built, tmp_path: Path) -> tuple[Built, Path]:
    """A copy of one built folder in a fresh dist/, to rebuild part of it."""
    dist = tmp_path / "dist"
    shutil.copytree(built.pdf.parent, dist / built.article.slug)
    return built, dist


def rebuild(built: Built, dist: Path, formats: tuple[str, ...]) -> build_module.BuildReport:
    return build(
        formats,
        slug=built.article.slug,
        source_root=built.article.source_path.parent.parent,
        dist=dist,
        reporter=QuietReporter(),
    )


def test_a_single_format_build_still_lists_the_other_artifacts(copied: tuple[Built, Path]) -> None:
    built, dist = copied
    folder = dist / built.article.slug
    (folder / MANIFEST).unlink()
    assert rebuild(built, dist, ("csl-json",)).ok
    assert set(listed(folder)) == files_in(folder)
    assert set(expected_media_types(built)) <= set(listed(folder))


def test_a_failed_format_leaves_the_folder_and_its_manifest_as_they_were(
    copied: tuple[Built, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An article is published whole: when one format fails, the formats built beside it are not
    published either, and the manifest still describes the files that are there."""
    built, dist = copied
    folder = dist / built.article.slug
    csl = folder / f"{built.article.slug}.csl.json"
    csl.write_text("[]\n", encoding="utf-8")  # stale content a successful rebuild would replace
    before = {path.name: path.read_bytes() for path in folder.iterdir()}

    def fail(*_args: object, **_kwargs: object) -> None:
        raise PipelineError("ris failed on purpose")

    monkeypatch.setattr("pipeline.writers.ris.write", fail)
    report = rebuild(built, dist, ("csl-json", "ris"))
    assert len(report.failures) == 1
    assert report.failures[0].endswith(": ris failed: ris failed on purpose")
    assert report.built == []
    assert {path.name: path.read_bytes() for path in folder.iterdir()} == before
    assert not [path for path in dist.iterdir() if path.name.startswith(f".{built.article.slug}.")]
