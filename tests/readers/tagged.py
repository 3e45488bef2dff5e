"""The PDF's logical structure read back as a reader that honours it does: each structure element with its
text, taken from the marked content its MCIDs name, with ``/ActualText`` in place of the glyphs it
covers (ISO 32000-1, 14.9.4), and the baseline of each run, so that lines can be told apart.

Independent of the pipeline: pikepdf walks the structure tree, pypdf decodes the glyphs (through each
font's ``/ToUnicode``) while a visitor follows ``BDC``/``EMC``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pypdf import PdfReader

SAME_LINE = 5.0  # points: runs whose baselines differ by less are on one line (sub- and superscripts too)


@dataclass(frozen=True)
class Run:
    """The text of one marked-content sequence, with the baseline and left edge of its first glyph."""

    page: int
    text: str
    baseline: float
    x: float


@dataclass
class Element:
    """One structure element: its role, attributes of interest, its runs and children in order."""

    role: str
    page: int | None
    alt: str | None = None
    bbox: tuple[float, ...] | None = None
    kids: list[Element | Run] = field(default_factory=list)

    def walk(self) -> Iterator[Element]:
        yield self
        for kid in self.kids:
            if isinstance(kid, Element):
                yield from kid.walk()

    def runs(self, leave_out: frozenset[str] = frozenset()) -> list[Run]:
        found: list[Run] = []
        for kid in self.kids:
            if isinstance(kid, Run):
                found.append(kid)
            elif kid.role not in leave_out:
                found += kid.runs(leave_out)
        return found

    def lines(self, leave_out: frozenset[str] = frozenset()) -> list[str]:
        """The element's text line by line: runs on one baseline of one page joined as drawn."""
        lines: list[str] = []
        previous: Run | None = None
        for run in self.runs(leave_out):
            if not run.text:
                continue
            same = (
                previous is not None and previous.page == run.page and abs(previous.baseline - run.baseline) < SAME_LINE
            )
            if same and lines:
                lines[-1] += run.text
            else:
                lines.append(run.text)
            previous = run
        return [line for line in (" ".join(line.split()) for line in lines) if line]

    def text(self, leave_out: frozenset[str] = frozenset()) -> str:
        return " ".join(self.lines(leave_out))


def spoken_for_drawn(path: Path) -> dict[str, str]:
    """For each marked-content sequence with an ``/ActualText``: its drawn glyphs (spaces squeezed out)
    and what a reader says in their place."""
    drawn = _marked_runs(PdfReader(path), honour_actual_text=False)
    spoken = _marked_runs(PdfReader(path))
    return {
        "".join(run.text.split()): spoken[key].text
        for key, run in drawn.items()
        if key in spoken and spoken[key].text != run.text
    }


def _marked_runs(reader: PdfReader, honour_actual_text: bool = True) -> dict[tuple[int, int], Run]:
    """(page, MCID) -> its run; an ``/ActualText`` of the sequence (or of one around it) replaces its glyphs."""
    runs: dict[tuple[int, int], Run] = {}
    for number, page in enumerate(reader.pages):
        visitor = _MarkedContentVisitor(honour_actual_text)
        page.extract_text(visitor_operand_before=visitor.before, visitor_text=visitor.visit)
        for mcid, parts in visitor.texts.items():
            y, x = visitor.origin.get(mcid, (0.0, 0.0))
            runs[number, mcid] = Run(number + 1, "".join(parts), y, x)
    return runs


@dataclass
class _MarkedContentVisitor:
    """pypdf visitors that follow ``BDC``/``EMC`` and keep each MCID's text and first glyph's position."""

    honour_actual_text: bool
    stack: list[tuple[int | None, str | None]] = field(default_factory=list)
    texts: dict[int, list[str]] = field(default_factory=dict)
    origin: dict[int, tuple[float, float]] = field(default_factory=dict)

    def _current(self) -> int | None:
        return next((mcid for mcid, _actual in reversed(self.stack) if mcid is not None), None)

    def before(self, operator: bytes, operands: list, cm: list[float], tm: list[float]) -> None:
        if operator in (b"BDC", b"BMC"):
            properties = operands[1] if operator == b"BDC" and len(operands) > 1 else {}
            properties = properties if hasattr(properties, "get") else {}
            mcid = properties.get("/MCID")
            actual = properties.get("/ActualText") if self.honour_actual_text else None
            mcid = int(mcid) if mcid is not None else self._current()
            self.stack.append((mcid, _decoded(actual) if actual is not None else None))
            if actual is not None and mcid is not None:
                self.texts.setdefault(mcid, []).append(_decoded(actual))
        elif operator == b"EMC" and self.stack:
            self.stack.pop()
        elif operator in (b"TJ", b"Tj") and self.stack:
            mcid = self._current()
            if mcid is not None and mcid not in self.origin:
                self.origin[mcid] = _position(cm, tm)

    def visit(self, text: str, cm: list[float], tm: list[float], font: object, size: object) -> None:
        mcid = self._current() if self.stack else None
        if mcid is not None and not any(actual is not None for _mcid, actual in self.stack):
            self.texts.setdefault(mcid, []).append(text.replace("\n", ""))


def _decoded(value: object) -> str:
    """A PDF text string: UTF-16 after its byte order mark, else PDFDocEncoding (Latin-1 for its text)."""
    raw = getattr(value, "original_bytes", None)
    if raw is None:
        return str(value)
    return raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")


def _position(cm: list[float], tm: list[float]) -> tuple[float, float]:
    x, y = tm[4], tm[5]
    return x * cm[1] + y * cm[3] + cm[5], x * cm[0] + y * cm[2] + cm[4]


def structure(path: Path) -> Element:
    """The document's structure tree, its marked content resolved to text runs."""
    runs = _marked_runs(PdfReader(path))
    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen: number for number, page in enumerate(pdf.pages)}
        root = pdf.Root.StructTreeRoot
        document = Element("StructTreeRoot", None)
        _read(root.K, document, None, pages, runs)
    return document


def _read(kids: object, parent: Element, page: int | None, pages: dict, runs: dict[tuple[int, int], Run]) -> None:
    items = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    for kid in items:
        if isinstance(kid, int):
            if page is not None and (page, int(kid)) in runs:
                parent.kids.append(runs[page, int(kid)])
        elif isinstance(kid, pikepdf.Dictionary):
            kind = kid.get("/Type")
            if kind == "/MCR":
                mcr_page = pages[kid.Pg.objgen] if "/Pg" in kid else page
                if (mcr_page, int(kid.MCID)) in runs:
                    parent.kids.append(runs[mcr_page, int(kid.MCID)])
            elif kind == "/OBJR":
                continue
            else:
                element_page = pages[kid.Pg.objgen] if "/Pg" in kid else page
                bbox = kid.get("/A", {}).get("/BBox") if isinstance(kid.get("/A"), pikepdf.Dictionary) else None
                element = Element(
                    str(kid.S).lstrip("/"),
                    None if element_page is None else element_page + 1,
                    str(kid.Alt) if "/Alt" in kid else None,
                    tuple(float(value) for value in bbox) if bbox is not None else None,
                )
                parent.kids.append(element)
                if "/K" in kid:
                    _read(kid.K, element, element_page, pages, runs)
