"""Incremental and parallel builds: nothing is rebuilt when nothing changed; a change to the source,
a style, the templates, the pipeline or a format's options rebuilds exactly what depends on it; and a
parallel build writes the same bytes, and reports in the same order, as a serial one."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import (
    BUILD_LOG,
    BUILT_LIST,
    SOURCE_FILES,
    clear_fingerprints,
    copy_test_sources,
    published_formats,
)

from pipeline import paths
from pipeline.build import fingerprint
from pipeline.build.progress import PlainReporter, QuietReporter
from pipeline.build.run import FORMATS, BuildReport, Shard, build
from pipeline.errors import PipelineError
from pipeline.formats import WRITERS

STYLED = {name for name, spec in WRITERS.items() if spec.templates}


@dataclass(frozen=True)
class SerialBuild:
    """One serial build of every test source: its sources, dist, the artifacts it wrote and its printed log."""

    sources: Path
    dist: Path
    built: list[Path]
    log: list[str]

    def copy_to(self, dist: Path) -> Path:
        """Its dist/ copied to ``dist`` (times kept): what building the same sources there would leave."""
        shutil.copytree(self.dist, dist)
        return dist

    def built_in(self, dist: Path) -> list[Path]:
        """The artifacts it built, as paths in a copy at ``dist``."""
        return [dist / path.relative_to(self.dist) for path in self.built]


@pytest.fixture(scope="module")
def serial(built_all_folder: Path) -> SerialBuild:
    """The session's one build of every test source in one job (conftest.build_test_sources, which other test
    files read too): tests start from a copy of its dist/ (the build state holds hashes, never paths, so a copy
    is as fresh as the original) or compare their builds with it, and never write into it."""
    dist = built_all_folder / "dist"
    built = [dist / line for line in (built_all_folder / BUILT_LIST).read_text(encoding="utf-8").splitlines()]
    log = _logged((built_all_folder / BUILD_LOG).read_text(encoding="utf-8"), dist)
    return SerialBuild(built_all_folder / "sources", dist, built, log)


# Two sources that between them publish every format any test source does (the DOAJ record only for the one
# with an ISSN) and figure files: for the tests that a change rebuilds every artifact of some formats, which
# then lay out two articles, not every test source (a format's fingerprint is the same for every source).
PAIR = ("figures-policy-piece", "kazakhstan-russia-ukraine")


def copy_pair(root: Path) -> Path:
    """The PAIR's source folders copied into one fresh sources folder ``root``; returns it."""
    for source_file in SOURCE_FILES:
        if source_file.parent.name in PAIR:
            shutil.copytree(source_file.parent, root / source_file.parent.name)
    assert sorted(path.name for path in root.iterdir()) == sorted(PAIR)
    return root


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> SerialBuild:
    """The PAIR built once per module in one job, as ``serial`` is for every source; tests copy its dist/."""
    clear_fingerprints()
    root = tmp_path_factory.mktemp("pair")
    sources, dist = copy_pair(root / "sources"), root / "dist"
    report, log = _log(sources, dist, jobs=1)
    return SerialBuild(sources, dist, report.built, log)


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    return copy_test_sources(tmp_path / "sources")


@pytest.fixture
def pair_sources(tmp_path: Path) -> Path:
    return copy_pair(tmp_path / "sources")


@pytest.fixture(autouse=True)
def fresh_fingerprints() -> Iterator[None]:
    """Fingerprints of code, templates and styles are cached per process; tests change them (and leave none
    changed behind for the tests that run next in this process)."""
    clear_fingerprints()
    yield
    clear_fingerprints()


def run(sources: Path, dist: Path, **options: object) -> BuildReport:
    report = build(source_root=sources, dist=dist, reporter=QuietReporter(), **options)
    assert report.ok, report.failures
    return report


def rebuilt_formats(report: BuildReport) -> set[tuple[str, str]]:
    """(slug, format) of every artifact the build wrote."""
    by_file = {}
    for path in report.built:
        slug = path.parent.name
        by_file[(slug, path.name)] = next(
            name for name, spec in WRITERS.items() if spec.artifact_name(slug) == path.name
        )
    return {(slug, name) for (slug, _file), name in by_file.items()}


def every(sources: Path, formats: set[str] | tuple[str, ...] = FORMATS) -> set[tuple[str, str]]:
    """(slug, format) of every artifact of ``formats`` the sources have (a deposit needs its DOI or ISSN)."""
    return {(folder.name, name) for folder in sources.iterdir() for name in published_formats(folder, formats)}


def test_the_pair_publishes_every_format_a_test_source_does(pair: SerialBuild) -> None:
    every_format = {name for source_file in SOURCE_FILES for name in published_formats(source_file.parent)}
    assert {name for _slug, name in every(pair.sources)} == every_format
    assert any(path.suffix in (".png", ".jpg", ".svg") for path in pair.dist.glob("*/*")), (
        "a figure's file is published"
    )


def test_nothing_is_rebuilt_when_nothing_changed(serial: SerialBuild, sources: Path, tmp_path: Path) -> None:
    dist = serial.copy_to(tmp_path / "dist")
    first = serial.built_in(dist)
    before = {path: path.stat().st_mtime_ns for path in first}
    second = run(sources, dist)
    assert second.built == []
    assert sorted(second.skipped) == sorted(first)
    assert {path: path.stat().st_mtime_ns for path in first} == before


def test_force_rebuilds_everything(pair: SerialBuild, pair_sources: Path, tmp_path: Path) -> None:
    dist = pair.copy_to(tmp_path / "dist")
    assert rebuilt_formats(run(pair_sources, dist, force=True)) == every(pair_sources)


def test_a_changed_source_rebuilds_all_of_its_artifacts_only(
    serial: SerialBuild, sources: Path, tmp_path: Path
) -> None:
    dist = serial.copy_to(tmp_path / "dist")
    changed = sorted(sources.iterdir())[0]
    article = changed / "article.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    assert rebuilt_formats(run(sources, dist)) == {(changed.name, name) for name in published_formats(changed)}


def test_a_changed_style_rebuilds_only_the_formats_that_read_it(
    pair: SerialBuild, pair_sources: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    styles = tmp_path / "styles"
    shutil.copytree(paths.STYLES, styles)
    monkeypatch.setattr(paths, "STYLES", styles)
    dist = pair.copy_to(tmp_path / "dist")
    for style, formats in (("print.css", {"pdf"}), ("epub.css", {"epub"}), ("web.css", {"html"})):
        (styles / style).write_text((styles / style).read_text() + "\n/* changed */\n")
        fingerprint.style_fingerprint.cache_clear()
        assert rebuilt_formats(run(pair_sources, dist)) == every(pair_sources, formats), style


def test_a_changed_template_rebuilds_the_rendered_formats(
    pair: SerialBuild, pair_sources: Path, tmp_path: Path, monkeypatch
) -> None:
    dist = pair.copy_to(tmp_path / "dist")
    monkeypatch.setattr(fingerprint, "templates_fingerprint", lambda: "another set of templates")
    assert rebuilt_formats(run(pair_sources, dist)) == every(pair_sources, STYLED)


def test_a_new_pipeline_version_rebuilds_everything(
    pair: SerialBuild, pair_sources: Path, tmp_path: Path, monkeypatch
) -> None:
    dist = pair.copy_to(tmp_path / "dist")
    monkeypatch.setattr(fingerprint, "pipeline_version", lambda: "99.0.0")
    fingerprint.code_fingerprint.cache_clear()
    assert rebuilt_formats(run(pair_sources, dist)) == every(pair_sources)


def test_a_changed_bibliography_rebuilds_all_of_its_artifacts_only(
    serial: SerialBuild, sources: Path, tmp_path: Path
) -> None:
    dist = serial.copy_to(tmp_path / "dist")
    bibliography = sources / "cited-author-date" / "references.bib"
    bibliography.write_text(bibliography.read_text(encoding="utf-8").replace("Oxford", "London"), encoding="utf-8")
    cited = sources / "cited-author-date"
    assert rebuilt_formats(run(sources, dist)) == {(cited.name, name) for name in published_formats(cited)}


def test_a_new_citation_styles_release_rebuilds_everything(
    pair: SerialBuild, pair_sources: Path, tmp_path: Path, monkeypatch
) -> None:
    dist = pair.copy_to(tmp_path / "dist")
    monkeypatch.setattr(fingerprint, "styles_version", lambda: "99.0.0")
    fingerprint.code_fingerprint.cache_clear()
    assert rebuilt_formats(run(pair_sources, dist)) == every(pair_sources)


def test_changed_options_rebuild_only_their_format(pair: SerialBuild, pair_sources: Path, tmp_path: Path) -> None:
    dist = pair.copy_to(tmp_path / "dist")
    archival = run(pair_sources, dist, options={"pdf": {"variant": "pdf/a-3a"}})
    assert rebuilt_formats(archival) == every(pair_sources, {"pdf"})


def test_a_tampered_or_missing_artifact_is_rebuilt(serial: SerialBuild, sources: Path, tmp_path: Path) -> None:
    dist = serial.copy_to(tmp_path / "dist")
    tampered, removed = serial.built_in(dist)[:2]
    tampered.write_bytes(tampered.read_bytes() + b"\n")
    removed.unlink()
    assert sorted(run(sources, dist).built) == sorted([tampered, removed])


def _log(sources: Path, dist: Path, jobs: int) -> tuple[BuildReport, list[str]]:
    """The build's report, and what it printed as _logged reads it."""
    out = io.StringIO()
    report = build(source_root=sources, dist=dist, jobs=jobs, reporter=PlainReporter(out, io.StringIO()))
    assert report.ok, report.failures
    return report, _logged(out.getvalue(), dist)


def _logged(text: str, dist: Path) -> list[str]:
    """The lines a build printed, without the first (it names the number of jobs), timings and the dist
    folder's own path."""
    text = text.replace(str(dist), "DIST")
    return [re.sub(r"\d+\.\d+ s$", "TIME", line) for line in text.splitlines()[1:]]


@pytest.mark.parametrize("jobs", [2, 3])
def test_parallel_builds_write_the_same_bytes_in_the_same_order(serial: SerialBuild, tmp_path: Path, jobs: int) -> None:
    serial_dist, parallel_dist = serial.dist, tmp_path / "parallel"
    _report, parallel_log = _log(serial.sources, parallel_dist, jobs=jobs)
    assert parallel_log == serial.log
    serial = {p.relative_to(serial_dist): p.read_bytes() for p in serial_dist.rglob("*") if p.is_file()}
    parallel = {p.relative_to(parallel_dist): p.read_bytes() for p in parallel_dist.rglob("*") if p.is_file()}
    assert parallel.keys() == serial.keys()
    assert [name for name in serial if serial[name] != parallel[name]] == []


def test_shards_split_the_sources_exactly(tmp_path: Path) -> None:
    slugs = [f"commentary-{number}" for number in range(40)]
    for count in (1, 2, 3, 4):
        owners = [[index for index in range(count) if Shard(index, count).owns(slug)] for slug in slugs]
        assert all(len(owner) == 1 for owner in owners)
        if count > 1:
            assert len({owner[0] for owner in owners}) == count  # every job gets work


def test_sharded_builds_together_equal_one_build(serial: SerialBuild, tmp_path: Path) -> None:
    parts = [run(serial.sources, tmp_path / "sharded", shard=Shard(index, 2)) for index in range(2)]
    names = sorted(path.relative_to(tmp_path / "sharded") for part in parts for path in part.built)
    assert names == sorted(path.relative_to(serial.dist) for path in serial.built)


@pytest.mark.parametrize("text", ["2/2", "-1/3", "a/b", "1", "1/0"])
def test_bad_shard_specs_are_refused(text: str) -> None:
    with pytest.raises(PipelineError, match="shard"):
        Shard.parse(text)
