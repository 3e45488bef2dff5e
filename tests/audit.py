"""Which files a test's code opens and which sockets it reaches, recorded through Python's audit hooks
(one hook for the whole test session, however many test modules use it)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar


class Watch:
    """Records, through Python's audit hooks, every file opened and every socket connection."""

    active: ClassVar[bool] = False
    opened: ClassVar[list[str]] = []
    connections: ClassVar[list[object]] = []

    @classmethod
    def hook(cls, event: str, arguments: tuple[object, ...]) -> None:
        if not cls.active:
            return
        if event == "open" and arguments and isinstance(arguments[0], str | bytes | os.PathLike):
            cls.opened.append(os.fsdecode(arguments[0]))
        elif event in ("socket.connect", "socket.getaddrinfo"):
            cls.connections.append(arguments)


sys.addaudithook(Watch.hook)


@contextmanager
def watching() -> Iterator[type[Watch]]:
    """Record what the code in the ``with`` block opens and connects to."""
    Watch.opened, Watch.connections, Watch.active = [], [], True
    try:
        yield Watch
    finally:
        Watch.active = False
