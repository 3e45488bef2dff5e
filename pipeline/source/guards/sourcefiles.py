"""The one door through which a build reads a source's files: article.md, its bibliographies, its images,
and any file a source may name later.

Every file is named by something: the article itself, a front-matter field, a line of the body. The door
resolves the name inside the source's folder and refuses, before anything is opened, a name that leads
out of the folder (an absolute path, ``..``, or a symbolic link to a file or a folder elsewhere), a file
that is not a regular file (reading a FIFO waits forever, a device never ends) and a file larger than
its limit. A refusal names the file and line that named the file. Symbolic links that stay inside the
folder are followed as any reader would.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pipeline.errors import SourceError, quoted
from pipeline.limits import limit_text, size_text

# Opened without following a link in the last step (the path is already resolved: a link there now
# was put there after the check), and without waiting on a FIFO that appeared since.
OPEN_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


@dataclass(frozen=True)
class NamedBy:
    """Where a source file is named: the file, line and field a refusal of it is reported at."""

    path: Path
    line: int
    field: str


class MissingSourceFile(SourceError):
    """The name stays inside the folder, but no file has it (the caller may add what was meant)."""


def read_source_file(folder: Path, name: str, named_by: NamedBy, what: str, most_bytes: int) -> bytes:
    """The bytes of the file ``name`` (a relative path) of the source folder ``folder``, at most
    ``most_bytes`` of them; ``what`` says what the file is to the reader of a message ("image")."""
    file = resolve_source_file(folder, name, named_by, what)
    try:
        descriptor = os.open(file, OPEN_FLAGS)
    except OSError as error:
        raise _refused(named_by, what, name, f"cannot be read ({error.strerror})") from None
    with os.fdopen(descriptor, "rb") as stream:
        status = os.fstat(stream.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise _refused(named_by, what, name, "is not a regular file (a FIFO, socket or device)")
        if status.st_size > most_bytes:
            message = f"is {size_text(status.st_size)}; {_a(what)} may be at most {limit_text(most_bytes)}"
            raise _refused(named_by, what, name, message)
        data = stream.read(most_bytes + 1)
    if len(data) > most_bytes:  # it grew while being read
        raise _refused(named_by, what, name, f"grew past {limit_text(most_bytes)} while being read")
    return data


def resolve_source_file(folder: Path, name: str, named_by: NamedBy, what: str) -> Path:
    """The real path of the regular file ``name`` of ``folder``, checked as :func:`read_source_file`
    checks it, without opening it."""
    relative = PurePosixPath(name)
    if not name or relative.is_absolute() or ".." in relative.parts:
        raise _refused(named_by, what, name, "must be a file in the source's folder, given by a relative path")
    root = folder.resolve()
    try:
        file = (root / relative).resolve()
    except (OSError, RuntimeError):  # Python 3.11 raises RuntimeError for a loop, later versions OSError
        raise _refused(named_by, what, name, "is a loop of symbolic links") from None
    if not file.is_relative_to(root):
        raise _refused(named_by, what, name, "leads outside the source's folder (through a symbolic link)")
    try:
        status = file.lstat()
    except FileNotFoundError:
        message = f"{what} {quoted(name)} does not exist in {folder.name}/"
        raise MissingSourceFile(named_by.path, named_by.line, named_by.field, message) from None
    except OSError as error:
        raise _refused(named_by, what, name, f"cannot be read ({error.strerror})") from None
    if not stat.S_ISREG(status.st_mode):
        raise _refused(named_by, what, name, "is not a regular file (a FIFO, socket or device)")
    return file


def _refused(named_by: NamedBy, what: str, name: str, problem: str) -> SourceError:
    # A file refused where it names itself (article.md, line 1) is named by the location already.
    names_itself = named_by.path.name == name
    message = problem if names_itself else f"{what} {quoted(name)} {problem}"
    return SourceError(named_by.path, named_by.line, named_by.field, message)


def _a(what: str) -> str:
    return f"an {what}" if what[:1] in "aeiou" else f"a {what}"


@dataclass(frozen=True)
class Entry:
    """One entry of a source folder as the fingerprint sees it: a file's SHA-256, a link's target text
    (never what it points to), or only the kind of anything else."""

    name: str
    kind: str  # "file", "link" or "other"
    content: bytes


def folder_entries(folder: Path) -> list[Entry]:
    """Every entry below ``folder``, sorted by name, without following a symbolic link anywhere: a link
    is its target's text, so nothing outside the folder is opened (a link that stays inside names a
    file that is in the folder itself, and read there); a FIFO, socket or device is never opened."""
    entries: list[Entry] = []
    for directory, folders, files in os.walk(folder, followlinks=False):
        # os.walk lists a link to a folder among the folders, and does not enter it.
        for name in (*files, *(name for name in folders if (Path(directory) / name).is_symlink())):
            path = Path(directory) / name
            relative = path.relative_to(folder).as_posix()
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                entries.append(Entry(relative, "link", os.fsencode(os.readlink(path))))
            elif stat.S_ISREG(mode):
                entries.append(Entry(relative, "file", _sha256(path)))
            else:
                entries.append(Entry(relative, "other", b""))
    return sorted(entries, key=lambda entry: entry.name)


CHUNK_BYTES = 1 << 20


def _sha256(path: Path) -> bytes:
    """A regular file's SHA-256, opened without following a link put there since it was listed."""
    digest = hashlib.sha256()
    with os.fdopen(os.open(path, OPEN_FLAGS), "rb") as stream:
        if stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            while chunk := stream.read(CHUNK_BYTES):
                digest.update(chunk)
    return digest.digest()
