"""Where sources are: one folder per article, ``<slug>/article.md``, the slug naming its folder in dist/."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from pipeline.errors import PipelineError, shown
from pipeline.formats import ISSUES_FOLDER

SOURCE_FILE = "article.md"
# A slug names a folder in dist/, so it may not climb out of it.
SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def discover(source_root: Path, slug: str | None = None) -> list[Path]:
    """The source files under ``source_root``, sorted by slug; one when ``slug`` is given."""
    found = sorted(source_root.glob(f"*/{SOURCE_FILE}"))
    reserved = source_root / ISSUES_FOLDER / SOURCE_FILE
    if reserved in found:  # its dist/ folder would be the journal's issue pages
        raise PipelineError(
            f"{shown(reserved)}: the slug {ISSUES_FOLDER!r} names the journal's issue pages; rename the folder"
        )
    if slug is None:
        return found
    path = source_root / slug / SOURCE_FILE
    if SLUG_PATTERN.match(slug) and path.is_file():
        return [path]
    names = [source.parent.name for source in found]
    close = difflib.get_close_matches(slug, names, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"sources there: {', '.join(names) or 'none'}"
    raise PipelineError(f"no source named {slug!r}: {shown(path)} does not exist; {hint}")
