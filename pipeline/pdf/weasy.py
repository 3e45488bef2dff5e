"""WeasyPrint, imported without its slow search for shared libraries.

WeasyPrint asks cffi for each C library under several names. For a bare name cffi calls
``ctypes.util.find_library``, which on Linux starts ldconfig and gcc: 38 processes and about 0.12 s
per import (measured by ``invoke bench``) before a name that loads directly is tried. During the
import we answer "not found" at once, so the directly loadable names are used; should that fail on
some system, the import is simply done again the normal way.
"""

from __future__ import annotations

import ctypes.util
import importlib
import sys
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
