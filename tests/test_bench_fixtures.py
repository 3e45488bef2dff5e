"""The benchmark's generated commentaries are valid sources, and the same seed gives the same files."""

from __future__ import annotations

from pathlib import Path

from bench.generate import generate
from pipeline.prepare.article import load_article


def test_generated_commentaries_load_and_are_deterministic(tmp_path: Path) -> None:
    first = generate(tmp_path / "first", 6, seed=7)
    second = generate(tmp_path / "second", 6, seed=7)
    assert len(first) == 6
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]
    articles = [load_article(path) for path in first]
    assert all(article.sections and any(s.paragraphs for s in article.all_sections) for article in articles)
    assert len({article.slug for article in articles}) == 6
