"""Trainees' names compared by a key kept in its own indexed column (the same on SQLite and PostgreSQL).

SQLite's ``lower()`` folds ASCII letters only, so on SQLite "Åse" and "åse"
were two trainees (one for every way of writing the capital), while
PostgreSQL took them as one. The key is the name in Unicode NFKC,
case-folded, with whitespace collapsed, computed in Python.

Nothing is merged silently: where existing trainees share a key, the oldest
(lowest id) keeps the plain key, so new takes under that name go to it; each
later one keeps its own row, takes and code, and gets the key followed by a
separator and its code, so it is still found by its code and the trainer can
see it (the dashboard lists such trainees) and delete it or leave it.

Revision ID: 0003
Revises: 0002
"""

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

#: The column's length; a key of a pathologically long old name is cut to fit.
KEY_CHARS = 400
SEPARATOR = "\x1f"


def _key(name: str) -> str:
    # A copy of kiosk.store.names.name_key as it was when this migration was
    # written: a migration keeps doing what it did.
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(folded.split())


def upgrade() -> None:
    with op.batch_alter_table("trainees") as trainees:
        trainees.add_column(sa.Column("name_key", sa.String(KEY_CHARS), nullable=True))
    connection = op.get_bind()
    taken: set[str] = set()
    kept_apart = 0
    for trainee_id, name, code in connection.execute(sa.text("SELECT id, name, code FROM trainees ORDER BY id")):
        key = _key(name)[:KEY_CHARS]
        if key in taken:
            key = f"{key[: KEY_CHARS - len(code) - 1]}{SEPARATOR}{code}"
            kept_apart += 1
        taken.add(key)
        connection.execute(
            sa.text("UPDATE trainees SET name_key = :key WHERE id = :id"), {"key": key, "id": trainee_id}
        )
    if kept_apart:
        logging.getLogger("alembic.runtime.migration").warning(
            "%d trainee(s) have the same name as an older trainee (compared case-folded and Unicode-normalised): "
            "each keeps its own takes and code; new takes under the name go to the oldest. The trainer's "
            "dashboard lists them under Data and privacy.",
            kept_apart,
        )
    with op.batch_alter_table("trainees") as trainees:
        trainees.alter_column("name_key", existing_type=sa.String(KEY_CHARS), nullable=False)
        trainees.create_index("ix_trainees_name_key", ["name_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("trainees") as trainees:
        trainees.drop_index("ix_trainees_name_key")
        trainees.drop_column("name_key")
