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


@pytest.fixture(scope="session", autouse=True)
def kiosk_data_folder(tmp_path_factory):
    """Kept recordings and the database go to a temporary folder, never the user's data folder."""
    import os

    folder = tmp_path_factory.mktemp("kiosk-data")
    before = os.environ.get("KIOSK_DATA_DIR")
    os.environ["KIOSK_DATA_DIR"] = str(folder)
    os.environ.pop("KIOSK_DB_URL", None)
    yield folder
    if before is None:
        os.environ.pop("KIOSK_DATA_DIR", None)
    else:
        os.environ["KIOSK_DATA_DIR"] = before


@pytest.fixture
def tiny_filesystem(tmp_path):
    """A real filesystem of a few hundred kB (tmpfs), for what the kiosk does when the disk is full.

    Mounted with ``mount -t tmpfs`` as root, the way CI runs; otherwise the
    test fails with what to do (a full disk cannot be faked honestly).
    """
    import os
    import subprocess

    def mount(size_kb: int) -> Path:
        if os.geteuid() != 0:
            pytest.fail(
                "this test mounts a tiny tmpfs and needs root (CI runs as root): run it with sudo", pytrace=False
            )
        folder = tmp_path / f"tiny-{size_kb}k"
        folder.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0700", "tmpfs", str(folder)], check=True)
        mounted.append(folder)
        return folder

    mounted: list[Path] = []
    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def pytest_collection_modifyitems(items) -> None:
    """Mark the tests on the PostgreSQL server ``postgres`` (its ``postgres`` fixture, or the
    ``url`` fixture's PostgreSQL half), so a developer can leave them out (see pyproject.toml)."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgres" in getattr(item, "fixturenames", ()) or params.get("url") == "postgresql":
            item.add_marker(pytest.mark.postgres)
