"""The README's picture of the first PDF page is what the pipeline makes: the test suite renders it with
pdftoppm and compares it with the committed ``docs/first-page.png`` (``UPDATE_README_PICTURE=1`` rewrites
the committed file from the current build). ``docs/figure-page.png``, the first page of the figures
fixture, is kept the same way, so a change to how figures are laid out shows."""

from __future__ import annotations

from pathlib import Path

from conftest import REPO_ROOT, Built
from pictures import ARTIFACTS, assert_page_matches_picture

PICTURE = REPO_ROOT / "docs" / "first-page.png"
FIRST_TITLE = "kazakhstan-russia-ukraine"
FIGURE_PICTURE = REPO_ROOT / "docs" / "figure-page.png"
FIGURES_SOURCE = "figures-policy-piece"


def test_readme_shows_the_picture() -> None:
    assert "docs/first-page.png" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def assert_first_page_is(pdf: Path, picture: Path) -> None:
    assert_page_matches_picture(pdf, 1, picture, ARTIFACTS / picture.name, "UPDATE_README_PICTURE")


def test_readme_picture_is_the_current_first_page(built_all: dict[str, Built]) -> None:
    assert_first_page_is(built_all[FIRST_TITLE].pdf, PICTURE)


def test_figure_picture_is_the_current_figure_page(built_all: dict[str, Built]) -> None:
    assert_first_page_is(built_all[FIGURES_SOURCE].pdf, FIGURE_PICTURE)
