"""The limits on what a source may make the build read, hold or run: one data file, pipeline/limits.json.

Each limit there says why it is what it is; the code reads the value by its name.
"""

from __future__ import annotations

import json
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
