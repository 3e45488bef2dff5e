"""Where things live: the project's folders, and where each artifact of an article goes."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import shown
from pipeline.model import Article

__all__ = ["DIST", "PROJECT_ROOT", "SOURCE", "STYLES", "artifact_path", "shown", "source_dir"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STYLES = PROJECT_ROOT / "styles"
SOURCE = PROJECT_ROOT / "source"
DIST = PROJECT_ROOT / "dist"


def source_dir(article: Article) -> Path:
    return article.source_path.parent


def artifact_path(dist: Path, article: Article, suffix: str) -> Path:
    """``dist/<slug>/<slug><suffix>``; the slug is validated on load, so it cannot leave ``dist``."""
    return dist / article.slug / f"{article.slug}{suffix}"
