"""Article -> CSL-JSON (``<slug>.csl.json``): a one-item array, as citation processors read it."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.cite import csl_item
from pipeline.model import Article


def write(article: Article, path: Path) -> None:
    text = json.dumps([csl_item(article)], ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")
