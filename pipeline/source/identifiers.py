"""Persistent identifiers checked the way their registries define them: ORCID's ISO 7064 MOD 11-2 check
character, ROR's ISO 7064 MOD 97-10 checksum over the Crockford base32 number. A pattern alone passes a
mistyped digit; the check catches nearly every slip of one character or two swapped ones."""

from __future__ import annotations

import re

ORCID_PREFIX = "https://orcid.org/"
ROR_PREFIX = "https://ror.org/"
ORCID_PATTERN = re.compile(r"^https://orcid\.org/([0-9]{4})-([0-9]{4})-([0-9]{4})-([0-9]{3}[0-9X])$")
# Crockford's base32 leaves out I, L, O and U; ROR writes it in lowercase.
CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"
ROR_PATTERN = re.compile(rf"^https://ror\.org/(0[{CROCKFORD}]{{6}})([0-9]{{2}})$")


def orcid_check_character(digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an ORCID iD's first 15 digits ("X" stands for 10)."""
    total = 0
    for digit in digits:
        total = (total + int(digit)) * 2
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def orcid_problem(orcid: str) -> str | None:
    """Why a well-formed ORCID iD is wrong, or None; a malformed one is the pattern's to report."""
    match = ORCID_PATTERN.match(orcid)
    if match is None:
        return None
    digits = "".join(match.groups())
    expected = orcid_check_character(digits[:15])
    if digits[15] != expected:
        return f"{orcid!r} has a wrong check digit: with these first 15 digits it must end in {expected}"
    return None


def ror_checksum(base: str) -> str:
    """The two-digit ISO 7064 MOD 97-10 checksum of a ROR ID's first seven base32 characters."""
    number = 0
    for character in base:
        number = number * 32 + CROCKFORD.index(character)
    return f"{98 - number * 100 % 97:02d}"


def ror_problem(ror: str) -> str | None:
    """Why a well-formed ROR ID is wrong, or None; a malformed one is the pattern's to report."""
    match = ROR_PATTERN.match(ror)
    if match is None:
        return None
    base, checksum = match.groups()
    expected = ror_checksum(base)
    if checksum != expected:
        return f"{ror!r} has a wrong checksum: with these first seven characters it must end in {expected}"
    return None
