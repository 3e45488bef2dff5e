"""Addresses found in plain-text fields, and the words a link shows instead of its address."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.textlinks import Run, described, runs, site_name

CASES = {
    "Please direct any questions or comments to him at commentary@jurist.org": [
        Run("text", "Please direct any questions or comments to him at "),
        Run("email", "commentary@jurist.org"),
    ],
    "Mail editors@example.org.": [Run("text", "Mail "), Run("email", "editors@example.org"), Run("text", ".")],
    "See https://example.org/a_(b), then (https://example.org/faq).": [
        Run("text", "See "),
        Run("url", "https://example.org/a_(b)"),
        Run("text", ", then ("),
        Run("url", "https://example.org/faq"),
        Run("text", ")."),
    ],
    "No address here, only words: a@b is not one.": [Run("text", "No address here, only words: a@b is not one.")],
    "“http://example.org/q?x=1&y=2”": [Run("text", "“"), Run("url", "http://example.org/q?x=1&y=2"), Run("text", "”")],
}


@pytest.mark.parametrize("text", sorted(CASES))
def test_addresses_are_found_without_the_punctuation_around_them(text: str) -> None:
    assert runs(text) == CASES[text]


@given(st.text(alphabet=st.sampled_from("ab .,:;()@/-_htps"), max_size=60))
def test_the_runs_give_the_text_back(text: str) -> None:
    assert "".join(run.text for run in runs(text)) == text


def test_described_link_text_names_the_site_not_the_address() -> None:
    url = "https://www.jurist.org/commentary/2022/03/roza-nurgozhayeva-russia-ukraine-invasion-kazakhstan/"
    assert site_name(url) == "jurist.org"
    assert described("JURIST – Academic Commentary", url) == "JURIST – Academic Commentary (jurist.org)"
    assert described("Licence", "https://creativecommons.org/licenses/by/4.0/") == "Licence (creativecommons.org)"
