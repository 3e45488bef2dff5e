"""The project's own plumbing: the CI workflow, `invoke validate` and `build-all`, and the set-up files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from conftest import HEAVY_FILES
from epubcheck_books import QUICK_JAVA

from pipeline import pandoc
from pipeline.build import run as build
from pipeline.errors import PipelineError
from pipeline.formats import artifact_name

REPO_ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))


def test_there_is_a_workflow() -> None:
    assert WORKFLOWS, "no workflow in .github/workflows"


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_workflow_is_valid_offline(workflow: Path) -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dist_is_ignored_by_git() -> None:
    result = subprocess.run(["git", "check-ignore", "-q", "dist/some-slug/some-slug.pdf"], cwd=REPO_ROOT, check=False)
    assert result.returncode == 0


def test_invoke_validate_passes_on_built_artifacts_and_fails_on_a_broken_one(
    built_all: dict, tmp_path: Path, jats_schema_dir: Path
) -> None:
    dist = next(iter(built_all.values())).pdf.parent.parent
    command = [sys.executable, "-m", "invoke", "validate", "--dist", str(dist)]
    # Java's quick compiler alone: the EPUBCheck run takes half the CPU time, with the same checks.
    quick_java = " ".join([os.environ.get("JAVA_TOOL_OPTIONS", ""), *QUICK_JAVA]).strip()
    environment = {**os.environ, "JATS_SCHEMA_DIR": str(jats_schema_dir), "JAVA_TOOL_OPTIONS": quick_java}
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=environment, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    # Every file of a format with an official schema or checker: the JATS, the EPUB, the PDF and the deposits.
    checked = [
        dist / slug / artifact_name(format_name, slug)
        for slug in built_all
        for format_name in ("jats", "epub", "pdf", "crossref", "doaj", "meca")
    ]
    assert f"{sum(path.exists() for path in checked)} artifact(s) valid" in result.stdout

    broken = tmp_path / "dist" / "broken"
    broken.mkdir(parents=True)
    jats = next(iter(built_all.values())).jats
    (broken / "broken.xml").write_text(jats.read_text(encoding="utf-8").replace("<body>", "<body><bogus/>", 1))
    command[-1] = str(tmp_path / "dist")
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=environment, check=False)
    assert result.returncode == 1
    assert "bogus" in result.stdout


def test_invoke_build_all_writes_pdf_epub_and_jats_per_source(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    command = [sys.executable, "-m", "invoke", "build-all", "--dist", str(dist)]
    result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    slugs = sorted(path.parent.name for path in (REPO_ROOT / "source").glob("*/article.md"))
    assert slugs
    for slug in slugs:
        built = sorted(path.name for path in (dist / slug).iterdir())
        assert {f"{slug}.epub", f"{slug}.pdf", f"{slug}.xml"} <= set(built)
        assert all((dist / slug / name).stat().st_size > 0 for name in built)


def test_build_refuses_a_pandoc_other_than_the_pinned_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(pandoc, "pandoc_version", lambda: "2.19.2")
    with pytest.raises(PipelineError, match=f"pandoc {pandoc.PANDOC_VERSION} is required, found 2.19.2"):
        build.build(dist=tmp_path)
    assert not any(tmp_path.iterdir())


# --- one set-up script for the README, .ci/run and the workflow ---------------------------------------

SETUP = REPO_ROOT / "scripts" / "setup"


def readme_commands() -> dict[str, str]:
    """The README's marked commands: ``<!-- command: NAME -->`` then a fenced block of one line."""
    lines = (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands: dict[str, str] = {}
    for number, line in enumerate(lines):
        if line.startswith("<!-- command: "):
            name = line.removeprefix("<!-- command: ").removesuffix(" -->")
            assert lines[number + 1].startswith("```") and lines[number + 3] == "```", f"{name}: not one fenced line"
            commands[name] = lines[number + 2]
    return commands


def test_the_readme_has_one_build_and_one_test_command_both_through_the_setup_script() -> None:
    commands = readme_commands()
    assert set(commands) == {"build", "test"}
    assert commands["build"].startswith("bash scripts/setup build && ")
    assert commands["build"].endswith("invoke build-all")
    assert commands["test"].startswith("bash scripts/setup test && ")
    assert commands["test"].endswith("invoke test")
    # Copy-pasteable as root and as a user: the script decides about sudo, the commands never call it.
    assert not any("sudo" in command or "apt-get" in command for command in commands.values())


def test_ci_runs_exactly_the_readme_test_command() -> None:
    printed = subprocess.run(["bash", ".ci/run", "--print"], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert printed.stdout.strip() == readme_commands()["test"]


def test_the_workflow_sets_up_only_through_the_setup_script_or_ci() -> None:
    runs = [
        step.get("run", "")
        for workflow in WORKFLOWS
        for job in yaml.safe_load(workflow.read_text())["jobs"].values()
        for step in job["steps"]
    ]
    assert not any("apt-get" in run or "pip install" in run or "npm " in run for run in runs), runs
    assert any("scripts/setup build" in run for run in runs)


def system_packages() -> dict[str, str]:
    """system-packages.txt as package -> mode."""
    packages: dict[str, str] = {}
    for line in (REPO_ROOT / "system-packages.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, mode = line.split()
            packages[name] = mode
    return packages


def test_each_system_package_names_its_mode_and_building_needs_no_browser_java_or_node() -> None:
    packages = system_packages()
    assert set(packages.values()) == {"build", "test"}
    build_only = {name for name, mode in packages.items() if mode == "build"}
    assert {"libpango-1.0-0", "libharfbuzz-subset0"} <= build_only
    assert not any(word in name for name in build_only for word in ("chromium", "jre", "jdk", "node", "npm"))
    assert {"chromium", "default-jre-headless"} <= set(packages)


def run_setup(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", str(SETUP), mode], cwd=REPO_ROOT, capture_output=True, text=True, check=False)


def test_setup_is_idempotent_and_says_what_each_mode_installs() -> None:
    """Run after a first run (the test command's own, or the one here), the set-up must find everything
    done, change nothing and be quick; the build mode lists no browser and no Java."""
    first = run_setup("test")  # does nothing when the test command has just set up this checkout
    assert first.returncode == 0, first.stdout + first.stderr
    stamps = {path: path.stat().st_mtime_ns for path in REPO_ROOT.glob(".venv/.setup-stamp-*")}
    started = time.monotonic()
    again = run_setup("test")
    assert again.returncode == 0, again.stdout + again.stderr
    assert time.monotonic() - started < 30
    assert "all installed already" in again.stdout
    assert "Ace by DAISY already installed" in again.stdout
    assert "Python packages already installed" in again.stdout
    assert {path: path.stat().st_mtime_ns for path in stamps} == stamps

    building = run_setup("build")
    assert building.returncode == 0, building.stdout + building.stderr
    listed = next(line for line in building.stdout.splitlines() if "system packages:" in line).split(":", 2)[2].split()
    expected = {name for name, mode in system_packages().items() if mode == "build"}
    assert expected <= set(listed)
    assert not any(word in name for name in listed for word in ("chromium", "jre", "npm"))
    assert "Ace by DAISY" not in building.stdout


def test_setup_refuses_an_unknown_mode() -> None:
    result = run_setup("everything")
    assert result.returncode == 2
    assert result.stderr.strip() == "usage: scripts/setup build|test"


def test_no_file_in_the_repository_names_a_machine_specific_folder() -> None:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    offenders = []
    for name in tracked.decode().split("\0"):
        path = REPO_ROOT / name
        if not name or not path.is_file() or path.suffix in {".png", ".jpg", ".pdf"}:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        # Spelled in parts, so that this file does not name them itself.
        offenders += [f"{name}: {folder}" for folder in ("/" + "work/", "/" + "home/") if folder in text]
    assert offenders == []


def test_the_heavy_files_listed_first_are_test_files() -> None:
    # conftest.py starts these first under pytest-xdist; a renamed or removed file must not linger in the list.
    assert HEAVY_FILES and len(set(HEAVY_FILES)) == len(HEAVY_FILES)
    assert [
        name for name in HEAVY_FILES if not (REPO_ROOT / "tests" / name).is_file() or not name.startswith("test_")
    ] == []
