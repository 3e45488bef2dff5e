"""Fetch the official JATS Archiving 1.2 DTD package from NLM: the one step allowed to use the network."""

from __future__ import annotations

import io
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from pipeline.check.validate import JATS_DTD_DRIVER, SCHEMA_CACHE
from pipeline.errors import PipelineError

JATS_ARCHIVING_URL = "https://ftp.ncbi.nlm.nih.gov/pub/jats/archiving/1.2/JATS-Archiving-1-2-MathML3-DTD.zip"
DOWNLOAD_TIMEOUT_SECONDS = 60


def download_jats_schema(target: Path | None = None, url: str = JATS_ARCHIVING_URL) -> Path:
    """Download and unpack the DTD package so that ``target`` holds the driver file; return ``target``."""
    target = target or SCHEMA_CACHE
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            package = response.read()
    except OSError as error:
        raise PipelineError(f"could not download {url}: {error}") from None
    with tempfile.TemporaryDirectory() as scratch:
        unpack_dtd_package(package, Path(scratch), target)
    return target


def unpack_dtd_package(package: bytes, scratch: Path, target: Path) -> None:
    """Unpack a zipped DTD package into ``target``, flattening the package's top folder."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for member in archive.namelist():
            # Refuse entries that would land outside the scratch folder.
            if not (scratch / member).resolve().is_relative_to(scratch.resolve()):
                raise PipelineError(f"unsafe path {member!r} in the schema package")
        archive.extractall(scratch)
    drivers = sorted(scratch.rglob(JATS_DTD_DRIVER))
    if not drivers:
        raise PipelineError(f"the package has no {JATS_DTD_DRIVER}")
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(drivers[0].parent, target)
