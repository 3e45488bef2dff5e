"""The build's processes and the commands beside it: a pandoc the build started ends with the process that
started it, and `invoke clean` and `invoke validate` do not act on a dist/ a build is writing."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

from conftest import REPO_ROOT
from test_bad_input import snapshot
from test_faults import (
    SLUGS,
    WORKERS_GONE_S,
    holder_written,
    make_sources,
    only_error,
    running,
    started,
    wait_while_running,
)

from pipeline.build.lock import LOCK_NAME
from pipeline.errors import shown

# A stand-in for pandoc that says who it is and then works for far longer than any test waits.
SLOW_PANDOC = "#!/bin/sh\necho $$ > {pid_file}\nexec sleep 120\n"
RUN_CONVERT = """
import sys, pypandoc
pypandoc.get_pandoc_path = lambda: sys.argv[1]
from pipeline.pandoc import convert
convert("text", "markdown", "html")
"""


def test_pandoc_ends_with_the_worker_that_started_it(tmp_path: Path) -> None:
    pid_file = tmp_path / "pandoc.pid"
    pandoc = tmp_path / "pandoc"
    pandoc.write_text(SLOW_PANDOC.format(pid_file=pid_file))
    pandoc.chmod(pandoc.stat().st_mode | stat.S_IXUSR)
    worker = subprocess.Popen([sys.executable, "-c", RUN_CONVERT, str(pandoc)], cwd=REPO_ROOT)
    try:
        wait_while_running(worker, lambda: pid_file.is_file() and pid_file.read_text().strip() != "")
        child = int(pid_file.read_text())
        assert running(child)
    finally:
        worker.kill()
        worker.wait()
    deadline = time.monotonic() + WORKERS_GONE_S
    while running(child) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not running(child), "pandoc kept running after the process that started it was killed"


def published(dist: Path) -> dict[str, bytes]:
    """What dist/ shows, without the working files of the build that is running meanwhile."""
    return {name: data for name, data in snapshot(dist).items() if not name.startswith(".")}


def invoke(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_clean_and_validate_refuse_a_dist_being_built_and_change_nothing(tmp_path: Path) -> None:
    sources, dist, gate = make_sources(tmp_path / "sources"), tmp_path / "dist", tmp_path / "gate"
    (dist / "kept").mkdir(parents=True)
    (dist / "kept" / "article.xml").write_text("<article/>")
    build = started("build-jats", sources, dist, fault=("stall", "jats", SLUGS[0], str(gate)))
    try:
        wait_while_running(build, lambda: holder_written(dist / LOCK_NAME))
        before = published(dist)
        for task in ("clean", "validate"):
            result = invoke(task, "--dist", str(dist))
            assert result.returncode == os.EX_TEMPFAIL, result.stdout + result.stderr
            line = only_error(result)
            assert line.startswith(f"error: {shown(dist)}/ is being built by another build (pid {build.pid} on ")
            assert line.endswith("run again when it has finished")
            assert published(dist) == before
        assert build.poll() is None, "the build must still be running for this test to mean anything"
    finally:
        gate.touch()
        build.communicate(timeout=300)
    assert build.returncode == 0


def test_clean_removes_a_dist_nobody_is_building(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "slug").mkdir(parents=True)
    (dist / "slug" / "article.xml").write_text("<article/>")
    (dist / "index.html").write_text("<html/>")
    result = invoke("clean", "--dist", str(dist))
    assert result.returncode == 0, result.stdout + result.stderr
    assert not dist.exists()
    assert invoke("clean", "--dist", str(dist)).returncode == 0  # nothing to remove is not a mistake
