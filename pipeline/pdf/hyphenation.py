"""The hyphenation patterns of an article's language, parsed where there is time for it.

WeasyPrint hyphenates through pyphen, which parses a language's patterns file the first time a process
hyphenates in it (English a twentieth of a second, German half a second) and keeps them by file. A
build that prepares the article in one process while the PDF's worker starts up parses them in the
former, and hands them over with the article: unpickled, they take a tenth of the time. Nothing else
changes: the same file, parsed by pyphen itself, in the cache WeasyPrint's pyphen reads.
"""

from __future__ import annotations

from pathlib import Path

import pyphen

Patterns = dict[Path, pyphen.HyphDict]


def patterns(language: str) -> Patterns:
    """pyphen's patterns for ``language`` (by its file, as pyphen keeps them), none for a language it lacks."""
    name = pyphen.language_fallback(language)
    if name is None:
        return {}
    path = pyphen.LANGUAGES[name]
    return {path: pyphen.hdcache.get(path) or pyphen.HyphDict(path)}


def use(parsed: Patterns) -> None:
    """Let pyphen take ``parsed`` for what it would otherwise parse again."""
    for path, hyphenation in parsed.items():
        pyphen.hdcache.setdefault(path, hyphenation)
