"""Faults of the machine rather than of a source: a ``dist/`` another build holds, a folder that cannot be
written, a full disk, a worker process that died. Each stops the build with one line. Their exit codes are
sysexits(3)'s, so a script can tell "run again later" (75) and "the machine failed" (74, 70) from "fix the
source" (2)."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.atomic import RETIRED_SUFFIX, STAGING_SUFFIX, UNFINISHED_SUFFIX
from pipeline.errors import PipelineError, clipped, shown

# What a fault message adds: nothing half-written reaches dist/, whatever stopped the build.
STOPPED = "the build stopped and nothing half-written was published"
# Hidden working names of the build (".slug.abc123.staging", ".name.pdf.x1y2.part"), shown as what they become.
_WORKING_NAME = re.compile(
    rf"^\.(?P<name>.+)\.[a-z0-9_]+(?:{'|'.join(map(re.escape, (STAGING_SUFFIX, RETIRED_SUFFIX, UNFINISHED_SUFFIX)))})$"
)


class BuildFault(PipelineError):
    """The machine failed the build; ``details`` is the traceback behind it (``--debug`` shows it)."""

    exit_code = os.EX_IOERR

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.details = details


class DistBusy(BuildFault):
    """Another build holds the output folder: run again when it has finished."""

    exit_code = os.EX_TEMPFAIL


class WorkerDied(BuildFault):
    """A worker process stopped without a word: killed, or crashed inside a C library."""

    exit_code = os.EX_SOFTWARE


def is_machine_fault(error: BaseException) -> bool:
    """An operating-system error (it has an errno): a folder, a disk or a limit of the machine failed.
    Libraries also raise OSError without one about bad data (Pillow's "cannot identify image file")."""
    return isinstance(error, OSError) and error.errno is not None


def published_path(path: str | os.PathLike[str]) -> str:
    """A path as the user knows it: the build's hidden working names replaced by what they become."""
    parts = [match["name"] if (match := _WORKING_NAME.match(part)) else part for part in Path(os.fsdecode(path)).parts]
    return shown(Path(*parts))


def describe(error: OSError) -> str:
    """One line for an operating-system error: what it happened to and what the system said."""
    reason = error.strerror or os.strerror(error.errno or 0)
    if error.filename is None:
        return f"{reason}; {STOPPED}"
    where = published_path(error.filename)
    if error.filename2 is not None:
        where += f" -> {published_path(error.filename2)}"
    return f"{where}: {reason}; {STOPPED}"


@contextmanager
def faults_as_messages() -> Iterator[None]:
    """An operating-system error in the block becomes the one-line BuildFault (``--debug`` shows its
    traceback: it is the fault's cause)."""
    try:
        yield
    except OSError as error:
        raise BuildFault(describe(error)) from error


def excerpt(error: BaseException) -> str:
    """An unexpected exception in one line: its type and the start of its message."""
    lines = str(error).strip().splitlines()
    text = clipped(lines[0]) if lines else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def how_it_ended(exit_code: int | None) -> str:
    """A dead process's exit code in words: "killed by SIGKILL", "exit status 1"."""
    if exit_code is None:
        return "ended"
    if exit_code < 0:
        try:
            return f"killed by {signal.Signals(-exit_code).name}"
        except ValueError:
            return f"killed by signal {-exit_code}"
    return f"exit status {exit_code}"
