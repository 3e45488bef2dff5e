"""Read a PDF back and count the footnotes printed on their reference's page.

An independent reader, for the bench and the tests: the page of each reference is the page of its
named destination (``fnref<N>``, read with pikepdf), the text of each page comes from poppler's
pdftotext, and a note counts as on its reference's page when that page's text holds the note's opening
words as the source writes them (compared without spaces, hyphens and Markdown emphasis, so that line
breaks and hyphenation do not matter). Notes are numbered in the order of their first reference.

    python -m bench.pdf_notes SOURCE.md PDF
"""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pikepdf

NOTE_DEFINITION = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]*(.*?)(?=\n\n|\n\[\^|\Z)", re.MULTILINE | re.DOTALL)
NOTE_CALL = re.compile(r"\[\^([^\]\s]+)\](?!:)")
OPENING_WORDS = 12
# Left out before comparing: white space, hyphens (a hyphenated line end), emphasis marks, soft hyphens.
IGNORED = re.compile(r"[\s\-\u00ad\u2010\u2011*_]+")


@dataclass(frozen=True)
class NotesOnPages:
    total: int
    on_reference_page: int
    late: tuple[int, ...]  # notes whose opening words are not on their reference's page

    @property
    def all_placed(self) -> bool:
        return self.total > 0 and self.on_reference_page == self.total


def _compact(text: str) -> str:
    return IGNORED.sub("", unicodedata.normalize("NFKC", text))


def source_notes(markdown: str) -> list[str]:
    """The notes' texts in the order the body first calls them."""
    body = markdown.split("\n---\n", 1)[-1]
    texts = {label: text for label, text in NOTE_DEFINITION.findall(body)}
    calls = [label for label in dict.fromkeys(NOTE_CALL.findall(body)) if label in texts]
    return [texts[label] for label in calls]


def page_texts(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    return text.split("\f")


def reference_pages(pdf: Path) -> dict[int, int]:
    """Note number -> 1-based page of its reference's destination (``fnref<N>``)."""
    with pikepdf.open(pdf) as document:
        page_numbers = {page.objgen: number for number, page in enumerate(document.pages, start=1)}
        found: dict[int, int] = {}
        for name, destination in pikepdf.NameTree(document.Root.Names.Dests).items():
            match = re.fullmatch(r"fnref(\d+)", name)
            target = destination.get("/D", destination) if isinstance(destination, pikepdf.Dictionary) else destination
            if match:
                found[int(match.group(1))] = page_numbers[target[0].objgen]
    return found


def notes_on_their_pages(source: Path, pdf: Path) -> NotesOnPages:
    notes = source_notes(source.read_text(encoding="utf-8"))
    pages = [_compact(text) for text in page_texts(pdf)]
    called = reference_pages(pdf)
    late: list[int] = []
    for number, text in enumerate(notes, start=1):
        opening = _compact(" ".join(text.split()[:OPENING_WORDS]))
        page = called.get(number)
        if page is None or opening not in pages[page - 1]:
            late.append(number)
    return NotesOnPages(len(notes), len(notes) - len(late), tuple(late))


def main(argv: list[str] | None = None) -> int:
    source, pdf = (Path(argument) for argument in (argv or sys.argv[1:]))
    result = notes_on_their_pages(source, pdf)
    print(f"{result.on_reference_page} of {result.total} notes on their reference's page; late: {list(result.late)}")
    return 0 if result.all_placed else 1


if __name__ == "__main__":
    sys.exit(main())
