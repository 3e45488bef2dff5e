"""Every word of the first title, exactly as received, appears in each of its outputs.

``fixtures/seed/commentary.txt`` is the text as it came (title line with the article type, image
credit, title, introduction, sections, bio, suggested citation, editor's note, disclaimer): a copy of
``shared/seed/commentary.txt`` so the check runs wherever the repository is cloned.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import REPO_ROOT, Built
from lxml import etree
from readers.extract import JATS_BLOCKS, element_text, epub_facts, normalise, pdf_facts

SEED = REPO_ROOT / "tests" / "fixtures" / "seed" / "commentary.txt"
FIRST_TITLE = "kazakhstan-russia-ukraine"
CITATION_LABEL = "Suggested citation: "


def seed_lines() -> list[str]:
    return [normalise(line) for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]


def full_text(format_name: str, path: Path) -> str:
    """Everything a reader of the artifact gets, as one whitespace-normalised string."""
    if format_name == "pdf":
        return pdf_facts(path).text
    if format_name == "epub":
        facts = epub_facts(path)
        return normalise(f"{facts.text} {facts.back_matter_text}")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    # Inline elements (an <ext-link> in a sentence) join their text without a space; blocks with one.
    return normalise(element_text(etree.parse(str(path), parser).getroot(), JATS_BLOCKS))


@pytest.fixture(params=["pdf", "epub", "jats"])
def output(request: pytest.FixtureRequest, built_all: dict[str, Built]) -> tuple[str, str]:
    built = built_all[FIRST_TITLE]
    return request.param, full_text(request.param, getattr(built, request.param))


def test_seed_copy_matches_the_shared_seed_when_present() -> None:
    shared = REPO_ROOT.parent / "shared" / "seed" / "commentary.txt"
    if shared.is_file():
        assert shared.read_bytes() == SEED.read_bytes()


def test_title_line_is_title_and_article_type(built_all: dict[str, Built]) -> None:
    article = built_all[FIRST_TITLE].article
    assert seed_lines()[0] == f"{article.title} {article.genre}"


def test_every_line_of_the_seed_is_in_the_output(output: tuple[str, str]) -> None:
    format_name, text = output
    lines = seed_lines()
    title, _, genre = lines[0].rpartition(" ")
    # The seed was copied as published, with straight apostrophes where the pipeline now sets ’ (the
    # source's disclaimer: "JURIST's"); tests/test_punctuation.py checks the punctuation itself.
    text = text.replace("’", "'")
    missing = [line.replace("’", "'") for line in (title, *lines[1:]) if line.replace("’", "'") not in text]
    if format_name == "jats":
        # JATS labels the citation with a <title>, not with a "Label: " prefix in the paragraph.
        missing = [
            line.removeprefix(CITATION_LABEL) for line in missing if line.removeprefix(CITATION_LABEL) not in text
        ]
    assert not missing, f"{format_name}: seed lines not found:\n" + "\n".join(line[:100] for line in missing)
    assert genre.casefold() in text.casefold()
