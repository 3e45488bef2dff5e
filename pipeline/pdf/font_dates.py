"""Fonts stamped with the record date, not the clock.

fontTools, which WeasyPrint uses to rewrite some fonts (colour emoji, variable fonts), sets each font's
``head.modified`` to the time it saves it, unless ``SOURCE_DATE_EPOCH`` names another (the
reproducible-builds convention, read by ``fontTools.misc.timeTools.timestampNow``). Around the PDF
write that variable is the article's record date, so the same source gives the same bytes at any time,
whatever the environment says.
"""

from __future__ import annotations

import calendar
import os
from collections.abc import Iterator
from contextlib import contextmanager

from pipeline.model import Article
from pipeline.writers.deposit.record import record_date

VARIABLE = "SOURCE_DATE_EPOCH"
# A font's dates count seconds from 1904-01-01 and cannot go before it (OpenType ``head``): an older
# record date (a commentary on a text of 1060) is stamped as that day.
EARLIEST_FONT_DATE = calendar.timegm((1904, 1, 1, 0, 0, 0))


@contextmanager
def fonts_dated_from(article: Article) -> Iterator[None]:
    before = os.environ.get(VARIABLE)
    os.environ[VARIABLE] = str(max(calendar.timegm(record_date(article).timetuple()), EARLIEST_FONT_DATE))
    try:
        yield
    finally:
        if before is None:
            del os.environ[VARIABLE]
        else:
            os.environ[VARIABLE] = before
