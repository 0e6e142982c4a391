"""jobs: worker heartbeats, cancel requests, claim index and periodic-tick dedup

Revision ID: 0002_jobs
Revises: 0001_initial
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_jobs"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("worker_id", sa.String(length=100), nullable=True))
        batch.add_column(
            sa.Column("cancel_requested", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_index(
        "idx_jobs_claim",
        "jobs",
        ["priority", "created_at"],
        unique=False,
        postgresql_where=sa.text("status = 'queued'"),
        sqlite_where=sa.text("status = 'queued'"),
    )
    op.create_table(
        "job_workers",
        sa.Column("id", sa.String(length=100), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("queues", sa.Text(), nullable=True),
        sa.Column("concurrency", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "last_heartbeat_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.CheckConstraint("concurrency >= 1", name=op.f("ck_job_workers_concurrency_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_workers")),
    )
    op.create_index(
        "idx_job_workers_last_heartbeat_at", "job_workers", ["last_heartbeat_at"], unique=False
    )
    op.create_table(
        "job_periodic_ticks",
        sa.Column("task_name", sa.String(length=100), nullable=False),
        sa.Column("tick_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_job_periodic_ticks_job_id_jobs"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("task_name", "tick_at", name=op.f("pk_job_periodic_ticks")),
    )
    op.create_index(
        "idx_job_periodic_ticks_tick_at", "job_periodic_ticks", ["tick_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("idx_job_periodic_ticks_tick_at", table_name="job_periodic_ticks")
    op.drop_table("job_periodic_ticks")
    op.drop_index("idx_job_workers_last_heartbeat_at", table_name="job_workers")
    op.drop_table("job_workers")
    op.drop_index("idx_jobs_claim", table_name="jobs")
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("cancel_requested")
        batch.drop_column("worker_id")
