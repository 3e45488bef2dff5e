"""Profile one invoke command in a fresh process and summarise where its time goes.

The child (``python -m bench.profiling SESSION COUNTS -- build-all ...``) runs the invoke command in
process under pyinstrument (wall-clock sampling, so time blocked on a pandoc subprocess counts), counts
the external processes it starts, and saves the session. ``summarise`` then reads the session back and
computes: time by category (imports, waiting on external processes, WeasyPrint, ...), the packages whose
import costs most, and the top functions by cumulative and by self time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from pyinstrument.frame import Frame
from pyinstrument.session import Session

REPO = Path(__file__).resolve().parents[1]
# Innermost match wins: a frame in one of these libraries sets the category of the time below it.
LIBRARIES: tuple[tuple[str, str], ...] = (
    ("/weasyprint/", "WeasyPrint layout and PDF"),
    ("/pydyf/", "WeasyPrint layout and PDF"),
    ("/fontTools/", "WeasyPrint layout and PDF"),
    ("/tinycss2/", "WeasyPrint layout and PDF"),
    ("/cssselect2/", "WeasyPrint layout and PDF"),
    ("/html5lib/", "WeasyPrint layout and PDF"),
    ("/tinyhtml5/", "WeasyPrint layout and PDF"),
    ("/jsonschema/", "front-matter validation (jsonschema)"),
    ("/referencing/", "front-matter validation (jsonschema)"),
    ("/yaml/", "YAML parsing"),
    ("/jinja2/", "Jinja templates"),
    ("/ebooklib/", "EPUB packaging (ebooklib)"),
    ("/lxml/", "lxml"),
    ("/pipeline/build/fingerprint.py", "input fingerprints (hashing)"),
    ("/pipeline/", "pipeline's own code"),
    ("/invoke/", "invoke"),
)
WAITING = "waiting on external processes (pandoc)"
IMPORTS = "importing modules"
OTHER = "other (stdlib, other libraries)"
OWN_MODULES = "tasks.py and pipeline modules"
DRIVER_SHARE = 0.75


@dataclass
class Profile:
    """What a profile says, as plain numbers (stored in the results JSON)."""

    command: list[str]
    total_s: float
    processes_started: dict[str, int]
    categories: dict[str, float] = field(default_factory=dict)
    import_by_package: dict[str, float] = field(default_factory=dict)
    top_cumulative: list[tuple[str, float]] = field(default_factory=list)
    top_self: list[tuple[str, float]] = field(default_factory=list)
    own_cumulative: dict[str, float] = field(default_factory=dict)  # functions of pipeline/ and tasks.py

    def share(self, seconds: float) -> str:
        return f"{100 * seconds / self.total_s:.0f}%" if self.total_s else "n/a"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def profile_command(args: list[str], workdir: Path) -> Profile:
    """Run ``invoke *args`` in a fresh interpreter under the profiler and summarise it."""
    session_file, counts_file = workdir / "profile.pyisession", workdir / "processes.json"
    workdir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "bench.profiling", str(session_file), str(counts_file), "--", *args],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    counts = json.loads(counts_file.read_text(encoding="utf-8"))
    return summarise(Session.load(session_file), ["invoke", *args], counts)


def _label(frame: Frame) -> str:
    return f"{frame.function} ({frame.file_path_short}:{frame.line_no})"


def _own(path: str) -> bool:
    """A file of this repository (tasks.py, pipeline/), not of the virtual environment inside it."""
    return path.startswith(str(REPO)) and "/site-packages/" not in path


def _package(path: str) -> str:
    """The top-level package (or stdlib module) a file belongs to."""
    for marker in ("/site-packages/", "/lib/python3."):
        if marker in path:
            rest = path.split(marker, 1)[1]
            if marker == "/lib/python3.":
                rest = rest.split("/", 1)[1] if "/" in rest else rest
            return rest.split("/", 1)[0].removesuffix(".py")
    return Path(path).stem


def summarise(session: Session, command: list[str], counts: dict[str, int], top: int = 5) -> Profile:
    root = session.root_frame()
    if root is None:
        return Profile(command=command, total_s=0.0, processes_started=counts)
    total = root.time
    categories: Counter[str] = Counter()
    imports: Counter[str] = Counter()
    cumulative: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    own: set[str] = set()

    def walk(frame: Frame, library: str, importing: str | None, waiting: bool, open_labels: frozenset[str]) -> None:
        path = frame.file_path or ""
        label = _label(frame)
        waiting = waiting or path.endswith(("/subprocess.py", "/selectors.py"))
        if frame.function == "<module>" and path and importing in (None, OWN_MODULES):
            importing = OWN_MODULES if _own(path) else _package(path)
        library = next((name for marker, name in LIBRARIES if marker in path), library)
        if not frame.is_synthetic:
            if label not in open_labels:  # recursion counts once
                cumulative[label] += frame.time
            if _own(path):
                own.add(label)
            self_time[label] += frame.total_self_time
        spent = frame.total_self_time if not frame.is_synthetic else 0.0
        if spent:
            # Processes an import starts (ctypes.util.find_library runs ldconfig, gcc, ld) count as import time.
            category = IMPORTS if importing else WAITING if waiting else library
            categories[category] += spent
            if importing:
                imports[importing] += spent
        for child in frame.children:
            if not child.is_synthetic:
                walk(child, library, importing, waiting, open_labels | {label})

    walk(root, OTHER, None, False, frozenset())
    # The stem every sample passes through (invoke, the build loop) and import machinery say nothing.
    drivers = {label for label, seconds in cumulative.items() if seconds >= DRIVER_SHARE * total}
    generic = {label for label in cumulative if "(<frozen " in label or "(invoke/" in label}
    return Profile(
        command=command,
        total_s=total,
        processes_started=counts,
        categories=dict(categories.most_common()),
        import_by_package=dict(imports.most_common(top)),
        top_cumulative=[(label, s) for label, s in cumulative.most_common() if label not in drivers | generic][:top],
        top_self=self_time.most_common(top),
        own_cumulative={label: seconds for label, seconds in cumulative.items() if label in own},
    )


def _child(argv: list[str]) -> int:
    """In the profiled process: count started processes, profile ``invoke <args>``, save the session."""
    session_file, counts_file, separator, *args = argv
    assert separator == "--", "usage: python -m bench.profiling SESSION COUNTS -- TASK [ARGS...]"
    started: Counter[str] = Counter()

    class CountingPopen(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, command: Any, *rest: Any, **options: Any) -> None:  # noqa: ANN401
            super().__init__(command, *rest, **options)
            first = command[0] if isinstance(command, list | tuple) else str(command).split()[0]
            started[Path(str(first)).name] += 1  # counted once it has started

    subprocess.Popen = CountingPopen  # type: ignore[misc]
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001)
    profiler.start()
    try:
        from invoke.main import program

        program.run(["invoke", *args], exit=False)
    finally:
        session = profiler.stop()
        session.save(session_file)
        Path(counts_file).write_text(json.dumps(dict(started)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
