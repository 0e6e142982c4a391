"""API shapes of jobs, their history and logs. Statuses are the one vocabulary of the table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from vigil.core.schemas import ReadModel

JobStatus = Literal["queued", "running", "completed", "failed", "cancelled"]
LogLevel = Literal["debug", "info", "warning", "error"]


class JobRead(ReadModel):
    id: str
    job_type: str
    status: JobStatus
    queue_name: str | None
    priority: int
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    progress_percent: int
    current_step: str | None
    result: dict[str, Any] | None
    error_message: str | None
    attempt_number: int
    max_attempts: int
    next_retry_at: datetime | None
    run_at: datetime | None
    unique_key: str | None
    payload: dict[str, Any] | None
    worker_id: str | None
    cancel_requested: bool
    duration_seconds: float | None = None


class JobDetail(JobRead):
    error_traceback: str | None


class TransitionRead(ReadModel):
    from_status: str | None
    to_status: str
    transitioned_at: datetime
    triggered_by: str
    metadata: dict[str, Any] | None = Field(default=None, validation_alias="metadata_json")


class AttemptRead(ReadModel):
    id: uuid.UUID
    attempt_number: int
    started_at: datetime
    ended_at: datetime | None
    status: str
    worker_id: str | None
    error_message: str | None
    error_traceback: str | None
    result: dict[str, Any] | None
    duration_seconds: float | None = None


class JobHistory(ReadModel):
    job: JobRead
    transitions: list[TransitionRead]
    attempts: list[AttemptRead]


class JobLogRead(ReadModel):
    id: uuid.UUID
    attempt_number: int
    timestamp: datetime
    level: LogLevel
    message: str
    context: dict[str, Any] | None


class JobLogPage(ReadModel):
    job_id: str
    items: list[JobLogRead]
    limit: int
    has_more: bool


class JobStats(ReadModel):
    total: int
    by_status: dict[str, int]
    by_type: dict[str, int]
    by_queue: dict[str, int]
    oldest_queued_age_seconds: float | None
    average_duration_seconds: float | None
    workers_alive: int


class JobTypeRead(ReadModel):
    job_type: str
    description: str
    queue: str
    priority: int
    max_attempts: int
    timeout_seconds: float
    schedule: str | None


class JobAccepted(ReadModel):
    job_id: str
    status: JobStatus
