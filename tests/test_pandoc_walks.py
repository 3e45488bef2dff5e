"""pipeline/pandoc.py's reading of pandoc's JSON and its searches of the AST, against independent readers:
the depth check against the nesting of the decoded objects, the searches against a recursive walk."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import limits, pandoc
from pipeline.source.body import contents

# Strings that make a depth check by text go wrong if it takes them for structure: braces, quotes,
# backslashes (escaped in the JSON text) and characters past ASCII.
TEXT = st.text(st.sampled_from('ab{}[]"\\:,é’\n'), max_size=6)
JSON_VALUES = st.recursive(
    TEXT | st.integers() | st.booleans(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=40,
)


def object_depth(value: Any) -> int:
    """How many objects nest at the deepest point of ``value`` (lists do not count), decoded by Python."""
    if isinstance(value, dict):
        return 1 + max((object_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return max((object_depth(item) for item in value), default=0)
    return 0


@settings(max_examples=400, deadline=None)
@given(value=st.dictionaries(TEXT, JSON_VALUES, max_size=3), most=st.integers(min_value=0, max_value=6))
def test_the_depth_check_refuses_exactly_the_documents_nested_past_the_limit(value: dict[str, Any], most: int) -> None:
    # As pandoc writes it: compact, UTF-8 (and, to be sure, as json.dumps writes it by default).
    texts = (json.dumps(value, separators=(",", ":"), ensure_ascii=False), json.dumps(value))
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(limits._limits(), "nesting-depth", most)
        for text in texts:
            # One level for the document's own object: the limit counts the elements inside it.
            if object_depth(value) - 1 > most:
                with pytest.raises(pandoc.TooDeep):
                    pandoc.json_document(text)
            else:
                assert pandoc.json_document(text) == value


def every_kind(value: Any) -> set[str]:
    """Every element kind under ``value``, by a plain recursive walk of every list and dict."""
    found: set[str] = set()
    if isinstance(value, list):
        for item in value:
            found |= every_kind(item)
    elif isinstance(value, dict):
        if isinstance(value.get("t"), str):
            found.add(value["t"])
        for item in value.values():
            found |= every_kind(item)
    return found


def test_the_searches_find_an_element_only_a_citations_prefix_holds() -> None:
    raw = {"t": "RawInline", "c": ["html", "<abbr>"]}
    citation = {
        "citationId": "key",
        "citationPrefix": [raw, {"t": "Space"}],
        "citationSuffix": [],
        "citationMode": {"t": "NormalCitation"},
        "citationNoteNum": 1,
        "citationHash": 0,
    }
    body = [
        {"t": "Para", "c": [{"t": "Str", "c": "see"}, {"t": "Cite", "c": [[citation], [{"t": "Str", "c": "[@key]"}]]}]}
    ]
    assert "RawInline" not in {element["t"] for element in pandoc.elements(body)}  # it does not enter citations
    assert pandoc.holds(body, "RawInline")
    assert pandoc.holds(body, "RawInline", lambda element: element["c"][1] == "<abbr>")
    assert not pandoc.holds(body, "RawInline", lambda element: element["c"][1] == "<sup>")
    assert contents(body).holds_raw
    assert contents(body).kinds == every_kind(body)


def test_the_survey_names_every_kind_and_the_passages_keys() -> None:
    document = pandoc.read_markdown(
        'Text "quoted" [passage]{lang=fr}.[^1]\n\n| a | b |\n|--|--|\n| 1 | 2 |\n\n[^1]: A note with $x$.\n'
    ).document
    found = contents(document["blocks"])
    assert found.kinds == every_kind(document["blocks"])
    assert {"Quoted", "Span", "Note", "Math", "Table"} <= found.kinds
    assert found.holds_passages and not found.holds_raw
    assert not contents(pandoc.read_markdown("Plain words.\n").document["blocks"]).holds_passages
