"""The README's picture of the first PDF page is what the pipeline makes: the test suite renders it with
pdftoppm and compares it with the committed ``docs/first-page.png`` (``UPDATE_README_PICTURE=1`` rewrites
the committed file from the current build)."""

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


def test_readme_picture_is_the_current_first_page(built_all: dict[str, Built]) -> None:
    rendered = render_first_page(built_all[FIRST_TITLE].pdf, ARTIFACTS / "first-page.png")
    if os.environ.get("UPDATE_README_PICTURE") == "1":
        shutil.copyfile(rendered, PICTURE)
    assert PICTURE.is_file(), "run the tests once with UPDATE_README_PICTURE=1 to render docs/first-page.png"
    with Image.open(rendered) as new, Image.open(PICTURE) as committed:
        assert new.size == committed.size
        difference = ImageChops.difference(new.convert("L"), committed.convert("L"))
        assert ImageStat.Stat(difference).mean[0] < MEAN_DIFFERENCE_LIMIT
