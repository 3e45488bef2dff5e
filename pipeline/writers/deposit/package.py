"""What the packages need to know of an article, and a ZIP file whose bytes depend on its contents alone.

The packages are made in the build's main process from the staged ``dist/<slug>/`` folder, after every
format has been written (by whichever worker); ``PackageFacts`` is the little of the model they need,
small enough to travel back from a worker."""

from __future__ import annotations

import datetime
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.writers.deposit.record import record_date

if TYPE_CHECKING:
    from pipeline.model import Article, Figure

# Every member the same: a regular file, rw-r--r--, made on Unix, at the record date's midnight. ZIP's
# dates run from 1980 to 2107: a record dated outside them has its members dated at the nearer end.
MEMBER_MODE = 0o100644
ZIP_FIRST_DAY = datetime.date(1980, 1, 1)
ZIP_LAST_DAY = datetime.date(2107, 12, 31)
UNIX = 3
COMPRESSION_LEVEL = 9
# Files that are compressed already are stored as they are: deflating them again costs time and saves nothing.
STORED_ENDINGS = (".pdf", ".epub", ".zip", ".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class PackageFacts:
    slug: str
    title: str
    identifier: str  # the DOI as a URL, else the article's URL
    publisher: str | None
    date: datetime.date  # the record date: ZIP member times, the bag's Bagging-Date
    figures: tuple[Figure, ...]

    @classmethod
    def of(cls, article: Article) -> PackageFacts:
        return cls(
            slug=article.slug,
            title=article.title,
            identifier=article.identifier,
            publisher=article.publisher,
            date=record_date(article),
            figures=article.figures,
        )


def write_zip(path: Path, members: Iterable[tuple[str, bytes]], date: datetime.date) -> None:
    """A ZIP of ``members`` (name in the archive, bytes) in the order given, with fixed times and modes."""
    date = min(max(date, ZIP_FIRST_DAY), ZIP_LAST_DAY)
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(date.year, date.month, date.day, 0, 0, 0))
            info.create_system = UNIX
            info.external_attr = MEMBER_MODE << 16
            stored = name.lower().endswith(STORED_ENDINGS)
            compression = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compress_type=compression, compresslevel=COMPRESSION_LEVEL)
