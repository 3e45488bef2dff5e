"""Invoke tasks: thin wrappers that parse arguments and call ``pipeline``."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from invoke import Collection, Context, Exit, Task, task

from pipeline import paths
from pipeline.build.progress import reporter_for
from pipeline.build.run import FORMATS, Shard, build, default_jobs
from pipeline.errors import LocatedError, PipelineError

BUILD_HELP = {
    "source": "build only this commentary (its slug, the folder name under the sources folder)",
    "sources": "folder holding one <slug>/article.md per commentary (default: source/)",
    "dist": "output folder (default: dist/)",
    "jobs": "parallel processes (default: the number of cores)",
    "force": "rebuild artifacts whose inputs have not changed",
    "variant": "PDF variant: pdf/ua-1 (default, tagged, accessible) or pdf/a-3a (archival and tagged)",
    "debug": "show the traceback of a failure",
    "keep-going": "build the other sources when one fails (default; --no-keep-going stops at the first)",
    "shard": "build only shard INDEX/COUNT of the sources (by slug hash), e.g. 0/4, for parallel CI jobs",
    "house": "the house settings file: journal abbreviation, ISSNs, DOI prefix, depositor (default: house.yaml)",
}


def _build_task(name: str, formats: tuple[str, ...], summary: str) -> Task:
    """One build task per format group, all with the same options."""

    def run(
        c: Context,
        source: str | None = None,
        sources: str | None = None,
        dist: str | None = None,
        jobs: int = 0,
        force: bool = False,
        variant: str = "",
        debug: bool = False,
        keep_going: bool = True,
        shard: str = "",
        house: str | None = None,
    ) -> None:
        try:
            report = build(
                formats,
                slug=source,
                source_root=Path(sources) if sources else paths.SOURCE,
                dist=Path(dist) if dist else paths.DIST,
                options={"pdf": {"variant": variant}} if variant else None,
                jobs=jobs or default_jobs(),
                force=force,
                keep_going=keep_going,
                shard=Shard.parse(shard) if shard else None,
                reporter=reporter_for(sys.stdout),
                house_config=Path(house) if house else paths.HOUSE_CONFIG,
            )
        except PipelineError as error:
            if debug:
                raise
            # A located error (a mistake in the house settings) is already "file:line: field: message".
            raise Exit(str(error) if isinstance(error, LocatedError) else f"error: {error}", code=2) from None
        if not report.ok:
            raise Exit(f"{len(report.failures)} source(s) failed; {len(report.built)} artifact(s) built", code=2)
        print(f"built {len(report.built)} artifact(s), {len(report.skipped)} unchanged")

    run.__name__ = name
    run.__doc__ = summary
    return task(run, help=BUILD_HELP, auto_shortflags=False)


build_pdf = _build_task("build_pdf", ("pdf",), "Build the PDF of every commentary (or one).")
build_epub = _build_task("build_epub", ("epub",), "Build the EPUB 3 of every commentary (or one).")
build_jats = _build_task("build_jats", ("jats",), "Build the JATS XML of every commentary (or one).")
build_all = _build_task(
    "build_all", FORMATS, "Build every format of every commentary (or one); failing sources do not stop the others."
)


@task(help={"dist": "folder of built artifacts (default: dist/)"})
def validate(c: Context, dist: str | None = None) -> None:
    """Run EPUBCheck, the JATS DTD and the PDF checks on every artifact in dist/."""
    from pipeline.check.validate import validate_dist  # validators load Java and pikepdf: only when asked

    checked, problems = validate_dist(Path(dist) if dist else paths.DIST)
    for problem in problems:
        print(problem)
    if not checked:
        raise Exit("nothing to validate: run `invoke build-all` first", code=2)
    if problems:
        raise Exit(f"{len(problems)} problem(s) in {len(checked)} artifact(s)", code=1)
    print(f"{len(checked)} artifact(s) valid")


@task(help={"args": "extra arguments for pytest, e.g. '-k jats -x'"})
def test(c: Context, args: str = "") -> None:
    """Lint (ruff) and run the test suite (pytest)."""
    c.run(f"{sys.executable} -m ruff check .")
    c.run(f"{sys.executable} -m ruff format --check .")
    c.run(f"{sys.executable} -m pytest {args}")


@task
def clean(c: Context) -> None:
    """Remove dist/."""
    shutil.rmtree(paths.DIST, ignore_errors=True)


@task(help={"target": "folder to unpack into (default: .cache/schemas/jats-archiving-1.2)"})
def fetch_jats_schema(c: Context, target: str | None = None) -> None:
    """Download the official JATS Archiving 1.2 DTD package from NLM (the only task that uses the network);
    nothing to do when JATS_SCHEMA_DIR or an earlier download already provides it."""
    from pipeline.check.schemas_download import download_jats_schema
    from pipeline.check.validate import JATS_DTD_DRIVER, jats_schema_dir

    present = jats_schema_dir()
    if target is None and present is not None and (present / JATS_DTD_DRIVER).is_file():
        print(f"JATS DTD already in {present}")
        return
    try:
        folder = download_jats_schema(Path(target) if target else None)
    except PipelineError as error:
        raise Exit(f"error: {error}", code=2) from None
    print(f"JATS DTD in {folder}; tests and `invoke validate` find it there (or set JATS_SCHEMA_DIR)")


@task(
    help={
        "count": "generated commentaries built with --jobs 1 and --jobs 2 (default 200)",
        "repeats": "runs of each first-title command; the median is reported (default 3)",
        "budget": "seconds the two generated builds may take together; fewer sources, said so, if over (default 240)",
        "seed": "seed of the generated commentaries (default 2022)",
    }
)
def bench(c: Context, count: int = 200, repeats: int = 3, budget: int = 240, seed: int = 2022) -> None:
    """Time build-all against the bare tools, a no-op rebuild and --jobs 1 vs 2 (bench/run.py; needs '.[bench]')."""
    from bench.run import main

    code = main(["--count", str(count), "--repeats", str(repeats), "--budget", str(budget), "--seed", str(seed)])
    if code:
        raise Exit(code=code)


ns = Collection(build_pdf, build_epub, build_jats, build_all, validate, test, clean, fetch_jats_schema, bench)
