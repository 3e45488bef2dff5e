"""The command line as an editor meets it: the README's failure example is real, --debug shows the
traceback that is otherwise hidden, and an oversized source is refused like any other bad input."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import REPO_ROOT

from pipeline.source.load import MAX_SOURCE_BYTES

SEED = REPO_ROOT / "source" / "kazakhstan-russia-ukraine"


def build_all(sources: Path, dist: Path, *extra: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "invoke", "--search-root", str(REPO_ROOT), "build-all"]
    command += ["--sources", str(sources), "--dist", str(dist), *extra]
    return subprocess.run(command, cwd=cwd or sources.parent, capture_output=True, text=True, check=False)


def readme_failure_example() -> tuple[str, str]:
    """The date the README's example breaks and the error line it shows."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("### When a build fails", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    error = next(line for line in block.splitlines() if re.match(r"^source/.+:\d+: \w", line))
    bad_date = re.search(r"'(\d{4}-\d{2}-\d{2})'", error)
    assert bad_date, error
    return bad_date.group(1), error


def test_the_readme_failure_example_is_what_the_build_prints(tmp_path: Path) -> None:
    bad_date, error = readme_failure_example()
    shutil.copytree(SEED, tmp_path / "source" / SEED.name)
    article = tmp_path / "source" / SEED.name / "article.md"
    text = article.read_text(encoding="utf-8")
    article.write_text(re.sub(r"^issued: .*$", f"issued: {bad_date}", text, count=1, flags=re.M), encoding="utf-8")
    # Relative folders, as an editor in the project folder types them: the message names source/...
    result = build_all(Path("source"), Path("dist"), cwd=tmp_path)
    assert result.returncode == 2
    assert error in result.stderr.splitlines()
    assert "Traceback" not in result.stdout + result.stderr


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    shutil.copytree(SEED, tmp_path / "source" / SEED.name)
    quiet = build_all(tmp_path / "source", tmp_path / "dist", "--source", "no-such-slug")
    loud = build_all(tmp_path / "source", tmp_path / "dist", "--source", "no-such-slug", "--debug")
    assert quiet.returncode == 2 and "Traceback" not in quiet.stderr
    assert loud.returncode != 0 and "Traceback" in loud.stderr and "no source named 'no-such-slug'" in loud.stderr


def test_an_oversized_source_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "source" / "huge"
    folder.mkdir(parents=True)
    front = (SEED / "article.md").read_text(encoding="utf-8").split("\n---\n", 1)[0] + "\n---\n\n"
    paragraph = "A paragraph of a body far longer than any commentary. " * 40 + "\n\n"
    (folder / "article.md").write_text(front + paragraph * (MAX_SOURCE_BYTES // len(paragraph) + 2))
    result = build_all(tmp_path / "source", tmp_path / "dist")
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if "huge/article.md" in line]
    assert len(lines) == 1 and re.search(
        r"article\.md:1: file: is \d+\.\d MiB; a source may be at most 2 MiB", lines[0]
    )
    assert not (tmp_path / "dist" / "huge").exists()
