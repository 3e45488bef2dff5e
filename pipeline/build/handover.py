"""What the build prepares in its own process for the workers that write an article's formats, and hands
over to them: the article, its body's HTML, the hyphenation patterns of its language; and the PDF's
worker's warm-up while that is being prepared.

The PDF's worker is forked before the article is read and warms up (WeasyPrint's import, the print
stylesheet) meanwhile, and is handed all of it at once.
"""

from __future__ import annotations

import ctypes
import gc
import pickle
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.formats import WRITERS, writer

if TYPE_CHECKING:
    from pipeline.model import Article, House
    from pipeline.render.html import BodyHtml

HyphenationPatterns = dict[Path, object]  # pyphen's parsed files (HyphDict), by path
# Prepared articles (pickled) from this size on leave enough freed memory to give back before forking.
TRIM_BYTES = 4 << 20


def warm_up(formats: tuple[str, ...]) -> None:
    """Import the writers of ``formats`` and let them warm up, in a worker waiting for its article."""
    for format_name in formats:
        module = writer(format_name)
        if WRITERS[format_name].warms_up:
            module.warm_up()


def prepared(source: Path, house: House | None, groups: list[tuple[str, ...]]) -> bytes:
    """The article of ``source`` with what the workers writing ``groups`` of its formats share, pickled
    once for all of them: the body's HTML when a format prints it, the hyphenation patterns when one is
    the PDF. A source's fault is raised as the loader raises it."""
    from pipeline.prepare.article import load_article  # here: a build with nothing to write reads no source

    article = load_article(source, house)
    body = _body(article, groups)
    patterns = hyphenation_patterns(article.language) if any("pdf" in group for group in groups) else {}
    return pickle.dumps((article, body, patterns), protocol=pickle.HIGHEST_PROTOCOL)


def _body(article: Article, groups: list[tuple[str, ...]]) -> BodyHtml | None:
    """The body's HTML when a format prints it, rendered here: once for every worker that does, and while
    the PDF's worker is still starting up rather than after it is handed the article."""
    if not any(WRITERS[name].html_body for group in groups for name in group):
        return None
    from pipeline.render.html import render_body

    return render_body(article)


def hyphenation_patterns(language: str) -> HyphenationPatterns:
    """The hyphenation patterns of ``language``, parsed here to hand over with the article. WeasyPrint
    hyphenates through pyphen, which parses a language's file the first time a process hyphenates in it
    (English a fourteenth of a second, German half a second) and keeps it by file; unpickled, it takes a
    tenth of that. Keyed as pyphen keys them; none for a language pyphen lacks."""
    import pyphen

    name = pyphen.language_fallback(language)
    if name is None:
        return {}
    path = pyphen.LANGUAGES[name]
    return {path: pyphen.hdcache.get(path) or pyphen.HyphDict(path)}


def received(prepared_article: bytes) -> Article:
    """The article ``prepared`` pickled, in the worker it was handed to: its body's HTML is taken as the one
    render/html.py would render, its hyphenation patterns as those pyphen would parse."""
    article, body, patterns = pickle.loads(prepared_article)
    if body is not None:
        from pipeline.render.html import remember_body

        remember_body(article, body)
    use_hyphenation(patterns)
    return article


def use_hyphenation(patterns: HyphenationPatterns) -> None:
    """Let pyphen (so WeasyPrint) take the patterns handed over for what it would otherwise parse again."""
    import pyphen

    for path, parsed in patterns.items():
        pyphen.hdcache.setdefault(path, parsed)


def return_freed_memory(prepared_articles: Iterable[bytes]) -> None:
    """Give the memory freed while preparing a long article back to the system before the workers are
    forked (glibc keeps it otherwise, and each forked worker would count it as its own); nothing where
    there is no glibc, or for short articles (collecting takes longer than the little it gives back)."""
    if sum(map(len, prepared_articles)) < TRIM_BYTES:
        return
    gc.collect()
    trim: Callable[[int], int] | None = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)
