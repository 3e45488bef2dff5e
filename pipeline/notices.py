"""Notices: what the editor should hear once per build without the build failing (a language with no
labels, a WeasyPrint notice, a footnote set a page late). They travel through one logger, so a build
collects them from every worker and prints each distinct one once."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager

NOTICE_LOGGER = "pipeline.notices"


def notice(text: str) -> None:
    logging.getLogger(NOTICE_LOGGER).warning(text)


@contextmanager
def notices_to(receive: Callable[[str], None]) -> Iterator[None]:
    """Hand every notice logged inside to ``receive`` (and to nothing else)."""

    class Receiver(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            receive(record.getMessage())

    logger = logging.getLogger(NOTICE_LOGGER)
    handler = Receiver(level=logging.WARNING)
    logger.addHandler(handler)
    previous, logger.propagate = logger.propagate, False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = previous
