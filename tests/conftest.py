"""Shared test helpers: where the repository is and where external schemas live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
# Official schemas are not copied into the project: they sit beside the checkout (see the README in
# that folder), or wherever JATS_SCHEMA_DIR points.
DEFAULT_JATS_SCHEMA_DIR = Path(__file__).resolve().parents[2] / "shared/schemas/jats-archiving-1.2"


@pytest.fixture(scope="session")
def jats_schema_dir() -> Path:
    """The JATS 1.2 Archiving DTD folder; tests check it exists and fail (never skip) when it does not."""
    return Path(os.environ.get("JATS_SCHEMA_DIR", DEFAULT_JATS_SCHEMA_DIR))
