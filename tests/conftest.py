"""Shared test fixtures: the real recordings in ``../shared/data``."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The read-only folder of real recordings (see its SOURCES.md)."""
    assert SHARED_DATA.is_dir(), f"test recordings not found at {SHARED_DATA}: check out next to ../shared"
    return SHARED_DATA
