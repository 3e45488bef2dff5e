"""Where things live: the project's folders and an article's source folder."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import shown
from pipeline.model import Article

__all__ = ["DIST", "PROJECT_ROOT", "SOURCE", "STYLES", "shown", "source_dir"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STYLES = PROJECT_ROOT / "styles"
SOURCE = PROJECT_ROOT / "source"
DIST = PROJECT_ROOT / "dist"


def source_dir(article: Article) -> Path:
    return article.source_path.parent
