"""``dist/<slug>/manifest.json``: what an ingest system needs to check a delivery before taking it.

Every file in the slug's folder (whichever build wrote it) with its media type, size and SHA-256, plus
the versions that made it. The bytes depend only on the files listed: sorted keys and entries, no time.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pipeline.build.fingerprint import DISTRIBUTION, file_sha256, pipeline_version
from pipeline.formats import media_type

MANIFEST_NAME = "manifest.json"


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


def entry(folder: Path, path: Path, sha256: str | None = None) -> dict[str, Any]:
    name = path.relative_to(folder).as_posix()
    digest = sha256 or file_sha256(path)
    return {"name": name, "media_type": media_type(name), "size": path.stat().st_size, "sha256": digest}


def contents(folder: Path, slug: str | None = None, known: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The manifest of ``dist/<slug>/`` as data: the slug is the folder's name unless given (a staged
    folder's name is not the slug). ``known`` holds the SHA-256 of files just written, by name, which
    need not be read again."""
    from pipeline.pandoc import pandoc_version  # only when a folder is published: a no-op never runs pandoc

    known = known or {}
    return {
        "slug": slug or folder.name,
        "artifacts": [
            entry(folder, path, known.get(path.relative_to(folder).as_posix())) for path in artifact_files(folder)
        ],
        "generator": {DISTRIBUTION: pipeline_version(), "pandoc": pandoc_version()},
    }


def text(folder: Path, slug: str | None = None, known: Mapping[str, str] | None = None) -> str | None:
    """The manifest of ``folder`` as the file's text; None when the folder holds nothing to list."""
    listed = contents(folder, slug, known)
    if not listed["artifacts"]:
        return None
    return json.dumps(listed, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
