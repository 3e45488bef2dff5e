"""Reference pictures of PDF pages: render a page with pdftoppm and compare it with a committed PNG, so a
layout regression shows. An environment variable set to 1 rewrites the committed picture instead."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from conftest import REPO_ROOT
from PIL import Image, ImageChops, ImageStat

ARTIFACTS = REPO_ROOT / "test-artifacts"
RESOLUTION_DPI = 70
# Rasterisers differ by a few grey levels at glyph edges; a changed page differs by far more.
MEAN_DIFFERENCE_LIMIT = 2.0


def render_page(pdf: Path, page: int, target: Path) -> Path:
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: install Debian's poppler-utils (system-packages.txt)"
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [pdftoppm, "-png", "-singlefile", "-f", str(page), "-l", str(page), "-r", str(RESOLUTION_DPI)]
    subprocess.run([*command, str(pdf), str(target.with_suffix(""))], check=True, capture_output=True)
    return target


def assert_page_matches_picture(pdf: Path, page: int, picture: Path, rendered: Path, update_variable: str) -> None:
    """Page ``page`` of ``pdf``, rendered to ``rendered``, looks like the committed ``picture``."""
    render_page(pdf, page, rendered)
    if os.environ.get(update_variable) == "1":
        picture.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(rendered, picture)
    assert picture.is_file(), f"run the tests once with {update_variable}=1 to render {picture.name}"
    with Image.open(rendered) as new, Image.open(picture) as committed:
        assert new.size == committed.size
        difference = ImageChops.difference(new.convert("L"), committed.convert("L"))
        assert ImageStat.Stat(difference).mean[0] < MEAN_DIFFERENCE_LIMIT
