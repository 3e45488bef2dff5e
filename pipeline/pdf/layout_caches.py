"""What WeasyPrint works out again and again while it lays out and draws one PDF, worked out once.

WeasyPrint makes a new Pango layout for every run of text it measures or draws (several per line: the
line breaking tries short and long texts, hyphenation tries each break, drawing shapes each line once
more), and for each one ``Layout.setup`` creates a new Pango context, a new font description from the
style's font list and the OpenType feature string from its font-variant properties: about a tenth of
the time of laying out and drawing an article. None of these depends on the text. A context
holds the font map, the base direction, the language and whether glyph positions are rounded; a
font description the family list, style, stretch, weight, size, small capitals and variations; the
feature string the font-variant properties. While ``worked_out_once()`` is open, each is made once per
distinct value and shared: the layouts made from them are the same as from fresh ones (Pango copies a
description into the layout, and nothing changes a context once made), so lines break and glyphs are
placed exactly as before.

The strut of a style (the height and baseline of its line, ``line_break.strut``), which WeasyPrint
asks for at every line and inline box, is kept by style as well: WeasyPrint keeps it by a key it
writes out as a string from fourteen of the style's values each time. A style WeasyPrint changes is a
copy, so what a style says never changes while it lives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pipeline.pdf.weasy import weasyprint

line_break = weasyprint.text.line_break
ffi, gobject, pango = weasyprint.text.ffi.ffi, weasyprint.text.ffi.gobject, weasyprint.text.ffi.pango
unicode_to_char_p = weasyprint.text.ffi.unicode_to_char_p
LST_TO_ISO = weasyprint.text.constants.LST_TO_ISO
PANGO_DIRECTION = weasyprint.text.constants.PANGO_DIRECTION
get_font_description = weasyprint.text.fonts.get_font_description
font_features = weasyprint.text.fonts.font_features
FROM_UNITS = line_break.FROM_UNITS
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
FEATURES_FROM = (  # font_features' arguments, in its order
    "font_kerning",
    "font_variant_ligatures",
    "font_variant_position",
    "font_variant_caps",
    "font_variant_numeric",
    "font_variant_alternates",
    "font_variant_east_asian",
    "font_feature_settings",
)


@contextmanager
def worked_out_once() -> Iterator[None]:
    layout_class, inline = line_break.Layout, weasyprint.layout.inline
    original_setup, original_strut = layout_class.setup, line_break.strut
    layout_class.setup = _setup_from_shared_parts()
    # The inline layout calls strut by the name it imported; the other callers work out computed values, rarely.
    inline.strut = line_break.strut = _strut_by_style(original_strut)
    try:
        yield
    finally:
        layout_class.setup = original_setup
        inline.strut = line_break.strut = original_strut


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


def _setup_from_shared_parts() -> Callable[[Any, Style], None]:
    """WeasyPrint's ``Layout.setup`` (same steps, same order), its context, font description and
    feature string taken from caches kept for as long as the returned function lives."""
    contexts: dict[tuple[int, str, str | None], tuple[Any, Any, Any]] = {}
    descriptions: dict[tuple[int, tuple[Any, ...]], tuple[Any, Any]] = {}
    features_by_style: dict[tuple[Any, ...], bytes] = {}

    def setup(self: Any, style: Style) -> None:  # noqa: ANN401 (WeasyPrint's Layout)
        self.style = style
        self.first_line_direction = 0
        font_config = style.font_config  # type: ignore[attr-defined]
        if style["font_language_override"] != "normal":
            override = style["font_language_override"]
            language_tag = LST_TO_ISO.get(override.lower(), override)
        else:
            language_tag = style["lang"] or None
        context_key = (id(font_config), style["direction"], language_tag)
        if context_key not in contexts:
            context = ffi.gc(pango.pango_font_map_create_context(font_config.font_map), gobject.g_object_unref)
            pango.pango_context_set_round_glyph_positions(context, False)
            pango.pango_context_set_base_dir(context, PANGO_DIRECTION[style["direction"]])
            if language_tag:
                tag_pointer, _tag = unicode_to_char_p(language_tag)
                language = pango.pango_language_from_string(tag_pointer)
                pango.pango_context_set_language(context, language)
            else:
                language = pango.pango_language_get_default()
            # The font configuration is kept with its context: an id is only unique while its object lives.
            contexts[context_key] = (context, language, font_config)
        context, self.language, _font_config = contexts[context_key]

        described = _frozen(tuple(style[name] for name in DESCRIBED_BY))
        description_key = (id(font_config), described)
        if description_key not in descriptions:
            descriptions[description_key] = (get_font_description(style), font_config)
        description = descriptions[description_key][0]
        self.layout = ffi.gc(pango.pango_layout_new(context), gobject.g_object_unref)
        pango.pango_layout_set_auto_dir(self.layout, False)
        pango.pango_layout_set_font_description(self.layout, description)

        if style["text_decoration_line"] != "none":
            metrics = ffi.gc(
                pango.pango_context_get_metrics(context, description, self.language), pango.pango_font_metrics_unref
            )
            self.ascent = FROM_UNITS * pango.pango_font_metrics_get_ascent(metrics)
            self.underline_position = FROM_UNITS * pango.pango_font_metrics_get_underline_position(metrics)
            self.strikethrough_position = FROM_UNITS * pango.pango_font_metrics_get_strikethrough_position(metrics)
            self.underline_thickness = FROM_UNITS * pango.pango_font_metrics_get_underline_thickness(metrics)
            self.strikethrough_thickness = FROM_UNITS * pango.pango_font_metrics_get_strikethrough_thickness(metrics)
        else:
            self.ascent = None
            self.underline_position = None
            self.strikethrough_position = None

        variants = _frozen(tuple(style[name] for name in FEATURES_FROM))
        if variants not in features_by_style:
            chosen = font_features(*variants)
            features_by_style[variants] = ",".join(f"{key} {value}" for key, value in chosen.items()).encode()
        features = features_by_style[variants]
        if features:
            # WeasyPrint's own cache of feature attributes (its setup makes a new one at each call, and
            # keeps the first).
            attribute = font_config.font_features.get(features)
            if attribute is None:
                attribute = font_config.font_features[features] = pango.pango_attr_font_features_new(features)
            attributes = pango.pango_attr_list_new()
            pango.pango_attr_list_insert(attributes, attribute)
            pango.pango_layout_set_attributes(self.layout, attributes)

    return setup


def _frozen(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """``values`` usable as a key: the lists in them as tuples (an SVG text's style gives its fonts as
    a list; the styles of the HTML's boxes have none, and are used as they are)."""
    try:
        hash(values)
    except TypeError:
        return tuple(_frozen(tuple(value)) if isinstance(value, list | tuple) else value for value in values)
    return values
