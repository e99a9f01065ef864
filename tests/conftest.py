"""Shared test fixtures: where the read-only real-world fixtures live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Machines here are shared and noisy: a slow example is not a failure (no deadline), and
# CI explores the same examples on every run so a red build is reproducible.
settings.register_profile("fcharness", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("fcharness")

REPO = Path(__file__).resolve().parents[1]
#: `../shared` beside the repository (CI lays a copy there); FCHARNESS_SHARED overrides.
SHARED = Path(os.environ.get("FCHARNESS_SHARED", REPO.parent / "shared"))
FIXTURES = SHARED / "fixtures"
WIRE = FIXTURES / "wire"
BFCL_2024 = FIXTURES / "bfcl-2024-08-11"


@pytest.fixture(scope="session")
def wire_dir() -> Path:
    """The folder of real vendor traffic (skips the test when it is absent)."""
    if not WIRE.is_dir():
        pytest.skip(f"real vendor traffic not found at {WIRE} (set FCHARNESS_SHARED)")
    return WIRE


@pytest.fixture(scope="session")
def bfcl_2024_dir() -> Path:
    """BFCL's 2024-08-11 leaderboard data and outputs (skips when absent)."""
    if not BFCL_2024.is_dir():
        pytest.skip(f"BFCL 2024-08-11 fixtures not found at {BFCL_2024} (set FCHARNESS_SHARED)")
    return BFCL_2024
