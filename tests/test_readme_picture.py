"""The README's picture of the first PDF page is what the pipeline makes: the test suite renders it with
pdftoppm and compares it with the committed ``docs/first-page.png`` (``UPDATE_README_PICTURE=1`` rewrites
the committed file from the current build). ``docs/figure-page.png``, the first page of the figures
fixture, is kept the same way, so a change to how figures are laid out shows."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import REPO_ROOT, Built
from PIL import Image, ImageChops, ImageStat

PICTURE = REPO_ROOT / "docs" / "first-page.png"
ARTIFACTS = REPO_ROOT / "test-artifacts"
FIRST_TITLE = "kazakhstan-russia-ukraine"
FIGURE_PICTURE = REPO_ROOT / "docs" / "figure-page.png"
FIGURES_SOURCE = "figures-policy-piece"
RESOLUTION_DPI = 70
# Rasterisers differ by a few grey levels at glyph edges; a changed page differs by far more.
MEAN_DIFFERENCE_LIMIT = 2.0


def render_first_page(pdf: Path, target: Path) -> Path:
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: install Debian's poppler-utils (system-packages.txt)"
    target.parent.mkdir(parents=True, exist_ok=True)
    stem = target.with_suffix("")
    command = [pdftoppm, "-png", "-singlefile", "-f", "1", "-l", "1", "-r", str(RESOLUTION_DPI), str(pdf), str(stem)]
    subprocess.run(command, check=True, capture_output=True)
    return target


def test_readme_shows_the_picture() -> None:
    assert "docs/first-page.png" in (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def assert_picture_is_current(pdf: Path, picture: Path) -> None:
    rendered = render_first_page(pdf, ARTIFACTS / picture.name)
    if os.environ.get("UPDATE_README_PICTURE") == "1":
        shutil.copyfile(rendered, picture)
    assert picture.is_file(), f"run the tests once with UPDATE_README_PICTURE=1 to render docs/{picture.name}"
    with Image.open(rendered) as new, Image.open(picture) as committed:
        assert new.size == committed.size
        difference = ImageChops.difference(new.convert("L"), committed.convert("L"))
        assert ImageStat.Stat(difference).mean[0] < MEAN_DIFFERENCE_LIMIT


def test_readme_picture_is_the_current_first_page(built_all: dict[str, Built]) -> None:
    assert_picture_is_current(built_all[FIRST_TITLE].pdf, PICTURE)


def test_figure_picture_is_the_current_figure_page(built_all: dict[str, Built]) -> None:
    assert_picture_is_current(built_all[FIGURES_SOURCE].pdf, FIGURE_PICTURE)
