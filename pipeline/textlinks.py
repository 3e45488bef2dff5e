"""Web addresses and e-mail addresses inside plain-text fields (notes, bios), and the words a link
shows instead of its address.

A careful pattern rather than a Markdown pass: these fields are plain text, and the only question is
where an address starts and ends. An address ends before white space, before the characters that
cannot stand in it unescaped (<, >, quotes), and before the sentence punctuation that follows it in
prose ("… at commentary@jurist.org." keeps the full stop out of the address).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

# A URL: http(s)://, then anything but space, angle brackets and quotes.
URL = r"https?://[^\s<>\"'“”‘’]+"
# An e-mail address as people write them (RFC 5322's dot-atom local part, a dotted domain).
ATOM = r"[A-Za-z0-9!#$%&*+/=?^_`{|}~-]+"
LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL = rf"{ATOM}(?:\.{ATOM})*@{LABEL}(?:\.{LABEL})+"
ADDRESS = re.compile(rf"(?P<url>{URL})|(?P<email>{EMAIL})")
# Prose punctuation that ends a sentence or clause after an address rather than belonging to it.
TRAILING = ".,;:!?"
# A closing bracket belongs to the address only when the address opened one ("…/Foo_(bar)").
BRACKETS = {")": "(", "]": "["}


@dataclass(frozen=True)
class Run:
    """A piece of a text: plain words, a web address or an e-mail address."""

    kind: Literal["text", "url", "email"]
    text: str


def runs(text: str) -> list[Run]:
    """``text`` cut into plain runs and the addresses between them, in order; joined, they give it back."""
    found: list[Run] = []
    position = 0
    for match in ADDRESS.finditer(text):
        kind: Literal["url", "email"] = "url" if match.group("url") else "email"
        address = _trimmed(match.group(0))
        start, end = match.start(), match.start() + len(address)
        if start > position:
            found.append(Run("text", text[position:start]))
        found.append(Run(kind, address))
        position = end
    if position < len(text):
        found.append(Run("text", text[position:]))
    return _merged(found)


def _trimmed(address: str) -> str:
    while address:
        last = address[-1]
        if last in TRAILING or (last in BRACKETS and address.count(BRACKETS[last]) < address.count(last)):
            address = address[:-1]
        else:
            break
    return address


def _merged(found: list[Run]) -> list[Run]:
    """Neighbouring plain runs as one (a regex match that trimmed to nothing leaves two)."""
    merged: list[Run] = []
    for run in found:
        if not run.text:
            continue
        if merged and merged[-1].kind == run.kind == "text":
            merged[-1] = Run("text", merged[-1].text + run.text)
        else:
            merged.append(run)
    return merged


def site_name(url: str) -> str:
    """The host a link leads to, as people say it: "jurist.org" for https://www.jurist.org/…."""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def described(label: str, url: str) -> str:
    """Link text that says what the link leads to, and where: "JURIST – Academic Commentary (jurist.org)".
    A screen reader reads it as words instead of spelling out the address."""
    return f"{label} ({site_name(url)})"
