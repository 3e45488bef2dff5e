"""WeasyPrint as the pipeline uses it: imported without its slow search for shared libraries, and
with a line's trailing space hanging when its lines are broken.

WeasyPrint asks cffi for each C library under several names. For a bare name cffi calls
``ctypes.util.find_library``, which on Linux starts ldconfig and gcc: 38 processes and about 0.12 s
per import (measured by ``invoke bench``) before a name that loads directly is tried. During the
import we answer "not found" at once, so the directly loadable names are used; should that fail on
some system, the import is simply done again the normal way.

Two more costs of a PDF worker's start are WeasyPrint's and not the PDF's. It imports fontTools' subsetter
and variable-font instancer (0.07 s), which it uses only without HarfBuzz's subsetter or for a variable
font: during its import they are stand-ins that import the real module when first used. And it asks cffi
for its arrays of glyph ids as ``hb_codepoint_t[N]``, a C type of its own for every new length, each parsed
anew by pycparser (2.5 ms; 14 of them in the first title's PDF): the same array without a length is
parsed once, and an array of N is made from it.

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
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from math import inf
from types import ModuleType
from typing import Any

# Modules WeasyPrint imports for what it rarely does, with the names it imports from them.
LOADED_ON_USE = {"fontTools.subset": (), "fontTools.varLib.instancer": ("instantiateVariableFont",)}
# A C array type with its length, as WeasyPrint spells it for cffi: "hb_codepoint_t[2277]".
SIZED_ARRAY = re.compile(r"(\w+)\[(\d+)\]\Z")


def import_weasyprint() -> ModuleType:
    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    real_find_library = ctypes.util.find_library
    ctypes.util.find_library = lambda _name: None
    stand_ins = {name: _stand_in(name, names) for name, names in LOADED_ON_USE.items() if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        return _with_arrays_parsed_once(importlib.import_module("weasyprint"))
    except OSError:
        for name in [name for name in sys.modules if name == "weasyprint" or name.startswith("weasyprint.")]:
            del sys.modules[name]
    finally:
        ctypes.util.find_library = real_find_library
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
    return _with_arrays_parsed_once(importlib.import_module("weasyprint"))


def _stand_in(name: str, names: tuple[str, ...]) -> ModuleType:
    """A module that imports ``name`` when any of its attributes is first used; ``names`` are the functions
    imported from it by name (``from module import function``), which import it when first called."""
    stand_in = ModuleType(name)

    def real() -> ModuleType:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        return importlib.import_module(name)

    def forward(function: str) -> Callable[..., Any]:
        return lambda *args, **kwargs: getattr(real(), function)(*args, **kwargs)

    def attribute_of_real(attribute: str) -> object:
        if attribute.startswith("__"):  # what the import system asks of any module (__path__) is not a use
            raise AttributeError(attribute)
        return getattr(real(), attribute)

    vars(stand_in)["__getattr__"] = attribute_of_real
    for function in names:
        setattr(stand_in, function, forward(function))
    return stand_in


def _with_arrays_parsed_once(module: ModuleType) -> ModuleType:
    # Only the font subsetting asks for sized arrays: its module alone sees the stand-in.
    fonts = module.pdf.fonts
    fonts.ffi = _ArraysParsedOnce(fonts.ffi)
    return module


class _ArraysParsedOnce:
    """cffi's FFI, but for an array of a given length, made from the array type without one (parsed
    once) and sized, as cffi makes and fills one."""

    def __init__(self, ffi: Any) -> None:  # noqa: ANN401 (cffi's FFI)
        self._ffi = ffi
        self._unsized: dict[str, object] = {}

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        return getattr(self._ffi, name)

    def new(self, cdecl: object, init: object = None) -> object:
        sized = SIZED_ARRAY.match(cdecl) if isinstance(cdecl, str) else None
        if sized is None:
            return self._ffi.new(cdecl, init)
        item = sized[1]
        unsized = self._unsized.get(item) or self._unsized.setdefault(item, self._ffi.typeof(f"{item}[]"))
        array = self._ffi.new(unsized, int(sized[2]))
        if init is not None:
            array[0 : len(init)] = init  # as cffi fills a sized array
        return array


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
