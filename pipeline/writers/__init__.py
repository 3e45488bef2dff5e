"""One small writer module per output format, behind a registry.

Each writer module exposes ``write(article, path, **options) -> None``. The registry says what each
format's file is called and which styles and templates it reads (for incremental builds), without
importing the module: a JATS-only build never loads WeasyPrint. A format that ``requires`` data the
article may lack (a Crossref deposit without a DOI) writes no file for such an article.

The packages (MECA, BagIt) come last: each ``write(facts, folder, path)`` packs files the formats wrote
into the article's staged folder, so they are made afresh whenever that folder is.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from pipeline.model import Article
from pipeline.paths import HOUSE_CITATION_STYLE


@dataclass(frozen=True)
class Format:
    module: str
    file_name: str  # "{slug}" stands for the article's slug
    styles: tuple[str, ...] = ()  # files in styles/ that shape the output
    templates: bool = False  # renders through pipeline/templates
    # Attributes of the Article (dotted: "house.registrant") without which the format has nothing to say.
    requires: tuple[str, ...] = ()

    def artifact_name(self, slug: str) -> str:
        return self.file_name.format(slug=slug)


WRITERS: dict[str, Format] = {
    # house-citation.csl: the suggested citation, which these four print.
    "pdf": Format("pipeline.pdf.writer", "{slug}.pdf", styles=("print.css", HOUSE_CITATION_STYLE), templates=True),
    "epub": Format("pipeline.writers.epub", "{slug}.epub", styles=("epub.css", HOUSE_CITATION_STYLE), templates=True),
    "jats": Format("pipeline.writers.jats", "{slug}.xml", styles=(HOUSE_CITATION_STYLE,), templates=True),
    "csl-json": Format("pipeline.writers.csl_json", "{slug}.csl.json"),
    "bibtex": Format("pipeline.writers.bibtex", "{slug}.bib"),
    "ris": Format("pipeline.writers.ris", "{slug}.ris"),
    "html": Format("pipeline.writers.web", "index.html", styles=("web.css", HOUSE_CITATION_STYLE), templates=True),
    # Deposits: what a journal sends to Crossref (to register the DOI) and to DOAJ.
    "crossref": Format(
        "pipeline.writers.deposit.crossref",
        "{slug}.crossref.xml",
        requires=("DOI", "house.depositor_name", "house.depositor_email", "house.registrant"),
    ),
    "doaj": Format("pipeline.writers.deposit.doaj", "{slug}.doaj.xml", requires=("ISSN",)),
}
# Packages of the files the formats wrote, for preservation archives and manuscript exchange.
PACKAGES: dict[str, Format] = {
    "meca": Format("pipeline.writers.deposit.meca", "{slug}.meca.zip"),
    "bagit": Format("pipeline.writers.deposit.bag", "{slug}.bag.zip"),
}


def writer(format_name: str) -> ModuleType:
    return importlib.import_module({**WRITERS, **PACKAGES}[format_name].module)


def artifact_name(format_name: str, slug: str) -> str:
    return {**WRITERS, **PACKAGES}[format_name].artifact_name(slug)


def missing(format_name: str, article: Article) -> str | None:
    """The first thing ``format_name`` requires that ``article`` lacks ("DOI", "house.registrant"), or None."""
    for dotted in WRITERS[format_name].requires:
        value: object = article
        for name in dotted.split("."):
            value = getattr(value, name)
        if not value:
            return dotted
    return None


def once_per_article(render: Callable[[Article], bytes]) -> Callable[[Article], bytes]:
    """``render`` that keeps its last result: a file embedded in another (the archival PDF carries the JATS
    and the CSL-JSON) is rendered once for both when one process writes both. Keyed by the article object
    itself, which the cache holds, so a new or changed article is always rendered anew."""
    last: list[tuple[Article, bytes]] = []

    @functools.wraps(render)
    def cached(article: Article) -> bytes:
        if not (last and last[0][0] is article):
            last[:] = [(article, render(article))]
        return last[0][1]

    return cached
