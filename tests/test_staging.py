"""One article, one consistent publication: dist/<slug>/ (every format, the image files, the manifest)
is built in a hidden sibling folder and swapped in only when every format of the source built. A
failing format leaves the previous folder byte for byte and the report names the format and the
reason; image files are part of the source, so changing one rebuilds the article; a killed build's
leftovers are swept up by the next one."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import FIXTURE_SOURCES, published_formats
from PIL import Image

from pipeline import atomic
from pipeline.build import fingerprint
from pipeline.build.progress import QuietReporter
from pipeline.build.run import BuildReport, build
from pipeline.errors import PipelineError, shown
from pipeline.formats import PACKAGES, artifact_name

SLUG = "figures-policy-piece"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def run(sources: Path, dist: Path, **options: object) -> BuildReport:
    return build(source_root=sources, dist=dist, reporter=QuietReporter(), **options)


@pytest.fixture(scope="module")
def first_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The figures fixture built once per module into ``dist/`` beside ``sources/``."""
    root = tmp_path_factory.mktemp("first-build")
    shutil.copytree(FIXTURE_SOURCES / SLUG, root / "sources" / SLUG)
    report = run(root / "sources", root / "dist")
    assert report.ok, report.failures
    return root


@pytest.fixture
def published(first_build: Path, tmp_path: Path) -> tuple[Path, Path]:
    """The figures fixture, built into a fresh dist/ (a copy of the module's build: the build state holds
    hashes, never paths)."""
    sources, dist = tmp_path / "sources", tmp_path / "dist"
    shutil.copytree(first_build / "sources", sources)
    shutil.copytree(first_build / "dist", dist)
    return sources, dist


def edit(sources: Path) -> None:
    article = sources / SLUG / "article.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")


def leftovers(dist: Path) -> list[str]:
    return sorted(path.name for path in dist.iterdir() if path.name.startswith(f".{SLUG}."))


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("failing", ["epub", "html", "pdf"])
def test_a_failing_format_publishes_nothing_of_the_source(
    published: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, failing: str, jobs: int
) -> None:
    sources, dist = published
    folder = dist / SLUG
    before, state_before = snapshot(folder), fingerprint.state_path(folder).read_bytes()
    edit(sources)

    def fail(*_args: object, **_kwargs: object) -> None:
        raise PipelineError("the disk of the test is full")

    module = {"html": "writers.web", "pdf": "pdf.writer"}.get(failing, f"writers.{failing}")
    monkeypatch.setattr(f"pipeline.{module}.write", fail)  # forked workers inherit it
    report = run(sources, dist, jobs=jobs)
    source = shown(sources / SLUG / "article.md")
    assert report.failures == [f"{source}: {failing} failed: the disk of the test is full"]
    assert report.built == []
    assert snapshot(folder) == before, "a failed build changed the published article"
    assert fingerprint.state_path(folder).read_bytes() == state_before
    assert leftovers(dist) == []


def test_the_next_successful_build_publishes_every_format_at_once(published: tuple[Path, Path]) -> None:
    sources, dist = published
    folder = dist / SLUG
    before = snapshot(folder)
    edit(sources)
    report = run(sources, dist)
    assert report.ok
    after = snapshot(folder)
    assert set(after) == set(before)
    changed = {name for name in after if after[name] != before[name]}
    artifacts = {artifact_name(name, SLUG) for name in published_formats(sources / SLUG)}
    # The citation files and the DOAJ record hold metadata only, which the edit leaves alone.
    assert changed >= artifacts - {f"{SLUG}.csl.json", f"{SLUG}.bib", f"{SLUG}.ris", f"{SLUG}.doaj.xml"}
    assert all(after[name] == before[name] for name in after if name.endswith((".png", ".svg", ".jpg")))


def test_an_image_is_part_of_the_source(published: tuple[Path, Path]) -> None:
    """Redrawing a chart (same name, new bytes) rebuilds every format and ships the new bytes."""
    sources, dist = published
    chart = sources / SLUG / "fines-by-year.png"
    Image.new("RGB", (200, 120), "#8a1c1c").save(chart, format="PNG")
    report = run(sources, dist)
    assert report.ok
    assert {path.name for path in report.built} == {
        artifact_name(name, SLUG) for name in published_formats(sources / SLUG)
    }
    shipped = dist / SLUG / chart.name
    assert shipped.read_bytes() == chart.read_bytes()
    listed = {entry["name"]: entry for entry in json.loads((dist / SLUG / "manifest.json").read_text())["artifacts"]}
    assert listed[chart.name]["sha256"] == hashlib.sha256(chart.read_bytes()).hexdigest()
    assert run(sources, dist).built == [], "a second build with nothing changed writes nothing"


def test_an_image_no_longer_shown_leaves_the_folder(published: tuple[Path, Path]) -> None:
    sources, dist = published
    article = sources / SLUG / "article.md"
    text = article.read_text(encoding="utf-8")
    kept = [line for line in text.splitlines() if "hearing-room.jpg" not in line and "#fig-hearing-room" not in line]
    article.write_text("\n".join(kept) + "\n", encoding="utf-8")
    assert run(sources, dist).ok
    assert not (dist / SLUG / "hearing-room.jpg").exists()
    listed = [entry["name"] for entry in json.loads((dist / SLUG / "manifest.json").read_text())["artifacts"]]
    assert "hearing-room.jpg" not in listed and "fines-by-year.png" in listed


def test_a_missing_image_keeps_the_published_article(published: tuple[Path, Path]) -> None:
    sources, dist = published
    before = snapshot(dist / SLUG)
    (sources / SLUG / "complaint-to-fine.svg").unlink()
    report = run(sources, dist)
    assert len(report.failures) == 1
    assert ": body: image file 'complaint-to-fine.svg' does not exist" in report.failures[0]
    assert snapshot(dist / SLUG) == before
    assert leftovers(dist) == []


def test_a_single_format_build_keeps_the_others_and_the_images(published: tuple[Path, Path]) -> None:
    sources, dist = published
    before = snapshot(dist / SLUG)
    edit(sources)
    assert run(sources, dist, formats=("jats",)).ok
    after = snapshot(dist / SLUG)
    assert set(after) == set(before)
    # The packages are made afresh from the folder: they now hold the new JATS.
    packages = {artifact_name(name, SLUG) for name in PACKAGES}
    unchanged = set(before) - {f"{SLUG}.xml", "manifest.json"} - packages
    assert {name: after[name] for name in unchanged} == {name: before[name] for name in unchanged}
    assert after[f"{SLUG}.xml"] != before[f"{SLUG}.xml"]
    with zipfile.ZipFile(dist / SLUG / artifact_name("meca", SLUG)) as package:
        assert package.read("article.xml") == after[f"{SLUG}.xml"]


# --- The folder swap on its own ----------------------------------------------------------------


def test_replace_folder_swaps_whole_folders(tmp_path: Path) -> None:
    folder = tmp_path / "slug"
    folder.mkdir()
    (folder / "old.txt").write_text("old")
    staging = atomic.staging_folder(folder)
    assert staging.parent == folder.parent and staging.name.startswith(".slug.")
    assert oct(staging.stat().st_mode & 0o777) == oct(0o755)
    (staging / "new.txt").write_text("new")
    atomic.replace_folder(staging, folder)
    assert sorted(path.name for path in folder.iterdir()) == ["new.txt"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["slug"]


def test_a_killed_swap_is_repaired_by_the_next_build(tmp_path: Path) -> None:
    """Killed between the two renames of the fallback swap: the old folder is retired, no new one yet."""
    folder = tmp_path / "slug"
    retired = tmp_path / f".slug.abc{atomic.RETIRED_SUFFIX}"
    retired.mkdir()
    (retired / "old.txt").write_text("old")
    unfinished = tmp_path / f".slug.def{atomic.STAGING_SUFFIX}"
    unfinished.mkdir()
    (unfinished / ".new.txt.x.part").write_text("half")
    atomic.recover_folder(folder)
    assert (folder / "old.txt").read_text() == "old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["slug"]
    # Killed after the second rename: the new folder is in place and the retired one is dropped.
    retired.mkdir()
    atomic.recover_folder(folder)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["slug"]


def test_a_build_sweeps_up_a_killed_builds_staging_folder(published: tuple[Path, Path]) -> None:
    sources, dist = published
    before = snapshot(dist / SLUG)
    unfinished = atomic.staging_folder(dist / SLUG)
    (unfinished / f".{SLUG}.pdf.x.part").write_bytes(b"%PDF-half")
    assert run(sources, dist).built == []
    assert leftovers(dist) == []
    assert snapshot(dist / SLUG) == before


def test_hard_links_keep_the_published_bytes_apart(published: tuple[Path, Path]) -> None:
    """Formats carried into the staging folder are hard links: rewriting the staged copy by atomic
    rename never touches the published file."""
    _sources, dist = published
    published_pdf = dist / SLUG / f"{SLUG}.pdf"
    original = published_pdf.read_bytes()
    staging = atomic.staging_folder(dist / SLUG)
    atomic.link_or_copy(published_pdf, staging / published_pdf.name)
    with atomic.atomic_path(staging / published_pdf.name) as temporary:
        temporary.write_bytes(b"%PDF-new")
    assert published_pdf.read_bytes() == original
    assert os.stat(published_pdf).st_nlink == 1
    shutil.rmtree(staging)


def test_a_published_image_lost_from_dist_is_put_back(published: tuple[Path, Path]) -> None:
    """dist/.build-state records the images published with the article; one deleted or altered in dist/
    makes the next build publish the article again, images included."""
    sources, dist = published
    state = json.loads(fingerprint.state_path(dist / SLUG).read_text(encoding="utf-8"))
    images = {path.name for path in (sources / SLUG).iterdir() if path.suffix in (".png", ".svg", ".jpg")}
    assert set(state["images"]) == images
    (dist / SLUG / "hearing-room.jpg").unlink()
    (dist / SLUG / "fines-by-year.png").write_bytes(b"not the chart")
    assert run(sources, dist).ok
    for name in images:
        assert (dist / SLUG / name).read_bytes() == (sources / SLUG / name).read_bytes()
    assert run(sources, dist).built == []
