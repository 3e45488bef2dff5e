"""The official XML schemas the outputs are checked against: where each set lies, and its pins.

``pipeline/schemas/pins.json`` lists each set by its folder name (``jats-archiving-1.2``, ``crossref-5.3.1``…):
the variable that may name its folder, its driver file, every file with its official address and SHA-256,
and the project's own catalog (the remote addresses its files import, each read from a file of the set
instead, so validating never touches the network). ``invoke fetch-schemas`` (``pipeline.schemas_download``)
fills ``.cache/schemas/<set>/`` from those addresses; this module only finds and compiles.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from lxml import etree

from pipeline import paths
from pipeline.errors import PipelineError, shown

PINS_FILE = Path(__file__).resolve().parents[1] / "schemas" / "pins.json"
# Where `invoke fetch-schemas` puts the sets (git-ignored).
SCHEMA_CACHE = paths.PROJECT_ROOT / ".cache" / "schemas"
# A mirror laid out like the cache, beside the checkout: used when present, never copied into the project.
SHARED_SCHEMAS = paths.PROJECT_ROOT.parent / "shared" / "schemas"

JATS_ARCHIVING = "jats-archiving-1.2"
JATS_PUBLISHING = "jats-1.4"
CROSSREF = "crossref-5.3.1"
DOAJ = "doaj"
MECA = "meca"


@dataclass(frozen=True)
class PinnedFile:
    path: str  # relative to the set's folder, "/"-separated
    url: str  # the official address it is downloaded from
    sha256: str


@dataclass(frozen=True)
class SchemaSet:
    name: str  # the folder name, in the cache and in a mirror
    title: str
    source: str
    variable: str  # the environment variable that may name the folder instead
    driver: str  # the file validation starts from
    catalog: Mapping[str, str]  # remote address imported -> the file of the set that stands for it
    files: tuple[PinnedFile, ...]


def load_pins(pins_file: Path = PINS_FILE) -> dict[str, SchemaSet]:
    """The sets of a pins file, checked against ``pins.schema.json`` (safe relative paths, hex digests)."""
    try:
        data = json.loads(pins_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PipelineError(f"{shown(pins_file)}: {error}") from None
    error = jsonschema.exceptions.best_match(jsonschema.Draft202012Validator(_pins_schema()).iter_errors(data))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path)
        raise PipelineError(f"{shown(pins_file)}: {where}: {error.message}")
    return {
        name: SchemaSet(
            name=name,
            title=entry["title"],
            source=entry["source"],
            variable=entry["variable"],
            driver=entry["driver"],
            catalog=dict(entry["catalog"]),
            files=tuple(PinnedFile(**pinned) for pinned in entry["files"]),
        )
        for name, entry in data["sets"].items()
    }


@cache
def _pins_schema() -> dict[str, Any]:
    return json.loads(resources.files("pipeline").joinpath("schemas/pins.schema.json").read_text(encoding="utf-8"))


@cache
def schema_sets() -> dict[str, SchemaSet]:
    """The project's pinned sets, read once per process."""
    return load_pins()


def schema_dir(name: str) -> Path | None:
    """The folder of set ``name``: the folder its variable names, when set (as given, so that a wrong
    folder is reported rather than passed over), else ``.cache/schemas/<name>`` when it holds the driver,
    else ``shared/schemas/<name>`` beside the checkout when that does; None when there is none."""
    schema_set = schema_sets()[name]
    configured = os.environ.get(schema_set.variable)
    if configured:
        return Path(configured)
    candidates = (SCHEMA_CACHE / name, SHARED_SCHEMAS / name)
    return next((folder for folder in candidates if (folder / schema_set.driver).is_file()), None)


def driver_path(name: str) -> Path | None:
    """The driver file of set ``name`` where it is found; None when it is not there."""
    folder = schema_dir(name)
    driver = None if folder is None else folder / schema_sets()[name].driver
    return driver if driver is not None and driver.is_file() else None


def not_found(name: str, folder: Path | None = None) -> str:
    """What to do when set ``name`` is not in ``folder`` (default: the one its variable names), for messages."""
    schema_set = schema_sets()[name]
    configured = os.environ.get(schema_set.variable)
    folder = folder or (Path(configured) if configured else None)
    where = f"no {schema_set.driver} in {folder}" if folder else "not found"
    return f"{schema_set.title}: {where}; run `invoke fetch-schemas` (or set {schema_set.variable})"


class CatalogResolver(etree.Resolver):
    """Reads each remote address the catalog of a set names from the file of the set that stands for it."""

    def __init__(self, folder: Path, catalog: Mapping[str, str]) -> None:
        super().__init__()
        self.local = {address: folder / relative for address, relative in catalog.items()}

    def resolve(self, system_url: str, public_id: str | None, context: object) -> object:
        local = self.local.get(system_url)
        return None if local is None else self.resolve_filename(str(local), context)


@cache
def compiled_xsd(name: str, folder: Path) -> etree.XMLSchema:
    """The XML Schema of set ``name`` in ``folder``, compiled once per process (it takes a second or more)."""
    schema_set = schema_sets()[name]
    # A parser of its own: resolvers belong to a parser, and the shared one serves every other schema.
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(CatalogResolver(folder, schema_set.catalog))
    return etree.XMLSchema(etree.parse(str(folder / schema_set.driver), parser))


@cache
def compiled_dtd(driver: Path) -> etree.DTD:
    """A DTD compiled once per process; its modules are files beside it."""
    return etree.DTD(str(driver))
