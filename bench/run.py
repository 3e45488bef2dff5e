"""`invoke bench`: the pipeline's speed and memory against its targets, measured in one run.

1. The first title, cold start, fresh dist: `invoke build-all --force` against the bare tools run directly
   (pandoc to EPUB, pandoc to JATS, pandoc to standalone HTML then the weasyprint CLI to PDF).
2. A no-op rebuild (nothing changed, no --force) against that full build.
3. Generated commentaries (bench/generate.py, seeded) built with --jobs 1 and --jobs 2: wall time,
   speed-up and the peak memory of each worker process.
4. Hostile sources (bench/hostile.py): the time to refuse a front matter whose YAML aliases expand to
   100 MB and a bibliography with one 5 MB field, and the peak memory of the process and its pandoc.
5. Long articles (bench/long.py, about 50k words and 240 notes, 100k words and 480 notes): build-all
   against the bare tools (pandoc to EPUB, JATS and HTML with each note in place, the weasyprint CLI with
   ``float: footnote``) in the same run; wall and CPU time (user + system of the whole process tree, less
   sensitive to a loaded machine), the peak memory of the largest process, and how many notes the PDF
   prints on their reference's page, read back with pdftotext (bench/pdf_notes.py).

Every command runs as a subprocess from a cold start; the first-title commands are repeated and the
median is reported. A missed target is explained from a pyinstrument profile (bench/profiling.py).
Results go to stdout and to bench/results/latest.json.

    python -m bench.run [--count 200] [--repeats 3] [--budget 240] [--seed 2022] [--long 80,160]
"""

from __future__ import annotations

import argparse
import compileall
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bench.generate import generate
from bench.hostile import measure_refusals
from bench.long import NOTES_PER_SECTION, words, write_long
from bench.pdf_notes import notes_on_their_pages

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SOURCE_ROOT = REPO / "source"
FIRST_TITLE = "kazakhstan-russia-ukraine"
RESULTS = REPO / "bench" / "results" / "latest.json"
POLL_SECONDS = 0.1
TICKS = os.sysconf("SC_CLK_TCK")
PILOT_SOURCES = 10
BARE_STEPS = ("pandoc → EPUB", "pandoc → JATS", "pandoc → HTML", "weasyprint → PDF")
# The long articles (bench/long.py): sections of about 625 words and 3 notes each, so about 50k words and
# 240 notes, then 100k words and 480 notes. Their bare PDF has its notes at the foot of the page too.
LONG_SECTIONS = (80, 160)
BARE_NOTES_FILTER = REPO / "bench" / "footnotes.lua"
BARE_NOTES_CSS = REPO / "bench" / "footnotes.css"
LONG_RATIO_LIMIT = 1.3
LONG_PEAK_LIMIT_MB = 400
# The budget check assumes --jobs 2 is at least this much faster (a pessimistic guess: it is measured after).
ASSUMED_SPEEDUP = 1.3
ALL_FORMATS_NOTE = (
    "pdf, epub, jats + html, csl-json, bibtex, ris, crossref, doaj, the meca and bagit packages, manifest, build state"
)
# A build of pdf, epub and jats only, through the same build() the tasks call, in a fresh interpreter.
SUBSET_BUILD = (
    "import sys; from pathlib import Path; from pipeline.build.run import build, default_jobs; "
    "report = build(('pdf', 'epub', 'jats'), slug=sys.argv[1], source_root=Path(sys.argv[2]), "
    "dist=Path(sys.argv[3]), jobs=default_jobs(), force=True); sys.exit(0 if report.ok else 2)"
)
# A Python process with every writer imported and nothing built: the floor of a worker's memory.
IMPORT_BASELINE = (
    "import resource; import pipeline.build.run; from pipeline.formats import WRITERS, writer; "
    "[writer(name) for name in WRITERS]; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
)


class BenchError(Exception):
    pass


@dataclass
class Target:
    name: str
    measured: float
    limit: float
    at_most: bool  # True: measured <= limit passes; False: measured >= limit passes
    unit: str

    @property
    def passed(self) -> bool:
        return self.measured <= self.limit if self.at_most else self.measured >= self.limit

    def line(self) -> str:
        sign = "≤" if self.at_most else "≥"
        verdict = "PASS" if self.passed else "MISS"
        return f"  {verdict}  {self.name:<44} {self.measured:8.2f}{self.unit}   target {sign} {self.limit:g}{self.unit}"


@dataclass
class Seen:
    """One process of a measured command's tree, as last seen in /proc."""

    kind: str  # main, worker, pandoc or the process name
    name: str
    peak_kb: int = 0  # VmHWM: the process's own peak resident set
    cpu_s: float = 0.0
    samples: int = 0  # a worker is seen more than once; a fork about to exec pandoc is not

    @property
    def counted(self) -> bool:
        return self.kind != "worker" or self.samples >= 2


@dataclass
class Run:
    command: list[str]
    wall_s: float
    cpu_s: float  # user + system time of the whole process tree
    tree_peak_kb: int  # the largest peak resident set of any process in the tree (wait4)
    returncode: int
    output: str
    seen: dict[int, Seen] = field(default_factory=dict)

    def checked(self) -> Run:
        if self.returncode != 0:
            shown = " ".join(self.command)
            raise BenchError(f"`{shown}` exited with {self.returncode}:\n{self.output[-3000:]}")
        return self

    def of(self, kind: str) -> list[Seen]:
        return [seen for seen in self.seen.values() if seen.kind == kind and seen.counted]

    def peak_kb(self, kind: str) -> int:
        return max((seen.peak_kb for seen in self.of(kind)), default=0)

    def cpu_of(self, kind: str) -> float:
        return sum(seen.cpu_s for seen in self.of(kind))

    def largest(self) -> str:
        """Which process the tree's peak (wait4) belongs to, if sampling saw it."""
        kinds = [seen for seen in self.seen.values() if seen.counted]
        top = max(kinds, key=lambda seen: seen.peak_kb, default=None)
        if top is not None and top.peak_kb >= 0.97 * self.tree_peak_kb:
            return f"a {top.kind} process" if top.kind != "main" else "the main process"
        return "a process too short-lived to sample"

    def summary(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "wall_s": round(self.wall_s, 3),
            "cpu_s": round(self.cpu_s, 3),
            "tree_peak_mb": mb(self.tree_peak_kb),
            "tree_peak_process": self.largest() if self.seen else "not sampled",
        }


def mb(kilobytes: float) -> float:
    return round(kilobytes * 1024 / 1e6, 1)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for thread in Path(f"/proc/{pid}/task").iterdir():
            found += [int(child) for child in (thread / "children").read_text().split()]
    except OSError:
        pass
    return found


def _sample(root: int, seen: dict[int, Seen], root_name: list[str]) -> None:
    """Record the peak memory and CPU time of every live process below (and including) ``root``."""
    stack = [root]
    while stack:
        pid = stack.pop()
        stack += _children(pid)
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        name = fields.get("Name", "?").strip()
        entry = seen.get(pid)
        if entry is None or entry.name != name:  # new, or a fork that has since exec'd another program
            if pid == root:
                root_name[:] = [name]
                kind = "main"
            elif name == "pandoc":
                kind = "pandoc"
            elif name.startswith("python") or name in root_name:
                kind = "worker"
            else:
                kind = name
            entry = seen[pid] = Seen(kind, name)
        entry.samples += 1
        if "VmHWM" in fields:
            entry.peak_kb = max(entry.peak_kb, int(fields["VmHWM"].split()[0]))
        after_name = stat.rsplit(")", 1)[1].split()
        entry.cpu_s = (int(after_name[11]) + int(after_name[12])) / TICKS


def measure(command: Sequence[str | Path], cwd: Path = REPO, watch: bool = False) -> Run:
    """Run ``command`` to completion; wall time, CPU time and peak memory of its whole process tree.

    With ``watch``, /proc is sampled every POLL_SECONDS for each process's own peak (VmHWM) and CPU."""
    argv = [str(part) for part in command]
    seen: dict[int, Seen] = {}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        started = time.perf_counter()
        process = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        root_name: list[str] = []
        while True:
            if watch:
                _sample(process.pid, seen, root_name)
            pid, status, usage = os.wait4(process.pid, os.WNOHANG if watch else 0)
            if pid:
                break
            time.sleep(POLL_SECONDS)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    return Run(argv, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, process.returncode, output, seen)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def progress(text: str) -> None:
    print(f"  … {text}", flush=True)


# 1. The first title ---------------------------------------------------------------------------------


def first_title(tmp: Path, repeats: int) -> dict[str, Any]:
    import pypandoc

    source_folder = SOURCE_ROOT / FIRST_TITLE
    if not (source_folder / "article.md").is_file():
        raise BenchError(f"the first title is missing: {source_folder / 'article.md'}")
    invoke, weasyprint, pandoc = BIN / "invoke", BIN / "weasyprint", Path(pypandoc.get_pandoc_path())
    selection = ["--sources", SOURCE_ROOT, "--source", FIRST_TITLE]
    full: list[Run] = []
    subset: list[Run] = []
    separate: list[float] = []
    bare_steps: dict[str, list[Run]] = {name: [] for name in BARE_STEPS}
    for repeat in range(repeats):
        progress(f"first title, round {repeat + 1} of {repeats}")
        dist = tmp / f"full-{repeat}"
        full.append(measure([invoke, "build-all", *selection, "--dist", dist, "--force"]).checked())
        subset_dist = tmp / f"subset-{repeat}"
        subset.append(measure([sys.executable, "-c", SUBSET_BUILD, FIRST_TITLE, SOURCE_ROOT, subset_dist]).checked())
        separate_dist = tmp / f"separate-{repeat}"
        separate.append(
            sum(
                measure([invoke, name, *selection, "--dist", separate_dist, "--force"]).checked().wall_s
                for name in ("build-pdf", "build-epub", "build-jats")
            )
        )
        out = tmp / f"bare-{repeat}"
        out.mkdir()
        commands = (
            [pandoc, "article.md", "-o", out / "bare.epub"],
            [pandoc, "article.md", "-t", "jats_archiving", "-s", "-o", out / "bare.xml"],
            [pandoc, "article.md", "-s", "-o", out / "bare.html"],
            [weasyprint, out / "bare.html", out / "bare.pdf"],
        )
        for name, command in zip(bare_steps, commands, strict=True):
            bare_steps[name].append(measure(command, cwd=source_folder).checked())
    bare_totals = [sum(bare_steps[name][repeat].wall_s for name in bare_steps) for repeat in range(repeats)]
    bare_cpu = [sum(bare_steps[name][repeat].cpu_s for name in bare_steps) for repeat in range(repeats)]
    return {
        "slug": FIRST_TITLE,
        "repeats": repeats,
        "build_all_s": median([run.wall_s for run in full]),
        "build_all_cpu_s": median([run.cpu_s for run in full]),
        "build_all_formats": ALL_FORMATS_NOTE,
        "build_all_command": full[0].command,
        "subset_pdf_epub_jats_s": median([run.wall_s for run in subset]),
        "separate_build_pdf_epub_jats_s": median(separate),
        "bare_total_s": median(bare_totals),
        "bare_cpu_s": median(bare_cpu),
        "bare_steps_s": {name: median([run.wall_s for run in runs]) for name, runs in bare_steps.items()},
        "bare_commands": {name: runs[0].command for name, runs in bare_steps.items()},
        "runs_s": {
            "build_all": [round(run.wall_s, 3) for run in full],
            "subset": [round(run.wall_s, 3) for run in subset],
            "separate": [round(seconds, 3) for seconds in separate],
            "bare": [round(seconds, 3) for seconds in bare_totals],
        },
        "dist": str(tmp / f"full-{repeats - 1}"),
    }


# 2. No-op rebuild ----------------------------------------------------------------------------------


def structure_cost(tmp: Path, repeats: int) -> dict[str, Any]:
    """The time the PDF's logical structure tree (pipeline/pdf/structure.py, in place of WeasyPrint's own
    tree of pages) takes in the first title's PDF: its whole step, timed inside a normal PDF write, median
    of ``repeats`` writes. The whole step, not its difference from WeasyPrint's: an upper bound of the cost."""
    from pipeline.pdf import structure
    from pipeline.pdf import writer as pdf
    from pipeline.prepare.article import load_article

    article = load_article(SOURCE_ROOT / FIRST_TITLE / "article.md")
    build_tree = structure.add_tags
    timings: list[float] = []

    def timed(*arguments: Any) -> None:  # noqa: ANN401 (WeasyPrint's add_tags arguments, passed through)
        started = time.perf_counter()
        build_tree(*arguments)
        timings.append(time.perf_counter() - started)

    structure.add_tags = timed
    try:
        for _ in range(repeats):
            pdf.write(article, tmp / "structure.pdf")
    finally:
        structure.add_tags = build_tree
    return {"structure_s": round(median(timings), 4), "writes": len(timings)}


def noop(dist: Path, repeats: int) -> dict[str, Any]:
    runs: list[Run] = []
    for repeat in range(repeats):
        progress(f"no-op rebuild, round {repeat + 1} of {repeats}")
        run = measure([BIN / "invoke", "build-all", "--sources", SOURCE_ROOT, "--source", FIRST_TITLE, "--dist", dist])
        if "built 0 artifact(s)" not in run.checked().output:
            raise BenchError(f"the no-op rebuild built something:\n{run.output}")
        runs.append(run)
    return {
        "noop_s": median([run.wall_s for run in runs]),
        "runs_s": [round(run.wall_s, 3) for run in runs],
        "command": runs[0].command,
    }


# 3. Generated sources, --jobs 1 and --jobs 2 ---------------------------------------------------------


def _copy_first(sources: list[Path], count: int, target: Path) -> Path:
    for source in sources[:count]:
        shutil.copytree(source.parent, target / source.parent.name)
    return target


def _authors(text: str) -> int:
    """How many entries the front matter's author list has (the generator's layout: one '  - given:' each)."""
    lines = text.split("\nauthor:\n", 1)[1].splitlines()
    block = lines[: next((index for index, line in enumerate(lines) if not line.startswith(" ")), len(lines))]
    return sum(line.startswith("  - given:") for line in block)


def check_sources(sources: list[Path]) -> dict[str, Any]:
    """Load a spread of the generated sources with the pipeline's own loader; describe the whole set."""
    from pipeline.prepare.article import load_article

    picks = sorted({0, len(sources) // 4, len(sources) // 2, 3 * len(sources) // 4, len(sources) - 1})
    for index in picks:
        article = load_article(sources[index])
        if not article.sections or not article.author:
            raise BenchError(f"{sources[index]} loaded without sections or authors")
    texts = [source.read_text(encoding="utf-8") for source in sources]
    sections = [sum(line.startswith("# ") for line in text.splitlines()) for text in texts]
    return {
        "checked_with_load_article": len(picks),
        "sections": [min(sections), max(sections)],
        "kilobytes": [round(min(map(len, texts)) / 1000, 1), round(max(map(len, texts)) / 1000, 1)],
        "total_kilobytes": round(sum(len(text.encode()) for text in texts) / 1000),
        "footnoted": sum("[^1]:" in text for text in texts),
        "two_authors": sum(_authors(text) >= 2 for text in texts),
    }


def generated(tmp: Path, requested: int, seed: int, budget: float, startup_s: float) -> dict[str, Any]:
    from pipeline.formats import PACKAGES, WRITERS  # the registry alone: no writer is imported

    progress(f"generating {requested} commentaries (seed {seed})")
    sources = generate(tmp / "generated", requested, seed)
    described = check_sources(sources)
    pilot_count = min(PILOT_SOURCES, requested)
    progress(f"pilot: {pilot_count} of them with --jobs 1, to check the time budget")
    pilot = measure(
        [BIN / "invoke", "build-all", "--sources", _copy_first(sources, pilot_count, tmp / "pilot"),
         "--dist", tmp / "pilot-dist", "--jobs", "1"]
    ).checked()  # fmt: skip
    per_source = max(pilot.wall_s - startup_s, 0.01) / pilot_count
    predicted = requested * per_source * (1 + 1 / ASSUMED_SPEEDUP)
    used = requested
    if predicted > budget:
        used = max(int(budget / (per_source * (1 + 1 / ASSUMED_SPEEDUP))), 1)
    root = tmp / "generated" if used == requested else _copy_first(sources, used, tmp / "generated-used")
    runs: dict[int, Run] = {}
    for jobs in (1, 2):
        progress(f"{used} generated commentaries with --jobs {jobs}")
        run = measure(
            [BIN / "invoke", "build-all", "--sources", root, "--dist", tmp / f"jobs-{jobs}", "--jobs", jobs, "--force"],
            watch=True,
        ).checked()
        # Every format and package of every source, but the deposits a source lacks the data for (said "not
        # written"), its manifest, and the journal's pages (one line each, "journal <path>").
        formats = used * len(WRITERS) - run.output.count(" not written: ")
        journal = sum(line.startswith("journal ") for line in run.output.splitlines())
        wanted = formats + used * (len(PACKAGES) + 1) + journal
        if f"built {wanted} artifact(s)" not in run.output:
            raise BenchError(f"--jobs {jobs} did not build {wanted} artifacts:\n{run.output[-2000:]}")
        runs[jobs] = run
    one, two = runs[1], runs[2]
    workers_two = two.of("worker")
    result = {
        "requested": requested,
        "count": used,
        "seed": seed,
        "reduced": used != requested,
        "budget_s": budget,
        "pilot": {"sources": pilot_count, "wall_s": round(pilot.wall_s, 3), "per_source_s": round(per_source, 3)},
        "predicted_pair_s": round(predicted, 1),
        "sources": described,
        "jobs1": {
            **one.summary(),
            "worker_peak_mb": mb(one.peak_kb("main")),
            "pandoc_peak_mb_sampled": mb(one.peak_kb("pandoc")),
        },
        "jobs2": {
            **two.summary(),
            "coordinator_peak_mb": mb(two.peak_kb("main")),
            "coordinator_cpu_s": round(two.cpu_of("main"), 2),
            "workers": len(workers_two),
            "worker_peaks_mb": [mb(seen.peak_kb) for seen in workers_two],
            "worker_peak_mb": mb(two.peak_kb("worker")),
            "workers_cpu_s": round(two.cpu_of("worker"), 2),
            "other_cpu_s": round(two.cpu_s - two.cpu_of("main") - two.cpu_of("worker"), 2),
            "pandoc_peak_mb_sampled": mb(two.peak_kb("pandoc")),
        },
        "speedup": one.wall_s / two.wall_s,
    }
    return result


# 5. Long articles -------------------------------------------------------------------------------------


def _pages(pdf: Path) -> int:
    import pikepdf

    with pikepdf.open(pdf) as document:
        return len(document.pages)


def long_article(tmp: Path, sections: int, seed: int) -> dict[str, Any]:
    """One generated long article: `invoke build-all --force` against the bare tools (pandoc → EPUB, JATS,
    HTML with each note in place; the weasyprint CLI → PDF with ``float: footnote``), one after the other
    in the same run; peak memory, CPU time, and the notes read back on their reference's page."""
    import pypandoc

    slug = f"long-{sections}"
    source = write_long(tmp / slug / "sources", slug, sections, seed)
    dist = tmp / slug / "dist"
    progress(f"long article: {sections} sections, invoke build-all --force")
    project = measure(
        [BIN / "invoke", "build-all", "--sources", source.parent.parent, "--source", slug, "--dist", dist, "--force"],
        watch=True,
    ).checked()
    pandoc, out = Path(pypandoc.get_pandoc_path()), tmp / slug / "bare"
    out.mkdir()
    bare_commands = (
        [pandoc, "article.md", "-o", out / "bare.epub"],
        [pandoc, "article.md", "-t", "jats_archiving", "-s", "-o", out / "bare.xml"],
        [pandoc, "article.md", "-s", "--lua-filter", BARE_NOTES_FILTER, "-o", out / "bare.html"],
        [BIN / "weasyprint", "-s", BARE_NOTES_CSS, out / "bare.html", out / "bare.pdf"],
    )
    progress(f"long article: {sections} sections, bare tools")
    bare = [measure(command, cwd=source.parent, watch=True).checked() for command in bare_commands]
    pdf = dist / slug / f"{slug}.pdf"
    placed = notes_on_their_pages(source, pdf)
    bare_wall, bare_cpu = sum(run.wall_s for run in bare), sum(run.cpu_s for run in bare)
    return {
        "sections": sections,
        "words": words(source.read_text(encoding="utf-8")),
        "notes": sections * NOTES_PER_SECTION,
        "pdf_pages": _pages(pdf),
        "bare_pdf_pages": _pages(out / "bare.pdf"),
        "project_s": round(project.wall_s, 2),
        "project_cpu_s": round(project.cpu_s, 2),
        "project_pdf_s": _artifact_seconds(project.output, "pdf"),
        "bare_s": round(bare_wall, 2),
        "bare_cpu_s": round(bare_cpu, 2),
        "bare_steps_s": {name: round(run.wall_s, 2) for name, run in zip(BARE_STEPS, bare, strict=True)},
        "ratio": project.wall_s / bare_wall,
        "cpu_ratio": project.cpu_s / bare_cpu,
        "project_peak_mb": mb(project.tree_peak_kb),
        "project_peak_process": project.largest(),
        "bare_peak_mb": mb(max(run.tree_peak_kb for run in bare)),
        "notes_on_their_page": placed.on_reference_page,
        "notes_late": list(placed.late),
    }


def _artifact_seconds(output: str, name: str) -> float | None:
    """The time build-all reports for one artifact (its line: ``  pdf      PATH  12.34 s``)."""
    for line in output.splitlines():
        fields = line.split()
        if len(fields) >= 4 and fields[0] == name and fields[-1] == "s":
            return float(fields[-2])
    return None


def long_articles(tmp: Path, seed: int, sizes: Sequence[int] = LONG_SECTIONS) -> list[dict[str, Any]]:
    return [long_article(tmp / "long", sections, seed) for sections in sizes]


# Diagnoses --------------------------------------------------------------------------------------------


def _seconds(pairs: list[tuple[str, float]]) -> str:
    return "; ".join(f"{label} {seconds:.2f} s" for label, seconds in pairs)


def _profile_text(profile: Any) -> str:  # noqa: ANN401 (bench.profiling.Profile, imported lazily)
    shares = ", ".join(
        f"{name} {profile.share(seconds)} ({seconds:.2f} s)" for name, seconds in list(profile.categories.items())[:5]
    )
    started = ", ".join(f"{count} {name}" for name, count in profile.processes_started.items()) or "none"
    imports = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in profile.import_by_package.items())
    return (
        f"Profiled ({' '.join(profile.command)}; {profile.total_s:.2f} s under pyinstrument): {shares}. "
        f"External processes started: {started}. Import time by package: {imports or 'none'}. "
        f"Top 5 functions by cumulative time: {_seconds(profile.top_cumulative)}. "
        f"Top 5 by self time: {_seconds(profile.top_self)}."
    )


def diagnose_full(first: dict[str, Any], tmp: Path) -> tuple[str, dict[str, Any]]:
    from bench.profiling import profile_command

    progress("profiling the full build of the first title (--jobs 1, in one process)")
    profile = profile_command(
        ["build-all", "--sources", str(SOURCE_ROOT), "--source", FIRST_TITLE, "--dist", str(tmp / "profile-full"),
         "--jobs", "1", "--force"],
        tmp / "profile-full-session",
    )  # fmt: skip
    from bench.profiling import IMPORTS, WAITING

    extra = first["build_all_s"] - first["subset_pdf_epub_jats_s"]
    steps = first["bare_steps_s"]
    bare_pdf, bare_pandoc = steps["weasyprint → PDF"], sum(s for name, s in steps.items() if name.startswith("pandoc"))
    weasy_import = profile.import_by_package.get("weasyprint", 0.0)
    layout = profile.categories.get("WeasyPrint layout and PDF", 0.0)
    other_imports = profile.categories.get(IMPORTS, 0.0) - weasy_import
    text = (
        f"build-all took {first['build_all_s']:.2f} s wall / {first['build_all_cpu_s']:.2f} s CPU against "
        f"{first['bare_total_s']:.2f} s wall / {first['bare_cpu_s']:.2f} s CPU for the four bare commands; "
        f"the pdf+epub+jats build alone took {first['subset_pdf_epub_jats_s']:.2f} s, so HTML, citations and "
        f"manifest account for {extra:+.2f} s. The bare weasyprint step ({bare_pdf:.2f} s) pays the same WeasyPrint "
        f"import ({weasy_import:.2f} s in our profile), leaving about {max(bare_pdf - weasy_import, 0):.2f} s to "
        f"render where ours spends {layout:.2f} s in WeasyPrint; "
        f"ours also imports {other_imports:.2f} s of other modules, and starts "
        f"{profile.processes_started.get('pandoc', 0)} pandoc processes ({profile.categories.get(WAITING, 0.0):.2f} "
        f"s waiting) where the bare tools start 3 ({bare_pandoc:.2f} s). " + _profile_text(profile)
    )
    return text, profile.as_dict()


def diagnose_noop(first: dict[str, Any], again: dict[str, Any], tmp: Path) -> tuple[str, dict[str, Any]]:
    from bench.profiling import profile_command

    progress("profiling the no-op rebuild")
    profile = profile_command(
        ["build-all", "--sources", str(SOURCE_ROOT), "--source", FIRST_TITLE, "--dist", first["dist"]],
        tmp / "profile-noop-session",
    )
    text = (
        f"The no-op rebuild took {again['noop_s']:.2f} s against {first['build_all_s']:.2f} s for the full build "
        f"(the profile below covers {profile.total_s:.2f} s of one such run; the rest is interpreter start-up). "
        + _profile_text(profile)
    )
    return text, profile.as_dict()


def diagnose_speedup(result: dict[str, Any], pilot_root: Path, tmp: Path) -> tuple[str, dict[str, Any]]:
    from bench.profiling import profile_command

    sampled = result["pilot"]["sources"]
    progress(f"profiling a --jobs 1 build of the {sampled} pilot sources")
    profile = profile_command(
        ["build-all", "--sources", str(pilot_root), "--dist", str(tmp / "profile-jobs"), "--jobs", "1", "--force"],
        tmp / "profile-jobs-session",
    )
    one, two = result["jobs1"], result["jobs2"]
    cores = os.cpu_count() or 1
    in_units = sum(seconds for label, seconds in profile.own_cumulative.items() if label.startswith("run_unit "))
    serial = max(profile.total_s - in_units, 0.0) / profile.total_s if profile.total_s else 0.0
    amdahl = 1 / (serial + (1 - serial) / 2)
    cpu_bound = one["wall_s"] / max(two["cpu_s"] / cores, two["coordinator_cpu_s"], 1e-9)
    idle = cores * two["wall_s"] - two["cpu_s"]
    tighter = "the CPU ceiling" if cpu_bound <= amdahl else "the serial-part ceiling"
    text = (
        f"--jobs 1 took {one['wall_s']:.1f} s wall / {one['cpu_s']:.1f} s CPU; --jobs 2 took {two['wall_s']:.1f} s "
        f"wall / {two['cpu_s']:.1f} s CPU, i.e. {100 * two['cpu_s'] / (cores * two['wall_s']):.0f}% of {cores} cores "
        f"busy and {two['cpu_s'] - one['cpu_s']:+.1f} s more CPU than --jobs 1 (the coordinator process alone used "
        f"{two['coordinator_cpu_s']:.1f} s: planning, fingerprints, collecting results, manifests; the "
        f"{two['workers']} workers {two['workers_cpu_s']:.1f} s; pandoc processes the remaining "
        f"{two['other_cpu_s']:.1f} s). With that CPU on {cores} "
        f"cores the speed-up cannot exceed {cpu_bound:.2f}×. In the --jobs 1 profile of {sampled} sources "
        f"{100 * serial:.0f}% of the time is outside run_unit (start-up, imports, planning, reporting), which alone "
        f"caps 2 workers at {amdahl:.2f}× (Amdahl). Measured {result['speedup']:.2f}×: {tighter} is the tighter "
        f"bound, and {max(idle, 0):.1f} core-seconds went idle during the --jobs 2 run. " + _profile_text(profile)
    )
    return text, profile.as_dict()


def diagnose_memory(result: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    progress("measuring a worker's memory floor (every writer imported, nothing built)")
    baseline = measure([sys.executable, "-c", IMPORT_BASELINE]).checked()
    floor = mb(int(baseline.output.split()[-1]))
    one, two = result["jobs1"], result["jobs2"]
    worst = max(one["worker_peak_mb"], two["worker_peak_mb"])
    text = (
        f"The largest worker peaked at {worst:.0f} MB (--jobs 1: {one['worker_peak_mb']:.0f} MB over "
        f"{result['count']} sources; --jobs 2 workers: {', '.join(f'{m:.0f}' for m in two['worker_peaks_mb'])} MB). "
        f"A Python process with every writer imported and nothing built already holds {floor:.0f} MB, so "
        f"{worst - floor:.0f} MB is what building adds (documents, WeasyPrint layout, caches kept between sources). "
        f"The largest process of any tree (wait4) was {max(one['tree_peak_mb'], two['tree_peak_mb']):.0f} MB."
    )
    return text, {"import_floor_mb": floor}


def _long_targets(long: list[dict[str, Any]]) -> list[Target]:
    targets: list[Target] = []
    for article in long:
        size = f"{article['words'] / 1000:.0f}k words"
        targets += [
            Target(f"long article {size}: build-all / bare tools", article["ratio"], LONG_RATIO_LIMIT, True, "×"),
            Target(f"long article {size}: notes not on their page", len(article["notes_late"]), 0, True, ""),
        ]
    if long:
        largest = long[-1]
        targets.append(
            Target(
                f"long article {largest['words'] / 1000:.0f}k words: peak memory",
                largest["project_peak_mb"],
                LONG_PEAK_LIMIT_MB,
                True,
                " MB",
            )
        )
    return targets


def diagnose_long(article: dict[str, Any], tmp: Path) -> tuple[str, dict[str, Any]]:
    from bench.profiling import profile_command

    slug = f"long-{article['sections']}"
    progress(f"profiling the PDF of the {article['words']} word article (--jobs 1, in one process)")
    profile = profile_command(
        ["build-pdf", "--sources", str(tmp / "long" / slug / "sources"), "--source", slug,
         "--dist", str(tmp / "profile-long"), "--jobs", "1", "--force"],
        tmp / "profile-long-session",
    )  # fmt: skip
    text = (
        f"The {article['words']} word article: build-all {article['project_s']:.1f} s wall / "
        f"{article['project_cpu_s']:.1f} s CPU (its PDF {article['project_pdf_s']} s) against the bare tools' "
        f"{article['bare_s']:.1f} s / {article['bare_cpu_s']:.1f} s CPU (weasyprint alone "
        f"{article['bare_steps_s']['weasyprint → PDF']:.1f} s). " + _profile_text(profile)
    )
    return text, profile.as_dict()


def _long_lines(long: list[dict[str, Any]]) -> list[str]:
    if not long:
        return []
    lines = [
        "5. Long articles (bench/long.py): invoke build-all --force against the bare tools (pandoc → EPUB, JATS, "
        "HTML; weasyprint CLI with float: footnote), same run",
        "   sections  words   notes  pages  project       bare          ratio  CPU ratio  peak     "
        "bare peak  notes on their page",
    ]
    for article in long:
        lines.append(
            f"   {article['sections']:>8}  {article['words'] / 1000:5.1f}k  {article['notes']:>5}  "
            f"{article['pdf_pages']:>5}  {article['project_s']:6.1f} s "
            f"({article['project_pdf_s'] or 0:4.1f} PDF)  {article['bare_s']:6.1f} s  {article['ratio']:5.2f}×  "
            f"{article['cpu_ratio']:5.2f}×     {article['project_peak_mb']:4.0f} MB  "
            f"{article['bare_peak_mb']:4.0f} MB     {article['notes_on_their_page']} of {article['notes']}"
        )
    return [*lines, ""]


# Report -----------------------------------------------------------------------------------------------


def report_lines(results: dict[str, Any], targets: list[Target]) -> list[str]:
    first, again, gen = results["first_title"], results["noop"], results["generated"]
    meta = results["meta"]
    bare_steps = "\n".join(f"      {name:<22} {seconds:6.2f} s" for name, seconds in first["bare_steps_s"].items())
    one, two = gen["jobs1"], gen["jobs2"]
    biggest = max(one, two, key=lambda run: run["tree_peak_mb"])
    count_note = (
        f"{gen['count']} (reduced from {gen['requested']}: the pilot predicts {gen['predicted_pair_s']:.0f} s for both "
        f"builds of {gen['requested']}, over the {gen['budget_s']:.0f} s budget)"
        if gen["reduced"]
        else f"{gen['count']} (as requested; pilot predicted {gen['predicted_pair_s']:.0f} s for both builds, "
        f"budget {gen['budget_s']:.0f} s)"
    )
    src = gen["sources"]
    lines = [
        f"invoke bench — {meta['cores']} cores, Python {meta['python']}, pandoc {meta['pandoc']}, "
        f"WeasyPrint {meta['weasyprint']}; load average at start {meta['load_start']}",
        "",
        f"1. First title ({first['slug']}), cold start, fresh dist, median of {first['repeats']} runs",
        f"   invoke build-all --force (default jobs)  {first['build_all_s']:6.2f} s   makes {ALL_FORMATS_NOTE}",
        f"   build() of pdf,epub,jats only (python -c) {first['subset_pdf_epub_jats_s']:6.2f} s   like for like "
        "with the bare tools (still writes manifest and build state)",
        f"   invoke build-pdf; build-epub; build-jats  {first['separate_build_pdf_epub_jats_s']:6.2f} s   three "
        "cold starts, one per format",
        f"   bare tools, sequential total              {first['bare_total_s']:6.2f} s   pandoc ×3 + weasyprint CLI:",
        bare_steps,
        f"   ratio build-all / bare                    {first['build_all_s'] / first['bare_total_s']:6.2f}×",
        f"   ratio pdf+epub+jats build / bare          {first['subset_pdf_epub_jats_s'] / first['bare_total_s']:6.2f}×",
        "",
        f"2. No-op rebuild (nothing changed, no --force), median of {first['repeats']} runs",
        f"   invoke build-all                          {again['noop_s']:6.2f} s   "
        f"= {again['noop_s'] / first['build_all_s']:.2f}× the full build",
        "",
        f"   PDF structure tree (pipeline/pdf/structure.py), median of {results['structure']['writes']} PDF writes "
        f"{results['structure']['structure_s']:6.3f} s",
        "",
        f"3. Generated commentaries (bench/generate.py, seed {gen['seed']}): count used {count_note}",
        f"   the {gen['requested']} generated: {src['sections'][0]}–{src['sections'][1]} sections, "
        f"{src['kilobytes'][0]}–{src['kilobytes'][1]} kB each "
        f"({src['total_kilobytes']} kB in all), {src['footnoted']} with footnotes, {src['two_authors']} with two "
        f"authors; {src['checked_with_load_article']} checked with load_article; "
        "all built (every format each has the data for)",
        f"   --jobs 1                                  {one['wall_s']:6.1f} s   CPU {one['cpu_s']:.1f} s; "
        f"worker = main process, peak {one['worker_peak_mb']:.0f} MB",
        f"   --jobs 2                                  {two['wall_s']:6.1f} s   CPU {two['cpu_s']:.1f} s; "
        f"{two['workers']} workers, peaks {', '.join(f'{m:.0f}' for m in two['worker_peaks_mb'])} MB; "
        f"coordinator {two['coordinator_peak_mb']:.0f} MB",
        f"   speed-up                                  {gen['speedup']:6.2f}×",
        f"   largest single process in either tree (wait4 ru_maxrss): {biggest['tree_peak_mb']:.0f} MB, "
        f"{biggest['tree_peak_process']}",
        "",
        "4. Hostile sources (bench/hostile.py), each loaded in a fresh process",
        *(
            f"   {name:<40} refused in {result['seconds']:6.3f} s, peak {mb(result['peak_kb']):.0f} MB: "
            f"{str(result['error']).split(': ', 1)[-1][:60]}…"
            for name, result in results["hostile"].items()
        ),
        "",
        *_long_lines(results["long"]),
        "Targets",
        *(target.line() for target in targets),
    ]
    for name, text in results["diagnosis"].items():
        lines += ["", f"Diagnosis — {name}", *_wrap(text)]
    lines += [
        "",
        f"Results written to {RESULTS.relative_to(REPO)}; bench took {meta['runtime_s']:.0f} s "
        f"(load average at end {meta['load_end']}).",
    ]
    return lines


def _wrap(text: str, width: int = 110) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width, initial_indent="  ", subsequent_indent="  ", break_on_hyphens=False)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def run_bench(
    count: int, repeats: int, budget: float, seed: int, keep: bool, long_sections: Sequence[int] = LONG_SECTIONS
) -> dict[str, Any]:
    from pipeline.pandoc import pandoc_version

    started = time.perf_counter()
    meta = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "pandoc": pandoc_version(),
        "weasyprint": version("weasyprint"),
        "load_start": _load(),
    }
    # The pipeline's bytecode cached, as any build leaves it (tasks.py lets Python write it): with -B or
    # PYTHONDONTWRITEBYTECODE in the environment, every timed run would otherwise compile the pipeline anew.
    compileall.compile_dir(REPO / "pipeline", quiet=1)
    compileall.compile_file(REPO / "tasks.py", quiet=1)
    tmp = Path(tempfile.mkdtemp(prefix="commentary-bench-"))
    try:
        print(f"invoke bench: working in {tmp}", flush=True)
        first = first_title(tmp, repeats)
        again = noop(Path(first["dist"]), repeats)
        progress("structure tree of the first title's PDF")
        tree = structure_cost(tmp, repeats)
        progress("refusing hostile sources")
        hostile = measure_refusals(tmp / "hostile")
        gen = generated(tmp, count, seed, budget, again["noop_s"])
        long = long_articles(tmp, seed, long_sections)
        targets = [
            Target("full build / bare tools' sequential", first["build_all_s"] / first["bare_total_s"], 1.0, True, "×"),
            Target("no-op rebuild / full build", again["noop_s"] / first["build_all_s"], 0.1, True, "×"),
            Target("PDF structure tree of the first title", tree["structure_s"] * 1000, 100, True, " ms"),
            Target(f"--jobs 2 speed-up over --jobs 1 ({gen['count']} sources)", gen["speedup"], 1.7, False, "×"),
            Target(
                "peak memory per worker",
                max(gen["jobs1"]["worker_peak_mb"], gen["jobs2"]["worker_peak_mb"]),
                300,
                True,
                " MB",
            ),
            *(Target(f"refuse the {name}", result["seconds"], 1.0, True, " s") for name, result in hostile.items()),
            Target(
                "peak memory refusing them", max(mb(result["peak_kb"]) for result in hostile.values()), 300, True, " MB"
            ),
            *_long_targets(long),
        ]
        diagnosis: dict[str, str] = {}
        profiles: dict[str, dict[str, Any]] = {}
        if not targets[0].passed:
            diagnosis["full build vs bare tools"], profiles["full"] = diagnose_full(first, tmp)
        if not targets[1].passed:
            diagnosis["no-op rebuild"], profiles["noop"] = diagnose_noop(first, again, tmp)
        if not targets[3].passed:
            diagnosis["--jobs 2 speed-up"], profiles["jobs"] = diagnose_speedup(gen, tmp / "pilot", tmp)
        if not targets[4].passed:
            diagnosis["memory per worker"], profiles["memory"] = diagnose_memory(gen)
        if long and not all(target.passed for target in _long_targets(long)):
            diagnosis["long articles"], profiles["long"] = diagnose_long(long[-1], tmp)
    finally:
        if keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    meta["runtime_s"] = round(time.perf_counter() - started, 1)
    meta["load_end"] = _load()
    first.pop("dist")
    return {
        "meta": meta,
        "first_title": first,
        "noop": again,
        "structure": tree,
        "generated": gen,
        "hostile": hostile,
        "long": long,
        "targets": [{**asdict(target), "passed": target.passed} for target in targets],
        "diagnosis": diagnosis,
        "profiles": profiles,
        "_targets": targets,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="generated commentaries (default 200)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each first-title command (default 3)")
    parser.add_argument(
        "--budget", type=float, default=240.0, help="seconds for the two generated builds together (default 240)"
    )
    parser.add_argument("--seed", type=int, default=2022, help="seed of the generated commentaries (default 2022)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument(
        "--long",
        default=",".join(str(sections) for sections in LONG_SECTIONS),
        help="sections of each long article, comma-separated, 3 notes each; empty for none (default 80,160)",
    )
    args = parser.parse_args(argv)
    if args.count < 1 or args.repeats < 1:
        parser.error("--count and --repeats must be at least 1")
    try:
        long_sections = [int(part) for part in args.long.split(",") if part.strip()]
    except ValueError:
        parser.error("--long must be section counts separated by commas, e.g. 80,160")
    if any(sections < 1 for sections in long_sections):
        parser.error("--long: each article needs at least 1 section")
    try:
        results = run_bench(args.count, args.repeats, args.budget, args.seed, args.keep, long_sections)
    except BenchError as error:
        print(f"bench failed: {error}", file=sys.stderr)
        return 2
    targets: list[Target] = results.pop("_targets")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print("\n".join(report_lines(results, targets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
