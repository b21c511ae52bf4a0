"""A trainee's baseline per kiosk: their own centre from the 10 s calibration (issue 14).

One row per trainee and kiosk; recalibrating replaces it. The document is the
baseline's versioned JSON (:meth:`kiosk.calibration.TraineeBaseline.to_json`).
Deleted with the trainee.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "baselines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "trainee_id",
            sa.Integer,
            sa.ForeignKey("trainees.id", name="fk_baselines_trainee_id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kiosk", sa.String(120), nullable=False),
        sa.Column("taken_at", sa.DateTime, nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.UniqueConstraint("trainee_id", "kiosk", name="uq_baselines_trainee_kiosk"),
    )


def downgrade() -> None:
    op.drop_table("baselines")
