"""Faults of the machine, not of a source: each stops the build with one line naming what failed, a non-zero
exit code (sysexits: 75 "run again later", 74 an I/O fault, 70 a worker that died) and no traceback, and
leaves ``dist/`` byte for byte as it was.

Read-only folders and a full disk are real where the tests may mount (a tmpfs, a read-only bind mount: root
with CAP_SYS_ADMIN); elsewhere a folder without write permission is a real refusal too (a user other than
root), and only root in a container without CAP_SYS_ADMIN (where permissions do not bind root either) gets
the same faults injected at the operating-system calls (tests/faulty_build.py). A dying worker and an
unpicklable error are injected into the writer of one source: the worker really dies, by SIGKILL or abort(3).
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from test_bad_input import CONTROL, CORPUS, assert_no_traceback, snapshot

from pipeline import atomic
from pipeline.build import fingerprint
from pipeline.build.faults import DistBusy
from pipeline.build.lock import DYING_HOLDER_WAIT_S, LOCK_NAME, dist_lock
from pipeline.build.progress import QuietReporter
from pipeline.build.run import build
from pipeline.errors import PipelineError, shown

SHIM = REPO_ROOT / "tests" / "faulty_build.py"
SLUGS = ("alpha", "beta")
STOPPED = "the build stopped and nothing half-written was published"
# How long workers may outlive a killed build (PR_SET_PDEATHSIG acts at once; this is scheduling slack).
WORKERS_GONE_S = 5.0


# --- Running the command line ------------------------------------------------------------------------


def command(task: str, sources: Path, dist: Path, *extra: str, fault: Sequence[str] = ()) -> list[str]:
    args = [task, "--sources", str(sources), "--dist", str(dist), *extra]
    if fault:
        return [sys.executable, str(SHIM), *fault, "--", *args]
    return [sys.executable, "-m", "invoke", *args]


def cli(
    task: str, sources: Path, dist: Path, *extra: str, fault: Sequence[str] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(task, sources, dist, *extra, fault=fault),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def only_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one line the failed build printed to stderr (notices aside)."""
    assert_no_traceback(result)
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("notice: ")]
    assert len(lines) == 1, result.stdout + result.stderr
    return lines[0]


def make_sources(root: Path, slugs: Sequence[str] = SLUGS) -> Path:
    text = (CORPUS / CONTROL / "article.md").read_text(encoding="utf-8")
    for slug in slugs:
        (root / slug).mkdir(parents=True, exist_ok=True)
        (root / slug / "article.md").write_text(text, encoding="utf-8")
    return root


def edit(sources: Path, slug: str) -> None:
    article = sources / slug / "article.md"
    article.write_text(article.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")


def hidden_leftovers(dist: Path) -> list[str]:
    """Anything of the build's own in dist/ besides its record: staging folders, temporary files, the lock."""
    return sorted(
        path.relative_to(dist).as_posix() for path in dist.rglob(".*") if path.name != fingerprint.STATE_FOLDER
    )


def started(task: str, sources: Path, dist: Path, *extra: str, fault: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command(task, sources, dist, *extra, fault=fault), cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def wait_while_running(process: subprocess.Popen[bytes], ready: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while process.poll() is None and not ready() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert process.poll() is None and ready(), "the build ended before the test could step in: make it longer"


def holder_written(lock: Path) -> bool:
    try:
        return bool(lock.read_text())
    except FileNotFoundError:
        return False


@pytest.fixture
def published(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """Two sources with JATS built into dist/, then one of them edited: the next build has work to do."""
    sources, dist = make_sources(tmp_path / "sources"), tmp_path / "dist"
    assert build(("jats",), source_root=sources, dist=dist, reporter=QuietReporter()).ok
    edit(sources, SLUGS[0])
    return sources, dist, snapshot(dist)


# --- Read-only and full file systems: real where the machine allows -----------------------------------


@cache
def can_mount() -> bool:
    """Root with CAP_SYS_ADMIN: a tmpfs mounts (a container without it says "permission denied")."""
    if os.geteuid() != 0:
        return False
    probe = Path(os.environ.get("TMPDIR", "/tmp")) / f"mount-probe-{os.getpid()}"
    probe.mkdir(exist_ok=True)
    try:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(probe)], capture_output=True)
        if mounted.returncode == 0:
            subprocess.run(["umount", str(probe)], check=True)
        return mounted.returncode == 0
    except FileNotFoundError:
        return False
    finally:
        probe.rmdir()


@cache
def permissions_protect() -> bool:
    """A folder without write permission refuses this user (not so for root with CAP_DAC_OVERRIDE)."""
    probe = Path(tempfile.mkdtemp())
    probe.chmod(0o555)
    try:
        (probe / "probe").touch()
    except PermissionError:
        return True
    finally:
        probe.chmod(0o755)
        shutil.rmtree(probe)
    return False


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@contextmanager
def read_only(folder: Path) -> Iterator[tuple[str, Sequence[str]]]:
    """``folder`` read-only for the block; yields what the system will say and the fault to inject, if any."""
    if can_mount():
        mount("--bind", str(folder), str(folder))
        try:
            mount("-o", "remount,bind,ro", str(folder))
            yield os.strerror(errno.EROFS), ()
        finally:
            subprocess.run(["umount", str(folder)], check=True)
    elif permissions_protect():
        modes = {path: path.stat().st_mode for path in (folder, *folder.rglob("*")) if path.is_dir()}
        for path in modes:
            path.chmod(0o555)
        try:
            yield os.strerror(errno.EACCES), ()
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
    else:
        yield os.strerror(errno.EROFS), ("read-only", str(folder))


@contextmanager
def full_disk(folder: Path, size_kib: int) -> Iterator[Sequence[str]]:
    """A file system of ``size_kib`` at ``folder`` (a tmpfs) where one can be mounted; yields the fault to
    inject where not."""
    if not can_mount():
        yield ("full", str(folder))
        return
    mount("-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(folder))
    try:
        yield ()
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def fill(folder: Path, leave_bytes: int) -> None:
    """Fill the file system of ``folder`` up to ``leave_bytes`` of free space, with a file beside dist/."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as stream:
        try:
            while stream.write(b"\0" * 4096):
                pass
        except OSError as error:
            assert error.errno == errno.ENOSPC
    os.truncate(filler, max(filler.stat().st_size - leave_bytes, 0))


# --- A second build on the same dist/ -----------------------------------------------------------------


def test_a_second_build_is_refused_naming_the_first_which_finishes_whole(tmp_path: Path) -> None:
    sources, dist, gate = make_sources(tmp_path / "sources"), tmp_path / "dist", tmp_path / "gate"
    # The first build holds dist/ until the test opens the gate: it writes the first article's JATS then.
    first = started("build-jats", sources, dist, fault=("stall", "jats", SLUGS[0], str(gate)))
    wait_while_running(first, lambda: holder_written(dist / LOCK_NAME))

    second = cli("build-pdf", sources, dist)

    assert first.poll() is None, "the first build must still be running for this test to mean anything"
    gate.touch()
    assert second.returncode == os.EX_TEMPFAIL, second.stdout + second.stderr
    line = only_error(second)
    holder = re.fullmatch(
        rf"error: {re.escape(shown(dist))}/ is being built by another build \(pid (\d+) on (\S+), started "
        r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC)\); run again when it has finished",
        line,
    )
    assert holder, line
    assert (int(holder[1]), holder[2]) == (first.pid, socket.gethostname())
    out, err = first.communicate(timeout=300)
    assert first.returncode == 0, out + err
    assert b"Traceback" not in out + err
    # The first build published both articles whole, the second wrote nothing (no PDF) and swept nothing.
    for slug in SLUGS:
        assert sorted(path.suffix for path in (dist / slug).iterdir()) == [".json", ".xml", ".zip", ".zip"]
    assert hidden_leftovers(dist) == []


def test_a_killed_build_leaves_no_workers_and_no_lock_that_blocks(tmp_path: Path) -> None:
    sources, dist, gate = make_sources(tmp_path / "sources"), tmp_path / "dist", tmp_path / "gate"
    # One worker stalls in the first article's JATS, the other waits for work: both alive, never finished.
    process = started("build-jats", sources, dist, "--jobs", "2", fault=("stall", "jats", SLUGS[0], str(gate)))
    wait_while_running(process, lambda: len(children(process.pid)) == 2)
    workers = children(process.pid)
    process.kill()
    process.wait(timeout=10)
    deadline = time.monotonic() + WORKERS_GONE_S
    while (alive := [pid for pid in workers if running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive == [], f"workers {alive} outlived the build by {WORKERS_GONE_S} s"
    assert any(path.name.endswith(atomic.STAGING_SUFFIX) for path in dist.iterdir()), "nothing left to sweep"

    # The next build takes the lock, sweeps up the staging folders and publishes every article whole.
    assert cli("build-jats", sources, dist, "--source", SLUGS[1]).returncode == 0
    assert hidden_leftovers(dist) == []
    assert sorted(path.name for path in dist.iterdir()) == [fingerprint.STATE_FOLDER, SLUGS[1]]


def test_a_lock_kept_by_a_killed_builds_workers_is_waited_for_briefly(tmp_path: Path) -> None:
    """Killed a moment ago, the holder's workers may still hold the lock while the kernel ends them: the
    next build waits for that; a holder still running is refused at once."""
    dist = tmp_path / "dist"
    dist.mkdir()
    ended = subprocess.Popen(["true"])
    ended.wait()
    for holder_pid, released_after_s in ((ended.pid, 0.3), (os.getpid(), None)):
        handle = os.open(dist / LOCK_NAME, os.O_RDWR | os.O_CREAT)
        fcntl.flock(handle, fcntl.LOCK_EX)
        os.write(handle, f"pid {holder_pid} on {socket.gethostname()}, started 2024-05-02 09:14:03 UTC".encode())
        if released_after_s is not None:
            threading.Timer(released_after_s, os.close, [handle]).start()
            started = time.monotonic()
            with dist_lock(dist):
                waited = time.monotonic() - started
            assert released_after_s <= waited < DYING_HOLDER_WAIT_S
        else:
            started = time.monotonic()
            with pytest.raises(DistBusy, match=rf"\(pid {holder_pid} on "):
                dist_lock(dist).__enter__()
            assert time.monotonic() - started < 1
            os.close(handle)


def children(pid: int) -> list[int]:
    """The build's worker processes: forked from ``pid``, so with its command line (pandoc has another)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])  # the field after the command name
            if parent == pid and (stat.parent / "cmdline").read_bytes() == Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(stat.parent.name))
        except OSError:
            continue
    return found


def running(pid: int) -> bool:
    """Alive and not a zombie (dead, its exit status not yet collected)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_the_next_build_sweeps_every_leftover_of_a_killed_one(published: tuple[Path, Path, dict[str, bytes]]) -> None:
    """Leftovers of sources this build does not publish too: a staging folder, a retired folder that a
    crash left unreplaced, temporary files in the build's record."""
    sources, dist, before = published
    staging = atomic.staging_folder(dist / SLUGS[1])
    (staging / f".{SLUGS[1]}.xml.x1.part").write_text("<half")
    (dist / fingerprint.STATE_FOLDER / f".{SLUGS[1]}.json.x2.part").write_text("{")
    retired = dist / f".{SLUGS[1]}.x3{atomic.RETIRED_SUFFIX}"  # killed after the swap's second rename
    retired.mkdir()
    (retired / f"{SLUGS[1]}.xml").write_text("<old/>")
    (dist / LOCK_NAME).write_text("pid 1 on elsewhere, started long ago")  # a killed build's, not locked
    result = cli("build-jats", sources, dist, "--source", SLUGS[0])
    assert result.returncode == 0, result.stdout + result.stderr
    assert hidden_leftovers(dist) == []
    after = snapshot(dist)
    assert {name: data for name, data in after.items() if SLUGS[1] in name} == {
        name: data for name, data in before.items() if SLUGS[1] in name
    }


# --- Read-only folders, a full disk -----------------------------------------------------------------------


def test_a_read_only_dist_stops_the_build_in_one_line(published: tuple[Path, Path, dict[str, bytes]]) -> None:
    sources, dist, before = published
    with read_only(dist) as (reason, fault):
        result = cli("build-jats", sources, dist, fault=fault)
        after = snapshot(dist)
        # Nothing to write: a build that finds everything fresh needs no lock, and succeeds.
        fresh = cli("build-jats", sources, dist, "--source", SLUGS[1], fault=fault)
    assert result.returncode == os.EX_IOERR, result.stdout + result.stderr
    assert only_error(result) == f"error: {shown(dist / SLUGS[0])}: {reason}; {STOPPED}"
    assert after == before
    assert fresh.returncode == 0 and "built 0 artifact(s), 1 unchanged" in fresh.stdout, fresh.stdout + fresh.stderr


def test_a_read_only_parent_stops_the_build_before_dist_exists(tmp_path: Path) -> None:
    sources, parent = make_sources(tmp_path / "sources"), tmp_path / "out"
    parent.mkdir()
    with read_only(parent) as (reason, fault):
        result = cli("build-jats", sources, parent / "dist", fault=fault)
        debug = cli("build-jats", sources, parent / "dist", "--debug", fault=fault)
    assert result.returncode == os.EX_IOERR, result.stdout + result.stderr
    assert only_error(result) == f"error: {shown(parent / 'dist')}: {reason}; {STOPPED}"
    assert list(parent.iterdir()) == []
    assert debug.returncode != 0 and "Traceback" in debug.stderr and reason in debug.stderr


def test_a_full_disk_stops_the_build_in_one_line(tmp_path: Path) -> None:
    """Filled while a worker writes: every format of one source, in two processes, on 16 KiB left."""
    volume = tmp_path / "volume"
    volume.mkdir()
    sources = make_sources(tmp_path / "sources", SLUGS[:1])
    with full_disk(volume, 2048) as fault:
        dist = volume / "dist"
        assert build(("jats",), source_root=sources, dist=dist, reporter=QuietReporter()).ok
        edit(sources, SLUGS[0])
        before = snapshot(dist)
        if not fault:
            fill(volume, leave_bytes=16 * 1024)
        result = cli("build-all", sources, dist, "--jobs", "2", fault=fault)
        after = snapshot(dist)
    assert result.returncode == os.EX_IOERR, result.stdout + result.stderr
    line = only_error(result)
    written = re.escape(shown(dist / SLUGS[0]))
    assert re.fullmatch(rf"error: {written}/[^/ ]+: {os.strerror(errno.ENOSPC)}; {STOPPED}", line), line
    assert after == before


# --- A worker that dies, an error that cannot be pickled ----------------------------------------------


@pytest.mark.parametrize(("how", "ended"), [("SIGKILL", "killed by SIGKILL"), ("abort", "killed by SIGABRT")])
def test_a_dead_worker_is_named_with_its_source(
    published: tuple[Path, Path, dict[str, bytes]], how: str, ended: str
) -> None:
    sources, dist, before = published
    edit(sources, SLUGS[1])  # two sources to build: one worker each
    before = snapshot(dist)
    result = cli("build-jats", sources, dist, "--jobs", "2", fault=("die", "jats", SLUGS[0], how))
    assert result.returncode == os.EX_SOFTWARE, result.stdout + result.stderr
    line = only_error(result)
    source = re.escape(shown(sources / SLUGS[0] / "article.md"))
    assert re.fullmatch(
        rf"error: a build worker \(pid \d+\) died, {ended}, while building {source} \(jats\); {STOPPED}", line
    ), line
    assert snapshot(dist) == before
    assert hidden_leftovers(dist) == []


@pytest.mark.parametrize(("kind", "said"), [("lxml", "XMLSyntaxError: "), ("unpicklable", "Unpicklable: ")])
def test_an_error_that_cannot_be_pickled_reaches_the_build_as_one_line(
    published: tuple[Path, Path, dict[str, bytes]], kind: str, said: str
) -> None:
    sources, dist, before = published
    edit(sources, SLUGS[1])
    fault = ("raise", "jats", SLUGS[0], kind)
    result = cli("build-jats", sources, dist, "--jobs", "2", fault=fault)
    assert result.returncode == 2, result.stdout + result.stderr
    assert_no_traceback(result)
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    source = shown(sources / SLUGS[0] / "article.md")
    assert len(errors) == 2 and errors[0].startswith(f"{source}: jats failed: {said}"), errors
    listed = [line for line in result.stdout.splitlines() if re.fullmatch(r"  \S+ +\S+  [\d.]+ s|  manifest \S+", line)]
    assert errors[1] == f"1 source(s) failed; {len(listed)} artifact(s) built", result.stdout
    after = snapshot(dist)
    assert {name: data for name, data in after.items() if SLUGS[0] in name} == {
        name: data for name, data in before.items() if SLUGS[0] in name
    }
    assert after[f"{SLUGS[1]}/{SLUGS[1]}.xml"] != before[f"{SLUGS[1]}/{SLUGS[1]}.xml"], "the other source is built"
    debug = cli("build-jats", sources, dist, "--jobs", "2", "--debug", fault=fault)
    assert debug.returncode == 2 and "Traceback" in debug.stderr and said.rstrip(": ") in debug.stderr


def test_the_summary_counts_sources_not_failures(published, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two formats of one source fail: two lines, one failed source."""
    sources, dist, before = published

    def fail(*_args: object, **_kwargs: object) -> None:
        raise PipelineError("refused on purpose")

    monkeypatch.setattr("pipeline.writers.jats.write", fail)
    monkeypatch.setattr("pipeline.writers.ris.write", fail)
    report = build(("jats", "ris"), slug=SLUGS[0], source_root=sources, dist=dist, reporter=QuietReporter())
    assert len(report.failures) == 2 and report.failed == [sources / SLUGS[0] / "article.md"]
    assert snapshot(dist) == before
