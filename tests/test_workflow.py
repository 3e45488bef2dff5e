"""The GitHub workflow: linted with jactionlint (and ShellCheck over its shell steps), its jobs' steps in
order, one artifact per commentary without a slug written into it, and a release for a tag; the two shell
steps that list the commentaries and zip them are run here on a folder shaped like dist/."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import yaml
from conftest import REPO_ROOT, SOURCE_FILES

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "build.yml"
VENV_BIN = Path(sys.executable).parent


def load(path: Path = WORKFLOW) -> dict[str, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1); the workflow means the string.
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)
    return data


def jactionlint(path: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(VENV_BIN / "jactionlint"), "--no-color", str(path)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def test_the_workflow_passes_jactionlint_with_its_default_profile_and_shellcheck() -> None:
    result = jactionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "shellcheck was not found" not in result.stderr


def test_jactionlint_catches_a_broken_reference(tmp_path: Path) -> None:
    """The linter is real: an output the build job does not have, and a shell mistake, are caught."""
    broken = tmp_path / ".github" / "workflows" / "build.yml"
    broken.parent.mkdir(parents=True)
    text = WORKFLOW.read_text(encoding="utf-8")
    text = text.replace("fromJSON(needs.build.outputs.slugs)", "fromJSON(needs.build.outputs.slug_list)")
    text = text.replace('slug=$(basename "$(dirname "$manifest")")', "slug=$(basename $(dirname $manifest))")
    broken.write_text(text, encoding="utf-8")
    result = jactionlint(broken)
    assert result.returncode == 1
    assert "slug_list" in result.stdout and "SC2086" in result.stdout


def steps(job: dict[str, Any]) -> list[str]:
    """Each step as what it does: its `run` command, else the action it uses (without version)."""
    return [step.get("run") or step["uses"].split("@")[0] for step in job["steps"]]


def position(described: list[str], needle: str) -> int:
    found = [index for index, step in enumerate(described) if needle in step]
    assert len(found) == 1, f"{needle!r} in {described}"
    return found[0]


def test_the_build_job_restores_the_schemas_tests_builds_validates_and_uploads_in_that_order() -> None:
    job = load()["jobs"]["build"]
    described = steps(job)
    order = [
        position(described, "actions/checkout"),
        position(described, "actions/cache"),
        position(described, "bash .ci/run"),
        position(described, ".venv/bin/invoke build-all"),
        position(described, ".venv/bin/invoke validate"),
        position(described, "GITHUB_OUTPUT"),
        described.index("actions/upload-artifact"),  # dist/ first, then the test artifacts
    ]
    assert order == sorted(order)
    cache = job["steps"][order[1]]["with"]
    assert cache["path"] == ".cache/schemas"
    assert cache["key"] == "schemas-${{ hashFiles('pipeline/schemas/pins.json') }}"
    upload = job["steps"][order[-1]]["with"]
    assert (upload["name"], upload["path"]) == ("dist", "dist/")
    assert job["outputs"]["slugs"] == "${{ steps.slugs.outputs.slugs }}"
    assert job["steps"][order[5]]["id"] == "slugs"


def test_each_commentary_gets_its_own_artifact_from_the_list_the_build_made() -> None:
    workflow = load()
    job = workflow["jobs"]["commentary"]
    assert job["needs"] == "build"
    assert job["strategy"]["matrix"]["slug"] == "${{ fromJSON(needs.build.outputs.slugs) }}"
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "${{ matrix.slug }}"
    assert upload["with"]["path"] == "dist/${{ matrix.slug }}/"
    # Not written per slug: no commentary's slug appears anywhere in the workflow.
    text = WORKFLOW.read_text(encoding="utf-8")
    assert [path.parent.name for path in SOURCE_FILES if path.parent.name in text] == []


def test_a_version_tag_attaches_one_zip_per_commentary_to_its_release() -> None:
    workflow = load()
    assert "v*" in workflow["on"]["push"]["tags"]
    job = workflow["jobs"]["release"]
    assert job["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert job["needs"] == "build" and job["permissions"] == {"contents": "write"}
    publish = job["steps"][-1]["run"]
    assert 'gh release create "$TAG" release/*.zip' in publish
    assert 'gh release upload "$TAG" release/*.zip' in publish
    assert workflow["permissions"] == {"contents": "read"}  # only the release job may write


def fake_dist(root: Path) -> Path:
    for slug, names in {"first-title": ["first-title.pdf", "chart.png"], "second": ["second.xml"]}.items():
        (root / "dist" / slug).mkdir(parents=True)
        for name in [*names, "manifest.json"]:
            (root / "dist" / slug / name).write_bytes(f"{slug}/{name}".encode())
    # The journal's own files beside the commentaries: no commentary's.
    (root / "dist" / "issues" / "1").mkdir(parents=True)
    (root / "dist" / "issues" / "1" / "index.html").write_text("issue")
    (root / "dist" / "index.html").write_text("home")
    (root / "dist" / ".build-state").mkdir()
    (root / "dist" / ".build-state" / "first-title.json").write_text("{}")
    return root / "dist"


def run_step(job: str, name: str, cwd: Path, **environment: str) -> subprocess.CompletedProcess[str]:
    step = next(step for step in load()["jobs"][job]["steps"] if step.get("name") == name)
    script = step["run"].replace(".venv/bin/python", sys.executable)
    return subprocess.run(
        ["bash", "-e", "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **environment},
        check=True,
    )


def test_the_listing_step_names_each_commentary_folder_and_nothing_else(tmp_path: Path) -> None:
    fake_dist(tmp_path)
    output = tmp_path / "github-output"
    run_step("build", "List the commentaries built, for one artifact each", tmp_path, GITHUB_OUTPUT=str(output))
    assert output.read_text() == 'slugs=["first-title", "second"]\n'


def test_the_release_zips_hold_each_folder_and_are_the_same_every_time(tmp_path: Path) -> None:
    dist = fake_dist(tmp_path / "one")
    run_step("release", "One ZIP per commentary", dist.parent)
    with zipfile.ZipFile(dist.parent / "release" / "first-title.zip") as package:
        assert sorted(package.namelist()) == [
            "first-title/",
            "first-title/chart.png",
            "first-title/first-title.pdf",
            "first-title/manifest.json",
        ]
        assert package.read("first-title/chart.png") == b"first-title/chart.png"
    assert sorted(path.name for path in (dist.parent / "release").iterdir()) == ["first-title.zip", "second.zip"]

    again = fake_dist(tmp_path / "two")
    run_step("release", "One ZIP per commentary", again.parent)
    for name in ("first-title.zip", "second.zip"):
        assert (again.parent / "release" / name).read_bytes() == (dist.parent / "release" / name).read_bytes()


def test_main_publishes_the_validated_dist_to_github_pages() -> None:
    """The journal on GitHub Pages is the very dist/ the build job validated and uploaded as an artifact,
    built with the Pages address for the feed and sitemap; only a push to main publishes it."""
    jobs = load()["jobs"]
    pages = jobs["pages"]
    assert pages["needs"] == "build"
    assert pages["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert steps(pages) == ["actions/download-artifact", "actions/upload-pages-artifact", "actions/deploy-pages"]
    assert pages["steps"][0]["with"]["name"] == "dist" and pages["steps"][1]["with"]["path"] == "dist/"
    build = steps(jobs["build"])
    assert (
        position(build, "actions/configure-pages")
        < position(build, "invoke build-all")
        < position(build, "invoke validate")
    )
    assert "--site" in build[position(build, "invoke build-all")]
