"""The formats an article is published in, as data: what each file is called, its media type, which
styles and templates shape it, what it requires of the article, and the module that writes it.

The registry names each writer module without importing it: the build plans and fingerprints from it
(a JATS-only build never loads WeasyPrint, a no-op rebuild loads no writer), and a writer that links
to another format's file asks it for the file's name. A format that ``requires`` data the article may
lack (a Crossref deposit without a DOI) writes no file for such an article.

The packages (MECA, BagIt) come last: each ``write(facts, files, path)`` packs files the formats wrote
into the article's staged folder, so they are made afresh whenever that folder is.
"""

from __future__ import annotations

import importlib
import mimetypes
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

from pipeline.paths import HOUSE_CITATION_STYLE

if TYPE_CHECKING:
    from pipeline.model import Metadata


@dataclass(frozen=True)
class Format:
    module: str
    file_name: str  # "{slug}" stands for the article's slug
    styles: tuple[str, ...] = ()  # files in styles/ that shape the output
    templates: bool = False  # renders through pipeline/templates
    # Attributes of the Article (dotted: "house.registrant") without which the format has nothing to say.
    requires: tuple[str, ...] = ()
    # Prints the body as rendered once per article (pipeline/render/html.py's ``render_body``).
    html_body: bool = False
    # Its writer has a ``warm_up()`` worth running in a worker while the article is still being prepared.
    warms_up: bool = False

    def artifact_name(self, slug: str) -> str:
        return self.file_name.format(slug=slug)


WRITERS: dict[str, Format] = {
    # house-citation.csl: the suggested citation, which these four print.
    "pdf": Format(
        "pipeline.pdf.writer",
        "{slug}.pdf",
        styles=("print.css", HOUSE_CITATION_STYLE),
        templates=True,
        html_body=True,
        warms_up=True,
    ),
    "epub": Format(
        "pipeline.writers.epub",
        "{slug}.epub",
        styles=("epub.css", HOUSE_CITATION_STYLE),
        templates=True,
        html_body=True,
    ),
    "jats": Format("pipeline.writers.jats", "{slug}.xml", styles=(HOUSE_CITATION_STYLE,), templates=True),
    "csl-json": Format("pipeline.writers.csl_json", "{slug}.csl.json"),
    "bibtex": Format("pipeline.writers.bibtex", "{slug}.bib"),
    "ris": Format("pipeline.writers.ris", "{slug}.ris"),
    "html": Format(
        "pipeline.writers.web", "index.html", styles=("web.css", HOUSE_CITATION_STYLE), templates=True, html_body=True
    ),
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
# The journal's files beside the articles (pipeline/journal/): the issues' pages and deposits live in
# dist/issues/<volume>/[<issue>/], each issue's Crossref deposit under this name.
ISSUES_FOLDER = "issues"
ISSUE_DEPOSIT = "issue.crossref.xml"
# The journal's pages are styled by the web edition's stylesheet, then by their own rules.
JOURNAL_STYLES = ("web.css", "journal.css")


def writer(format_name: str) -> ModuleType:
    return importlib.import_module({**WRITERS, **PACKAGES}[format_name].module)


def artifact_name(format_name: str, slug: str) -> str:
    return {**WRITERS, **PACKAGES}[format_name].artifact_name(slug)


# How a requirement is named to the editor: the field as written in the file that has it (house.yaml
# nests the depositor's name and e-mail under ``depositor``).
REQUIREMENT_FIELDS = {
    "house.depositor_name": "depositor: {name}",
    "house.depositor_email": "depositor: {email}",
}


def requirement_text(dotted: str) -> str:
    """What a format lacks, in the editor's words: "no DOI in the source", "no depositor: {name} in house.yaml"."""
    owner, _, name = dotted.rpartition(".")
    if owner == "house":
        return f"no {REQUIREMENT_FIELDS.get(dotted, name)} in house.yaml"
    return f"no {name} in the source"


def missing(format_name: str, article: Metadata) -> str | None:
    """The first thing ``format_name`` requires that ``article`` lacks ("DOI", "house.registrant"), or None."""
    for dotted in WRITERS[format_name].requires:
        value: object = article
        for name in dotted.split("."):
            value = getattr(value, name)
        if not value:
            return dotted
    return None


# The image types every output format can carry (EPUB core media types, JATS, browsers, WeasyPrint).
IMAGE_MEDIA_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
}
# Every file of dist/<slug>/ by its name's ending; the longest ending wins (``.csl.json`` before ``.json``).
MEDIA_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".epub": "application/epub+zip",
    # JATS has no registered media type of its own: it is served as generic XML (RFC 7303).
    ".xml": "application/xml",
    ".html": "text/html",
    ".csl.json": "application/vnd.citationstyles.csl+json",
    ".json": "application/json",
    # BibTeX and RIS have no registered types; these are the ones reference managers send and accept.
    ".bib": "application/x-bibtex",
    ".ris": "application/x-research-info-systems",
    # The packages (MECA, BagIt), and the image types a figure may have: fixed rather than left to the
    # system's tables, which differ between machines.
    ".zip": "application/zip",
    **IMAGE_MEDIA_TYPES,
}
FALLBACK_MEDIA_TYPE = "application/octet-stream"


def media_type(name: str) -> str:
    for ending in sorted(MEDIA_TYPES, key=len, reverse=True):
        if name.endswith(ending):
            return MEDIA_TYPES[ending]
    return mimetypes.guess_type(name)[0] or FALLBACK_MEDIA_TYPE
