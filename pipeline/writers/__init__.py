"""One small writer module per output format; deposits (Crossref, DOAJ) and packages (MECA, BagIt) in
deposit/. Each ``write(article, path, **options)`` serialises the prepared article and computes nothing
of it again: the registry of formats is pipeline/formats.py. May import render/ and the top-level modules
(model, pandoc, formats, safexml, textlinks, paths); never source/ or prepare/, pdf/ or build/."""

from __future__ import annotations

import functools
from collections.abc import Callable

from pipeline.model import Article


def once_per_article(render: Callable[[Article], bytes]) -> Callable[[Article], bytes]:
    """``render`` that keeps its last result: a file embedded in another (the archival PDF carries the JATS
    and the CSL-JSON) is rendered once for both when one process writes both. Keyed by the article object
    itself, which the cache holds, so a new or changed article is always rendered anew."""
    last: list[tuple[Article, bytes]] = []

    @functools.wraps(render)
    def cached(article: Article) -> bytes:
        if not (last and last[0][0] is article):
            last[:] = [(article, render(article))]
        return last[0][1]

    return cached
