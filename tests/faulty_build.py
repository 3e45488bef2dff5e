"""Run the ``invoke`` command line with one fault of the machine injected, for tests/test_faults.py.

    python tests/faulty_build.py FAULT [OPTIONS] -- build-jats --sources ... --dist ...

Faults a test cannot cause for real from outside the build, or not at the right moment:
  stall FORMAT SLUG GATE  writing FORMAT for SLUG waits until the file GATE exists: the build runs (and holds
                          its lock, its workers) for as long as the test needs
  die FORMAT SLUG HOW     the worker writing FORMAT for SLUG dies: SIGKILL, or abort() as a C library does
  raise FORMAT SLUG KIND  writing FORMAT for SLUG raises an exception that cannot be pickled: lxml's own
                          XMLSyntaxError (its error log cannot be), or one that refuses outright
and, where the machine cannot mount a read-only or a full file system (a container without CAP_SYS_ADMIN),
the same faults at the operating-system calls, through an audit hook (PEP 578):
  read-only DIR           every change below DIR fails with EROFS, as on a read-only mount
  full DIR                putting a written file in place below DIR fails with ENOSPC

Worker processes are forked from this one, so they inherit the fault.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Audit events that change a folder, and the argument that names the path changed.
CHANGES = {"os.mkdir": 0, "os.rmdir": 0, "os.remove": 0, "os.rename": 1, "os.link": 1, "os.symlink": 1,
           "os.chmod": 0, "os.truncate": 0, "os.utime": 0}  # fmt: skip
# A stalled build goes on by itself after this long: a test that failed to open the gate does not hang.
STALL_LIMIT_S = 120
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class Unpicklable(Exception):
    """An exception that cannot make the way back from a worker process."""

    def __reduce__(self) -> Any:
        raise TypeError(f"cannot pickle {type(self).__name__!r} object")


def below(path: object, folder: Path) -> bool:
    if not isinstance(path, str | bytes | os.PathLike):
        return False
    return Path(os.path.abspath(os.fsdecode(path))).is_relative_to(folder)


def os_fault(kind: str, folder: Path) -> Callable[[str, tuple[Any, ...]], None]:
    folder = folder.resolve()

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if kind == "full":
            if event == "os.rename" and below(args[1], folder):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return
        if event == "open" and args[2] & WRITE_FLAGS:
            path = args[0]
        elif event in CHANGES:
            path = args[CHANGES[event]]
            if event == "os.mkdir" and os.path.isdir(path):
                return  # the system says "exists" before "read-only"
        else:
            return
        if below(path, folder):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    return hook


def writer_fault(format_module: str, slug: str, fault: Callable[[], None]) -> None:
    import importlib

    module = importlib.import_module(format_module)
    original = module.write

    def write(article: Any, path: Path, **options: Any) -> None:
        if article.slug == slug:
            fault()
        original(article, path, **options)

    module.write = write


def wait_for(gate: Path) -> None:
    deadline = time.monotonic() + STALL_LIMIT_S
    while not gate.exists():
        assert time.monotonic() < deadline, f"{gate} did not appear within {STALL_LIMIT_S} s"
        time.sleep(0.02)


def abort() -> None:
    """abort(3), as a C library does on a failed assertion; without a core file."""
    import resource

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.abort()


def unpicklable_error() -> None:
    raise Unpicklable("a worker's error that cannot be pickled")


def lxml_error() -> None:
    from lxml import etree

    etree.fromstring(b"<unfinished>")


def main(argv: list[str]) -> None:
    split = argv.index("--")
    fault, command = argv[:split], argv[split + 1 :]
    if fault[0] in ("read-only", "full"):
        sys.addaudithook(os_fault(fault[0], Path(fault[1])))
    else:
        from pipeline.formats import WRITERS

        kind, format_name, slug, how = fault
        faults: dict[str, Callable[[], None]] = {
            "SIGKILL": lambda: os.kill(os.getpid(), signal.SIGKILL),
            "abort": abort,
            "lxml": lxml_error,
            "unpicklable": unpicklable_error,
        }
        assert kind in ("die", "raise", "stall"), kind
        writer_fault(WRITERS[format_name].module, slug, faults[how] if kind != "stall" else lambda: wait_for(Path(how)))
    from invoke.main import program

    program.run(["invoke", *command])


if __name__ == "__main__":
    main(sys.argv[1:])
