"""WeasyPrint as pipeline/pdf/weasy.py imports it: what it imports for rarely used paths is a stand-in until
used, and then the real module; its arrays of glyph ids are the arrays cffi would make, without a C type
parsed for every length. Each check runs in a fresh interpreter, where the import really happens."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from pipeline.pdf.weasy import LOADED_ON_USE

REPO = Path(__file__).resolve().parent.parent


def _run(code: str) -> object:
    """What the code prints last, read as JSON, run in a fresh interpreter in the repository."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_rarely_used_modules_are_not_imported_with_weasyprint() -> None:
    loaded = _run(f"""
        import json, sys
        import pipeline.pdf.weasy
        print(json.dumps([name for name in {list(LOADED_ON_USE)!r} if name in sys.modules]))
    """)
    assert loaded == []


def test_weasyprint_reaches_the_real_modules_when_it_uses_them() -> None:
    # A font without variations given to the instancer: WeasyPrint's name for it fails as the real one does.
    seen = _run("""
        import json, sys
        import pipeline.pdf.weasy
        import weasyprint.pdf.fonts as fonts
        from fontTools.ttLib import TTFont

        def failure(function):
            try:
                function(TTFont(), {})
            except Exception as error:
                return f"{type(error).__name__}: {error}"

        through_weasyprint = failure(fonts.instantiateVariableFont)
        import fontTools.subset, fontTools.varLib.instancer as instancer
        print(json.dumps({
            "failure": [through_weasyprint, failure(instancer.instantiateVariableFont)],
            "subsetter": fonts.subset.Options is fontTools.subset.Options,
        }))
    """)
    first, second = seen["failure"]
    assert first is not None and first == second
    assert seen["subsetter"] is True


def test_arrays_of_glyph_ids_are_made_as_cffi_makes_them() -> None:
    # cffi's own FFI (behind the stand-in the subsetting module sees) makes the array as WeasyPrint would.
    compared = _run("""
        import json
        import pipeline.pdf.weasy
        from weasyprint.pdf.fonts import ffi

        def facts(array):
            values = [array[index] for index in range(len(array))]
            return [ffi.typeof(array).item.cname, len(array), ffi.sizeof(array), values]

        made = [("hb_codepoint_t[3]", [7, 8, 9]), ("hb_codepoint_t[4]", [7, 8]), ("unsigned char[2]", None)]
        print(json.dumps([[facts(ffi.new(*case)), facts(ffi._ffi.new(*case))] for case in made]))
    """)
    for ours, cffis in compared:
        assert ours == cffis
    assert [ours[3] for ours, _ in compared] == [[7, 8, 9], [7, 8, 0, 0], [0, 0]]
