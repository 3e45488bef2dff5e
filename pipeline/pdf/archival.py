"""The archival PDF (PDF/A-3a) that stays an accessible one, and carries its sources.

Three steps over the pikepdf document WeasyPrint wrote, before it is saved: the PDF/UA-1 identification
beside PDF/A's in the XMP (with the extension schema PDF/A requires for a property outside its predefined
schemas), and the article's JATS and CSL-JSON embedded as associated files of the document (``/AF`` on
the catalog, ISO 19005-3, 6.8), the way an e-invoice carries its XML; and no image asks to be
interpolated (6.2.8). The embedded bytes are those the
JATS and CSL-JSON writers write beside the PDF, and nothing in them depends on the clock (no dates in
``/Params``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from lxml import etree

from pipeline.formats import artifact_name, media_type
from pipeline.model import Article
from pipeline.safexml import SAFE_XML_PARSER
from pipeline.writers import csl_json, jats

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
PDFUAID_NS = "http://www.aiim.org/pdfua/ns/id/"
PDFUA_PART = "1"
EXTENSION_SCHEMA = Path(__file__).resolve().parents[1] / "templates" / "pdf" / "pdfua-extension.xmp"


@dataclass(frozen=True)
class AssociatedFile:
    """A file embedded in the PDF and associated with the whole document."""

    name: str
    data: bytes
    relationship: str  # ISO 32000-2 /AFRelationship: "Source", "Data", ...
    description: str

    @property
    def media_type(self) -> str:
        return media_type(self.name)


def associated_files(article: Article) -> tuple[AssociatedFile, ...]:
    """The JATS (the structured source of the text: ``Source``) and the CSL-JSON (data about it: ``Data``),
    rendered by their own writers, under the names they have in ``dist/<slug>/``."""
    return (
        AssociatedFile(artifact_name("jats", article.slug), jats.render(article), "Source", "The article in JATS XML"),
        AssociatedFile(
            artifact_name("csl-json", article.slug), csl_json.render(article), "Data", "The citation in CSL-JSON"
        ),
    )


def make_accessible_archive(pdf: pikepdf.Pdf, files: Sequence[AssociatedFile]) -> None:
    identify_as_pdfua(pdf)
    associate(pdf, files)
    without_interpolation(pdf)


def without_interpolation(pdf: pikepdf.Pdf) -> None:
    """Every image drawn as its samples are: WeasyPrint asks viewers to smooth an image set with
    ``image-rendering: auto`` (``/Interpolate true``), which PDF/A forbids (ISO 19005-3, 6.2.8), since
    how it is smoothed is up to each viewer; an archive copy must look the same everywhere."""
    for candidate in pdf.objects:
        is_image = isinstance(candidate, pikepdf.Stream) and candidate.get("/Subtype") == "/Image"
        if is_image and "/Interpolate" in candidate:
            del candidate["/Interpolate"]


def identify_as_pdfua(pdf: pikepdf.Pdf) -> None:
    """Add ``pdfuaid:part`` and its PDF/A extension schema to the XMP, keeping everything else."""
    tree = etree.ElementTree(etree.fromstring(pdf.Root.Metadata.read_bytes(), SAFE_XML_PARSER))
    rdf = tree.getroot().find(f"{{{RDF_NS}}}RDF")
    identification = etree.SubElement(
        rdf, f"{{{RDF_NS}}}Description", {f"{{{RDF_NS}}}about": ""}, nsmap={"pdfuaid": PDFUAID_NS}
    )
    etree.SubElement(identification, f"{{{PDFUAID_NS}}}part").text = PDFUA_PART
    rdf.append(_extension_schema())
    pdf.Root.Metadata.write(etree.tostring(tree, encoding="utf-8"))


def _extension_schema() -> etree._Element:
    return etree.parse(EXTENSION_SCHEMA, SAFE_XML_PARSER).getroot()


def associate(pdf: pikepdf.Pdf, files: Sequence[AssociatedFile]) -> None:
    """Embed each file (``/EmbeddedFiles``) and list it in the catalog's ``/AF``."""
    specs = pikepdf.Array()
    for file in files:
        spec = pikepdf.AttachedFileSpec(
            pdf,
            file.data,
            description=file.description,
            filename=file.name,
            mime_type=file.media_type,
            relationship=pikepdf.Name("/" + file.relationship),
        )
        pdf.attachments[file.name] = spec
        specs.append(spec.obj)
    pdf.Root.AF = specs
