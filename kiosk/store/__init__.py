"""Store: trainees, workshops and scored takes in a database (SQLAlchemy; SQLite by default).

``KIOSK_DB_URL`` points several kiosks at one server (e.g. PostgreSQL).
"""

from kiosk.store.access import Attempt, pin_problem
from kiosk.store.names import NAME_MAX_CHARS, name_key
from kiosk.store.pending import SaveOutcome, pending_folder, save_kept, save_or_keep
from kiosk.store.store import (
    PAGE_BUSY_TIMEOUT_S,
    CodeCheck,
    CueRecord,
    SavedTake,
    Store,
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreNameError,
    TakeRecord,
    TraineeRecord,
    WorkshopRecord,
    backup_database,
    backup_sqlite,
    checked,
    default_url,
    dumps_export,
    sqlite_path,
    take_record,
    upgrade_schema,
    write_private,
)

__all__ = [
    "NAME_MAX_CHARS",
    "PAGE_BUSY_TIMEOUT_S",
    "Attempt",
    "CodeCheck",
    "CueRecord",
    "SaveOutcome",
    "SavedTake",
    "Store",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreError",
    "StoreNameError",
    "TakeRecord",
    "TraineeRecord",
    "WorkshopRecord",
    "backup_database",
    "backup_sqlite",
    "checked",
    "default_url",
    "dumps_export",
    "name_key",
    "pending_folder",
    "pin_problem",
    "save_kept",
    "save_or_keep",
    "sqlite_path",
    "take_record",
    "upgrade_schema",
    "write_private",
]
