"""Validators for built artifacts: pure checks that return a list of problems, never raising midway."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path

import pikepdf
from lxml import etree

from pipeline.check import official_schemas
from pipeline.check.epubcheck_batch import BookCheck, check_books
from pipeline.check.official_schemas import (
    CROSSREF,
    DOAJ,
    JATS_ARCHIVING,
    JATS_PUBLISHING,
    MECA,
    compiled_dtd,
    compiled_xsd,
)
from pipeline.formats import ISSUE_DEPOSIT, ISSUES_FOLDER, artifact_name
from pipeline.pdf import glyphs
from pipeline.safexml import SAFE_XML_PARSER
from pipeline.writers.deposit.meca import MANIFEST_NAME

JATS_DTD_DRIVER = official_schemas.schema_sets()[JATS_ARCHIVING].driver
# EPUBCheck levels that count as failures: a clean book has none of them.
EPUBCHECK_FAILING_LEVELS = ("FATAL", "ERROR", "WARNING")


def validate_jats(path: Path, schema_dir: Path | None = None) -> list[str]:
    """Problems of a JATS file against the Archiving 1.2 DTD."""
    document, problems = _parse_xml(path)
    return problems if document is None else _dtd_problems(path, document, schema_dir)


def _dtd_problems(path: Path, document: etree._ElementTree, schema_dir: Path | None = None) -> list[str]:
    schema_dir = schema_dir or official_schemas.schema_dir(JATS_ARCHIVING)
    if schema_dir is None or not (schema_dir / JATS_DTD_DRIVER).is_file():
        return [f"{path}: {official_schemas.not_found(JATS_ARCHIVING, schema_dir)}"]
    dtd = compiled_dtd(schema_dir / JATS_DTD_DRIVER)
    if dtd.validate(document):
        return []
    return [f"{path}:{entry.line}: {entry.message}" for entry in dtd.error_log.filter_from_errors()]


def _parse_xml(path: Path) -> tuple[etree._ElementTree | None, list[str]]:
    """The parsed file (never fetching or expanding the DTD its DOCTYPE names), or why it does not parse."""
    try:
        return etree.parse(str(path), SAFE_XML_PARSER), []
    except etree.XMLSyntaxError as error:
        return None, [f"{path}: not well-formed XML: {error}"]


def validate_jats_publishing(path: Path, xsd_dir: Path) -> list[str]:
    """Problems of a JATS file against the JATS 1.4 Journal Publishing XSD in ``xsd_dir``.

    The XSD accepts the file's own ``@dtd-version`` ("1.2" is among its listed values), so an
    Archiving 1.2 file is checked as it is, with no version swapped in.
    """
    document, problems = _parse_xml(path)
    return problems if document is None else _xsd_problems(path, document, JATS_PUBLISHING, xsd_dir)


def _xsd_problems(path: Path, document: etree._ElementTree, name: str, folder: Path | None = None) -> list[str]:
    """Problems of ``document`` against the XML Schema of set ``name``, found in ``folder`` or looked up."""
    folder = folder or official_schemas.schema_dir(name)
    schema_set = official_schemas.schema_sets()[name]
    if folder is None or not (folder / schema_set.driver).is_file():
        return [f"{path}: {official_schemas.not_found(name, folder)}"]
    schema = compiled_xsd(name, folder)
    if schema.validate(document):
        return []
    return [f"{path}:{entry.line}: ({schema_set.title}) {entry.message}" for entry in schema.error_log]


def validate_jats_publishing_if_applicable(path: Path, xsd_dir: Path | None = None) -> list[str]:
    """The Publishing XSD check for a JATS file with an ISSN."""
    document, problems = _parse_xml(path)
    return problems if document is None else _publishing_problems_if_applicable(path, document, xsd_dir)


def _publishing_problems_if_applicable(
    path: Path, document: etree._ElementTree, xsd_dir: Path | None = None
) -> list[str]:
    """Publishing requires an ISSN, so a source without one is only held to the Archiving DTD."""
    if document.find("front/journal-meta/issn") is None:
        return []
    return _xsd_problems(path, document, JATS_PUBLISHING, xsd_dir)


def validate_jats_artifact(path: Path) -> list[str]:
    """A built JATS file, parsed once: the Archiving DTD, and the 1.4 Publishing XSD when it applies."""
    document, problems = _parse_xml(path)
    if document is None:
        return problems
    return _dtd_problems(path, document) + _publishing_problems_if_applicable(path, document)


def validate_crossref(path: Path) -> list[str]:
    """A Crossref deposit against the Crossref 5.3.1 XSD."""
    document, problems = _parse_xml(path)
    return problems if document is None else _xsd_problems(path, document, CROSSREF)


def validate_doaj(path: Path) -> list[str]:
    """A DOAJ article record against the DOAJ article XSD."""
    document, problems = _parse_xml(path)
    return problems if document is None else _xsd_problems(path, document, DOAJ)


def validate_meca(path: Path) -> list[str]:
    """A MECA package: its ``manifest.xml`` against the MECA 1.0 manifest DTD."""
    where = f"{path}: {MANIFEST_NAME}"
    try:
        with zipfile.ZipFile(path) as package:
            manifest = package.read(MANIFEST_NAME)
    except KeyError:
        return [f"{path}: no {MANIFEST_NAME} in the package"]
    except (OSError, zipfile.BadZipFile) as error:
        return [f"{path}: not a readable ZIP package: {error}"]
    try:
        document = etree.ElementTree(etree.fromstring(manifest, SAFE_XML_PARSER))
    except etree.XMLSyntaxError as error:
        return [f"{where}: not well-formed XML: {error}"]
    driver = official_schemas.driver_path(MECA)
    if driver is None:
        return [f"{path}: {official_schemas.not_found(MECA)}"]
    dtd = compiled_dtd(driver)
    if dtd.validate(document):
        return []
    return [f"{where}:{entry.line}: {entry.message}" for entry in dtd.error_log.filter_from_errors()]


def validate_epub(path: Path) -> list[str]:
    return validate_epubs([path])[path]


def validate_epubs(paths: Iterable[Path]) -> dict[Path, list[str]]:
    """Each book's problems, every book checked by EPUBCheck in one Java process."""
    return {path: epubcheck_problems(check) for path, check in check_books(paths).items()}


def epubcheck_problems(check: BookCheck) -> list[str]:
    """The messages of one EPUBCheck run that a clean book may not have."""
    return [message.short for message in check.messages if message.level in EPUBCHECK_FAILING_LEVELS]


def validate_pdf(path: Path) -> list[str]:
    """What a tagged, self-contained PDF must have that can be checked without veraPDF, plus what its
    PDF/UA or PDF/A claim requires (output intent and no transparency for PDF/A)."""
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
        problems += [f"{path}: {glyph}" for glyph in glyphs.bad_glyphs(pdf)]
        xmp = pdf.open_metadata()
        problems += [f"{path}: {problem}" for problem in _xmp_disagreements(xmp, pdf.docinfo)]
        if xmp.get("pdfaid:part"):
            problems += [f"{path}: PDF/A: {problem}" for problem in _pdfa_problems(pdf)]
        elif xmp.get("pdfuaid:part") and not bool(root.get("/ViewerPreferences", {}).get("/DisplayDocTitle")):
            problems.append(f"{path}: PDF/UA: the viewer is not told to show the document title")
    return problems


def _xmp_disagreements(xmp: pikepdf.models.PdfMetadata, info: pikepdf.Dictionary) -> list[str]:
    """Document info and XMP must say the same thing (PDF/A and PDF/UA both require it)."""
    pairs = (("/Title", "dc:title"), ("/Subject", "dc:description"), ("/Keywords", "pdf:Keywords"))
    problems = [
        f"XMP {field} {xmp.get(field)!r} differs from document info {key} {str(info[key])!r}"
        for key, field in pairs
        if key in info and str(xmp.get(field, "")) != str(info[key])
    ]
    if "/Author" in info and ", ".join(xmp.get("dc:creator", [])) != str(info["/Author"]):
        problems.append(f"XMP dc:creator {xmp.get('dc:creator')!r} differs from document info /Author")
    return problems


def _pdfa_problems(pdf: pikepdf.Pdf) -> list[str]:
    problems: list[str] = []
    intents = [intent for intent in pdf.Root.get("/OutputIntents", []) if intent.get("/S") == "/GTS_PDFA1"]
    if not intents or "/DestOutputProfile" not in intents[0]:
        problems.append("no GTS_PDFA1 output intent with an ICC profile")
    if "/ID" not in pdf.trailer:
        problems.append("no file identifier (/ID)")
    for number, page in enumerate(pdf.pages, start=1):
        problems += [f"page {number}: {problem}" for problem in _transparency(page.resources)]
    problems += [
        f"image {candidate.objgen[0]} asks to be interpolated (/Interpolate true)"
        for candidate in pdf.objects
        if isinstance(candidate, pikepdf.Stream)
        and candidate.get("/Subtype") == "/Image"
        and bool(candidate.get("/Interpolate", False))
    ]
    return problems


def _transparency(resources: pikepdf.Dictionary, seen: set[tuple[int, int]] | None = None) -> list[str]:
    """Graphics states that make content transparent, in these resources and the forms they use."""
    seen = seen if seen is not None else set()
    found: list[str] = []
    for name, state in resources.get("/ExtGState", {}).items():
        if float(state.get("/ca", 1)) < 1 or float(state.get("/CA", 1)) < 1:
            found.append(f"graphics state {name} sets opacity below 1")
        if state.get("/SMask", pikepdf.Name.None_) != pikepdf.Name.None_:
            found.append(f"graphics state {name} uses a soft mask")
        if str(state.get("/BM", "/Normal")) not in ("/Normal", "/Compatible"):
            found.append(f"graphics state {name} uses blend mode {state.get('/BM')}")
    for name, xobject in resources.get("/XObject", {}).items():
        if xobject.objgen in seen:
            continue
        seen.add(xobject.objgen)
        if "/SMask" in xobject:
            found.append(f"image or form {name} has a soft mask")
        if xobject.get("/Group", {}).get("/S") == "/Transparency":
            found.append(f"form {name} is a transparency group")
        if "/Resources" in xobject:
            found += _transparency(xobject.Resources, seen)
    return found


def _font_embedded(font: pikepdf.Dictionary) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # a Type 3 font's glyphs are content streams inside the PDF itself
    descendants = font.get("/DescendantFonts")
    fonts = list(descendants) if descendants is not None else [font]
    for each in fonts:
        descriptor = each.get("/FontDescriptor")
        if descriptor is None or not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
            return False
    return True


# By format: a file is known by its name in the registry (a Crossref deposit is XML too, but not JATS).
VALIDATORS = {
    "jats": validate_jats_artifact,
    "epub": validate_epub,
    "pdf": validate_pdf,
    "crossref": validate_crossref,
    "doaj": validate_doaj,
    "meca": validate_meca,
}


def validate_dist(dist: Path) -> tuple[list[Path], list[str]]:
    """Run the matching validator on every artifact in ``dist`` (for JATS with an ISSN also the 1.4
    Publishing XSD; the deposits against their official schemas); return what was checked and the problems."""
    found = [
        (artifact, format_name)
        for artifact in sorted(dist.glob("*/*"))
        for format_name in VALIDATORS
        if artifact.name == artifact_name(format_name, artifact.parent.name)
    ]
    # The journal's deposit of each issue (pipeline/journal/).
    found += [(deposit, "crossref") for deposit in sorted((dist / ISSUES_FOLDER).rglob(ISSUE_DEPOSIT))]
    # Every book in one EPUBCheck run (one Java start, not one per book); the problems keep the files' order.
    books = validate_epubs(artifact for artifact, format_name in found if format_name == "epub")
    problems: list[str] = []
    for artifact, format_name in found:
        problems.extend(books[artifact] if format_name == "epub" else VALIDATORS[format_name](artifact))
    return [artifact for artifact, _format_name in found], problems
