"""The build's worker pool (pipeline/build/workers.py) and the PDF's worker that starts before its article
is ready: it warms up (WeasyPrint's import, the print stylesheet) while the build prepares the article,
then takes the article handed over through a pipe. A worker never handed its unit (the build stopped
first) ends with the pool; one that dies while waiting is named like any other dead worker. The article
comes with the hyphenation patterns of its language, parsed by the build meanwhile."""

from __future__ import annotations

import functools
import os
import pickle
import signal
import time
from pathlib import Path

import pyphen
import pytest
from conftest import FIXTURE_SOURCES

from pipeline.build import handover
from pipeline.build import run as build_run
from pipeline.build.faults import WorkerDied
from pipeline.build.progress import QuietReporter
from pipeline.build.workers import Pool
from pipeline.formats import artifact_name
from pipeline.prepare import article as prepare_article

# Long enough for a loaded machine; a pool that hangs fails instead of blocking the run.
PATIENCE_S = 60.0


def doubled(unit: int) -> tuple[int, int]:
    return unit, 2 * unit


def label(unit: int) -> str:
    return f"unit {unit}"


def mark_warm(folder: str) -> None:
    (Path(folder) / f"warm-{os.getpid()}").touch()


def die() -> None:
    time.sleep(0.5)  # as a warm-up would, some way into WeasyPrint's import
    os.kill(os.getpid(), signal.SIGKILL)


# Set by the last test before its build forks the PDF's worker, which inherits them: files the preparing
# (here) and the warming (there) each wait for the other to create, with what each saw.
MEETING: dict[str, Path] = {}
REAL_WARM_UP = handover.warm_up
REAL_LOAD_ARTICLE = prepare_article.load_article


def _meet(mine: str, theirs: str) -> None:
    """Say this side started, then wait (a while at most) for the other side to say so; note what came."""
    MEETING[mine].touch()
    deadline = time.monotonic() + PATIENCE_S
    while not MEETING[theirs].exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    MEETING[f"{mine} saw"].write_text(str(MEETING[theirs].exists()), encoding="utf-8")


def preparing(*arguments: object, **keywords: object) -> object:
    _meet("preparing", "warming")
    return REAL_LOAD_ARTICLE(*arguments, **keywords)  # type: ignore[arg-type]


def warming(formats: tuple[str, ...]) -> None:
    _meet("warming", "preparing")
    MEETING["formats"].write_text(" ".join(formats), encoding="utf-8")
    REAL_WARM_UP(formats)


def test_a_waiting_unit_warms_up_then_does_the_unit_handed_over(tmp_path: Path) -> None:
    with Pool(doubled, 2, label, waiting=1) as pool:
        channel = pool.wait("unit 7 (later)", functools.partial(mark_warm, str(tmp_path)))
        pool.submit(1)
        pool.submit(2)
        pool.hand(channel, 7)
        results = list(pool.results())
    assert results == [(7, 14), (1, 2), (2, 4)]  # in the order the units were given
    assert len(list(tmp_path.glob("warm-*"))) == 1


def test_a_unit_never_handed_over_ends_with_the_pool(tmp_path: Path) -> None:
    started = time.monotonic()
    pool: Pool[int, tuple[int, int]] = Pool(doubled, 2, label, waiting=1)
    pool.wait("unit 7 (later)", functools.partial(mark_warm, str(tmp_path)))
    pool.close()  # the build stopped before the unit was ready
    assert time.monotonic() - started < PATIENCE_S
    assert len(list(tmp_path.glob("warm-*"))) == 1, "its worker warmed up, then read the end of its pipe"


def test_a_worker_that_dies_while_waiting_is_named(tmp_path: Path) -> None:
    with Pool(doubled, 2, label, waiting=1) as pool:
        channel = pool.wait("source.md (pdf)", die)
        pool.hand(channel, 7)  # to a dead worker: does not block
        with pytest.raises(WorkerDied) as raised:
            list(pool.results())
    assert "died, killed by SIGKILL, while building source.md (pdf)" in str(raised.value)


def test_the_pdf_worker_warms_up_while_the_article_is_prepared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The PDF's worker (forked from this process, so it runs the patched warm-up) and the preparing here
    each wait for the other to start: they meet only if the worker warms up while the article is prepared."""
    for name in ("preparing", "warming", "preparing saw", "warming saw", "formats"):
        MEETING[name] = tmp_path / name
    monkeypatch.setattr(prepare_article, "load_article", preparing)
    monkeypatch.setattr(handover, "warm_up", warming)
    sources, dist = tmp_path / "sources", tmp_path / "dist"
    slug = "cited-note-style"
    (sources / slug).mkdir(parents=True)
    for file in (FIXTURE_SOURCES / slug).iterdir():
        (sources / slug / file.name).write_bytes(file.read_bytes())
    started = time.monotonic()
    report = build_run.build(("pdf", "jats"), source_root=sources, dist=dist, jobs=2, reporter=QuietReporter())
    assert report.ok, report.failures
    assert time.monotonic() - started < PATIENCE_S
    assert MEETING["preparing saw"].read_text(encoding="utf-8") == "True"
    assert MEETING["warming saw"].read_text(encoding="utf-8") == "True"
    assert MEETING["formats"].read_text(encoding="utf-8") == "pdf"
    assert (dist / slug / artifact_name("pdf", slug)).read_bytes().startswith(b"%PDF-")
    assert (dist / slug / artifact_name("jats", slug)).is_file()


def test_hyphenation_patterns_parsed_in_one_process_serve_another() -> None:
    """What the build hands the PDF's worker with the article: pyphen's own parse of the language's file,
    which pyphen (and so WeasyPrint) then takes instead of parsing it again; none for a language pyphen
    lacks, nor when the PDF is not among the formats."""
    source = FIXTURE_SOURCES / "cited-note-style" / "article.md"
    article, _body, handed = pickle.loads(handover.prepared(source, None, [("pdf",), ("jats",)]))
    (path,) = handed
    assert path == pyphen.LANGUAGES[pyphen.language_fallback(article.language)]
    assert handed[path].patterns == pyphen.HyphDict(path).patterns
    cached = pyphen.hdcache.pop(path, None)
    try:
        handover.use_hyphenation(handed)
        assert pyphen.Pyphen(lang=article.language).hd is handed[path]
    finally:
        pyphen.hdcache.pop(path, None)
        if cached is not None:
            pyphen.hdcache[path] = cached
    assert pickle.loads(handover.prepared(source, None, [("jats", "epub")]))[2] == {}
    lacking = next(tag for tag in ("zh-Hans", "ja", "ar", "he") if pyphen.language_fallback(tag) is None)
    assert handover.hyphenation_patterns(lacking) == {}
