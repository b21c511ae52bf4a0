"""Workshops: a trainer's session with a roster, takes belonging to one; kiosk settings.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workshops",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "workshop_members",
        sa.Column("workshop_id", sa.Integer, sa.ForeignKey("workshops.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), primary_key=True),
    )
    with op.batch_alter_table("takes") as takes:
        takes.add_column(sa.Column("workshop_id", sa.Integer, nullable=True))
        takes.create_foreign_key("fk_takes_workshop_id", "workshops", ["workshop_id"], ["id"], ondelete="SET NULL")
        takes.create_index("ix_takes_workshop_id", ["workshop_id"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("settings")
    with op.batch_alter_table("takes") as takes:
        takes.drop_index("ix_takes_workshop_id")
        takes.drop_constraint("fk_takes_workshop_id", type_="foreignkey")
        takes.drop_column("workshop_id")
    op.drop_table("workshop_members")
    op.drop_table("workshops")
