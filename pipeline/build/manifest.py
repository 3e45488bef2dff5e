"""``dist/<slug>/manifest.json``: what an ingest system needs to check a delivery before taking it.

Every file in the slug's folder (whichever build wrote it) with its media type, size and SHA-256, plus
the versions that made it. The bytes depend only on the files listed: sorted keys and entries, no time.
"""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

from pipeline.build.fingerprint import DISTRIBUTION, file_sha256, pipeline_version
from pipeline.pandoc import pandoc_version
from pipeline.source.images import MEDIA_TYPES as IMAGE_MEDIA_TYPES

MANIFEST_NAME = "manifest.json"
# By file-name ending; the longest ending wins (``.csl.json`` before ``.json``).
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


def artifact_files(folder: Path) -> list[Path]:
    """The artifacts in ``folder`` and below, by relative path: never the manifest itself, nor hidden
    files (an unfinished atomic write is ``.<name>.<random>.part``)."""
    files = [
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.name != MANIFEST_NAME
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    ]
    return sorted(files, key=lambda path: path.relative_to(folder).as_posix())


def entry(folder: Path, path: Path) -> dict[str, Any]:
    name = path.relative_to(folder).as_posix()
    return {"name": name, "media_type": media_type(name), "size": path.stat().st_size, "sha256": file_sha256(path)}


def contents(folder: Path, slug: str | None = None) -> dict[str, Any]:
    """The manifest of ``dist/<slug>/`` as data: the slug is the folder's name unless given (a staged
    folder's name is not the slug)."""
    return {
        "slug": slug or folder.name,
        "artifacts": [entry(folder, path) for path in artifact_files(folder)],
        "generator": {DISTRIBUTION: pipeline_version(), "pandoc": pandoc_version()},
    }


def write(folder: Path, path: Path, slug: str | None = None) -> None:
    """Write the manifest of ``folder`` to ``path`` (a temporary file beside it, when written atomically)."""
    text = json.dumps(contents(folder, slug), ensure_ascii=False, indent=2, sort_keys=True)
    path.write_text(text + "\n", encoding="utf-8")
