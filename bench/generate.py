"""Generate N fictional commentaries (source/<slug>/article.md) for the benchmark.

Seeded and deterministic: the same seed and count give byte-identical sources. Lengths vary (2–12 titled
sections of 1–8 paragraphs after an introduction); some paragraphs carry emphasis, links and footnotes,
some sections lists or block quotes; one or two authors, optional editor, notes, abstract, keywords,
DOI, ISSN and licence. The output is a temporary fixture, never committed.

    python bench/generate.py OUT N --seed S
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
import sys
from pathlib import Path

WORDS = [
    "treaty",
    "court",
    "state",
    "sanctions",
    "trade",
    "border",
    "law",
    "policy",
    "council",
    "rights",
    "market",
    "energy",
    "pipeline",
    "ministry",
    "region",
    "union",
    "tribunal",
    "regulation",
    "investment",
    "currency",
    "parliament",
    "election",
    "judiciary",
    "constitution",
    "minority",
    "citizen",
    "protest",
    "convention",
    "arbitration",
    "customs",
    "tariff",
    "export",
    "import",
    "neutrality",
    "security",
    "alliance",
    "sovereignty",
    "jurisdiction",
    "precedent",
    "statute",
    "remedy",
    "obligation",
    "commitment",
    "reform",
    "oversight",
    "budget",
    "transparency",
    "accountability",
    "negotiation",
    "mediation",
    "settlement",
    "agreement",
    "dispute",
    "mandate",
    "resolution",
    "assembly",
    "delegation",
    "commission",
    "inquiry",
    "evidence",
    "testimony",
    "compliance",
    "enforcement",
    "doctrine",
    "principle",
    "customary",
    "humanitarian",
    "refugee",
    "asylum",
    "migration",
    "labour",
    "pension",
    "taxation",
    "banking",
    "insolvency",
    "competition",
    "merger",
    "monopoly",
    "privacy",
    "data",
    "platform",
    "speech",
    "press",
    "broadcast",
    "archive",
    "water",
    "river",
    "basin",
    "climate",
    "emission",
    "carbon",
    "forest",
    "mining",
    "land",
    "property",
]
ADJECTIVES = [
    "regional",
    "national",
    "international",
    "economic",
    "political",
    "social",
    "legal",
    "judicial",
    "careful",
    "ambivalent",
    "binding",
    "voluntary",
    "contested",
    "unprecedented",
    "gradual",
    "sudden",
    "modest",
    "severe",
    "durable",
    "fragile",
]
GIVEN = [
    "Amina",
    "José",
    "Mei",
    "Roza",
    "Raghu",
    "Lena",
    "Tomás",
    "Aigerim",
    "Kwame",
    "Ingrid",
    "Farid",
    "Chloé",
    "Dmitri",
    "Nadia",
    "Olu",
    "Sven",
    "Yuki",
    "Zara",
]
FAMILY = [
    "Okonkwo-Larsen",
    "Núñez",
    "Tanaka",
    "Nurgozhayeva",
    "Gagneja",
    "Petrova",
    "Haddad",
    "Müller",
    "Abenova",
    "Mensah",
    "Lindqvist",
    "Rahimi",
    "Dubois",
    "Ivanov",
    "O’Brien",
    "Kowalski",
    "Sato",
    "Achebe",
]
INSTITUTIONS = (
    ("University of Copenhagen", "Denmark"),
    ("Universidad de Chile", "Chile"),
    ("Nazarbayev University", "Kazakhstan"),
    ("University of Nairobi", "Kenya"),
    ("Kyoto University", "Japan"),
    ("University of Toronto", "Canada"),
    ("Sciences Po", "France"),
    ("Humboldt University of Berlin", "Germany"),
    ("University of São Paulo", "Brazil"),
    ("National Law School of India University", "India"),
)
DEPARTMENTS = ("Faculty of Law", "Graduate School of Business", "Department of Political Science", "School of Law")
ROLES = ("Assistant Professor of Law", "Senior Lecturer", "Professor of International Law", "Research Fellow")
CONTAINERS = ("JURIST – Academic Commentary", "Journal of Example Water Law", "Example Review of Public Law")
TYPES = ("article-commentary", "research-article", "editorial")
GENRES = ("Commentary", "Analysis", "Opinion")
LANGUAGES = ("en", "en-GB", "en-US")


def _yaml(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _sentence(rng: random.Random, links: bool) -> str:
    words = [rng.choice(WORDS if rng.random() < 0.8 else ADJECTIVES) for _ in range(rng.randint(6, 22))]
    if rng.random() < 0.15:
        start = rng.randrange(len(words))
        words[start] = f"*{words[start]}*"
    if links and rng.random() < 0.2:
        start = rng.randrange(len(words))
        words[start] = f"[{words[start]}](https://example.org/{rng.choice(WORDS)}/{rng.randint(1, 999)})"
    if rng.random() < 0.1:
        start = rng.randrange(len(words))
        words[start] = f"“{words[start]}”"
    text = " ".join(words)
    return text[0].upper() + text[1:] + rng.choice(".....?")


def _paragraph(rng: random.Random, notes: list[str]) -> str:
    sentences = [_sentence(rng, links=True) for _ in range(rng.randint(2, 8))]
    text = " ".join(sentences)
    if rng.random() < 0.15:
        notes.append(" ".join(_sentence(rng, links=False) for _ in range(rng.randint(1, 2))))
        text = text[:-1] + f"[^{len(notes)}]" + text[-1]
    return text


def _block(rng: random.Random, notes: list[str]) -> str:
    roll = rng.random()
    if roll < 0.07:
        items = [_sentence(rng, links=True).rstrip(".?") for _ in range(rng.randint(2, 5))]
        return "\n".join(f"- {item};" for item in items)
    if roll < 0.11:
        items = [_sentence(rng, links=False) for _ in range(rng.randint(2, 4))]
        return "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))
    if roll < 0.15:
        return "> " + " ".join(_sentence(rng, links=False) for _ in range(rng.randint(1, 3)))
    return _paragraph(rng, notes)


def _person(rng: random.Random, bio: bool) -> list[str]:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    lines = [f"  - given: {_yaml(given)}", f"    family: {_yaml(family)}"]
    if rng.random() < 0.8:
        lines.append(f"    role: {_yaml(rng.choice(ROLES))}")
    if rng.random() < 0.85:
        institution, country = rng.choice(INSTITUTIONS)
        lines.append("    affiliation:")
        if rng.random() < 0.5:
            lines.append(f"      - department: {_yaml(rng.choice(DEPARTMENTS))}")
            lines.append(f"        institution: {_yaml(institution)}")
        else:
            lines.append(f"      - institution: {_yaml(institution)}")
        lines.append(f"        country: {_yaml(country)}")
    if bio and rng.random() < 0.7:
        lines.append(
            f"    bio: {_yaml(f'{given} {family} writes on {rng.choice(WORDS)} and {rng.choice(WORDS)} law.')}"
        )
    return lines


def commentary(rng: random.Random, number: int) -> tuple[str, str]:
    """One source: (slug, text of article.md)."""
    title_words = [rng.choice(WORDS).capitalize() for _ in range(rng.randint(3, 8))]
    title = " ".join(title_words)
    slug = f"bench-{number:04d}-" + "-".join(word.lower() for word in title_words[:3])
    issued = datetime.date(2020, 1, 1) + datetime.timedelta(days=rng.randrange(2000))
    front = [
        "---",
        f"title: {_yaml(title + rng.choice(('', '?', ': A Commentary')))}",
        f"article-type: {rng.choice(TYPES)}",
        f"genre: {rng.choice(GENRES)}",
        f"language: {rng.choice(LANGUAGES)}",
        f"issued: {issued.isoformat()}",
        f"container-title: {_yaml(rng.choice(CONTAINERS))}",
        "publisher: Example Academic Press",
        f"URL: https://example.org/commentary/{slug}",
    ]
    if rng.random() < 0.3:
        front.append(f"ISSN: 2049-{rng.randint(100, 999)}{rng.choice('0123456789X')}")
    if rng.random() < 0.4:
        front.append(f"DOI: 10.5555/bench.{number:04d}")
    front.append("author:")
    for _ in range(1 if rng.random() < 0.6 else 2):
        front += _person(rng, bio=True)
    if rng.random() < 0.6:
        front.append("editor:")
        front += _person(rng, bio=False)
    if rng.random() < 0.4:
        front.append(f"abstract: {_yaml(' '.join(_sentence(rng, links=False) for _ in range(2)))}")
    if rng.random() < 0.4:
        front.append(f"keywords: [{', '.join(rng.sample(WORDS, 3))}]")
    if rng.random() < 0.3:
        front += [
            "license:",
            '  text: "This work is licensed under a Creative Commons Attribution 4.0 International License."',
            "  url: https://creativecommons.org/licenses/by/4.0/",
        ]
    if rng.random() < 0.5:
        front += ["notes:", "  - type: editorial", f"    text: {_yaml(_sentence(rng, links=False))}"]
    front.append("---")

    notes: list[str] = []
    body = [_paragraph(rng, notes) for _ in range(rng.randint(1, 3))]
    for index in range(rng.randint(2, 12)):
        heading = " ".join(rng.choice(WORDS).capitalize() for _ in range(rng.randint(1, 4)))
        body.append(f"# {heading} {index + 1}")  # numbered: section titles must not repeat
        body += [_block(rng, notes) for _ in range(rng.randint(1, 8))]
    body += [f"[^{number}]: {text}" for number, text in enumerate(notes, start=1)]
    return slug, "\n".join(front) + "\n\n" + "\n\n".join(body) + "\n"


def generate(out: Path, count: int, seed: int = 0) -> list[Path]:
    """Write ``count`` sources under ``out`` (out/<slug>/article.md); return their paths in order."""
    rng = random.Random(seed)
    written: list[Path] = []
    for number in range(1, count + 1):
        slug, text = commentary(rng, number)
        path = out / slug / "article.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write <slug>/article.md into")
    parser.add_argument("count", type=int, help="how many commentaries")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("count must be at least 1")
    written = generate(args.out, args.count, args.seed)
    print(f"{len(written)} source(s) in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
