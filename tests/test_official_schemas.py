"""The official schemas: the pins, `invoke fetch-schemas` from a mirror and over HTTP, `invoke pin-schemas`,
the one lookup the tests and `invoke validate` share, and what .ci/run sets.

Over HTTP, a server on 127.0.0.1 serves a copy of the pinned files (this machine has no other network):
the download code is the real one, only the address each file is read from is redirected."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT
from lxml import etree

from pipeline.check import official_schemas, schemas_download
from pipeline.check.official_schemas import PINS_FILE, PinnedFile, load_pins
from pipeline.check.schemas_download import SchemaFetchError, fetch_schemas, pin_schemas
from pipeline.errors import PipelineError

SETS = load_pins()
ALL_FILES = [(name, pinned) for name, schema_set in SETS.items() for pinned in schema_set.files]
SCHEMA_VARIABLES = [schema_set.variable for schema_set in SETS.values()]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, tuple[int, str]]:
    """Every file below ``folder`` with its modification time and hash: what "nothing written" compares."""
    return {
        str(path.relative_to(folder)): (path.stat().st_mtime_ns, sha256(path))
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="session")
def pinned_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mirror laid out like shared/schemas, holding each set's pinned files as found by the lookup
    (the cache `invoke fetch-schemas` filled, or a variable's folder)."""
    mirror = tmp_path_factory.mktemp("mirror")
    for name, pinned in ALL_FILES:
        folder = official_schemas.schema_dir(name)
        assert folder is not None, official_schemas.not_found(name)
        (mirror / name / pinned.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(folder / pinned.path, mirror / name / pinned.path)
    return mirror


@pytest.fixture
def mirror(pinned_copy: Path, tmp_path: Path) -> Path:
    """A copy of the mirror this test may change."""
    return shutil.copytree(pinned_copy, tmp_path / "mirror")


def change_one_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


# --- the pins ---------------------------------------------------------------------------------------------


def test_every_pinned_file_found_matches_its_pin(pinned_copy: Path) -> None:
    mismatched = [
        f"{name}/{pinned.path}"
        for name, pinned in ALL_FILES
        if sha256(pinned_copy / name / pinned.path) != pinned.sha256
    ]
    assert mismatched == []


class LoadRecorder(etree.Resolver):
    """Records every file lxml loads while compiling a schema, serving the set's catalog entries locally."""

    def __init__(self, folder: Path, catalog: dict[str, str]) -> None:
        super().__init__()
        self.folder = folder
        self.catalog = catalog
        self.loaded: set[str] = set()

    def resolve(self, system_url: str, public_id: str | None, context: object) -> object:
        if system_url in self.catalog:
            local = self.folder / self.catalog[system_url]
        else:
            local = Path(system_url.removeprefix("file://"))
        assert local.resolve().is_relative_to(self.folder.resolve()), f"{system_url} is outside the set"
        self.loaded.add(local.resolve().relative_to(self.folder.resolve()).as_posix())
        return self.resolve_filename(str(local), context)


@pytest.mark.parametrize("name", list(SETS))
def test_the_pins_hold_every_file_the_driver_loads(pinned_copy: Path, name: str) -> None:
    """lxml, loading the driver from a folder that holds only the pinned files, reads nothing else and
    never the network: a schema file added to an import without a pin would fail here."""
    schema_set = SETS[name]
    folder = pinned_copy / name
    recorder = LoadRecorder(folder, dict(schema_set.catalog))
    parser = etree.XMLParser(load_dtd=True, no_network=True, resolve_entities=False)
    parser.resolvers.add(recorder)
    driver = folder / schema_set.driver
    if driver.suffix == ".dtd":
        etree.fromstring(f'<!DOCTYPE x SYSTEM "{driver}"><x/>'.encode(), parser, base_url=str(driver))
    else:
        etree.XMLSchema(etree.parse(str(driver), parser))
        recorder.loaded.add(schema_set.driver)
    pinned = {file.path for file in schema_set.files}
    assert schema_set.driver in recorder.loaded
    assert recorder.loaded <= pinned, recorder.loaded - pinned
    # What the driver does not load is a licence or a sibling schema of the same publication, nothing else.
    assert all(path == "LICENSE" or path.endswith(".dtd") for path in pinned - recorder.loaded), (
        pinned - recorder.loaded
    )


def test_each_pin_names_an_official_address_of_its_own() -> None:
    urls = [pinned.url for _, pinned in ALL_FILES]
    assert len(set(urls)) == len(urls)
    hosts = {url.split("/")[2] for url in urls}
    assert hosts == {"jats.nlm.nih.gov", "raw.githubusercontent.com"}
    # The GitHub copies are taken at fixed commits, never a branch that moves.
    assert all(len(url.split("/")[5]) == 40 for url in urls if "githubusercontent" in url)


def test_a_pins_file_with_a_path_outside_its_set_is_refused(tmp_path: Path) -> None:
    data = json.loads(PINS_FILE.read_text(encoding="utf-8"))
    data["sets"]["meca"]["files"][0]["path"] = "../../escape.dtd"
    bad = tmp_path / "pins.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        PipelineError, match=r"pins.json: sets/meca/files/0/path: '\.\./\.\./escape\.dtd' does not match"
    ):
        load_pins(bad)


# --- fetch-schemas from a mirror ----------------------------------------------------------------------------


def test_fetching_from_a_mirror_fills_each_set_and_a_second_run_reads_nothing(mirror: Path, tmp_path: Path) -> None:
    target = tmp_path / "cache" / "schemas"
    report = fetch_schemas(target, mirror=mirror, names=list(SETS))
    assert report.fetched == {name: len(schema_set.files) for name, schema_set in SETS.items()}
    assert all(sha256(target / name / pinned.path) == pinned.sha256 for name, pinned in ALL_FILES)
    assert not [path for path in target.iterdir() if path.name.startswith(".")]  # no staging left behind
    before = snapshot(target)

    shutil.rmtree(mirror)  # the second run must not need it
    again = fetch_schemas(target, mirror=mirror, names=list(SETS))
    assert again.fetched == {} and again.present == report.fetched
    assert snapshot(target) == before


def invoke_fetch(target: Path, mirror: Path, *options: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in SCHEMA_VARIABLES}
    environment["SCHEMAS_MIRROR"] = str(mirror)
    command = [sys.executable, "-m", "invoke", "fetch-schemas", "--target", str(target), *options]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, env=environment, check=False)


def test_one_changed_byte_in_the_mirror_is_refused_naming_the_file_and_its_pin(mirror: Path, tmp_path: Path) -> None:
    name, pinned = "crossref-5.3.1", next(file for file in SETS["crossref-5.3.1"].files if file.path == "fundref.xsd")
    change_one_byte(mirror / name / pinned.path)
    target = tmp_path / "cache" / "schemas"
    result = invoke_fetch(target, mirror)
    assert result.returncode == 2, result.stdout + result.stderr
    refused = [line for line in result.stderr.splitlines() if f"{name}/{pinned.path}" in line]
    assert len(refused) == 1 and f"expected SHA-256 {pinned.sha256}" in refused[0]
    assert f"got {sha256(mirror / name / pinned.path)}" in refused[0]
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "cache").exists()  # nothing written, not even the folders


def test_a_refused_file_leaves_an_existing_cache_as_it_was(mirror: Path, tmp_path: Path) -> None:
    target = tmp_path / "schemas"
    assert invoke_fetch(target, mirror).returncode == 0
    before = snapshot(target)
    stale = SETS["doaj"].files[0]
    change_one_byte(target / "doaj" / stale.path)  # the cache is damaged, and so is the mirror
    change_one_byte(mirror / "doaj" / stale.path)
    damaged = snapshot(target)
    result = invoke_fetch(target, mirror)
    assert result.returncode == 2 and f"doaj/{stale.path}" in result.stderr
    assert snapshot(target) == damaged != before


def test_a_missing_mirror_file_and_an_unknown_set_are_reported(mirror: Path, tmp_path: Path) -> None:
    (mirror / "meca" / "manifest-1.0.dtd").unlink()
    result = invoke_fetch(tmp_path / "schemas", mirror, "--only", "meca")
    assert result.returncode == 2
    assert "meca/manifest-1.0.dtd: cannot read" in result.stderr and "expected SHA-256" in result.stderr
    result = invoke_fetch(tmp_path / "schemas", mirror, "--only", "mathml")
    assert result.returncode == 2 and "unknown schema set mathml" in result.stderr
    assert not (tmp_path / "schemas").exists()


def test_a_set_named_by_its_variable_is_not_fetched(
    mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in SCHEMA_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("MECA_SCHEMA_DIR", str(mirror / "meca"))
    report = fetch_schemas(tmp_path / "schemas", mirror=mirror)
    assert report.configured == {"meca": str(mirror / "meca")}
    assert set(report.fetched) == set(SETS) - {"meca"}
    assert not (tmp_path / "schemas" / "meca").exists()


# --- fetch-schemas over HTTP --------------------------------------------------------------------------------


class Served:
    """A local HTTP server over a folder: counts requests, and can cut one file short."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.requests: list[str] = []
        self.truncate: str | None = None
        served = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: object, **kwargs: object) -> None:
                super().__init__(*args, directory=str(served.folder), **kwargs)

            def do_GET(self) -> None:
                served.requests.append(self.path)
                if self.path.lstrip("/") == served.truncate:
                    body = (served.folder / served.truncate).read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body[: len(body) // 2])  # then the connection closes
                    self.close_connection = True
                    return
                super().do_GET()

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)

    def address(self, set_name: str, pinned: PinnedFile) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/{set_name}/{pinned.path}"


@pytest.fixture
def served(mirror: Path) -> Iterator[Served]:
    served = Served(mirror)
    thread = threading.Thread(target=served.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        served.server.shutdown()
        served.server.server_close()
        thread.join(timeout=10)


def test_downloading_fills_each_set_once_and_a_second_run_downloads_nothing(served: Served, tmp_path: Path) -> None:
    target = tmp_path / "schemas"
    report = fetch_schemas(target, names=list(SETS), address=served.address)
    assert sorted(served.requests) == sorted(f"/{name}/{pinned.path}" for name, pinned in ALL_FILES)
    assert sum(report.fetched.values()) == len(ALL_FILES)
    assert all(sha256(target / name / pinned.path) == pinned.sha256 for name, pinned in ALL_FILES)

    served.requests.clear()
    assert fetch_schemas(target, names=list(SETS), address=served.address).fetched == {}
    assert served.requests == []

    # A damaged cached file: only that file is downloaded again, and the set is whole after.
    damaged = SETS["jats-1.4"].files[0]
    change_one_byte(target / "jats-1.4" / damaged.path)
    report = fetch_schemas(target, names=list(SETS), address=served.address)
    assert served.requests == [f"/jats-1.4/{damaged.path}"] and report.fetched == {"jats-1.4": 1}
    assert sha256(target / "jats-1.4" / damaged.path) == damaged.sha256


def test_a_changed_or_truncated_download_is_refused_and_nothing_is_written(served: Served, tmp_path: Path) -> None:
    changed = SETS["jats-archiving-1.2"].files[3]
    change_one_byte(served.folder / "jats-archiving-1.2" / changed.path)
    truncated = SETS["crossref-5.3.1"].files[0]
    served.truncate = f"crossref-5.3.1/{truncated.path}"
    target = tmp_path / "cache" / "schemas"
    with pytest.raises(SchemaFetchError) as refused:
        fetch_schemas(target, names=list(SETS), address=served.address)
    problems = refused.value.problems
    assert len(problems) == 3, problems
    assert f"jats-archiving-1.2/{changed.path} from http://127.0.0.1" in problems[1]
    assert f"expected SHA-256 {changed.sha256}" in problems[1]
    assert problems[0].startswith(f"crossref-5.3.1/{truncated.path}: reading http://127.0.0.1")
    size = (served.folder / served.truncate).stat().st_size
    assert f"broke off after {size // 2} of {size} bytes" in problems[0]
    assert f"expected SHA-256 {truncated.sha256}" in problems[0]
    assert problems[2] == f"2 file(s) refused; nothing written to {target}"
    assert not (tmp_path / "cache").exists()


def test_an_address_that_answers_not_found_is_reported(served: Served, tmp_path: Path) -> None:
    (served.folder / "doaj" / "LICENSE").unlink()
    with pytest.raises(SchemaFetchError) as refused:
        fetch_schemas(tmp_path / "schemas", names=["doaj"], address=served.address)
    assert refused.value.problems[0].startswith("doaj/LICENSE: could not download http://127.0.0.1")
    assert "HTTP 404" in refused.value.problems[0] and SETS["doaj"].files[0].sha256 in refused.value.problems[0]


# --- pin-schemas --------------------------------------------------------------------------------------------


def test_pinning_again_changes_only_what_changed_and_keeps_the_file_as_written(mirror: Path, tmp_path: Path) -> None:
    pins = tmp_path / "pins.json"
    shutil.copyfile(PINS_FILE, pins)
    assert pin_schemas(pins, mirror=mirror) == []
    assert pins.read_bytes() == PINS_FILE.read_bytes()  # the committed file is exactly what the task writes

    changed = SETS["meca"].files[1]
    change_one_byte(mirror / "meca" / changed.path)
    new = sha256(mirror / "meca" / changed.path)
    assert pin_schemas(pins, mirror=mirror, names=["meca"]) == [f"meca/{changed.path}: {changed.sha256} -> {new}"]
    repinned = load_pins(pins)
    assert repinned["meca"].files[1].sha256 == new
    assert [file for name in SETS for file in repinned[name].files if file.path != changed.path] == [
        file for name in SETS for file in SETS[name].files if file.path != changed.path
    ]


# --- the one lookup -----------------------------------------------------------------------------------------


def test_the_lookup_takes_the_variable_then_the_cache_then_the_copy_beside_the_checkout(
    pinned_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "doaj"
    monkeypatch.delenv("DOAJ_SCHEMA_DIR", raising=False)
    cache, beside = tmp_path / "cache", tmp_path / "shared"
    monkeypatch.setattr(official_schemas, "SCHEMA_CACHE", cache)
    monkeypatch.setattr(official_schemas, "SHARED_SCHEMAS", beside)
    assert official_schemas.schema_dir(name) is None
    assert "run `invoke fetch-schemas` (or set DOAJ_SCHEMA_DIR)" in official_schemas.not_found(name)
    shutil.copytree(pinned_copy / name, beside / name)
    assert official_schemas.schema_dir(name) == beside / name
    shutil.copytree(pinned_copy / name, cache / name)
    assert official_schemas.schema_dir(name) == cache / name
    # A variable wins even when its folder lacks the driver: the message then names that folder.
    monkeypatch.setenv("DOAJ_SCHEMA_DIR", str(tmp_path / "elsewhere"))
    assert official_schemas.schema_dir(name) == tmp_path / "elsewhere"
    assert official_schemas.driver_path(name) is None
    assert f"no doajArticles.xsd in {tmp_path / 'elsewhere'}" in official_schemas.not_found(name)


# --- .ci/run ------------------------------------------------------------------------------------------------


def ci_run_in(checkout: Path) -> str:
    """Run a copy of .ci/run in ``checkout`` with a README whose test command prints the schema variables."""
    (checkout / ".ci").mkdir(parents=True)
    shutil.copy(REPO_ROOT / ".ci" / "run", checkout / ".ci" / "run")
    readme = "<!-- command: test -->\n```sh\nenv | grep -E 'SCHEMA' | sort\n```\n"
    (checkout / "README.md").write_text(readme, encoding="utf-8")
    environment = {
        key: value for key, value in os.environ.items() if "SCHEMA" not in key and not key.startswith("GIT_")
    }
    result = subprocess.run(
        ["bash", ".ci/run"], cwd=checkout, capture_output=True, text=True, env=environment, check=False
    )
    assert result.returncode in (0, 1), result.stderr  # grep finds nothing: 1
    return result.stdout


def test_ci_names_the_mirror_beside_the_checkout_relative_to_it_and_no_other_schema_variable(tmp_path: Path) -> None:
    (tmp_path / "shared" / "schemas").mkdir(parents=True)
    printed = ci_run_in(tmp_path / "checkout")
    assert printed.splitlines()[-1] == "SCHEMAS_MIRROR=../shared/schemas"
    assert [line for line in printed.splitlines() if "=" in line and not line.startswith("+")] == [
        "SCHEMAS_MIRROR=../shared/schemas"
    ]


def test_ci_in_a_clone_of_a_clone_finds_the_mirror_beside_its_origin_and_else_none(tmp_path: Path) -> None:
    origin = tmp_path / "first" / "checkout"
    (tmp_path / "first" / "shared" / "schemas").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(origin)], check=True)
    clone = tmp_path / "elsewhere" / "clone"
    clone.mkdir(parents=True)
    subprocess.run(["git", "init", "-q"], cwd=clone, check=True)
    subprocess.run(["git", "remote", "add", "origin", str(origin)], cwd=clone, check=True)
    printed = ci_run_in(clone)
    assert printed.splitlines()[-1] == f"SCHEMAS_MIRROR={origin}/../shared/schemas"

    alone = ci_run_in(tmp_path / "alone")
    assert "SCHEMAS_MIRROR" not in alone


def test_the_mirror_is_the_variable_else_the_copy_beside_the_checkout_else_the_network(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    beside = tmp_path / "shared" / "schemas"
    monkeypatch.setattr(schemas_download, "SHARED_SCHEMAS", beside)
    monkeypatch.delenv("SCHEMAS_MIRROR", raising=False)
    assert schemas_download.default_mirror() is None
    beside.mkdir(parents=True)
    assert schemas_download.default_mirror() == beside
    monkeypatch.setenv("SCHEMAS_MIRROR", "../elsewhere")
    assert schemas_download.default_mirror() == Path("../elsewhere")
