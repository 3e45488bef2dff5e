"""The package's shape shows the flow: stage folders in the order data moves through them, every import
running downward (read from each module's syntax tree, lazy and type-checking imports included), at
most twelve modules side by side, each folder saying in its ``__init__`` what it owns and may import,
and the test readers sharing nothing with the pipeline."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "pipeline"
READERS = REPO_ROOT / "tests" / "readers"
# The floors, bottom up: a module may import its own folder and any folder below it, never one above.
# "" is the ground floor: pipeline/*.py (model, errors, paths, pandoc...), which every stage stands on.
FLOORS = ("", "source", "prepare", "render", "writers", "pdf", "check", "journal", "build")
MOST_MODULES_SIDE_BY_SIDE = 12
# What serialises the prepared article never reads a source or prepares again: these floors stand on the
# model (and each other), not on source/ or prepare/.
SERIALISERS = ("render", "writers", "pdf")


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, with its line: ``from a.b import c`` counts as ``a.b.c`` when that
    is a module of the package, else ``a.b``; relative imports are resolved against the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    own = module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append((node.lineno, candidate if _is_module(candidate) else base))
    return found


def _is_module(dotted: str) -> bool:
    path = REPO_ROOT.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def floor(dotted: str) -> str:
    """The stage folder of a pipeline module: ``pipeline.writers.deposit.crossref`` is on "writers"."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in FLOORS) else ""


def upward_imports() -> list[str]:
    problems: list[str] = []
    for path in modules():
        own = module_name(path)
        own_floor = floor(own)
        for line, target in imported(path):
            if not target.startswith("pipeline.") or not _is_module(target):
                continue
            target_floor = floor(target)
            if target_floor != own_floor and FLOORS.index(target_floor) > FLOORS.index(own_floor):
                where = path.relative_to(REPO_ROOT)
                problems.append(f"{where}:{line}: {own_floor or 'pipeline/'} imports {target} ({target_floor}/)")
    return problems


def reaching_back(floors: tuple[str, ...] = ("source", "prepare")) -> list[str]:
    """Imports from the serialising floors into ``floors``."""
    return [
        f"{path.relative_to(REPO_ROOT)}:{line}: {target}"
        for path in modules()
        if floor(module_name(path)) in SERIALISERS
        for line, target in imported(path)
        if target.startswith("pipeline.") and floor(target) in floors
    ]


def test_every_stage_folder_is_a_floor() -> None:
    folders = {path.name for path in PACKAGE.iterdir() if (path / "__init__.py").is_file()}
    assert folders == set(FLOORS) - {""}


def test_imports_only_run_downward() -> None:
    assert upward_imports() == []


def test_the_import_check_sees_an_upward_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself: a source module that imports a writer, lazily, is named with its line."""
    fake_root = tmp_path / "repo"
    for folder in ("source", "writers"):
        (fake_root / "pipeline" / folder).mkdir(parents=True)
        (fake_root / "pipeline" / folder / "__init__.py").write_text('"""A floor."""\n')
    (fake_root / "pipeline" / "__init__.py").write_text("")
    (fake_root / "pipeline" / "writers" / "jats.py").write_text("from pipeline.source import load\n")
    (fake_root / "pipeline" / "source" / "load.py").write_text(
        "def read() -> None:\n    from pipeline.writers import jats\n"
    )
    this = sys.modules[__name__]
    monkeypatch.setattr(this, "REPO_ROOT", fake_root)
    monkeypatch.setattr(this, "PACKAGE", fake_root / "pipeline")
    assert upward_imports() == ["pipeline/source/load.py:2: source imports pipeline.writers.jats (writers/)"]


def test_writers_only_serialise_the_prepared_article() -> None:
    """render/, writers/ and pdf/ import nothing of reading a source or preparing an article."""
    assert reaching_back() == []


def test_no_folder_holds_more_than_twelve_modules() -> None:
    crowded = {
        folder.relative_to(REPO_ROOT).as_posix(): count
        for folder in [PACKAGE, *(path for path in PACKAGE.rglob("*") if path.is_dir() and path.name != "__pycache__")]
        if (count := len(list(folder.glob("*.py")))) > MOST_MODULES_SIDE_BY_SIDE
    }
    assert crowded == {}


@pytest.mark.parametrize("folder", FLOORS[1:])
def test_each_folder_says_what_it_owns_and_may_import(folder: str) -> None:
    docstring = ast.get_docstring(ast.parse((PACKAGE / folder / "__init__.py").read_text(encoding="utf-8")))
    assert docstring, f"pipeline/{folder}/__init__.py has no docstring"
    assert "\n\n" not in docstring.strip(), "one paragraph"
    assert "import" in docstring, "it says what the folder may import"


def test_the_readers_share_nothing_with_the_pipeline() -> None:
    """The read-back code is test code (outside the package) and independent of what wrote the files."""
    assert not (PACKAGE / "extract.py").exists()
    used = {target for path in sorted(READERS.rglob("*.py")) for _line, target in imported(path)}
    assert sorted(target for target in used if target.split(".")[0] == "pipeline") == []
