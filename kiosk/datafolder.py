"""The kiosk's data folder, and files in it that only the kiosk's own user can read.

Recordings, the database (names, scores, the trainer PIN's hash) and exports
are personal data: every folder the kiosk makes under its data folder is
``0700`` and every file ``0600``, whatever the process's umask, so another
local user of the machine can read none of them.

This module sits at the bottom of the package: it imports nothing from the
steps above it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kiosk.settings import read_settings

#: Environment variable naming the data folder (default: the user data folder).
DATA_DIR_ENV = "KIOSK_DATA_DIR"
#: Folders the kiosk makes: owner only.
PRIVATE_FOLDER_MODE = 0o700
#: Files the kiosk writes: owner read and write only.
PRIVATE_FILE_MODE = 0o600


def data_folder() -> Path:
    """``$KIOSK_DATA_DIR``, else the platform's user data folder for the kiosk (not created here)."""
    configured = read_settings().data_dir
    if configured is not None:
        return configured
    from platformdirs import user_data_path

    return user_data_path("kiosk")


def media_folder() -> Path:
    """Where kept recordings go: ``takes`` in the data folder (not created here)."""
    return data_folder() / "takes"


def private_folder(path: Path) -> Path:
    """Make ``path`` (and any missing parents) a folder only its owner can open; return it.

    Parents that already exist keep their permissions (they may be the
    user's home); the folder itself is set to ``0700`` even if it existed.

    Raises:
        OSError: the folder cannot be made (read-only disk, no permission).
    """
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    path.mkdir(parents=True, exist_ok=True)
    for folder in [path, *missing]:
        if folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) != PRIVATE_FOLDER_MODE:
            try:
                folder.chmod(PRIVATE_FOLDER_MODE)
            except PermissionError:
                pass  # not ours (a shared parent): its own permissions stand
    return path


def make_private(path: Path) -> Path:
    """Set an existing file to ``0600`` (owner read and write only); return it."""
    path.chmod(PRIVATE_FILE_MODE)
    return path


def create_private_file(path: Path) -> Path:
    """Create ``path`` empty with mode ``0600`` if it does not exist (its folder made private too).

    For files another library then opens (SQLite, a muxer): they keep the
    mode they were created with.
    """
    private_folder(path.parent)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    os.close(descriptor)
    return make_private(path)


__all__ = [
    "DATA_DIR_ENV",
    "PRIVATE_FILE_MODE",
    "PRIVATE_FOLDER_MODE",
    "create_private_file",
    "data_folder",
    "make_private",
    "media_folder",
    "private_folder",
]
