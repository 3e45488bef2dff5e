"""WeasyPrint's log messages, sorted into faults of the PDF and notices about WeasyPrint itself.

WeasyPrint logs a missing glyph, image or anchor and goes on, writing a PDF that is wrong; those fail
the source, each named once with the file and, where it can be found, the line. Messages about how
WeasyPrint does its work (subsetting fonts with fontTools because HarfBuzz-Subset is missing,
deprecations) leave the PDF as it should be: they are notices, shown once per build. A message of a
kind not listed here is taken as a fault: an unknown message is more likely a wrong PDF than a harmless
one, and a new notice is cheap to add.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pipeline.errors import shown
from pipeline.notices import notice
from pipeline.paths import SOURCE_URL

WEASYPRINT_LOGGER = "weasyprint"


@dataclass(frozen=True)
class MessageKind:
    """One kind of WeasyPrint message: how to recognise it and what to tell the editor."""

    pattern: re.Pattern[str]
    fatal: bool
    # The editor-facing sentence; ``{name}`` fields come from the pattern's named groups.
    explanation: str
    # The group whose text, found in a file, locates the problem ("" when nothing does).
    located_by: str = ""


def _kind(pattern: str, fatal: bool, explanation: str, located_by: str = "") -> MessageKind:
    return MessageKind(re.compile(pattern), fatal, explanation, located_by)


FAULTS = (
    _kind(
        r'^\.notdef glyph rendered for Unicode string unsupported by fonts: "(?P<char>.*)" \((?P<code>U\+[0-9A-F]+)\)',
        True,
        "no installed font has the character {char!r} ({code}); it would print as an empty box",
        "char",
    ),
    _kind(
        r"^Failed to load image at '?(?P<url>.*?)'?: (?P<reason>.*)$",
        True,
        "image {target!r} could not be loaded ({reason})",
        "target",
    ),
    _kind(
        r"^No anchor #(?P<anchor>\S+) for internal URI reference$",
        True,
        "link to '#{anchor}' points at no element with that id",
        "link",
    ),
    _kind(
        r"^Content discarded: target points to undefined anchor '?(?P<anchor>[^']*)'?$",
        True,
        "generated content refers to '{anchor}', which no element has as its id",
    ),
    _kind(
        r"^(?P<what>Ignored|Error:|Invalid|Deprecated|Unsupported|Unknown)(?P<rest>.*?)"
        r" at (?P<line>\d+):(?P<column>\d+)",
        True,
        "WeasyPrint ignores this rule: {what}{rest}",
    ),
    _kind(
        r"^Font-face '?(?P<family>.*?)'? cannot be loaded$",
        True,
        "the font {family!r} of an @font-face rule cannot be loaded",
        "family",
    ),
    _kind(r"^(?P<message>Failed to load font.*)$", True, "{message}"),
    _kind(r"^(?P<message>Failed to load stylesheet.*)$", True, "{message}"),
    _kind(r'^Image "(?P<target>.*)" has no required alt description$', True, "image {target!r} has no alt text"),
)
NOTICES = (
    _kind(
        r"^Using fontTools instead of HarfBuzz-Subset",
        False,
        "WeasyPrint subsets fonts with fontTools because HarfBuzz-Subset is not installed (Debian: "
        "libharfbuzz-subset0); the PDFs are still right",
    ),
    _kind(
        r'^Unable to subset "(?P<family>.*)" with HarfBuzz$',
        False,
        "WeasyPrint could not subset the font {family!r} and embeds it whole; the PDFs are right, only larger",
    ),
    _kind(r"(?P<message>.*\bdeprecated\b.*)", False, "WeasyPrint: {message}"),
)


@dataclass(frozen=True)
class Problem:
    """One message, classified and explained; ``where`` is ``path:line`` or ``path``."""

    fatal: bool
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: pdf: {self.text}" if self.where else self.text


def classify(message: str, document: Path, stylesheet: Path | None = None) -> Problem:
    """Explain one WeasyPrint message. ``document`` is the source the PDF is made from; ``stylesheet``
    the style file being parsed when the message came, if it came then."""
    for kind in (*NOTICES, *FAULTS):
        match = kind.pattern.search(message)
        if match is None:
            continue
        fields = dict(match.groupdict())
        if "url" in fields:
            fields["target"] = _relative_target(fields["url"], document.parent)
        if "anchor" in fields:
            fields["link"] = f"#{fields['anchor']}"
        text = kind.explanation.format(**fields)
        if not kind.fatal:
            return Problem(False, "", text)
        needle = fields.get(kind.located_by, "")
        if stylesheet is not None:
            where = f"{shown(stylesheet)}:{fields['line']}" if "line" in fields else _locate(stylesheet, needle)
            return Problem(True, where, text)
        return Problem(True, _locate(document, needle), text)
    return Problem(True, _locate(document, ""), f"WeasyPrint: {message}")


def _relative_target(url: str, folder: Path) -> str:
    """An image URL as the source wrote it: relative to the source folder (or the fixed URL the PDF is
    rendered at, pipeline/pdf/fetch.py) when it lies there."""
    if url.startswith(SOURCE_URL):
        return unquote(url.removeprefix(SOURCE_URL))
    parts = urlsplit(url)
    if parts.scheme != "file":
        return url
    path = Path(unquote(parts.path))
    return str(path.relative_to(folder.resolve())) if path.is_relative_to(folder.resolve()) else str(path)


def _locate(document: Path, needle: str) -> str:
    """``path:line`` of the first line of ``document`` holding ``needle``; the path alone when none does."""
    if needle:
        try:
            lines = document.read_text(encoding="utf-8").splitlines()
        except OSError:
            lines = []
        for number, line in enumerate(lines, start=1):
            if needle in line:
                return f"{shown(document)}:{number}"
    return shown(document)


class MessageCollector(logging.Handler):
    """Every WeasyPrint message at WARNING or above, with the stylesheet being parsed at the time."""

    def __init__(self, document: Path) -> None:
        super().__init__(level=logging.WARNING)
        self.document = document
        self.stylesheet: Path | None = None
        self.problems: list[Problem] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.problems.append(classify(record.getMessage(), self.document, self.stylesheet))

    @contextmanager
    def parsing(self, stylesheet: Path) -> Iterator[None]:
        """Messages logged inside are about ``stylesheet``."""
        self.stylesheet = stylesheet
        try:
            yield
        finally:
            self.stylesheet = None

    def faults(self) -> list[str]:
        """Each distinct fault once, in the order WeasyPrint reported them."""
        return list(dict.fromkeys(str(problem) for problem in self.problems if problem.fatal))

    def notices(self) -> list[str]:
        return list(dict.fromkeys(str(problem) for problem in self.problems if not problem.fatal))


@contextmanager
def collecting(document: Path) -> Iterator[MessageCollector]:
    """Collect WeasyPrint's messages while rendering ``document``; pass its notices on to the build."""
    collector = MessageCollector(document)
    logger = logging.getLogger(WEASYPRINT_LOGGER)
    logger.addHandler(collector)
    try:
        yield collector
    finally:
        logger.removeHandler(collector)
    for text in collector.notices():
        notice(text)
