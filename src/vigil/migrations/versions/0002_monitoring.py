"""monitoring: GPU identity on gpu_stats so multi-GPU history can be told apart

Revision ID: 0002_monitoring
Revises: 0002_alerting
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_monitoring"
down_revision: str | Sequence[str] | None = "0002_alerting"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable: rows written before this revision have no identity, and we never invent one.
    with op.batch_alter_table("gpu_stats") as batch:
        batch.add_column(sa.Column("gpu_index", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("gpu_uuid", sa.String(length=96), nullable=True))
    op.create_index(
        "idx_gpu_stats_gpu_uuid_recorded_at", "gpu_stats", ["gpu_uuid", "recorded_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("idx_gpu_stats_gpu_uuid_recorded_at", table_name="gpu_stats")
    with op.batch_alter_table("gpu_stats") as batch:
        batch.drop_column("gpu_uuid")
        batch.drop_column("gpu_index")
