"""One small writer module per output format, behind a registry.

Each writer module exposes ``write(article, path, **options) -> None``. The registry says what each
format's file is called and which styles and templates it reads (for incremental builds), without
importing the module: a JATS-only build never loads WeasyPrint.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType

from pipeline.paths import HOUSE_CITATION_STYLE


@dataclass(frozen=True)
class Format:
    module: str
    file_name: str  # "{slug}" stands for the article's slug
    styles: tuple[str, ...] = ()  # files in styles/ that shape the output
    templates: bool = False  # renders through pipeline/templates

    def artifact_name(self, slug: str) -> str:
        return self.file_name.format(slug=slug)


WRITERS: dict[str, Format] = {
    # house-citation.csl: the suggested citation, which these four print.
    "pdf": Format("pipeline.writers.pdf", "{slug}.pdf", styles=("print.css", HOUSE_CITATION_STYLE), templates=True),
    "epub": Format("pipeline.writers.epub", "{slug}.epub", styles=("epub.css", HOUSE_CITATION_STYLE), templates=True),
    "jats": Format("pipeline.writers.jats", "{slug}.xml", styles=(HOUSE_CITATION_STYLE,), templates=True),
    "csl-json": Format("pipeline.writers.csl_json", "{slug}.csl.json"),
    "bibtex": Format("pipeline.writers.bibtex", "{slug}.bib"),
    "ris": Format("pipeline.writers.ris", "{slug}.ris"),
    "html": Format("pipeline.writers.web", "index.html", styles=("web.css", HOUSE_CITATION_STYLE), templates=True),
}


def writer(format_name: str) -> ModuleType:
    return importlib.import_module(WRITERS[format_name].module)


def artifact_name(format_name: str, slug: str) -> str:
    return WRITERS[format_name].artifact_name(slug)
