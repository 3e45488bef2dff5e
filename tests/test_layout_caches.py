"""pipeline/pdf/layout_caches.py: what WeasyPrint works out for every run of text (font descriptions,
OpenType feature lists, struts) is worked out once per distinct value while a PDF is made, and the PDF
is the same, byte for byte, as WeasyPrint makes it without them."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import FIXTURE_SOURCES

from pipeline.pdf import layout_caches, writer
from pipeline.pdf.weasy import weasyprint
from pipeline.prepare.article import load_article

# Italic, bold, code, small print, headings, a table, notes: many styles, many fonts.
SOURCE = FIXTURE_SOURCES / "markdown-every-construct" / "article.md"
line_break = weasyprint.text.line_break


def _counted(calls: Counter[str], name: str, function: Callable[..., object]) -> Callable[..., object]:
    def counting(*arguments: object) -> object:
        calls[name] += 1
        return function(*arguments)

    return counting


@contextlib.contextmanager
def _counting_weasyprints_own(calls: Counter[str]) -> Iterator[None]:
    """Count the calls that reach WeasyPrint's own functions (under the caches, when they are open)."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("get_font_description", "font_features"):
            patch.setattr(line_break, name, _counted(calls, name, getattr(line_break, name)))
        yield


def test_the_pdf_is_the_same_with_and_without_the_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    article = load_article(SOURCE)
    cached_calls: Counter[str] = Counter()
    with _counting_weasyprints_own(cached_calls):
        writer.write(article, tmp_path / "cached.pdf")
    fresh_calls: Counter[str] = Counter()
    monkeypatch.setattr(layout_caches, "worked_out_once", contextlib.nullcontext)
    with _counting_weasyprints_own(fresh_calls):
        writer.write(article, tmp_path / "fresh.pdf")
    assert (tmp_path / "cached.pdf").read_bytes() == (tmp_path / "fresh.pdf").read_bytes()
    for name in ("get_font_description", "font_features"):
        # Worked out once per distinct style, not once per run of text.
        assert 0 < cached_calls[name] * 10 < fresh_calls[name], (name, cached_calls[name], fresh_calls[name])


def test_the_caches_end_with_the_pdf() -> None:
    before = (line_break.get_font_description, line_break.font_features, line_break.strut)
    with layout_caches.worked_out_once():
        assert line_break.get_font_description is not before[0]
    assert (line_break.get_font_description, line_break.font_features, line_break.strut) == before
    assert weasyprint.layout.inline.strut is before[2]
