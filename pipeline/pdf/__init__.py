"""PDF post-processing beyond WeasyPrint: the logical structure tree (structure.py)."""
