"""One build at a time per output folder.

A build holds an advisory lock (flock(2)) on ``dist/.build-lock`` from before it sweeps up leftovers until
it has swapped in its last folder. A second build on the same ``dist/`` does not wait: it stops at once with
one line naming the holder (pid, host, start time) and exit code 75, "run again later". Waiting would make
a build behind a long archive rebuild look hung, and two builds of one ``dist/`` are a slip (CI jobs each
have their own); a script that wants to queue retries on 75.

The kernel drops the lock with the last process holding it, so a killed build never leaves a lock that
blocks: its worker processes (which share the lock) die with it (pipeline/build/workers.py), a build started
meanwhile waits the moment that takes, and then takes the lock and sweeps up. The file is removed on
release; an empty or stale one is harmless.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from pipeline.build.faults import DistBusy
from pipeline.errors import shown

LOCK_NAME = ".build-lock"
# A holder writes who it is just after taking the lock: a build refused in between reads again, this often.
HOLDER_READS = 20
HOLDER_READ_PAUSE_S = 0.025
HOLDER_LINE = re.compile(r"pid (?P<pid>\d+) on (?P<host>\S+), started ")
# How long a build waits for the workers of a holder that was killed to end (they are killed at once).
DYING_HOLDER_WAIT_S = 10.0
# Errors that mean this build cannot write dist/ at all, so it can change nothing another build relies on.
CANNOT_WRITE = {errno.EROFS, errno.EACCES, errno.EPERM}


@contextmanager
def dist_lock(dist: Path) -> Iterator[None]:
    """Hold ``dist``'s build lock for the block, or raise DistBusy naming the build that holds it.

    Where ``dist`` cannot be written (a read-only mount), no lock is taken: such a build can only find
    everything fresh, or fail at its first write with a one-line fault."""
    dist.mkdir(parents=True, exist_ok=True)
    path = dist / LOCK_NAME
    try:
        handle: int | None = _acquire(path)
    except OSError as error:
        if error.errno not in CANNOT_WRITE:
            raise
        handle = None
    if handle is None:
        yield
        return
    try:
        with suppress(OSError):  # who holds it is for messages only: a full disk must not stop the build
            os.ftruncate(handle, 0)  # a killed build's line may still be there
            os.pwrite(handle, _holder_line().encode(), 0)
        yield
    finally:
        # Removed before it is released: a build that opened it meanwhile sees it is gone and starts over.
        with suppress(OSError):
            path.unlink()
        os.close(handle)


def remove_dist(dist: Path) -> None:
    """Remove ``dist`` and all in it, unless a build holds it (DistBusy): removing folders a build is about
    to swap in would leave it publishing into nothing."""
    if not dist.is_dir():
        return
    with dist_lock(dist):
        for entry in dist.iterdir():
            if entry.name == LOCK_NAME:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
    with suppress(OSError):  # a build that started the moment the lock was released has it again
        dist.rmdir()


def _acquire(path: Path) -> int:
    while True:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            _lock_or_refuse(handle, path)
        except BaseException:
            os.close(handle)
            raise
        # Locked: but if the holder before us removed the file meanwhile, the lock is on a file nobody else
        # will open. Take the one at the path instead.
        try:
            if os.path.samestat(os.fstat(handle), os.stat(path)):
                return handle
        except FileNotFoundError:
            pass
        os.close(handle)


def _lock_or_refuse(handle: int, path: Path) -> None:
    """Lock at once, or raise DistBusy naming the holder. A holder killed a moment ago (its process gone,
    on this machine) may still hold the lock through its workers while the kernel ends them: wait for
    that, a little."""
    deadline: float | None = None
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            holder = _read_holder(handle)
        now = time.monotonic()
        deadline = deadline or now + DYING_HOLDER_WAIT_S
        if _alive(holder) or now > deadline:
            raise DistBusy(
                f"{shown(path.parent)}/ is being built by another build ({holder}); run again when it has finished"
            )
        time.sleep(HOLDER_READ_PAUSE_S)


def _alive(holder: str) -> bool:
    """The holder's process still runs (or, on another machine or unknown, may)."""
    match = HOLDER_LINE.match(holder)
    if match is None or match["host"] != socket.gethostname():
        return True
    pid = int(match["pid"])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    with suppress(OSError):  # a zombie has ended, its parent just has not collected it yet (Linux)
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _holder_line() -> str:
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    return f"pid {os.getpid()} on {socket.gethostname()}, started {started}"  # read back by HOLDER_LINE


def _read_holder(handle: int) -> str:
    for _ in range(HOLDER_READS):
        text = os.pread(handle, 200, 0).decode(errors="replace").strip()
        if text:
            return text
        time.sleep(HOLDER_READ_PAUSE_S)
    return "holder unknown"
