"""Build every source (or one) into dist/.

Each source is read and prepared once (pipeline/prepare/), here or in the worker that writes it.
Artifacts whose inputs are unchanged are skipped (pipeline/build/fingerprint.py); the rest are built in
parallel processes, by source when there are enough sources to keep every worker busy, else by format.
An article is one publication: its new ``dist/<slug>/`` (every format, its image files, its manifest) is
staged in a hidden sibling folder and swapped in only when every format of it built; when one fails, the
old folder stays as it was. What is reported comes out in source order, whichever worker finishes first.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import signal
import time
import traceback
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from pipeline import paths
from pipeline.atomic import atomic_path, link_or_copy, recover_dist, replace_folder, staging_folder
from pipeline.build import fingerprint, handover, manifest
from pipeline.build.faults import BuildFault, describe, excerpt, faults_as_messages, is_machine_fault
from pipeline.build.lock import dist_lock
from pipeline.build.progress import PlainReporter, QuietReporter
from pipeline.errors import LocatedError, PipelineError
from pipeline.formats import PACKAGES, WRITERS, artifact_name, missing, requirement_text, writer
from pipeline.notices import notices_to
from pipeline.source.folder import discover

if TYPE_CHECKING:  # what a no-op rebuild need not import
    from pipeline.build.workers import Pool
    from pipeline.model import Article, House
    from pipeline.writers.deposit.package import PackageFacts

FORMATS: tuple[str, ...] = tuple(WRITERS)
# The build state's record of the image files published beside the artifacts (name -> SHA-256).
IMAGES_STATE = "images"
# ... and of the packages made of them (name -> SHA-256), made afresh whenever the folder is staged.
PACKAGES_STATE = "packages"
# The build state's mark of a format that has nothing to write for this source (a deposit without a DOI).
ABSENT = "absent"
Options = Mapping[str, Mapping[str, str]]


@dataclass
class BuildReport:
    built: list[Path] = field(default_factory=list)  # the formats' files written
    packaged: list[Path] = field(default_factory=list)  # the packages and manifests written around them
    skipped: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    failed: list[Path] = field(default_factory=list)  # the sources the failures belong to, once each
    notices: list[str] = field(default_factory=list)  # each once per build, e.g. about WeasyPrint itself
    tracebacks: list[str] = field(default_factory=list)  # behind failures that were not foreseen (--debug)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def written(self) -> int:
        """How many files the build wrote, as many as it listed: formats, packages and manifests."""
        return len(self.built) + len(self.packaged)


@dataclass(frozen=True)
class Plan:
    """One source and the formats of it that need building, with the inputs hash of each, and the
    folder its new ``dist/<slug>/`` is staged in (when anything is stale)."""

    source: Path
    folder: Path
    stale: dict[str, str]
    fresh: tuple[str, ...]
    state: dict[str, dict[str, str]]  # what the last build recorded for this source
    staging: Path | None = None


@dataclass(frozen=True)
class Unit:
    """Work for one process: formats of one source (loaded there, or already loaded here), written into
    the source's staging folder; one unit per source also copies the article's image files there."""

    plan_index: int
    source: Path
    formats: tuple[str, ...]
    staging: Path
    options: Options
    house: House | None = None  # none: the default House()
    # The article prepared here, with its body's HTML and hyphenation patterns when another worker prints
    # them, pickled: held as objects, the workers forked from this process would each carry a copy of them
    # (a long article's are some 60 MB), on top of the one they unpickle.
    prepared: bytes | None = None
    copies_images: bool = True


@dataclass
class UnitResult:
    plan_index: int
    built: list[tuple[str, Path, float, str]] = field(default_factory=list)  # format, path, seconds, sha256
    absent: list[tuple[str, str]] = field(default_factory=list)  # format, what the source lacks for it
    package_facts: PackageFacts | None = None  # from the unit that copies the images
    failures: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    tracebacks: list[str] = field(default_factory=list)
    fault: str | None = None  # the machine failed (a full disk): the one line that stops the build


@dataclass(frozen=True)
class Shard:
    """Job ``index`` of ``count`` (0-based): a source belongs to one job, chosen by its slug's hash,
    so the split stays put as sources are added and each job's incremental cache stays valid."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"2/4"`` is the third of four jobs."""
        try:
            index, count = (int(part) for part in text.split("/"))
        except ValueError:
            raise PipelineError(f"shard {text!r} must look like INDEX/COUNT, e.g. 0/4") from None
        if not 0 <= index < count:
            raise PipelineError(f"shard {text!r}: INDEX must be at least 0 and below COUNT")
        return cls(index, count)

    def owns(self, slug: str) -> bool:
        return int(hashlib.sha256(slug.encode()).hexdigest(), 16) % self.count == self.index


def default_jobs() -> int:
    return os.cpu_count() or 1


def build(
    formats: Iterable[str] = FORMATS,
    slug: str | None = None,
    source_root: Path = paths.SOURCE,
    dist: Path = paths.DIST,
    keep_going: bool = True,
    options: Options | None = None,
    jobs: int = 1,
    force: bool = False,
    shard: Shard | None = None,
    reporter: PlainReporter | None = None,
    house_config: Path = paths.HOUSE_CONFIG,
    journal: bool = False,
    site: str | None = None,
) -> BuildReport:
    """Build ``formats`` for every source under ``source_root`` (or the one named ``slug``).

    A failing source does not stop the others unless ``keep_going`` is false. ``options`` holds keyword
    arguments per format (``{"pdf": {"variant": "pdf/a-3a"}}``). ``force`` rebuilds fresh artifacts too.
    ``shard`` builds only the sources that fall to one of several CI jobs. ``house_config`` is the house's
    settings file, read once for every source (a mistake in it stops the build before anything is written).
    ``journal`` then brings the journal's pages, feed, sitemap and issue deposits up to date (pipeline/journal/),
    from every article in ``dist``; ``site`` is the address dist/ is served at, in place of the house's.
    Failures come back as one-line messages in the report. A fault of the machine (another build holding
    ``dist``, a folder that cannot be written, a full disk, a worker that died) raises BuildFault: one line,
    and every article in ``dist`` whole, as before or as built before the fault."""
    formats = tuple(formats)
    unknown = [name for name in formats if name not in WRITERS]
    if unknown:
        raise PipelineError(f"unknown format {', '.join(unknown)}; choose from {', '.join(WRITERS)}")
    reporter = reporter or QuietReporter()
    options = options or {}
    if site is not None:
        _check_site(site)
    house_digest = fingerprint.house_fingerprint(house_config)
    sources = discover(source_root, slug)
    if shard is not None:
        sources = [source for source in sources if shard.owns(source.parent.name)]
    if not sources and shard is None:
        raise PipelineError(f"no sources found in {source_root} (expected <slug>/article.md)")
    report = BuildReport()
    plans: list[Plan] = []
    with faults_as_messages(), dist_lock(dist), _removing_staging(plans):
        # Only now, holding the lock: another build's staging folders are not leftovers.
        recover_dist(dist)
        plans += (_plan(source, formats, dist, options, force, house_digest) for source in sources)
        with reporter, _terminate_as_interrupt():
            split = Split.of(plans, jobs)
            # Forked before anything is read: a PDF's worker imports WeasyPrint while its article is prepared.
            with _workers(split, plans, jobs) as (pool, waiting):
                # What only writing needs is read, checked and imported only when an article is to be written:
                # pandoc (its version), the house file (its bytes are part of every article's fingerprint, so a
                # changed file makes them all stale) and the loader. A no-op rebuild runs no pandoc and imports
                # no Babel.
                house = _ready_to_write(house_config) if split.groups else None
                for index, plan in enumerate(plans):
                    if plan.stale:
                        plans[index] = replace(plan, staging=_stage(plan.folder, plan.stale))
                reporter.start(len(plans), f"building {len(plans)} source(s) with {jobs} job(s)")
                units = _units(split, plans, options, house, pool, waiting)
                counts = Counter(unit.plan_index for unit in units)
                _collect(plans, counts, _results(units, pool), report, reporter, keep_going)
            # A build that published nothing and failed leaves dist/ as it was, the journal included.
            if journal and shard is None and (report.built or report.ok):
                from pipeline.journal.publish import publish

                code = fingerprint.code_fingerprint() + fingerprint.templates_fingerprint()
                report.built += publish(dist, house_config, code, site, say=reporter.line)
    return report


def _check_site(site: str) -> None:
    """``--site`` takes what house.yaml's ``site`` takes."""
    import re

    from pipeline.source.house import house_schema

    rule = house_schema()["properties"]["site"]
    if not re.fullmatch(rule["pattern"], site):
        raise PipelineError(f"--site {site!r} must be {rule['x-expected']}")


@contextmanager
def _removing_staging(plans: list[Plan]) -> Iterator[None]:
    """Stopped, failed or not reached: a staging folder never outlives the build (its workers are gone by
    then: closing the results waits for them)."""
    try:
        yield
    finally:
        for plan in plans:
            if plan.staging is not None:
                shutil.rmtree(plan.staging, ignore_errors=True)


def _ready_to_write(house_config: Path) -> House:
    """Check the pinned pandoc and read the house settings, before anything is staged."""
    from pipeline.pandoc import check_pandoc
    from pipeline.source.house import load_house

    check_pandoc()
    return load_house(house_config)


def _plan(source: Path, formats: tuple[str, ...], dist: Path, options: Options, force: bool, house_digest: str) -> Plan:
    folder = dist / source.parent.name
    state = fingerprint.read_state(folder)
    # The house's settings are part of every article's metadata.
    source_digest = fingerprint.source_fingerprint(source.parent, house_digest)
    # A published image that went missing or changed in dist/ is put back by publishing the article anew.
    force = force or not _images_intact(folder, {**state.get(IMAGES_STATE, {}), **state.get(PACKAGES_STATE, {})})
    stale: dict[str, str] = {}
    fresh: list[str] = []
    for format_name in formats:
        wanted = fingerprint.inputs(format_name, source_digest, options.get(format_name, {}))
        artifact = folder / artifact_name(format_name, source.parent.name)
        unchanged = fingerprint.is_fresh(artifact, state.get(format_name), wanted)
        if not force and (unchanged or _still_absent(artifact, state, format_name, wanted)):
            fresh.append(format_name)
        else:
            stale[format_name] = wanted
    return Plan(source=source, folder=folder, stale=stale, fresh=tuple(fresh), state=state)


def _still_absent(artifact: Path, state: Mapping[str, Mapping[str, str]], format_name: str, wanted: str) -> bool:
    """Nothing to write last time, from the same inputs, and nothing there now."""
    recorded = state.get(format_name) or {}
    return recorded.get(ABSENT) is not None and recorded.get("inputs") == wanted and not artifact.exists()


def _lacking(dotted: str) -> str:
    """What a format lacks, in words: "no DOI in the source", "no depositor: {name} in house.yaml"."""
    return requirement_text(dotted)


def _images_intact(folder: Path, images: Mapping[str, str]) -> bool:
    return all(
        (folder / name).is_file() and fingerprint.file_sha256(folder / name) == sha for name, sha in images.items()
    )


def _published_images(files: Mapping[str, Path], slug: str) -> dict[str, str]:
    """The files of a staged folder that are neither an artifact nor the manifest (the article's images),
    each with its SHA-256."""
    artifacts = {artifact_name(format_name, slug) for format_name in (*WRITERS, *PACKAGES)}
    return {name: fingerprint.file_sha256(path) for name, path in files.items() if name not in artifacts}


def _stage(folder: Path, stale: Mapping[str, str]) -> Path:
    """A staging folder holding what of ``folder`` this build keeps: the artifacts of the formats not
    rebuilt (hard links: same bytes, same times). Image files and the manifest are written afresh."""
    staging = staging_folder(folder)
    try:
        for format_name in WRITERS:
            artifact = folder / artifact_name(format_name, folder.name)
            if format_name not in stale and artifact.is_file():
                link_or_copy(artifact, staging / artifact.name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return staging


@dataclass(frozen=True)
class Split:
    """What each process is to write, as (plan index, formats): by source when the sources alone keep
    every worker busy, else (``by_format``) each source's formats in one group per worker, its article
    prepared here."""

    by_format: bool
    groups: list[tuple[int, tuple[str, ...]]]

    @classmethod
    def of(cls, plans: list[Plan], jobs: int) -> Split:
        busy = [(index, tuple(plan.stale)) for index, plan in enumerate(plans) if plan.stale]
        if jobs <= 1 or len(busy) >= jobs or not busy:
            return cls(False, busy)
        return cls(True, [(index, group) for index, stale in busy for group in _groups(stale, jobs)])

    def warming(self) -> list[tuple[int, tuple[str, ...]]]:
        """By format, the groups whose writer warms up (the PDF's) while their article is prepared."""
        return [(index, group) for index, group in self.groups if _warms(group)] if self.by_format else []


def _warms(formats: tuple[str, ...]) -> bool:
    return any(WRITERS[name].warms_up for name in formats)


Waiting = dict[int, int]  # plan index -> the channel its warming worker waits on


@contextmanager
def _workers(split: Split, plans: list[Plan], jobs: int) -> Iterator[tuple[Pool[Unit, UnitResult] | None, Waiting]]:
    """The worker processes, when there is work for more than one or a group that warms up, started now.
    A group that warms up (the PDF's: WeasyPrint's import, the print stylesheet) gets its worker at once;
    its article is handed over once prepared here."""
    early = split.warming()
    if jobs <= 1 or (len(split.groups) <= 1 and not early):
        yield None, {}
        return
    from pipeline.build.workers import Pool  # only when there are units to share out

    with Pool(run_unit, jobs, _unit_label, waiting=len(early)) as pool:
        waiting = {
            index: pool.wait(_label(plans[index].source, group), functools.partial(handover.warm_up, group))
            for index, group in early
        }
        yield pool, waiting


def _units(
    split: Split,
    plans: list[Plan],
    options: Options,
    house: House | None,
    pool: Pool[Unit, UnitResult] | None,
    waiting: Waiting,
) -> list[Unit]:
    """The units of work, given to the workers (when there are any) as they are ready. By source, each is
    loaded in the process that writes it; by format, each article is prepared here (once, however many
    workers write it), with its body's HTML and the hyphenation patterns its PDF needs."""
    staged = {index: plan.staging for index, plan in enumerate(plans) if plan.staging is not None}
    if not split.by_format:
        units = [
            Unit(index, plans[index].source, formats, staged[index], options, house) for index, formats in split.groups
        ]
        for unit in units if pool is not None else ():
            pool.submit(unit)
        return units
    units: list[Unit] = []
    articles: list[bytes] = []
    for index, plan in enumerate(plans):
        groups = [formats for number, formats in split.groups if number == index]
        if not groups:
            continue
        try:
            prepared = handover.prepared(plan.source, house, groups)
            articles.append(prepared)
        except Exception:
            # One unit loads it again in its process and reports the error in source order.
            units.append(Unit(index, plan.source, tuple(plan.stale), staged[index], options, house))
            continue
        units += [
            Unit(index, plan.source, group, staged[index], options, house, prepared, copies_images=number == 0)
            for number, group in enumerate(groups)
        ]
    if pool is not None:
        # Its worker waited for it since the build started: handed over first (once the worker is warm).
        first = {index: unit for unit in reversed(units) if (index := unit.plan_index) in waiting}
        for index, unit in first.items():
            pool.hand(waiting[index], unit)
        handover.return_freed_memory(articles)
        for unit in units:
            if first.get(unit.plan_index) is not unit:
                pool.submit(unit)
    return units


def _groups(formats: tuple[str, ...], jobs: int) -> list[tuple[str, ...]]:
    """The first format (the PDF, the slowest) alone, the rest shared round-robin by the other workers:
    formats in one group also share one rendering of the HTML body."""
    if len(formats) <= 1 or jobs <= 1:
        return [formats] if formats else []
    others = max(jobs - 1, 1)
    rest = [formats[1 + start :: others] for start in range(others)]
    return [formats[:1], *(group for group in rest if group)]


def _results(units: list[Unit], pool: Pool[Unit, UnitResult] | None) -> Iterator[UnitResult]:
    if pool is None:
        return map(run_unit, units)
    return pool.results()


def _unit_label(unit: Unit) -> str:
    return _label(unit.source, unit.formats)


def _label(source: Path, formats: tuple[str, ...]) -> str:
    return f"{paths.shown(source)} ({', '.join(formats)})"


def run_unit(unit: Unit) -> UnitResult:
    """Prepare the article (unless prepared) and write the unit's formats, here or in a worker process.
    Whatever goes wrong comes back as plain data, never as an exception (which may not survive the way back
    from a worker: lxml's errors cannot be pickled): a source's fault or an unforeseen error as a one-line
    failure of the source, with its traceback for --debug; a fault of the machine (a full disk) as the line
    that stops the build."""
    try:
        return _write_unit(unit)
    except Exception as error:
        result = UnitResult(unit.plan_index, tracebacks=[traceback.format_exc()])
        if is_machine_fault(error):
            result.fault = describe(error)
        else:
            result.failures.append(f"{paths.shown(unit.source)}: could not be built: {excerpt(error)}")
        return result


def _write_unit(unit: Unit) -> UnitResult:
    from pipeline.writers.deposit.package import PackageFacts

    result = UnitResult(unit.plan_index)
    if not unit.formats:
        return result
    try:
        if unit.prepared:
            article = handover.received(unit.prepared)
        else:
            from pipeline.prepare.article import load_article  # only here: a worker given it prepared reads nothing

            article = load_article(unit.source, unit.house)
    except PipelineError as error:
        result.failures.append(str(error))
        return result
    if unit.copies_images:  # one unit per article: what is said of the article is said once
        copy_images(article, unit.staging)
        result.package_facts = PackageFacts.of(article)
        result.notices.extend(article.notices)
    for format_name in unit.formats:
        lacking = missing(format_name, article)
        if lacking is not None:
            result.absent.append((format_name, lacking))
            continue
        target = unit.staging / artifact_name(format_name, article.slug)
        started = time.perf_counter()
        try:
            with atomic_path(target) as temporary, notices_to(result.notices.append):
                writer(format_name).write(article, temporary, **unit.options.get(format_name, {}))
        except LocatedError as error:
            result.failures.append(str(error))
            continue
        except PipelineError as error:
            result.failures.append(f"{paths.shown(unit.source)}: {format_name} failed: {error}")
            continue
        except Exception as error:
            if is_machine_fault(error):
                raise
            result.failures.append(f"{paths.shown(unit.source)}: {format_name} failed: {excerpt(error)}")
            result.tracebacks.append(traceback.format_exc())
            continue
        result.built.append((format_name, target, time.perf_counter() - started, fingerprint.file_sha256(target)))
    return result


def copy_images(article: Article, folder: Path) -> None:
    """The article's image files, byte for byte, beside the web page and the JATS that show them."""
    for name in article.image_files:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as temporary:
            temporary.write_bytes(article.images[name])


def _collect(
    plans: list[Plan],
    units_per_plan: Counter[int],
    results: Iterator[UnitResult],
    report: BuildReport,
    reporter: PlainReporter,
    keep_going: bool,
) -> None:
    """Report and record each source once all of its units are in, in source order."""
    received: dict[int, list[UnitResult]] = {index: [] for index in range(len(plans))}
    next_index = 0

    def finish_ready() -> bool:
        nonlocal next_index
        while next_index < len(plans) and len(received[next_index]) == units_per_plan[next_index]:
            failed = _finish(plans[next_index], received.pop(next_index), report, reporter)
            next_index += 1
            if failed and not keep_going:
                return False
        return True

    if not finish_ready():
        return
    for result in results:
        if result.fault is not None:
            raise BuildFault(result.fault, "".join(result.tracebacks))
        received[result.plan_index].append(result)
        if not finish_ready():
            return


def _finish(plan: Plan, results: list[UnitResult], report: BuildReport, reporter: PlainReporter) -> bool:
    """Print one source's lines; when every format built, swap its staged folder in, store what was
    built and list it in the manifest; when one failed, keep the old folder whole. True if it failed."""
    reporter.line(paths.shown(plan.source))
    state = dict(plan.state)
    for format_name in plan.fresh:
        path = plan.folder / artifact_name(format_name, plan.folder.name)
        if ABSENT in state.get(format_name, {}):
            reporter.line(f"  {format_name:<8} not written: {_lacking(state[format_name][ABSENT])}  unchanged")
            continue
        report.skipped.append(path)
        reporter.line(f"  {format_name:<8} {paths.shown(path)}  unchanged")
    failures = list(dict.fromkeys(failure for result in results for failure in result.failures))
    built = sorted(
        (built for result in results for built in result.built), key=lambda built: list(plan.stale).index(built[0])
    )
    if plan.staging is not None and not failures:
        for format_name, staged, seconds, sha256 in built:
            path = plan.folder / staged.name
            state[format_name] = {"inputs": plan.stale[format_name], "sha256": sha256}
            report.built.append(path)
            reporter.line(f"  {format_name:<8} {paths.shown(path)}  {seconds:.2f} s")
        for format_name, lacking in (absent for result in results for absent in result.absent):
            state[format_name] = {"inputs": plan.stale[format_name], ABSENT: lacking}
            reporter.line(f"  {format_name:<8} not written: {_lacking(lacking)}")
        # The staged folder, listed once: every format's file (each hashed when written or planned) and the images.
        staged = {path.relative_to(plan.staging).as_posix(): path for path in manifest.artifact_files(plan.staging)}
        state[IMAGES_STATE] = _published_images(staged, plan.folder.name)
        facts = next(result.package_facts for result in results if result.package_facts is not None)
        state[PACKAGES_STATE] = write_packages(plan.staging, facts, staged, reporter, shown_as=plan.folder)
        report.packaged += (plan.folder / name for name in state[PACKAGES_STATE])
        known = {
            **{
                artifact_name(name, plan.folder.name): state[name]["sha256"]
                for name in WRITERS
                if "sha256" in state.get(name, {})
            },
            **state[IMAGES_STATE],
            **state[PACKAGES_STATE],
        }
        if write_manifest(plan.staging, reporter, shown_as=plan.folder, known=known):
            report.packaged.append(plan.folder / manifest.MANIFEST_NAME)
        replace_folder(plan.staging, plan.folder)
        fingerprint.write_state(plan.folder, state)
    for notice in (notice for result in results for notice in result.notices):
        if notice not in report.notices:
            report.notices.append(notice)
            reporter.error(f"notice: {notice}")
    for failure in failures:
        if failure not in report.failures:
            report.failures.append(failure)
        reporter.error(failure)
    if failures:
        report.failed.append(plan.source)
        report.tracebacks += (text for result in results for text in result.tracebacks)
    if failures and plan.staging is not None:
        shutil.rmtree(plan.staging, ignore_errors=True)
        kept = "left as it was" if plan.folder.exists() else "not written"
        reporter.line(f"  {paths.shown(plan.folder)}/ {kept}: no format of this source is published")
    reporter.advance()
    return bool(failures)


def write_packages(
    folder: Path, facts: PackageFacts, files: Mapping[str, Path], reporter: PlainReporter, shown_as: Path
) -> dict[str, str]:
    """Pack the staged folder's ``files`` into each package (they are never in one another, nor in
    themselves); returns each package's name and SHA-256. Written after every format and before the
    manifest, which lists them."""
    written: dict[str, str] = {}
    for package_name in PACKAGES:
        target = folder / artifact_name(package_name, facts.slug)
        started = time.perf_counter()
        with atomic_path(target) as temporary:
            writer(package_name).write(facts, files, temporary)
        written[target.name] = fingerprint.file_sha256(target)
        seconds = time.perf_counter() - started
        reporter.line(f"  {package_name:<8} {paths.shown(shown_as / target.name)}  {seconds:.2f} s")
    return written


def write_manifest(
    folder: Path, reporter: PlainReporter, shown_as: Path | None = None, known: Mapping[str, str] | None = None
) -> bool:
    """List every artifact in ``folder`` (a staged ``dist/<slug>/``); nothing to list, no manifest.
    ``known`` holds the SHA-256 of files just written, by name, which are not read again. True if written."""
    listing = manifest.text(folder, slug=(shown_as or folder).name, known=known)
    if listing is None:
        return False
    with atomic_path(folder / manifest.MANIFEST_NAME) as temporary:
        temporary.write_text(listing, encoding="utf-8")
    reporter.line(f"  manifest {paths.shown((shown_as or folder) / manifest.MANIFEST_NAME)}")
    return True


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a build like Ctrl-C does: through the clean-up of every unfinished write."""

    def interrupt(_signal: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
