"""ORCID iDs and ROR IDs: the check digit and checksum their registries define, on identifiers known to
be real, and every single-character slip caught."""

from __future__ import annotations

import pytest

from pipeline.source.identifiers import CROCKFORD, orcid_check_character, orcid_problem, ror_checksum, ror_problem

# ORCID's own documented example iD (Josiah Carberry) and iDs whose last character is X or 0.
GOOD_ORCIDS = (
    "https://orcid.org/0000-0002-1825-0097",
    "https://orcid.org/0000-0002-1694-233X",
    "https://orcid.org/0000-0001-7654-3210",
)
# ROR IDs of real organisations, as ror.org lists them.
GOOD_RORS = (
    "https://ror.org/01an3r305",  # University of Pittsburgh
    "https://ror.org/035b05819",  # University of Copenhagen
    "https://ror.org/047gc3g35",  # Universidad de Chile
    "https://ror.org/02jx3x895",  # University College London
)


@pytest.mark.parametrize("orcid", GOOD_ORCIDS)
def test_a_real_orcid_passes(orcid: str) -> None:
    assert orcid_problem(orcid) is None


def test_the_documented_example_check_digit() -> None:
    # ORCID's documentation works 0000-0002-1825-009 through to the check digit 7.
    assert orcid_check_character("000000021825009") == "7"


@pytest.mark.parametrize("orcid", GOOD_ORCIDS)
def test_every_one_digit_slip_in_an_orcid_is_caught(orcid: str) -> None:
    prefix, digits = orcid[:18], orcid[18:]
    for position, original in enumerate(digits):
        if original == "-" or position == len(digits) - 1:
            continue
        for replacement in "0123456789":
            if replacement != original:
                slipped = prefix + digits[:position] + replacement + digits[position + 1 :]
                assert orcid_problem(slipped) is not None, slipped


def test_a_wrong_orcid_check_digit_names_the_right_one() -> None:
    problem = orcid_problem("https://orcid.org/0000-0002-1825-0091")
    assert problem is not None and problem.endswith("must end in 7")


@pytest.mark.parametrize("ror", GOOD_RORS)
def test_a_real_ror_passes(ror: str) -> None:
    assert ror_problem(ror) is None


@pytest.mark.parametrize("ror", GOOD_RORS)
def test_every_one_character_slip_in_a_ror_is_caught(ror: str) -> None:
    prefix, base, checksum = ror[:17], ror[17:23], ror[23:]
    for position, original in enumerate(base):
        for replacement in CROCKFORD:
            if replacement != original:
                slipped = prefix + base[:position] + replacement + base[position + 1 :] + checksum
                assert ror_problem(slipped) is not None, slipped


def test_a_wrong_ror_checksum_names_the_right_one() -> None:
    assert ror_checksum("01an3r3") == "05"
    problem = ror_problem("https://ror.org/01an3r350")
    assert problem is not None and problem.endswith("must end in 05")


def test_malformed_identifiers_are_left_to_the_pattern() -> None:
    # The schema's pattern reports these with the expected form; the check has nothing to add.
    assert orcid_problem("0000-0002-1825-0097") is None
    assert ror_problem("https://ror.org/01an3r3o5") is None


def test_the_model_carries_the_source_identifiers_and_copyright() -> None:
    from pathlib import Path

    import yaml

    from pipeline.prepare.article import load_article

    source = Path(__file__).parent / "fixtures" / "sources" / "two-authors-open-access" / "article.md"
    front = yaml.safe_load(source.read_text(encoding="utf-8").split("\n---\n")[0].removeprefix("---\n"))
    article = load_article(source)
    assert [person.ORCID for person in article.author] == [entry.get("ORCID") for entry in front["author"]]
    assert [[a.ROR for a in person.affiliations] for person in article.author] == [
        [a.get("ROR") for a in entry["affiliation"]] for entry in front["author"]
    ]
    assert article.copyright is not None
    assert (article.copyright.holder, article.copyright.year, article.copyright.statement) == (
        front["copyright"]["holder"],
        front["copyright"]["year"],
        front["copyright"]["statement"],
    )
