"""A build that is stopped half-way (SIGKILL, SIGTERM, Ctrl-C) never leaves a half-written artifact:
each file is the previous build's, byte for byte, or a complete new one; an orderly stop leaves no
temporary file, and the next build sweeps up what a kill left."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest
from conftest import REPO_ROOT
from lxml import etree

from pipeline.build.progress import QuietReporter
from pipeline.build.run import build

SEED = REPO_ROOT / "source" / "kazakhstan-russia-ukraine" / "article.md"
COPIES = 8
OLD_TITLE = "Where Does Kazakhstan Stand on Russia’s Invasion of Ukraine?"
NEW_TITLE = "Where Does Kazakhstan Stand Now?"
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def make_sources(root: Path, title: str) -> None:
    text = SEED.read_text(encoding="utf-8").replace(OLD_TITLE, title, 1)
    for number in range(COPIES):
        folder = root / f"copy-{number}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "article.md").write_text(text, encoding="utf-8")


def complete(path: Path) -> bool:
    """A whole artifact of its kind, readable to the end."""
    try:
        if path.suffix == ".pdf":
            with pikepdf.open(path) as pdf:
                return len(pdf.pages) > 0
        if path.suffix == ".epub":
            with zipfile.ZipFile(path) as book:
                return book.testzip() is None
        if path.suffix in (".xml", ".html"):
            etree.parse(str(path), XML_PARSER if path.suffix == ".xml" else etree.HTMLParser())
            return path.read_bytes().rstrip().endswith(b">")
        return path.stat().st_size > 0
    except Exception:
        return False


@pytest.fixture(scope="module")
def earlier_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The copies with their old title, built once per module into ``dist/`` beside ``sources/``."""
    root = tmp_path_factory.mktemp("earlier")
    make_sources(root / "sources", OLD_TITLE)
    assert build(source_root=root / "sources", dist=root / "dist", reporter=QuietReporter()).ok
    return root


@pytest.fixture
def previous(earlier_build: Path, tmp_path: Path) -> tuple[Path, Path, dict[Path, bytes]]:
    """A dist/ from an earlier build (a copy of the module's: the build state holds hashes, never paths),
    and sources that have changed since."""
    sources, dist = tmp_path / "sources", tmp_path / "dist"
    shutil.copytree(earlier_build / "sources", sources)
    shutil.copytree(earlier_build / "dist", dist)
    old = {path: path.read_bytes() for path in dist.glob("*/*") if path.is_file()}
    make_sources(sources, NEW_TITLE)
    return sources, dist, old


def stop_mid_build(sources: Path, dist: Path, old: dict[Path, bytes], how: signal.Signals) -> int:
    command = [sys.executable, "-m", "invoke", "build-all", "--sources", str(sources), "--dist", str(dist), "--jobs=2"]
    # A shell without job control starts background commands with SIGINT ignored, and children inherit
    # that; a Ctrl-C from a terminal reaches a build whose SIGINT is not ignored, so start it that way.
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    # Wait until the build has replaced some artifacts but not all of them.
    while time.monotonic() < deadline and process.poll() is None:
        if sum(path.read_bytes() != data for path, data in old.items() if path.exists()) >= 3:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the build finished before it could be stopped: make it longer"
    process.send_signal(how)
    return process.wait(timeout=60)


def assert_old_or_complete(old: dict[Path, bytes]) -> tuple[int, int]:
    kept = replaced = 0
    for path, data in old.items():
        assert path.exists(), path
        now = path.read_bytes()
        if now == data:
            kept += 1
        else:
            assert complete(path), f"{path} is neither the previous file nor a complete new one"
            replaced += 1
    return kept, replaced


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_an_orderly_stop_leaves_whole_files_and_no_temporary_ones(previous, how: signal.Signals) -> None:
    sources, dist, old = previous
    code = stop_mid_build(sources, dist, old, how)
    assert code != 0
    kept, replaced = assert_old_or_complete(old)
    assert kept and replaced, (kept, replaced)
    assert list(dist.rglob("*.part")) == []


def test_a_killed_build_leaves_whole_files_and_the_next_build_sweeps_up(previous) -> None:
    sources, dist, old = previous
    assert stop_mid_build(sources, dist, old, signal.SIGKILL) == -signal.SIGKILL
    kept, replaced = assert_old_or_complete(old)
    assert kept and replaced, (kept, replaced)
    # Temporary files are hidden (.name.random.part) and never taken for an artifact.
    assert all(part.name.startswith(".") for part in dist.rglob("*.part"))
    report = build(source_root=sources, dist=dist, reporter=QuietReporter())
    assert report.ok
    assert list(dist.rglob("*.part")) == []
    assert all(
        complete(path) and path.read_bytes() != data for path, data in old.items() if "manifest" not in path.name
    )


def test_partial_builds_leave_previous_artifacts_of_failing_sources_alone(previous) -> None:
    sources, dist, old = previous
    broken = sources / "copy-0" / "article.md"
    broken.write_text(broken.read_text(encoding="utf-8").replace("issued: 2022-03-22", "issued: 2022-13-01"))
    report = build(source_root=sources, dist=dist, reporter=QuietReporter())
    assert len(report.failures) == 1 and "copy-0" in report.failures[0]
    assert {p: d for p, d in old.items() if p.parent.name == "copy-0"} == {
        p: p.read_bytes() for p in old if p.parent.name == "copy-0"
    }
