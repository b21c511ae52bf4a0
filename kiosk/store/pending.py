"""Takes that could not be saved yet: kept on disk until the database takes them.

A scored take is never lost because the database is busy, damaged or
unreachable: :func:`save_or_keep` tries a few times with a pause between
tries (a bounded total time), then writes the take as one JSON file in the
``pending`` folder of the data folder (``0700``, files ``0600``).
:func:`save_kept` saves those files on the next successful open or save and
removes each once it is in the database (saving is idempotent by the take's
uid, so two kiosks flushing the same folder store each take once).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from kiosk import datafolder
from kiosk.store.store import (
    SavedTake,
    Store,
    StoreBusyError,
    StoreError,
    StoreNameError,
    TakeRecord,
    pending_json,
    pending_record,
    write_private,
)

#: Pauses between tries to save a take while the database is busy, in seconds:
#: with a page's write waiting at most PAGE_BUSY_TIMEOUT_S (3 s) a try, a take
#: is saved or kept within about 3 x 3 + 1.5 = 10.5 s.
SAVE_RETRY_PAUSES_S = (0.5, 1.0)
PENDING_VERSION = 1


def pending_folder() -> Path:
    """Where takes wait to be saved: ``pending`` in the data folder (not created here)."""
    return datafolder.data_folder() / "pending"


@dataclass(frozen=True)
class SaveOutcome:
    """What became of a take: saved now, kept to be saved later, or neither (and why).

    Attributes:
        saved: the take in the database (its trainee's code), if saved now.
        kept: the file it waits in, if it could not be saved now.
        problem: why the database could not take it (one sentence), when not saved now.
    """

    saved: SavedTake | None = None
    kept: Path | None = None
    problem: str | None = None


def save_or_keep(
    store: Store | None,
    record: TakeRecord,
    *,
    problem: str | None = None,
    folder: Path | None = None,
    pauses_s: Sequence[float] = SAVE_RETRY_PAUSES_S,
) -> SaveOutcome:
    """Save a take, trying again while the database is busy; keep it in the pending folder if that fails.

    Args:
        store: the open store, or ``None`` if it could not be opened (``problem`` says why).
        folder: the pending folder (default :func:`pending_folder`).

    Raises:
        StoreNameError: the trainee's name cannot be kept (the caller saves the take without it).
    """
    folder = folder or pending_folder()
    if store is not None:
        for pause in (*pauses_s, None):
            try:
                saved = store.save_take(record)
            except StoreNameError:
                raise
            except StoreBusyError as err:
                problem = str(err)
                if pause is None:
                    break
                time.sleep(pause)
            except StoreError as err:
                problem = str(err)
                break
            except SQLAlchemyError:
                # Not one the store knows how to say (a bug): the take is kept all the same.
                problem = "The kiosk's database could not be used."
                break
            else:
                try:
                    save_kept(store, folder)
                except StoreError:
                    pass  # they wait for the next save
                return SaveOutcome(saved=saved)
    try:
        kept = keep_take(record, folder)
    except StoreError as err:
        return SaveOutcome(problem=f"{problem} {err}" if problem else str(err))
    return SaveOutcome(kept=kept, problem=problem)


def keep_take(record: TakeRecord, folder: Path | None = None) -> Path:
    """Write a take to the pending folder (``<uid>.json``, ``0600``); its file.

    Raises:
        StoreError: the file could not be written (a full disk...).
    """
    folder = folder or pending_folder()
    try:
        datafolder.private_folder(folder)
    except OSError as err:
        raise StoreError(f"The folder {folder} for takes to save later cannot be made ({err.strerror}).") from err
    document = {"schema": "kiosk/pending-take", "version": PENDING_VERSION, "take": pending_json(record)}
    return write_private(folder / f"{Path(record.uid).name}.json", json.dumps(document, ensure_ascii=False))


def kept_takes(folder: Path | None = None) -> list[Path]:
    """The takes waiting in the pending folder, oldest file first."""
    folder = folder or pending_folder()
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.json"), key=lambda p: (p.stat().st_mtime, p.name))


def save_kept(store: Store, folder: Path | None = None) -> int:
    """Save the takes waiting in the pending folder, removing each once saved; how many were saved.

    A file that cannot be read as a kept take is left where it is for a person to look at.

    Raises:
        StoreError: the database stopped taking writes (the rest wait for the next time).
    """
    saved = 0
    for path in kept_takes(folder):
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("schema") != "kiosk/pending-take":
                continue
            record = pending_record(document["take"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        try:
            store.save_take(record)
        except StoreNameError:
            store.save_take(replace(record, trainee=None))  # kept before names were checked
        path.unlink(missing_ok=True)
        saved += 1
    return saved
