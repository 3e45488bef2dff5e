"""The official deposit schemas (Crossref 5.3.1, DOAJ article XML, MECA 1.0), loaded offline.

Each folder is found through its environment variable, else in ``shared/schemas/`` beside the checkout
(as the JATS DTD is); a missing folder fails the test that needs it, never skips it. Remote imports are
mapped to the local copies through each folder's OASIS catalog, read by an lxml resolver (so no global
``XML_CATALOG_FILES``, which libxml2 reads only once per process, is needed)."""

from __future__ import annotations

import os
from pathlib import Path

from conftest import REPO_ROOT
from lxml import etree

SHARED_SCHEMAS = REPO_ROOT.parent / "shared" / "schemas"
CATALOG_NS = "urn:oasis:names:tc:entity:xmlns:xml:catalog"


def schema_dir(variable: str, folder: str, driver: str) -> Path:
    path = Path(os.environ.get(variable, SHARED_SCHEMAS / folder))
    assert (path / driver).is_file(), f"{driver} not found in {path}: set {variable}"
    return path


class CatalogResolver(etree.Resolver):
    """Resolves the system ids and URIs an OASIS catalog maps to files beside it."""

    def __init__(self, catalog: Path) -> None:
        super().__init__()
        entries = etree.parse(str(catalog)).getroot()
        self.local = {
            entry.get("name") or entry.get("systemId"): catalog.parent / entry.get("uri")
            for entry in entries.iter(f"{{{CATALOG_NS}}}uri", f"{{{CATALOG_NS}}}system")
        }

    def resolve(self, url: str, pubid: str | None, context: object) -> object:
        local = self.local.get(url)
        return self.resolve_filename(str(local), context) if local else None


def xml_schema(folder: Path, driver: str) -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(CatalogResolver(folder / "catalog.xml"))
    return etree.XMLSchema(etree.parse(str(folder / driver), parser))


def crossref_schema() -> etree.XMLSchema:
    return xml_schema(schema_dir("CROSSREF_SCHEMA_DIR", "crossref-5.3.1", "crossref5.3.1.xsd"), "crossref5.3.1.xsd")


def doaj_schema() -> etree.XMLSchema:
    return xml_schema(schema_dir("DOAJ_SCHEMA_DIR", "doaj", "doajArticles.xsd"), "doajArticles.xsd")


def meca_manifest_dtd() -> etree.DTD:
    return etree.DTD(str(schema_dir("MECA_SCHEMA_DIR", "meca", "manifest-1.0.dtd") / "manifest-1.0.dtd"))
