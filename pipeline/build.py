"""Build every source (or one) into dist/: load each once, then run each format's writer atomically."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import manifest, paths
from pipeline.atomic import atomic_path
from pipeline.errors import PipelineError
from pipeline.load import discover, load_article
from pipeline.pandoc import check_pandoc
from pipeline.writers import WRITERS, artifact_name, writer

FORMATS: tuple[str, ...] = tuple(WRITERS)


@dataclass
class BuildReport:
    built: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def build(
    formats: Iterable[str] = FORMATS,
    slug: str | None = None,
    source_root: Path = paths.SOURCE,
    dist: Path = paths.DIST,
    keep_going: bool = True,
    options: Mapping[str, Mapping[str, str]] | None = None,
    echo: Callable[[str], None] = print,
    echo_error: Callable[[str], None] = lambda line: print(line, file=sys.stderr),
) -> BuildReport:
    """Build ``formats`` for every source under ``source_root``; a failing source does not stop the rest
    unless ``keep_going`` is false. ``options`` holds keyword arguments per format (``{"pdf": {"variant":
    "pdf/a-3a"}}``). Failures are collected as one-line messages."""
    check_pandoc()
    formats = tuple(formats)
    unknown = [name for name in formats if name not in WRITERS]
    if unknown:
        raise PipelineError(f"unknown format {', '.join(unknown)}; choose from {', '.join(WRITERS)}")
    report = BuildReport()
    sources = discover(source_root, slug)
    if not sources:
        raise PipelineError(f"no sources found in {source_root} (expected <slug>/article.md)")
    for number, source in enumerate(sources, start=1):
        echo(f"[{number}/{len(sources)}] {paths.shown(source)}")
        folder: Path | None = None
        try:
            article = load_article(source)
            folder = dist / article.slug
            for format_name in formats:
                module = writer(format_name)
                target = dist / article.slug / artifact_name(module, article)
                started = time.perf_counter()
                with atomic_path(target) as temporary:
                    module.write(article, temporary, **(options or {}).get(format_name, {}))
                report.built.append(target)
                echo(f"  {format_name:<8} {paths.shown(target)}  {time.perf_counter() - started:.2f} s")
        except PipelineError as error:
            report.failures.append(str(error))
            echo_error(str(error))
            if not keep_going:
                break
        finally:
            # Also after a failed format: the formats built before it are new, and the manifest must say so.
            if folder is not None:
                write_manifest(folder, echo)
    return report


def write_manifest(folder: Path, echo: Callable[[str], None]) -> None:
    """List every artifact now in ``dist/<slug>/``, whichever build wrote it; nothing to list, no manifest."""
    if not manifest.artifact_files(folder):
        return
    target = folder / manifest.MANIFEST_NAME
    with atomic_path(target) as temporary:
        manifest.write(folder, temporary)
    echo(f"  manifest {paths.shown(target)}")
