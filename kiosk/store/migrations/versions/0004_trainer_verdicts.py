"""The trainer's verdicts: whether the kiosk judged a cue of a take right, optionally for a time range.

A verdict never changes the take's stored scores; it is deleted with its take.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verdicts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "take_id",
            sa.Integer,
            sa.ForeignKey("takes.id", name="fk_verdicts_take_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("cue", sa.String(40), nullable=False),
        sa.Column("verdict", sa.String(8), nullable=False),
        sa.Column("start_s", sa.Float, nullable=True),
        sa.Column("end_s", sa.Float, nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_verdicts_take_id", "verdicts", ["take_id"])


def downgrade() -> None:
    op.drop_index("ix_verdicts_take_id", table_name="verdicts")
    op.drop_table("verdicts")
