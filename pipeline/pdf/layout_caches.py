"""What WeasyPrint works out again and again while it lays out and draws one PDF, worked out once.

WeasyPrint makes a new Pango layout for every run of text it measures or draws (several per line: the
line breaking tries short and long texts, hyphenation tries each break, drawing shapes each line once
more), and for each one ``Layout.setup`` works out anew the font description from the style's font
values and the OpenType features from its font-variant properties; and at every line and inline box
it asks for the style's strut (the height and baseline of its line), which it keeps by a key it writes
out as a string from fourteen of the style's values each time. None of these depends on the text.
While ``worked_out_once()`` is open, each is worked out once per distinct set of the values it reads
(the strut once per style) and shared: Pango copies a description into each layout it is set on, and
the features are read, never changed, so lines break and glyphs are placed exactly as before (the
PDFs are byte for byte the same). A style WeasyPrint changes is a copy, so what a style says never
changes while it lives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pipeline.pdf.weasy import weasyprint

line_break = weasyprint.text.line_break
Style = Mapping[str, Any]  # a box's computed style
DESCRIBED_BY = (  # what get_font_description reads from a style
    "font_family",
    "font_style",
    "font_stretch",
    "font_weight",
    "font_size",
    "font_variant_caps",
    "font_variation_settings",
)


@contextmanager
def worked_out_once() -> Iterator[None]:
    inline = weasyprint.layout.inline
    original = line_break.get_font_description, line_break.font_features, line_break.strut
    # Layout.setup calls them by the names line_break imported; the inline layout calls strut by its own.
    line_break.get_font_description = _kept_by_values(original[0], lambda style: [style[name] for name in DESCRIBED_BY])
    line_break.font_features = _kept_by_values(original[1], lambda *values: list(values))
    inline.strut = line_break.strut = _strut_by_style(original[2])
    try:
        yield
    finally:
        line_break.get_font_description, line_break.font_features, line_break.strut = original
        inline.strut = original[2]


def _kept_by_values(work_out: Callable[..., Any], read: Callable[..., list[Any]]) -> Callable[..., Any]:
    """``work_out``, its answer kept by the values ``read`` takes from its arguments, for as long as the
    returned function lives."""
    known: dict[tuple[Any, ...], Any] = {}

    def kept(*arguments: Any) -> Any:  # noqa: ANN401 (WeasyPrint's values)
        key = _frozen(tuple(read(*arguments)))
        if key not in known:
            known[key] = work_out(*arguments)
        return known[key]

    return kept


def _strut_by_style(strut: Callable[[Style], tuple[float, float]]) -> Callable[[Style], tuple[float, float]]:
    """``strut``, its answer kept by style for as long as the returned function lives."""
    known: dict[int, tuple[Style, tuple[float, float]]] = {}

    def strut_of(style: Style) -> tuple[float, float]:
        found = known.get(id(style))
        if found is None:
            # The style is kept with its answer: an id is only unique while its object lives.
            found = known[id(style)] = (style, strut(style))
        return found[1]

    return strut_of


def _frozen(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """``values`` usable as a key: the lists in them as tuples (an SVG text's style gives its fonts as
    a list; the styles of the HTML's boxes have none, and are used as they are)."""
    try:
        hash(values)
    except TypeError:
        return tuple(_frozen(tuple(value)) if isinstance(value, list | tuple) else value for value in values)
    return values
