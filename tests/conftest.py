"""Shared test fixtures: where the repository is, where external schemas live, and one build of
every test source (the real first title and the second-shape fixture) into a temporary dist/.

The builds every test file reads (every source, their archival PDFs) and EPUBCheck's results are made
once per test run: with pytest-xdist (``-n 2``), by the first worker that needs them, under a file lock,
in a folder beside the workers' own temporary folders; the other workers read them there."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import babel
import pytest
import yaml
from epubcheck_books import EpubChecks
from filelock import FileLock

from pipeline import paths
from pipeline.build import fingerprint
from pipeline.build.progress import PlainReporter
from pipeline.build.run import FORMATS, build
from pipeline.check import official_schemas
from pipeline.check.official_schemas import JATS_ARCHIVING
from pipeline.errors import SourceError
from pipeline.formats import missing
from pipeline.model import Article
from pipeline.prepare.article import load_article
from pipeline.source.house import load_house

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURE_SOURCES = REPO_ROOT / "tests" / "fixtures" / "sources"
ARCHIVAL = {"pdf": {"variant": "pdf/a-3a"}}
# The real commentaries in source/ and the fixtures with other shapes.
SOURCE_FILES = sorted((REPO_ROOT / "source").glob("*/article.md")) + sorted(FIXTURE_SOURCES.glob("*/article.md"))


HEAVY_FILES = [
    line.strip()
    for line in (REPO_ROOT / "tests" / "heavy_files.txt").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist would hand files out by how many tests they hold, most first: a long file of few tests
    # (a property test, the incremental builds) then starts last. The order below is the one to keep.
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The heaviest files' tests first (tests/heavy_files.txt), the others after them in their usual order."""
    rank = {name: index for index, name in enumerate(HEAVY_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def house_refusal(folder: Path, text: str) -> tuple[Path, SourceError]:
    """``text`` written as ``folder``/house.yaml, and the error loading it raises (it must raise one)."""
    path = folder / "house.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        load_house(path)
    return path, caught.value


def copy_test_sources(root: Path) -> Path:
    """Every test source in one fresh sources folder ``root``; returns it."""
    for source_file in SOURCE_FILES:
        shutil.copytree(source_file.parent, root / source_file.parent.name)
    return root


def published_formats(source_folder: Path, formats: Iterable[str] = FORMATS) -> tuple[str, ...]:
    """The ``formats`` that write a file for the source in ``source_folder``, with the project's house
    settings: a deposit needs what it requires (a DOI, an ISSN, a depositor)."""
    article = load_article(source_folder / "article.md", load_house(paths.HOUSE_CONFIG))
    return tuple(name for name in formats if missing(name, article) is None)


@dataclass(frozen=True)
class Built:
    """One source's model and the artifacts built from it."""

    article: Article
    pdf: Path
    epub: Path
    jats: Path


@pytest.fixture(scope="session")
def jats_schema_dir() -> Path:
    """The JATS 1.2 Archiving DTD folder; tests check it exists and fail (never skip) when it does not."""
    # Official schemas are not copied into the project: JATS_SCHEMA_DIR, else where `invoke fetch-schemas`
    # put them (pipeline.official_schemas decides, for tests as for `invoke validate`).
    return official_schemas.schema_dir(JATS_ARCHIVING) or official_schemas.SCHEMA_CACHE / JATS_ARCHIVING


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder ``name`` as ``make`` fills it, made once per test run: in this process's temporary folder
    without pytest-xdist; with it, in the run's folder shared by the workers, by the first to ask (the
    others wait on the lock, then read what it made)."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        return folder
    folder = tmp_path_factory.getbasetemp().parent / name
    with FileLock(f"{folder}.lock"):
        made = folder / ".made"
        if not made.is_file():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            made.touch()
    return folder


def run_folder(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder for the whole test run: this process's own, or with pytest-xdist the one every worker shares."""
    return made_once(tmp_path_factory, name, lambda folder: None)


# What build_test_sources keeps of its build beside sources/ and dist/: the lines it printed, and the
# artifacts it wrote (one path relative to dist/ a line, in the report's order).
BUILD_LOG = "build.log"
BUILT_LIST = "built.txt"


def clear_fingerprints() -> None:
    """Forget the per-process fingerprints of code, templates and styles (tests that change them call it)."""
    for cached in (fingerprint.code_fingerprint, fingerprint.templates_fingerprint, fingerprint.style_fingerprint):
        cached.cache_clear()


def build_test_sources(folder: Path, formats: Iterable[str] = FORMATS, options: dict | None = None) -> None:
    """Every test source copied to ``folder``/sources and built into ``folder``/dist, in one job, with what the
    build printed in ``folder``/BUILD_LOG and the artifacts it wrote in ``folder``/BUILT_LIST."""
    clear_fingerprints()  # built from the project's own code, templates and styles, whatever ran before here
    dist, out = folder / "dist", io.StringIO()
    report = build(formats, source_root=copy_test_sources(folder / "sources"), dist=dist, options=options,
                   reporter=PlainReporter(out, io.StringIO()))  # fmt: skip
    assert report.ok, report.failures
    (folder / BUILD_LOG).write_text(out.getvalue(), encoding="utf-8")
    (folder / BUILT_LIST).write_text("".join(f"{path.relative_to(dist)}\n" for path in report.built), encoding="utf-8")


@pytest.fixture(scope="session")
def built_all_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The one build of every test source and format (see build_test_sources): its sources/ and dist/, read
    by many test files, never written to."""
    return made_once(tmp_path_factory, "built-all", build_test_sources)


@pytest.fixture(scope="session")
def built_all(built_all_folder: Path) -> dict[str, Built]:
    """Every test source built once (copied into one sources folder), keyed by slug."""
    folder = built_all_folder
    result: dict[str, Built] = {}
    for source_file in sorted((folder / "sources").glob("*/article.md")):
        article = load_article(source_file, load_house(paths.HOUSE_CONFIG))
        artifacts = folder / "dist" / article.slug
        result[article.slug] = Built(
            article=article,
            pdf=artifacts / f"{article.slug}.pdf",
            epub=artifacts / f"{article.slug}.epub",
            jats=artifacts / f"{article.slug}.xml",
        )
    return result


@pytest.fixture(scope="session")
def archival_all(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every test source's archival PDF (``--variant pdf/a-3a``), built once, keyed by slug, with the JATS and
    CSL-JSON it embeds built beside it."""
    folder = made_once(
        tmp_path_factory,
        "archival-all",
        lambda folder: build_test_sources(folder, ("pdf", "jats", "csl-json"), ARCHIVAL),
    )
    return {path.parent.name: path for path in sorted((folder / "dist").glob("*/*.pdf"))}


@pytest.fixture(scope="session")
def epubchecks(built_all: dict[str, Built], tmp_path_factory: pytest.TempPathFactory) -> EpubChecks:
    """EPUBCheck's result for a book, run once per book per session: every built book in one batch, the
    first time a test asks (a book announced with ``expect`` before then joins the batch)."""
    return EpubChecks(run_folder(tmp_path_factory, "epubcheck"), [built.epub for built in built_all.values()])


@pytest.fixture(params=[path.parent.name for path in SOURCE_FILES])
def built(request: pytest.FixtureRequest, built_all: dict[str, Built]) -> Built:
    """Each test source in turn, built."""
    return built_all[request.param]


def _written_left_to_right(source_file: Path) -> bool:
    """The source's language is written left to right (CLDR, read here with Babel, not the pipeline)."""
    front = yaml.safe_load(source_file.read_text(encoding="utf-8").split("---")[1])
    return babel.Locale.parse(front["language"], sep="-").character_order == "left-to-right"


@pytest.fixture(params=[path.parent.name for path in SOURCE_FILES if _written_left_to_right(path)])
def built_ltr(request: pytest.FixtureRequest, built_all: dict[str, Built]) -> Built:
    """Each left-to-right test source, built: for PDF checks through pypdf, which orders a line of mixed
    directions visually (right-to-left PDFs are read by tests/test_languages_direction.py)."""
    return built_all[request.param]
