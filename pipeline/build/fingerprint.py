"""What each artifact depends on, as one hash: an artifact whose inputs and bytes are unchanged since
its last build is not built again.

Inputs of every format: the source folder (every file in it), the pipeline's own code and version,
the pandoc version and the format's options. Formats that render through templates add the templates,
and each format adds only the style files it reads, so a change to print.css rebuilds PDFs alone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pipeline import paths
from pipeline.atomic import atomic_path
from pipeline.formats import WRITERS
from pipeline.source.guards.sourcefiles import folder_entries

STATE_FOLDER = paths.STATE_FOLDER
PACKAGE = Path(__file__).resolve().parents[1]
DISTRIBUTION = "commentary-pipeline"
# pandoc comes with this package, pinned (pipeline/pandoc.py checks the version it ships before a build).
PANDOC_DISTRIBUTION = "pypandoc-binary"
CHUNK_BYTES = 1 << 20


def pipeline_version() -> str:
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown"


def babel_version() -> str:
    """Babel's CLDR data formats every date and name list the pipeline prints."""
    return version("babel")


def icu_release() -> str:
    """PyICU's version and the ICU release under it: the quotation marks of every article come from
    that ICU's CLDR data (pipeline/source/punctuation.py)."""
    import icu

    return f"{version('pyicu')} {icu.ICU_VERSION}"


def pandoc_release() -> str:
    """The version of the package that ships pandoc: it decides pandoc's, and reading it starts no
    process and imports nothing (a no-op rebuild never runs pandoc)."""
    return version(PANDOC_DISTRIBUTION)


def styles_version() -> str:
    """The CSL styles package's version: a style chosen by id changes only with it (an input of every build)."""
    try:
        return version(paths.CSL_STYLES_DISTRIBUTION)
    except PackageNotFoundError:
        return "missing"


def _digest(parts: Iterable[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _files(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(path for path in folder.rglob(pattern) if path.is_file() and "__pycache__" not in path.parts)


def _tree(folder: Path, pattern: str = "*") -> str:
    """Names and bytes of every file below ``folder``."""
    return _digest(
        part
        for path in _files(folder, pattern)
        for part in (path.relative_to(folder).as_posix().encode(), path.read_bytes())
    )


@cache
def code_fingerprint() -> str:
    """The pipeline's code, its schema, message catalogues and version, pandoc's, Babel's and ICU's releases, and
    the citation styles every format's references depend on: the styles package's version (a style chosen
    by id changes only with it) and the house's default. The house's own CSL style is a style file of the
    formats that print it."""
    return _digest(
        [_tree(PACKAGE, "*.py").encode(), _tree(PACKAGE / "schemas").encode(), _tree(PACKAGE / "locale").encode(),
         (PACKAGE / "punctuation.json").read_bytes(),
         pipeline_version().encode(), pandoc_release().encode(), babel_version().encode(), icu_release().encode(),
         styles_version().encode(), (paths.STYLES / paths.HOUSE_CITATION_SETTINGS).read_bytes()]
    )  # fmt: skip


@cache
def templates_fingerprint() -> str:
    return _tree(PACKAGE / "templates")


@cache
def style_fingerprint(name: str) -> str:
    return _digest([(paths.STYLES / name).read_bytes()])


def source_fingerprint(source_folder: Path, house_digest: str) -> str:
    """Every file of one source's folder (the article and anything it uses), with the house's settings.
    A symbolic link counts as the text of its target, never followed: a link out of the folder is
    refused when the source uses it (pipeline/source/guards/sourcefiles.py), and its target is never opened here."""
    entries = folder_entries(source_folder)
    tree = _digest(part for entry in entries for part in (entry.name.encode(), entry.kind.encode(), entry.content))
    return _digest([tree.encode(), house_digest.encode()])


def house_fingerprint(house_config: Path) -> str:
    """The house settings file's bytes; no file, no settings."""
    return _digest([house_config.read_bytes()]) if house_config.is_file() else _digest([])


def inputs(format_name: str, source_digest: str, options: Mapping[str, str]) -> str:
    """The hash of everything the artifact of ``format_name`` is made from, given the source's fingerprint."""
    spec = WRITERS[format_name]
    parts = [format_name, code_fingerprint(), source_digest, json.dumps(dict(options), sort_keys=True)]
    if spec.templates:
        parts.append(templates_fingerprint())
    parts += [style_fingerprint(name) for name in spec.styles]
    return _digest(part.encode() for part in parts)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def state_path(folder: Path) -> Path:
    """``dist/.build-state/<slug>.json`` for the artifact folder ``dist/<slug>``."""
    return folder.parent / STATE_FOLDER / f"{folder.name}.json"


def read_state(folder: Path) -> dict[str, dict[str, str]]:
    """Per format: the inputs hash it was built from and the SHA-256 of what was written."""
    try:
        state = json.loads(state_path(folder).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def write_state(folder: Path, state: Mapping[str, Mapping[str, str]]) -> None:
    with atomic_path(state_path(folder)) as temporary:
        temporary.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def is_fresh(artifact: Path, recorded: Mapping[str, str] | None, wanted_inputs: str) -> bool:
    """Built from the same inputs, and still the bytes that build wrote."""
    return (
        recorded is not None
        and recorded.get("inputs") == wanted_inputs
        and artifact.is_file()
        and recorded.get("sha256") == file_sha256(artifact)
    )
