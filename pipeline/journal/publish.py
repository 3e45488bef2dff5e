"""Write the journal's files into dist/ after the articles: the home page, the issues' pages and
deposits, the feed and the sitemap. Incremental like the articles: the inputs (every article's published
metadata, the house settings, the code, templates and styles) are hashed, and when they and the files
written last time are unchanged nothing is written; otherwise each file is replaced atomically and the
files of an issue that no longer exists are removed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import paths
from pipeline.atomic import atomic_path
from pipeline.formats import ISSUE_DEPOSIT, ISSUES_FOLDER, JOURNAL_STYLES, artifact_name

if TYPE_CHECKING:  # what a no-op rebuild need not import (the pages bring Babel, the records lxml)
    from pipeline.model import House

STATE_FOLDER = paths.STATE_FOLDER  # the articles' build record's folder, beside them
STATE_NAME = "journal.json"
# What of each article the journal is made from.
ARTICLE_FORMATS = ("csl-json", "jats", "crossref")


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inputs_digest(dist: Path, house_config: Path, site: str | None, code_digest: str) -> str:
    digest = hashlib.sha256()
    parts = [code_digest.encode(), (site or "").encode(), house_config.read_bytes() if house_config.is_file() else b""]
    parts += [(paths.STYLES / name).read_bytes() for name in JOURNAL_STYLES]
    # The published articles' files as bytes, by slug: reading them as records (parsing the JATS) is left
    # to the rebuild they ask for, so a no-op rebuild parses nothing.
    for folder in sorted(dist.iterdir() if dist.is_dir() else ()):
        slug = folder.name
        if slug.startswith(".") or not (folder / artifact_name("csl-json", slug)).is_file():
            continue
        parts.append(slug.encode())
        files = [folder / artifact_name(name, slug) for name in ARTICLE_FORMATS]
        parts += [path.read_bytes() for path in files if path.is_file()]
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def journal_files(dist: Path, house: House, site: str | None) -> dict[str, bytes]:
    """Every file of the journal, by its path relative to ``dist``."""
    from pipeline.journal import deposit, feed, pages
    from pipeline.journal.records import issue_groups, read_records

    records = read_records(dist)
    groups = issue_groups(records, house)
    site = site or house.site
    newest_title = str(records[0].csl.get("container-title", "")) if records else ""
    journal = pages.Journal(
        title=house.title or newest_title, language=house.language, site=site, feed=site is not None
    )
    files = {"index.html": pages.home_page(journal, records, groups).encode()}
    for group in groups:
        files[f"{group.folder}index.html"] = pages.issue_page(journal, group).encode()
        issue_deposit = deposit.issue_deposit(group, house)
        if issue_deposit is not None:
            files[f"{group.folder}{ISSUE_DEPOSIT}"] = issue_deposit
    if site is not None:
        files["feed.xml"] = feed.atom(journal, records)
        files["sitemap.xml"] = feed.sitemap(journal, records, groups)
    return files


def publish(
    dist: Path, house_config: Path, code_digest: str, site: str | None = None, say: Callable[[str], None] = print
) -> list[Path]:
    """Bring the journal's files in ``dist`` up to date; the paths written (none when nothing changed)."""
    state_path = dist / STATE_FOLDER / STATE_NAME
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    wanted = inputs_digest(dist, house_config, site, code_digest)
    recorded: dict[str, str] = state.get("files", {}) if isinstance(state, dict) else {}
    if state.get("inputs") == wanted and all(
        (dist / name).is_file() and _sha256((dist / name).read_bytes()) == sha for name, sha in recorded.items()
    ):
        say(f"journal  {len(recorded)} file(s) unchanged")
        return []
    from pipeline.source.house import load_house

    files = journal_files(dist, load_house(house_config), site)
    written: list[Path] = []
    for name, data in files.items():
        target = dist / name
        if name in recorded and target.is_file() and target.read_bytes() == data:
            continue
        with atomic_path(target) as temporary:
            temporary.write_bytes(data)
        written.append(target)
        say(f"journal  {paths.shown(target)}")
    for name in set(recorded) - set(files):
        (dist / name).unlink(missing_ok=True)
        say(f"journal  {paths.shown(dist / name)} removed")
    if not written:
        say(f"journal  {len(files)} file(s) unchanged")
    _prune(dist / ISSUES_FOLDER)
    with atomic_path(state_path) as temporary:
        record = {"inputs": wanted, "files": {name: _sha256(data) for name, data in sorted(files.items())}}
        temporary.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return written


def _prune(folder: Path) -> None:
    """Remove the folders of issues that no longer have a file."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*"), key=lambda path: len(path.parts), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    if not any(folder.iterdir()):
        folder.rmdir()
