"""The first schema: trainees, their scored takes, and each take's cue results.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trainees",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("code", sa.String(16), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "takes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("uid", sa.String(36), nullable=False, unique=True),
        sa.Column("trainee_id", sa.Integer, sa.ForeignKey("trainees.id", ondelete="CASCADE"), nullable=True),
        sa.Column("scenario_id", sa.String(80), nullable=False),
        sa.Column("setting", sa.String(20), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("profile", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
        sa.Column("duration_s", sa.Float, nullable=False),
        sa.Column("overall_score", sa.Float, nullable=True),
        sa.Column("report", sa.JSON, nullable=False),
        sa.Column("media_path", sa.Text, nullable=True),
    )
    op.create_index("ix_takes_trainee_id", "takes", ["trainee_id"])
    op.create_index("ix_takes_recorded_at", "takes", ["recorded_at"])
    op.create_table(
        "cue_results",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("take_id", sa.Integer, sa.ForeignKey("takes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("cue", sa.String(40), nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.Column("value", sa.Float, nullable=True),
        sa.UniqueConstraint("take_id", "cue"),
    )
    op.create_index("ix_cue_results_take_id", "cue_results", ["take_id"])


def downgrade() -> None:
    op.drop_table("cue_results")
    op.drop_table("takes")
    op.drop_table("trainees")
