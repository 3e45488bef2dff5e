"""One small writer module per output format, behind a registry.

Each writer module exposes ``SUFFIX`` and ``write(article, path) -> None`` (and ``FILE_NAME`` when its
artifact has a fixed name rather than ``<slug><SUFFIX>``). Modules are imported
only when their format is built, so a JATS-only build never loads WeasyPrint.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from pipeline.model import Article

WRITERS: dict[str, str] = {
    "pdf": "pipeline.writers.pdf",
    "epub": "pipeline.writers.epub",
    "jats": "pipeline.writers.jats",
    "csl-json": "pipeline.writers.csl_json",
    "bibtex": "pipeline.writers.bibtex",
    "ris": "pipeline.writers.ris",
    "html": "pipeline.writers.web",
}


def writer(format_name: str) -> ModuleType:
    return importlib.import_module(WRITERS[format_name])


def artifact_name(module: ModuleType, article: Article) -> str:
    """``<slug><SUFFIX>``, unless the writer names its file itself (the web page is ``index.html``)."""
    fixed: str | None = getattr(module, "FILE_NAME", None)
    return fixed or f"{article.slug}{module.SUFFIX}"
