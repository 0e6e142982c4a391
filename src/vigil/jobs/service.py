"""Enqueueing jobs inside the caller's transaction: a job exists exactly when the write that
caused it commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.errors import InvalidInput
from vigil.jobs.registry import get_task
from vigil.models import Job, JobTransition

NOTIFY_CHANNEL = "vigil_jobs"


async def enqueue(
    session: AsyncSession,
    job_type: str,
    payload: dict[str, Any] | None = None,
    *,
    priority: int | None = None,
    queue_name: str | None = None,
    max_attempts: int | None = None,
    run_at: datetime | None = None,
    unique_key: str | None = None,
    triggered_by: str = "system",
) -> Job:
    """Queue a job in the caller's transaction and return it. With ``unique_key``, an already
    queued job with that key is returned instead of a second copy."""
    spec = get_task(job_type)
    if spec is None:
        raise InvalidInput(f"unknown job type {job_type!r}", code="unknown_job_type")
    if unique_key is not None:
        existing = await session.scalar(
            select(Job).where(Job.unique_key == unique_key, Job.status == "queued")
        )
        if existing is not None:
            return existing
    priority = spec.priority if priority is None else priority
    if not 0 <= priority <= 4:
        raise InvalidInput("priority must be between 0 (highest) and 4")
    job = Job(
        job_type=job_type,
        payload=payload or {},
        priority=priority,
        queue_name=queue_name or spec.queue,
        max_attempts=max_attempts or spec.max_attempts,
        run_at=run_at,
        unique_key=unique_key,
        status="queued",
    )
    session.add(job)
    await session.flush()
    session.add(
        JobTransition(
            job_id=job.id, from_status=None, to_status="queued", triggered_by=triggered_by
        )
    )
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Delivered at commit (and dropped on rollback), so workers wake only for real jobs.
        await session.execute(
            text("SELECT pg_notify(:channel, :queue)"),
            {"channel": NOTIFY_CHANNEL, "queue": job.queue_name or "default"},
        )
    await session.flush()
    return job
