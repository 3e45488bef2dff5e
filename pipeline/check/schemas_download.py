"""`invoke fetch-schemas` and `invoke pin-schemas`: the only code that downloads anything.

Every file of a set in ``pipeline/schemas/pins.json`` comes from its official address, or from the folder
``$SCHEMAS_MIRROR`` names (laid out like ``.cache/schemas/``), and is checked against its SHA-256 before
anything is kept. The sets that need files are staged in a hidden folder inside the cache, each file
through a temporary file renamed when complete; only when every file of every such set matched its pin
are the staged sets renamed into place. A mismatch, a truncated or failed download, a missing mirror
file: one line each, and the cache is left as it was.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pipeline.check.official_schemas import PINS_FILE, SCHEMA_CACHE, SHARED_SCHEMAS, PinnedFile, SchemaSet, load_pins
from pipeline.errors import PipelineError, shown

MIRROR_VARIABLE = "SCHEMAS_MIRROR"
DOWNLOAD_TIMEOUT_SECONDS = 60
PARALLEL_DOWNLOADS = 8
CHUNK_BYTES = 1 << 16
USER_AGENT = "commentary-pipeline fetch-schemas (urllib)"
# One pinned file as json.dumps(indent=2) spreads it over five lines: written back on one.
PINNED_FILE_SPREAD = r'\{\n\s*("path": "[^"]*"),\n\s*("url": "[^"]*"),\n\s*("sha256": "[^"]*")\n\s*\}'

# Where a pinned file is read from: its official address, unless a test serves it elsewhere.
Address = Callable[[str, PinnedFile], str]


def official_address(set_name: str, pinned: PinnedFile) -> str:
    return pinned.url


def default_mirror() -> Path | None:
    """The folder ``$SCHEMAS_MIRROR`` names, else ``shared/schemas`` beside the checkout when it is there
    (a copy laid out the same way, as on the project's own machines); None: the network."""
    configured = os.environ.get(MIRROR_VARIABLE)
    if configured:
        return Path(configured)
    return SHARED_SCHEMAS if SHARED_SCHEMAS.is_dir() else None


class SchemaFetchError(PipelineError):
    """Files that could not be had or did not match their pins: one line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class FetchReport:
    present: dict[str, int] = field(default_factory=dict)  # set -> files already there and matching
    fetched: dict[str, int] = field(default_factory=dict)  # set -> files read and checked this time
    configured: dict[str, str] = field(default_factory=dict)  # set -> the folder its variable names


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _matches(path: Path, pinned: PinnedFile) -> bool:
    return path.is_file() and sha256_of(path) == pinned.sha256


@contextmanager
def _opened(set_name: str, pinned: PinnedFile, mirror: Path | None, address: Address) -> Iterator[BinaryIO]:
    """The bytes of one pinned file, from the mirror or its address; a one-line error when it cannot be opened."""
    if mirror is not None:
        path = mirror / set_name / pinned.path
        try:
            stream: BinaryIO = path.open("rb")
        except OSError as error:
            raise PipelineError(f"{set_name}/{pinned.path}: cannot read {shown(path)}: {error.strerror}") from None
    else:
        url = address(set_name, pinned)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            stream = urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS)
        except urllib.error.HTTPError as error:
            raise PipelineError(
                f"{set_name}/{pinned.path}: could not download {url}: HTTP {error.code} {error.reason}"
            ) from None
        except (OSError, http.client.HTTPException) as error:
            reason = getattr(error, "reason", None) or error
            raise PipelineError(f"{set_name}/{pinned.path}: could not download {url}: {reason}") from None
    with stream:
        yield stream


def _copy(stream: BinaryIO, target: Path) -> tuple[str, int]:
    """Write ``stream`` to ``target``; its SHA-256 and size."""
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        for chunk in iter(lambda: stream.read(CHUNK_BYTES), b""):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), size


def _fetch_one(set_name: str, pinned: PinnedFile, staged: Path, mirror: Path | None, address: Address) -> None:
    """One file into ``staged`` (the set's staging folder) through a temporary file, checked against its pin."""
    target = staged / pinned.path
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    where = shown(mirror / set_name / pinned.path) if mirror is not None else address(set_name, pinned)
    try:
        with _opened(set_name, pinned, mirror, address) as stream:
            actual, size = _copy(stream, partial)
            declared = getattr(stream, "headers", {}).get("Content-Length")
    except (OSError, http.client.HTTPException) as error:  # e.g. IncompleteRead: the connection closed early
        raise PipelineError(
            f"{set_name}/{pinned.path}: reading {where} broke off ({error!r}); expected SHA-256 {pinned.sha256}"
        ) from None
    except PipelineError as error:
        raise PipelineError(f"{error}; expected SHA-256 {pinned.sha256}") from None
    if declared is not None and size < int(declared):
        raise PipelineError(
            f"{set_name}/{pinned.path}: reading {where} broke off after {size} of {declared} bytes; "
            f"expected SHA-256 {pinned.sha256}"
        )
    if actual != pinned.sha256:
        raise PipelineError(
            f"{set_name}/{pinned.path} from {where} does not match its pin: expected SHA-256 {pinned.sha256}, "
            f"got {actual} ({size} bytes)"
        )
    os.replace(partial, target)


def fetch_schemas(
    target: Path = SCHEMA_CACHE,
    mirror: Path | None = None,
    names: Iterable[str] | None = None,
    pins_file: Path = PINS_FILE,
    address: Address = official_address,
) -> FetchReport:
    """Make ``target/<set>/`` hold every pinned file of each set in ``names`` (default: every set whose
    variable is unset), reading only what is missing or does not match its pin. Raises
    ``SchemaFetchError`` (one line per file) and leaves ``target`` as it was when any file fails."""
    sets = load_pins(pins_file)
    names = None if names is None else list(names)
    _check_names(names, sets)
    report = FetchReport()
    if names is None:
        report.configured = {name: os.environ[s.variable] for name, s in sets.items() if os.environ.get(s.variable)}
        names = [name for name in sets if name not in report.configured]
    wanted = [sets[name] for name in names]
    stale = [schema_set for schema_set in wanted if not _complete(target / schema_set.name, schema_set)]
    report.present = {s.name: len(s.files) for s in wanted if s not in stale}
    if not stale:
        return report
    if mirror is not None and not mirror.is_dir():
        raise SchemaFetchError([f"{MIRROR_VARIABLE}: {shown(mirror)} is not a folder"])
    created = [folder for folder in (target, *target.parents) if not folder.exists()]
    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target))
    try:
        problems, read = _stage(stale, target, staging, mirror, address)
        if problems:
            raise SchemaFetchError([*problems, f"{len(problems)} file(s) refused; nothing written to {shown(target)}"])
        for schema_set in stale:
            _swap_in(staging / schema_set.name, target / schema_set.name, staging)
            report.fetched[schema_set.name] = read[schema_set.name]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in created:  # innermost first: only what this run made, and only when empty
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    return report


def _check_names(names: Iterable[str] | None, sets: dict[str, SchemaSet]) -> None:
    unknown = sorted(set(names or ()) - set(sets))
    if unknown:
        raise SchemaFetchError([f"unknown schema set {', '.join(unknown)}; choose from {', '.join(sets)}"])


def _complete(folder: Path, schema_set: SchemaSet) -> bool:
    return all(_matches(folder / pinned.path, pinned) for pinned in schema_set.files)


def _stage(stale: list[SchemaSet], target: Path, staging: Path, mirror: Path | None, address: Address) -> list[str]:
    """Every file of the stale sets into ``staging/<set>/``: a file already in the cache and matching its
    pin is copied, the others are read; the problems, one line each, sorted."""
    jobs: list[tuple[str, PinnedFile]] = []
    for schema_set in stale:
        for pinned in schema_set.files:
            kept = target / schema_set.name / pinned.path
            if _matches(kept, pinned):
                copy = staging / schema_set.name / pinned.path
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(kept, copy)
            else:
                jobs.append((schema_set.name, pinned))

    def run(job: tuple[str, PinnedFile]) -> str | None:
        set_name, pinned = job
        try:
            _fetch_one(set_name, pinned, staging / set_name, mirror, address)
        except PipelineError as error:
            return str(error)
        return None

    with ThreadPoolExecutor(max_workers=PARALLEL_DOWNLOADS) as pool:
        problems = sorted(problem for problem in pool.map(run, jobs) if problem)
    return problems, Counter(set_name for set_name, _ in jobs)


def _swap_in(staged: Path, final: Path, staging: Path) -> None:
    """Rename the staged set into place; the old folder, if any, is moved aside first (a folder cannot be
    renamed over a non-empty one) and removed with the staging folder."""
    if final.exists():
        final.rename(staging / f"{final.name}.old")
    staged.rename(final)


def pin_schemas(
    pins_file: Path = PINS_FILE,
    mirror: Path | None = None,
    names: Iterable[str] | None = None,
    address: Address = official_address,
) -> list[str]:
    """Record in ``pins_file`` the SHA-256 of what each file's address (or the mirror) now serves, for the
    sets in ``names`` (default: all); returns one line per pin that changed."""
    sets = load_pins(pins_file)
    names = list(sets) if names is None else list(names)
    _check_names(names, sets)
    data = json.loads(pins_file.read_text(encoding="utf-8"))
    changes: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in names:
            for pinned, entry in zip(sets[name].files, data["sets"][name]["files"], strict=True):
                with _opened(name, pinned, mirror, address) as stream:
                    actual, _ = _copy(stream, Path(scratch) / "file")
                if actual != pinned.sha256:
                    changes.append(f"{name}/{pinned.path}: {pinned.sha256} -> {actual}")
                    entry["sha256"] = actual
    write_pins(pins_file, data)
    return changes


def write_pins(pins_file: Path, data: dict) -> None:
    """The pins file as people read and diff it: indented, one line per pinned file."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    text = re.sub(PINNED_FILE_SPREAD, r"{\1, \2, \3}", text)
    temporary = pins_file.with_name(pins_file.name + ".part")
    temporary.write_text(text + "\n", encoding="utf-8")
    os.replace(temporary, pins_file)
