"""Reference pictures of the pages where footnotes and tables meet, so a layout regression shows: the
test suite renders each page with pdftoppm and compares it with the committed PNG in docs/reference/
(``UPDATE_REFERENCE_PICTURES=1`` rewrites the committed files from the current build). Each page is
checked first to still be the page it is meant to picture: its table's head row and its footnotes."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO_ROOT, Built
from PIL import Image, ImageChops, ImageStat

from pipeline.extract import normalise, pdf_pages

PICTURES = REPO_ROOT / "docs" / "reference"
ARTIFACTS = REPO_ROOT / "test-artifacts"
RESOLUTION_DPI = 70
MEAN_DIFFERENCE_LIMIT = 2.0  # as for docs/first-page.png: rasterisers differ by a few grey levels
# slug -> (page, the head row of the table on it, the footnotes at its foot)
REFERENCE_PAGES = {
    "climate-rights-footnotes": (2, "Case Respondents Outcome Articles found violated", (5, 6, 7, 8)),
    "regulators-publish-subsections": (2, "Authority Largest fine (EUR million) Year", (1,)),
}


def render_page(pdf: Path, page: int, target: Path) -> Path:
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm is missing: install Debian's poppler-utils (system-packages.txt)"
    target.parent.mkdir(parents=True, exist_ok=True)
    command = [pdftoppm, "-png", "-singlefile", "-f", str(page), "-l", str(page), "-r", str(RESOLUTION_DPI)]
    subprocess.run([*command, str(pdf), str(target.with_suffix(""))], check=True, capture_output=True)
    return target


@pytest.mark.parametrize("slug", sorted(REFERENCE_PAGES))
def test_reference_page_is_what_the_pipeline_makes(built_all: dict[str, Built], slug: str) -> None:
    number, table_head, notes = REFERENCE_PAGES[slug]
    pdf = built_all[slug].pdf
    page = pdf_pages(pdf)[number - 1]
    assert table_head in [normalise(line) for line in page.lines], f"page {number} no longer shows the table"
    assert tuple(note.number for note in page.notes) == notes, f"page {number} no longer has those notes"
    rendered = render_page(pdf, number, ARTIFACTS / "reference" / f"{slug}.png")
    picture = PICTURES / f"{slug}.png"
    if os.environ.get("UPDATE_REFERENCE_PICTURES") == "1":
        picture.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(rendered, picture)
    assert picture.is_file(), f"run the tests once with UPDATE_REFERENCE_PICTURES=1 to render {picture.name}"
    with Image.open(rendered) as new, Image.open(picture) as committed:
        assert new.size == committed.size
        difference = ImageChops.difference(new.convert("L"), committed.convert("L"))
        assert ImageStat.Stat(difference).mean[0] < MEAN_DIFFERENCE_LIMIT
