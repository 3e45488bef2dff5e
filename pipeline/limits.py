"""The limits on what a source may make the build read, hold or run: one data file, pipeline/limits.json.

Each limit there says why it is what it is; the code reads the value by its name.
"""

from __future__ import annotations

import ctypes
import json
import signal
from collections.abc import Callable
from functools import cache
from importlib import resources


@cache
def _limits() -> dict[str, int]:
    table = json.loads(resources.files("pipeline").joinpath("limits.json").read_text(encoding="utf-8"))
    return {name: int(entry["value"]) for name, entry in table.items()}


def limit(name: str) -> int:
    """The value of the limit ``name`` (a key of limits.json)."""
    return _limits()[name]


MEBIBYTE = 1 << 20


def size_text(count: int) -> str:
    """A measured byte count for a message: "5.0 MiB", "300.2 KiB"."""
    return f"{count / MEBIBYTE:.1f} MiB" if count >= MEBIBYTE else f"{count / 1024:.1f} KiB"


def limit_text(count: int) -> str:
    """A limit in bytes for a message: "2 MiB", "256 KiB"."""
    return f"{count / MEBIBYTE:g} MiB" if count >= MEBIBYTE else f"{count / 1024:g} KiB"


# prctl(2): have the kernel send this process a signal when the thread that forked it ends (Linux).
PR_SET_PDEATHSIG = 1


def _find_prctl() -> Callable[[int, int], int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not Linux: no such request to make
        return None


# Looked up once, here: a forked child about to run a program must not load libraries.
_PRCTL = _find_prctl()


def die_with_parent() -> None:
    """Have the kernel kill this process when the one that started it ends. A process the build starts
    (a worker, pandoc) must not keep working, and holding the build's lock, for a build that is gone."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL)
