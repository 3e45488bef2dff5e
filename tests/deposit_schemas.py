"""The official deposit schemas (Crossref 5.3.1, DOAJ article XML, MECA 1.0), loaded offline.

Each set is found as `invoke validate` finds it (pipeline.official_schemas: its environment variable, else
where `invoke fetch-schemas` put it); a missing set fails the test that needs it, never skips it. Remote
imports are read from the set's own files through the catalog in pipeline/schemas/pins.json."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from pipeline.check import official_schemas
from pipeline.check.official_schemas import CROSSREF, DOAJ, MECA


def schema_dir(name: str) -> Path:
    folder = official_schemas.schema_dir(name)
    driver = official_schemas.schema_sets()[name].driver
    assert folder is not None and (folder / driver).is_file(), official_schemas.not_found(name, folder)
    return folder


def crossref_schema() -> etree.XMLSchema:
    return official_schemas.compiled_xsd(CROSSREF, schema_dir(CROSSREF))


def doaj_schema() -> etree.XMLSchema:
    return official_schemas.compiled_xsd(DOAJ, schema_dir(DOAJ))


def meca_manifest_dtd() -> etree.DTD:
    return etree.DTD(str(schema_dir(MECA) / official_schemas.schema_sets()[MECA].driver))
