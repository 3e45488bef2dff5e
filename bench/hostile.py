"""Hostile sources for `invoke bench` (and tests/test_hostile_sources.py): a front matter whose YAML
aliases expand to 100 MB, and a bibliography with one field of 5 MB. Each must be refused in well under
a second, in little memory, before anything walks the expanded YAML or hands the field to pandoc.

    python -m bench.hostile  # times both, as `invoke bench` does
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# A valid source with nothing but what the schema requires: the hostile part is all that is measured.
BASE_SOURCE = """---
title: A Hostile Commentary
article-type: article-commentary
language: en
issued: 2022-03-22
container-title: Hostile Sources Review
URL: https://example.org/commentary/hostile
author:
  - given: Ada
    family: Lovelace
{front}---

{body}
"""
BOMB_LEAF_CHARACTERS, BOMB_WIDTH = 100, 10
# Loads a source in a fresh process, and prints as JSON the error, the seconds loading took, and the peak
# resident memory (kB) of the process or of the largest child it ran (pandoc, for the body), whichever is larger.
REFUSE_SCRIPT = """
import json, resource, sys, time
from pathlib import Path
from typing import Any
from pipeline.errors import SourceError
from pipeline.prepare.article import load_article
started = time.perf_counter()
try:
    load_article(Path(sys.argv[1]))
    error = None
except SourceError as refused:
    error = str(refused)
seconds = time.perf_counter() - started
# This process's own peak since it started (VmHWM: getrusage would count the parent it was forked from).
status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
peak = max(int(status["VmHWM"].split()[0]), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"error": error, "seconds": seconds, "peak_kb": peak}))
"""


def alias_bomb(levels: int, width: int, leaf_characters: int) -> str:
    """A YAML flow list of nested anchors and aliases: ``width ** levels`` copies of a leaf once expanded."""
    parts = [f'&a0 "{"x" * leaf_characters}"']
    parts += [f"&a{level} [{', '.join([f'*a{level - 1}'] * width)}]" for level in range(1, levels + 1)]
    return f"[{', '.join(parts)}]"


def bomb_levels(megabytes: int) -> int:
    """How many levels of aliases expand the leaf to ``megabytes`` million characters."""
    levels, size = 0, BOMB_LEAF_CHARACTERS
    while size < megabytes * 1_000_000:
        levels, size = levels + 1, size * BOMB_WIDTH
    return levels


def write_alias_bomb(folder: Path, megabytes: int = 100) -> Path:
    """A source whose keywords expand, through YAML aliases, to ``megabytes`` MB of text."""
    bomb = alias_bomb(bomb_levels(megabytes), BOMB_WIDTH, BOMB_LEAF_CHARACTERS)
    return _write(folder, "article.md", BASE_SOURCE.format(front=f"keywords: {bomb}\n", body="A paragraph."))


def long_field_bibliography(megabytes: int) -> str:
    """A BibTeX bibliography of one entry whose note is ``megabytes`` MB long."""
    words = "lorem ipsum " * (megabytes * 1_000_000 // len("lorem ipsum "))
    return f"@book{{smith2020,\n  author = {{Smith, Jane}},\n  title = {{On Things}},\n  note = {{{words}}}\n}}\n"


def write_long_field(folder: Path, megabytes: int = 5) -> Path:
    """A source citing a bibliography with one field of ``megabytes`` MB."""
    _write(folder, "references.bib", long_field_bibliography(megabytes))
    body = "A paragraph citing [@smith2020]."
    return _write(folder, "article.md", BASE_SOURCE.format(front="bibliography: references.bib\n", body=body))


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


def refuse(source: Path) -> dict[str, Any]:
    """Load ``source`` in a fresh process: its error, the seconds loading took and the peak memory (kB)."""
    done = subprocess.run(
        [sys.executable, "-c", REFUSE_SCRIPT, str(source)], cwd=REPO, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


def measure_refusals(folder: Path) -> dict[str, dict[str, Any]]:
    """Both hostile sources, refused: what each error says, how long it took and the memory it needed."""
    return {
        "alias bomb (100 MB expanded)": refuse(write_alias_bomb(folder / "alias-bomb")),
        "bibliography field (5 MB)": refuse(write_long_field(folder / "long-field")),
    }


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        print(json.dumps(measure_refusals(Path(scratch)), indent=2))
