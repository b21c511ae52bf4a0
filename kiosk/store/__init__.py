"""Store: trainees, workshops and scored takes in a database (SQLAlchemy; SQLite by default).

``KIOSK_DB_URL`` points several kiosks at one server (e.g. PostgreSQL).
"""

from kiosk.store.store import (
    CueRecord,
    Store,
    StoreError,
    TakeRecord,
    TraineeRecord,
    WorkshopRecord,
    default_url,
    take_record,
    upgrade_schema,
)

__all__ = [
    "CueRecord",
    "Store",
    "StoreError",
    "TakeRecord",
    "TraineeRecord",
    "WorkshopRecord",
    "default_url",
    "take_record",
    "upgrade_schema",
]
