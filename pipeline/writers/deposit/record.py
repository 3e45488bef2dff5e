"""The record's identity in deposits, derived from the source alone (never the clock), so that two builds
of the same source give the same bytes, and a corrected record gives a deposit registries accept as newer.

- The record date is the source's ``updated`` date, else its ``issued`` date.
- Crossref's ``timestamp`` must grow with every deposit of a DOI: it is the record date as
  YYYYMMDDhhmmss (the source states no time: 000000) followed by the source's ``version`` in three
  digits (1 when not given). A later ``updated`` date, or a higher ``version`` on the same day, gives a
  larger number; rebuilding an unchanged source gives the same one (a re-sent deposit Crossref ignores).
- ``doi_batch_id`` must be unique per submission: the slug and a hash of the deposit's body, so a
  changed record is a new batch and an unchanged one keeps its id.
"""

from __future__ import annotations

import datetime
import hashlib

from pipeline.model import Article

DEFAULT_VERSION = 1
VERSION_DIGITS = 3
BATCH_HASH_CHARACTERS = 16


def record_date(article: Article) -> datetime.date:
    return article.updated or article.issued


def deposit_timestamp(article: Article) -> str:
    version = article.version or DEFAULT_VERSION
    return f"{record_date(article):%Y%m%d}000000{version:0{VERSION_DIGITS}d}"


def batch_id(article: Article, content: bytes) -> str:
    return f"{article.slug}-{hashlib.sha256(content).hexdigest()[:BATCH_HASH_CHARACTERS]}"
