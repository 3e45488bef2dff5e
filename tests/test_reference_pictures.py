"""Reference pictures of the pages where footnotes and tables meet, so a layout regression shows: the
test suite renders each page with pdftoppm and compares it with the committed PNG in docs/reference/
(``UPDATE_REFERENCE_PICTURES=1`` rewrites the committed files from the current build). Each page is
checked first to still be the page it is meant to picture: its table's head row and its footnotes."""

from __future__ import annotations

import pytest
from conftest import REPO_ROOT, Built
from pictures import ARTIFACTS, assert_page_matches_picture
from readers.extract import normalise, pdf_pages

PICTURES = REPO_ROOT / "docs" / "reference"
# slug -> (page, the head row of the table on it, the footnotes at its foot)
REFERENCE_PAGES = {
    "climate-rights-footnotes": (2, "Case Respondents Outcome Articles found violated", (5, 6, 7, 8)),
    "regulators-publish-subsections": (2, "Authority Largest fine (EUR million) Year", (1,)),
}


@pytest.mark.parametrize("slug", sorted(REFERENCE_PAGES))
def test_reference_page_is_what_the_pipeline_makes(built_all: dict[str, Built], slug: str) -> None:
    number, table_head, notes = REFERENCE_PAGES[slug]
    pdf = built_all[slug].pdf
    page = pdf_pages(pdf)[number - 1]
    assert table_head in [normalise(line) for line in page.lines], f"page {number} no longer shows the table"
    assert tuple(note.number for note in page.notes) == notes, f"page {number} no longer has those notes"
    picture = PICTURES / f"{slug}.png"
    rendered = ARTIFACTS / "reference" / picture.name
    assert_page_matches_picture(pdf, number, picture, rendered, "UPDATE_REFERENCE_PICTURES")
