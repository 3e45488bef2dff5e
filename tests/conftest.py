"""Shared test fixtures: where the repository is, where external schemas live, and one build of
every test source (the real first title and the second-shape fixture) into a temporary dist/."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import babel
import pytest
import yaml

from pipeline import paths
from pipeline.build.run import FORMATS, build
from pipeline.check import official_schemas
from pipeline.check.official_schemas import JATS_ARCHIVING
from pipeline.formats import missing
from pipeline.model import Article
from pipeline.prepare.article import load_article
from pipeline.source.house import load_house

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURE_SOURCES = REPO_ROOT / "tests" / "fixtures" / "sources"
# The real commentaries in source/ and the fixtures with other shapes.
SOURCE_FILES = sorted((REPO_ROOT / "source").glob("*/article.md")) + sorted(FIXTURE_SOURCES.glob("*/article.md"))


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


@pytest.fixture(scope="session")
def built_all(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Built]:
    """Build every test source once (copied into one sources folder), keyed by slug."""
    sources = copy_test_sources(tmp_path_factory.mktemp("sources"))
    dist = tmp_path_factory.mktemp("dist")
    report = build(source_root=sources, dist=dist)
    assert report.ok, report.failures
    result: dict[str, Built] = {}
    for source_file in sorted(sources.glob("*/article.md")):
        article = load_article(source_file, load_house(paths.HOUSE_CONFIG))
        folder = dist / article.slug
        result[article.slug] = Built(
            article=article,
            pdf=folder / f"{article.slug}.pdf",
            epub=folder / f"{article.slug}.epub",
            jats=folder / f"{article.slug}.xml",
        )
    return result


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
