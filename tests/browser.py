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
