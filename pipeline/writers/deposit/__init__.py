"""Deposit files and packages: what a journal sends to registries (Crossref, DOAJ) and archives (MECA, BagIt)."""
