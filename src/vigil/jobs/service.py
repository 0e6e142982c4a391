"""Enqueueing jobs inside the caller's transaction (a job exists exactly when the write that
caused it commits), and the user's actions on a job: cancel and retry."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.errors import Conflict, InvalidInput, NotFound
from vigil.jobs import states
from vigil.jobs.clock import take_write_lock, utcnow
from vigil.jobs.registry import get_task
from vigil.models import Job, JobTransition
from vigil.models.job import JobLog

NOTIFY_CHANNEL = "vigil_jobs"


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


async def current_time(session: AsyncSession) -> datetime:
    """The clock job rows are stamped with (see ``vigil.jobs.clock``)."""
    if _dialect(session) == "postgresql":
        value = await session.scalar(select(func.statement_timestamp()))
        if isinstance(value, datetime):
            return value
    return utcnow()


async def _notify(session: AsyncSession, queue: str) -> None:
    if _dialect(session) == "postgresql":
        # Delivered at commit (and dropped on rollback), so workers wake only for real jobs.
        await session.execute(
            text("SELECT pg_notify(:channel, :queue)"), {"channel": NOTIFY_CHANNEL, "queue": queue}
        )


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
    priority = spec.priority if priority is None else priority
    if not 0 <= priority <= 4:
        raise InvalidInput("priority must be between 0 (highest) and 4")
    if max_attempts is not None and max_attempts < 1:
        raise InvalidInput("max_attempts must be at least 1")
    if unique_key is not None:
        await take_write_lock(session)
        existing = await _queued_with_key(session, unique_key)
        if existing is not None:
            return existing
    job = Job(
        id=str(uuid.uuid4()),
        job_type=job_type,
        payload=payload or {},
        priority=priority,
        queue_name=queue_name or spec.queue,
        max_attempts=max_attempts or spec.max_attempts,
        run_at=run_at,
        unique_key=unique_key,
        status=states.QUEUED,
    )
    if _dialect(session) == "sqlite":
        job.created_at = utcnow()  # microseconds, so "oldest first" is exact
    if unique_key is None:
        session.add(job)
        await session.flush()
    else:
        try:
            # A concurrent enqueue with the same key may win the partial unique index.
            async with session.begin_nested():
                session.add(job)
                await session.flush()
        except IntegrityError:
            existing = await _queued_with_key(session, unique_key)
            if existing is None:
                raise
            return existing
    states.check_transition(job.id, None, states.QUEUED, triggered_by)
    session.add(
        JobTransition(
            job_id=job.id, from_status=None, to_status=states.QUEUED, triggered_by=triggered_by
        )
    )
    await _notify(session, job.queue_name or "default")
    await session.flush()
    return job


async def _queued_with_key(session: AsyncSession, unique_key: str) -> Job | None:
    return await session.scalar(
        select(Job).where(Job.unique_key == unique_key, Job.status == states.QUEUED)
    )


async def _locked_job(session: AsyncSession, job_id: str) -> Job:
    await take_write_lock(session)
    query = select(Job).where(Job.id == job_id)
    if _dialect(session) == "postgresql":
        query = query.with_for_update()
    job = await session.scalar(query.execution_options(populate_existing=True))
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


async def cancel_job(session: AsyncSession, job_id: str, actor: str) -> Job:
    """Queued: cancelled at once. Running: a cancel request the job's code sees at its next
    ``ctx.check_cancelled()``; the worker then records it as cancelled. Finished: 409."""
    job = await _locked_job(session, job_id)
    if job.is_finished:
        raise Conflict(f"job {job_id} is already {job.status}", code="job_finished")
    if job.status == states.QUEUED:
        states.check_transition(job.id, job.status, states.CANCELLED, "user")
        job.status = states.CANCELLED
        job.completed_at = await current_time(session)
        job.current_step = "cancelled by user"
        session.add(
            JobTransition(
                job_id=job.id,
                from_status=states.QUEUED,
                to_status=states.CANCELLED,
                triggered_by="user",
                metadata_json={"actor": actor},
            )
        )
    elif not job.cancel_requested:
        job.cancel_requested = True
        session.add(
            JobLog(
                job_id=job.id,
                attempt_number=job.attempt_number,
                timestamp=utcnow(),
                level="warning",
                message=f"cancel requested by {actor}",
            )
        )
    await session.flush()
    return job


async def retry_job(session: AsyncSession, job_id: str, actor: str) -> Job:
    """Put a failed or cancelled job back in the queue under the same id, as its next attempt."""
    job = await _locked_job(session, job_id)
    if job.status not in (states.FAILED, states.CANCELLED):
        raise Conflict(
            f"only failed or cancelled jobs can be retried; job {job_id} is {job.status}",
            code="job_not_retryable",
        )
    states.check_transition(job.id, job.status, states.QUEUED, "user")
    previous = job.status
    if job.started_at is not None:
        job.attempt_number += 1  # it ran before: the next run is a new attempt
    job.status = states.QUEUED
    job.completed_at = None
    job.next_retry_at = None
    job.cancel_requested = False
    job.progress_percent = 0
    job.current_step = None
    job.worker_id = None
    session.add(
        JobTransition(
            job_id=job.id,
            from_status=previous,
            to_status=states.QUEUED,
            triggered_by="user",
            metadata_json={"actor": actor, "attempt": job.attempt_number},
        )
    )
    await session.flush()
    await _notify(session, job.queue_name or "default")
    return job


async def enqueue_many(
    session: AsyncSession,
    job_type: str,
    payloads: list[dict[str, Any]],
    *,
    priority: int | None = None,
    queue_name: str | None = None,
    max_attempts: int | None = None,
    triggered_by: str = "system",
) -> list[str]:
    """Queue many jobs of one type in the caller's transaction in one statement on PostgreSQL
    (a few on SQLite); no uniqueness keys. Returns the new ids (on PostgreSQL not necessarily
    in payload order: the jobs share one creation time)."""
    spec = get_task(job_type)
    if spec is None:
        raise InvalidInput(f"unknown job type {job_type!r}", code="unknown_job_type")
    priority = spec.priority if priority is None else priority
    if not 0 <= priority <= 4:
        raise InvalidInput("priority must be between 0 (highest) and 4")
    if not payloads:
        return []
    queue = queue_name or spec.queue
    if _dialect(session) == "postgresql":
        from vigil.jobs.store_pg import ENQUEUE_MANY_SQL

        result = await session.execute(
            ENQUEUE_MANY_SQL,
            {
                "job_type": job_type,
                "payloads": json.dumps(payloads),
                "priority": priority,
                "queue": queue,
                "max_attempts": max_attempts or spec.max_attempts,
                "triggered_by": triggered_by,
            },
        )
        ids = [str(row.id) for row in result]
        await _notify(session, queue)
        return ids
    rows: list[dict[str, Any]] = []
    for payload in payloads:
        row: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "job_type": job_type,
            "payload": payload,
            "priority": priority,
            "queue_name": queue,
            "max_attempts": max_attempts or spec.max_attempts,
            "status": states.QUEUED,
            "created_at": utcnow(),  # SQLite: microseconds, so "oldest first" is exact
        }
        rows.append(row)
    await session.execute(insert(cast(Table, Job.__table__)), rows)
    await session.execute(
        insert(cast(Table, JobTransition.__table__)),
        [
            {
                "id": uuid.uuid4(),
                "job_id": row["id"],
                "from_status": None,
                "to_status": states.QUEUED,
                "triggered_by": triggered_by,
                "transitioned_at": row["created_at"],
            }
            for row in rows
        ],
    )
    await _notify(session, queue)
    return [row["id"] for row in rows]
