"""Headless Chromium (Debian's `chromium`) for tests: a screenshot and the page's console messages."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

# Flags for a closed network and a root user: no sandbox, no background traffic, a fresh profile.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
)
CONSOLE_LINE = re.compile(r":CONSOLE[:(]\d*\)?\]? (.*)")


@dataclass(frozen=True)
class PageShot:
    screenshot: Path
    console: list[str]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "Chromium is missing: install Debian's `chromium` (system-packages.txt; .ci/run does it)"
    return found


def shoot(page: Path, screenshot: Path, width: int = 1280, height: int = 900) -> PageShot:
    """Render ``page`` headless, save the first screen as PNG, and return what it logged to the console."""
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [
                chromium(),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={width},{height}",
                f"--screenshot={screenshot}",
                page.resolve().as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    console = [match.group(1) for line in result.stderr.splitlines() if (match := CONSOLE_LINE.search(line))]
    return PageShot(screenshot=screenshot, console=console)


# Appended to a copy of a page: after load, each <img> records the width its decoded image has (0 when
# the file is missing or undecodable), so the dumped DOM tells which images really rendered.
IMAGE_PROBE = (
    '<script>window.addEventListener("load", () => { for (const image of document.images) '
    '{ image.setAttribute("data-natural-width", image.naturalWidth); } });</script>'
)
PROBED_IMAGE = re.compile(r'<img\b[^>]*?\bsrc="(?P<src>[^"]*)"[^>]*?\bdata-natural-width="(?P<width>\d+)"')


def image_widths(page: Path, work: Path) -> dict[str, int]:
    """``src`` -> naturalWidth of each image of ``page`` as Chromium loads it (from a probed copy of
    the page's folder in ``work``; the page itself is not changed)."""
    copy = work / page.parent.name
    shutil.copytree(page.parent, copy)
    probe = copy / f"probe-{page.name}"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", IMAGE_PROBE + "</body>"), encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom",
             probe.resolve().as_uri()],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    return {match["src"]: int(match["width"]) for match in PROBED_IMAGE.finditer(result.stdout)}
