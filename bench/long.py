"""Generate one long commentary (a law-review-length article) for the benchmark and the tests.

Seeded and deterministic: the same seed and section count give byte-identical text. The front matter
is the first title's; the body is an introduction, then ``sections`` titled sections of about 560 words
of prose in five or six paragraphs, each with three footnotes (about one in four of them 60 words or
more), and a table every fifth section. 80 sections make about 50,000 words and 240 notes, 160 about
100,000 words and 480 notes. The output is a temporary fixture, never committed.

    python -m bench.long OUT SECTIONS [--seed S] [--slug SLUG] [--marker '##']
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

from bench.generate import ADJECTIVES, WORDS

REPO = Path(__file__).resolve().parents[1]
FIRST_TITLE_SOURCE = REPO / "source" / "kazakhstan-russia-ukraine" / "article.md"
NOTES_PER_SECTION = 3
TABLE_EVERY = 5
LONG_NOTE_SHARE = 0.25  # of the notes, those of 60 words or more
# Short words between the vocabulary's nouns and adjectives, so lines break and hyphenate like prose.
FUNCTION_WORDS = ("the", "of", "and", "to", "in", "that", "for", "with", "on", "by", "as", "its", "a", "this")
SOURCES = ("Art. 2(4) UN Charter", "ICJ Reports 1986, p. 14", "UNGA Res. ES-11/1", "ILC Articles, art. 48")


def _sentence(rng: random.Random, words: int) -> str:
    picked = [
        rng.choice(FUNCTION_WORDS) if rng.random() < 0.35 else rng.choice(WORDS if rng.random() < 0.8 else ADJECTIVES)
        for _ in range(words)
    ]
    if rng.random() < 0.1:
        index = rng.randrange(len(picked))
        picked[index] = f"*{picked[index]}*"
    text = " ".join(picked)
    return text[0].upper() + text[1:] + "."


def _prose(rng: random.Random, words: int) -> list[str]:
    """Sentences of 8–24 words adding up to about ``words``."""
    sentences: list[str] = []
    while words > 0:
        length = min(rng.randint(8, 24), max(words, 4))
        sentences.append(_sentence(rng, length))
        words -= length
    return sentences


def _note(rng: random.Random) -> str:
    words = rng.randint(60, 90) if rng.random() < LONG_NOTE_SHARE else rng.randint(12, 35)
    return f"See {rng.choice(SOURCES)}. " + " ".join(_prose(rng, words))


def _table(rng: random.Random, section: int) -> str:
    rows = [
        f"| {rng.choice(WORDS).capitalize()} {rng.choice(ADJECTIVES)} | {rng.randint(1990, 2024)} "
        f"| {rng.randint(1, 999)}.{rng.randint(0, 9)} |"
        for _ in range(rng.randint(4, 7))
    ]
    return "\n".join(
        ["| Instrument | Year | Share (%) |", "|:--|--:|--:|", *rows, "", f"Table: Instruments of section {section}."]
    )


def long_commentary(sections: int, seed: int = 0, marker: str = "#") -> str:
    """The text of article.md: the first title's front matter, an introduction, ``sections`` sections
    opened by ``marker`` headings (``#`` or ``##``)."""
    rng = random.Random(seed)
    front = FIRST_TITLE_SOURCE.read_text(encoding="utf-8").split("\n---\n", 1)[0]
    body = [" ".join(_prose(rng, 120)), " ".join(_prose(rng, 90))]
    notes: list[str] = []
    for section in range(1, sections + 1):
        title = " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(1, 4)))
        body.append(f"{marker} {title} {section}")  # numbered: section titles must not repeat
        paragraphs = [_prose(rng, rng.randint(65, 125)) for _ in range(rng.randint(5, 6))]
        for index in sorted(rng.sample(range(len(paragraphs)), NOTES_PER_SECTION)):
            notes.append(_note(rng))
            sentences = paragraphs[index]
            at = rng.randrange(len(sentences))
            sentences[at] = sentences[at][:-1] + f".[^{len(notes)}]"
        body += [" ".join(sentences) for sentences in paragraphs]
        if section % TABLE_EVERY == 0:
            body.insert(len(body) - 2, _table(rng, section))
    body += [f"[^{number}]: {text}" for number, text in enumerate(notes, start=1)]
    return front + "\n---\n\n" + "\n\n".join(body) + "\n"


def write_long(out: Path, slug: str, sections: int, seed: int = 0, marker: str = "#") -> Path:
    """Write ``out/<slug>/article.md``; return its path."""
    path = out / slug / "article.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(long_commentary(sections, seed, marker), encoding="utf-8")
    return path


def words(text: str) -> int:
    """The words of a source's body and notes (front matter and Markdown markup left out)."""
    body = text.split("\n---\n", 1)[1]
    return len(re.findall(r"[^\W\d_]+(?:[’'-][^\W\d_]+)*", re.sub(r"\[\^\d+\]:?|\|:?-+:?", " ", body)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write <slug>/article.md into")
    parser.add_argument("sections", type=int, help="how many titled sections (3 notes each)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--slug", default="long", help="the source's slug (default long)")
    parser.add_argument("--marker", default="#", choices=("#", "##"), help="the section headings' marker")
    args = parser.parse_args(argv)
    if args.sections < 1:
        parser.error("sections must be at least 1")
    path = write_long(args.out, args.slug, args.sections, args.seed, args.marker)
    print(f"{path}: {words(path.read_text(encoding='utf-8'))} words, {NOTES_PER_SECTION * args.sections} notes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
