"""WeasyPrint as the pipeline uses it: imported without its slow search for shared libraries, and
with a line's trailing space hanging when its lines are broken.

WeasyPrint asks cffi for each C library under several names. For a bare name cffi calls
``ctypes.util.find_library``, which on Linux starts ldconfig and gcc: 38 processes and about 0.12 s
per import (measured by ``invoke bench``) before a name that loads directly is tried. During the
import we answer "not found" at once, so the directly loadable names are used; should that fail on
some system, the import is simply done again the normal way.

The trailing space of a line hangs (CSS Text 3, 4.1.3): text that fits without it is never cut down
to its first word. WeasyPrint sets a run of text followed by inline markup (a note's call, an
emphasised word, a link) as a text box of its own ending with the space before the markup. When the
run fits the rest of the line only without that space, Pango keeps it on one line, but WeasyPrint's
``split_first_line`` measures it with the space, finds it wider than the room with no break, takes
that as "the first word does not fit" and sets the first word alone: "On" on a line of its own, or
its first syllable when hyphenation may break it ("Invest‐", then "ment commission the…"). This
happens a few times in a long article, always right before inline markup, hyphenated or not. While
``trailing_spaces_hang()`` is open, such a run is set whole, as when the space fits too: the markup
after it moves to the next line, and the space at the line's end is removed as usual.
"""

from __future__ import annotations

import ctypes.util
import importlib
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from math import inf
from types import ModuleType


def import_weasyprint() -> ModuleType:
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    real_find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda _name: None
    try:
        return importlib.import_module("weasyprint")
    except OSError:
        for name in [name for name in sys.modules if name == "weasyprint" or name.startswith("weasyprint.")]:
            del sys.modules[name]
    finally:
        ctypes.util.find_library = real_find_library
    return importlib.import_module("weasyprint")


weasyprint = import_weasyprint()

inline = weasyprint.layout.inline
line_break = weasyprint.text.line_break
Style = Mapping[str, object]  # a box's computed style
# white-space values whose spaces collapse, and so hang at the end of a line.
COLLAPSING = frozenset({"normal", "nowrap", "pre-line"})


@contextmanager
def trailing_spaces_hang() -> Iterator[None]:
    original = inline.split_first_line
    inline.split_first_line = _whole_when_only_the_space_overflows(original)
    try:
        yield
    finally:
        inline.split_first_line = original


def _whole_when_only_the_space_overflows(split_first_line: Callable[..., tuple]) -> Callable[..., tuple]:
    def split(
        text: str,
        style: Style,
        context: object,
        max_width: float | None,
        justification: float,
        *args: object,
        **kwargs: object,
    ) -> tuple:
        result = split_first_line(text, style, context, max_width, justification, *args, **kwargs)
        _layout, length, resume_index = result[:3]
        if (
            resume_index is None
            or max_width is None
            or not text.endswith(" ")
            or style["white_space"] not in COLLAPSING
        ):
            return result
        # Only a first line of one word (or part of one) can be this case: no space before its end.
        if " " in text.encode()[:length].decode(errors="ignore").strip(" "):
            return result
        if not _fits_without_trailing_space(text, style, context, max_width, justification):
            return result
        return split_first_line(text, style, context, inf, justification, *args, **kwargs)

    return split


def _fits_without_trailing_space(
    text: str, style: Style, context: object, max_width: float, justification: float
) -> bool:
    layout = line_break.create_layout(text.rstrip(" "), style, context, max_width, justification)
    try:
        first_line, second_line_start = layout.get_first_line()
        width, _height = line_break.line_size(first_line, style)
    finally:
        layout.deactivate()
    return second_line_start is None and width <= max_width
