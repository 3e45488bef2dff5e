"""Article -> CSL-JSON (``<slug>.csl.json``): a one-item array, as citation processors read it: the
article's item, made once when it was prepared (pipeline/prepare/cite.py)."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.model import Article
from pipeline.writers import once_per_article


def write(article: Article, path: Path) -> None:
    path.write_bytes(render(article))


@once_per_article
def render(article: Article) -> bytes:
    """The file's bytes: what ``write`` writes, and what the archival PDF embeds."""
    return (json.dumps([article.csl_item], ensure_ascii=False, indent=2) + "\n").encode("utf-8")
