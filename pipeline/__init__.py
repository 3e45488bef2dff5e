"""The commentary publishing pipeline."""

import sys

# invoke turns off writing bytecode (for tasks.py's sake) before it loads the tasks; the pipeline's modules
# are cached as Python caches any module, so a rebuild does not compile them all again. -B or
# PYTHONDONTWRITEBYTECODE, the interpreter's own switches, still turn it off.
sys.dont_write_bytecode = sys.flags.dont_write_bytecode
