from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import func

from vigil.models.base import JSONB_TYPE, Base, UTCDateTime, pg_only_index, utcnow

# The one status vocabulary: database, API and live events all use exactly these.
JOB_STATUSES = ("queued", "running", "completed", "failed", "cancelled")
ACTIVE_STATUSES = ("queued", "running")
FINISHED_STATUSES = ("completed", "failed", "cancelled")
ATTEMPT_STATUSES = ("started", "succeeded", "failed", "cancelled")
JOB_LOG_LEVELS = ("debug", "info", "warning", "error")
TRANSITION_TRIGGERS = ("worker", "user", "timeout", "retry", "system")


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'completed', 'failed', 'cancelled')",
            name="status_valid",
        ),
        CheckConstraint("progress_percent >= 0 AND progress_percent <= 100", name="progress_range"),
        CheckConstraint("priority >= 0 AND priority <= 4", name="priority_range"),
        CheckConstraint("attempt_number >= 1", name="attempt_number_positive"),
        CheckConstraint("max_attempts >= 1", name="max_attempts_positive"),
        CheckConstraint(
            "completed_at IS NULL OR completed_at >= created_at", name="completed_after_created"
        ),
        CheckConstraint(
            "started_at IS NULL OR started_at >= created_at", name="started_after_created"
        ),
        Index("idx_jobs_status", "status"),
        Index("idx_jobs_job_type", "job_type"),
        Index("idx_jobs_created_at", "created_at"),
        Index("idx_jobs_queue_name", "queue_name"),
        Index("idx_jobs_priority", "priority"),
        Index("idx_jobs_status_created_at", "status", "created_at"),
        Index("idx_jobs_job_type_status", "job_type", "status"),
        pg_only_index("ix_jobs_created_at_brin", "created_at", using="brin"),
        # At most one waiting job per uniqueness key (procrastinate's "queueing lock").
        Index(
            "uq_jobs_unique_key_queued",
            "unique_key",
            unique=True,
            postgresql_where=text("status = 'queued' AND unique_key IS NOT NULL"),
            sqlite_where=text("status = 'queued' AND unique_key IS NOT NULL"),
        ),
        # The claim query's access path: waiting jobs already in claim order (priority, then
        # age), so taking the next few is an index scan however long the backlog.
        Index(
            "idx_jobs_claim",
            "priority",
            "created_at",
            postgresql_where=text("status = 'queued'"),
            sqlite_where=text("status = 'queued'"),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=lambda: str(uuid.uuid4()))
    job_type: Mapped[str] = mapped_column(String(50), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default=text("'queued'"))
    queue_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    priority: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("2"))
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    progress_percent: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    current_step: Mapped[str | None] = mapped_column(String(255), nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB_TYPE, nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_traceback: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempt_number: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("3"))
    next_retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Vigil additions: what to run, when, and at most one waiting copy per key.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONB_TYPE, nullable=True)
    run_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    unique_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The worker holding the job while it runs (NULL otherwise); see ``JobWorker``. Not
    # indexed: it is only looked up among running jobs, which the status index finds.
    worker_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # A user asked to cancel a running job; its code sees it through ``ctx.check_cancelled()``.
    cancel_requested: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=false())

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


def _job_fk() -> Mapped[str]:
    return mapped_column(String(36), ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False)


class JobAttempt(Base):
    __tablename__ = "job_attempts"
    __table_args__ = (
        CheckConstraint("attempt_number >= 1", name="attempt_number_positive"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ended_after_started"),
        CheckConstraint(
            "status IN ('started', 'succeeded', 'failed', 'cancelled')", name="status_valid"
        ),
        Index("idx_job_attempts_job_id", "job_id"),
        Index("idx_job_attempts_job_attempt", "job_id", "attempt_number"),
        Index("idx_job_attempts_status", "status"),
        pg_only_index("ix_job_attempts_started_at_brin", "started_at", using="brin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    job_id: Mapped[str] = _job_fk()
    attempt_number: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    started_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(
        String(20), nullable=False, server_default=text("'started'")
    )
    worker_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    error_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    error_traceback: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB_TYPE, nullable=True)


class JobLog(Base):
    __tablename__ = "job_logs"
    __table_args__ = (
        CheckConstraint("attempt_number >= 1", name="attempt_number_positive"),
        CheckConstraint("level IN ('debug', 'info', 'warning', 'error')", name="level_valid"),
        Index("idx_job_logs_job_id", "job_id"),
        Index("idx_job_logs_job_attempt", "job_id", "attempt_number"),
        Index("idx_job_logs_level", "level"),
        Index("idx_job_logs_job_timestamp", "job_id", "timestamp"),
        pg_only_index("ix_job_logs_timestamp_brin", "timestamp", using="brin"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    job_id: Mapped[str] = _job_fk()
    attempt_number: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    timestamp: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    level: Mapped[str] = mapped_column(String(10), nullable=False, server_default=text("'info'"))
    message: Mapped[str] = mapped_column(Text, nullable=False)
    context: Mapped[dict[str, Any] | None] = mapped_column(JSONB_TYPE, nullable=True)


class JobTransition(Base):
    __tablename__ = "job_transitions"
    __table_args__ = (
        CheckConstraint(
            "triggered_by IN ('worker', 'user', 'timeout', 'retry', 'system')",
            name="triggered_by_valid",
        ),
        Index("idx_job_transitions_job_id", "job_id"),
        Index("idx_job_transitions_transitioned_at", "transitioned_at"),
        Index("idx_job_transitions_job_time", "job_id", "transitioned_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True, default=uuid.uuid4)
    job_id: Mapped[str] = _job_fk()
    # NULL for the first transition (the job's creation), never a made-up 'initial' status.
    from_status: Mapped[str | None] = mapped_column(String(50), nullable=True)
    to_status: Mapped[str] = mapped_column(String(50), nullable=False)
    # The Python default gives SQLite sub-second order (its CURRENT_TIMESTAMP has whole seconds).
    transitioned_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now(), default=utcnow
    )
    triggered_by: Mapped[str] = mapped_column(
        String(50), nullable=False, server_default=text("'worker'")
    )
    metadata_json: Mapped[dict[str, Any] | None] = mapped_column(JSONB_TYPE, nullable=True)


class JobWorker(Base):
    """A running worker process. It refreshes ``last_heartbeat_at``; a worker silent for longer
    than the stall timeout is presumed dead and any other worker recovers its running jobs."""

    __tablename__ = "job_workers"
    __table_args__ = (
        CheckConstraint("concurrency >= 1", name="concurrency_positive"),
        Index("idx_job_workers_last_heartbeat_at", "last_heartbeat_at"),
    )

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255), nullable=False)
    pid: Mapped[int] = mapped_column(Integer, nullable=False)
    queues: Mapped[str | None] = mapped_column(Text, nullable=True)
    concurrency: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"))
    started_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )
    last_heartbeat_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), nullable=False, server_default=func.now()
    )


class JobPeriodicTick(Base):
    """One row per (periodic task, cron tick): the primary key makes "enqueue this tick" happen
    once however many workers race for it (procrastinate's ``periodic_defers``)."""

    __tablename__ = "job_periodic_ticks"
    __table_args__ = (Index("idx_job_periodic_ticks_tick_at", "tick_at"),)

    task_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    tick_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    job_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("jobs.id", ondelete="SET NULL"), nullable=True
    )
