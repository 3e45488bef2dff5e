"""Write artifacts atomically: a failed or interrupted build leaves the previous file, and the previous
folder, as they were."""

from __future__ import annotations

import ctypes
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

UNFINISHED_SUFFIX = ".part"
UNFINISHED_PATTERN = f".*{UNFINISHED_SUFFIX}"


def remove_unfinished(folder: Path) -> None:
    """Delete temporary files a killed build left behind (a crash cannot run the clean-up below)."""
    if folder.is_dir():
        for leftover in folder.glob(UNFINISHED_PATTERN):
            leftover.unlink(missing_ok=True)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=UNFINISHED_SUFFIX, dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        temporary.chmod(0o644)
        os.replace(temporary, target)
    except OSError as error:
        # A write that fails (a full disk) names no file: the message should name the one being written.
        if error.filename is None:
            error.filename = os.fspath(target)
        raise
    finally:
        temporary.unlink(missing_ok=True)


# --- Whole folders: dist/<slug>/ is staged beside itself and swapped in when every file is ready --------

STAGING_SUFFIX = ".staging"
RETIRED_SUFFIX = ".retired"
# renameat2(2) with RENAME_EXCHANGE swaps two paths in one step (Linux 3.15+, most local file systems).
AT_FDCWD = -100
RENAME_EXCHANGE = 2


def staging_folder(folder: Path) -> Path:
    """A new, empty, hidden sibling of ``folder`` to build its next contents in."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=STAGING_SUFFIX, dir=folder.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would make the published folder private
    return staging


def replace_folder(staging: Path, folder: Path) -> None:
    """Put ``staging`` in the place of ``folder``: a reader sees the old folder or the new one, whole."""
    if not folder.exists():
        os.rename(staging, folder)
        return
    if _exchange(staging, folder):
        shutil.rmtree(staging)  # now the old folder
        return
    # Elsewhere, two renames; a crash between them is repaired by recover_folder at the next build.
    retired = staging.with_name(staging.name.removesuffix(STAGING_SUFFIX) + RETIRED_SUFFIX)
    os.rename(folder, retired)
    os.rename(staging, folder)
    shutil.rmtree(retired)


def recover_folder(folder: Path) -> None:
    """Clean up after a killed build: drop unfinished staging folders, and put back an old folder a
    crash left retired but not yet replaced."""
    for leftover in folder.parent.glob(f".{folder.name}.*{STAGING_SUFFIX}"):
        shutil.rmtree(leftover, ignore_errors=True)
    for retired in sorted(folder.parent.glob(f".{folder.name}.*{RETIRED_SUFFIX}")):
        if folder.exists():
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.rename(retired, folder)


def recover_dist(dist: Path) -> None:
    """``recover_folder`` for every folder a killed build left something of in ``dist``, whether this build
    publishes it or not, and ``remove_unfinished`` in every folder (the build's records included). Only
    for a build that holds ``dist``'s lock: another running build's staging folders are not leftovers."""
    if not dist.is_dir():
        return
    leftovers = [*dist.glob(f".*{STAGING_SUFFIX}"), *dist.glob(f".*{RETIRED_SUFFIX}")]
    for name in sorted({leftover.name[1:].rsplit(".", 2)[0] for leftover in leftovers}):
        recover_folder(dist / name)
    for folder in dist.iterdir():
        if folder.is_dir() and not folder.is_symlink():
            remove_unfinished(folder)


def _exchange(first: Path, second: Path) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    done = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    return done == 0


def link_or_copy(source: Path, target: Path) -> None:
    """``target`` with the bytes of ``source``: a hard link where the file system allows (no copying)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
