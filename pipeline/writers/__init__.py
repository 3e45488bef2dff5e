"""One small writer module per output format, behind a registry.

Each writer module exposes ``SUFFIX`` and ``write(article, path) -> None``. Modules are imported
only when their format is built, so a JATS-only build never loads WeasyPrint.
"""

from __future__ import annotations

import importlib
from types import ModuleType

WRITERS: dict[str, str] = {
    "pdf": "pipeline.writers.pdf",
    "epub": "pipeline.writers.epub",
    "jats": "pipeline.writers.jats",
}


def writer(format_name: str) -> ModuleType:
    return importlib.import_module(WRITERS[format_name])
