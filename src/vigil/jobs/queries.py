"""Reading jobs for the API and the CLI: list/search, one job, history, logs, stats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.config import Settings
from vigil.core.errors import NotFound
from vigil.jobs.clock import db_ago, utcnow
from vigil.jobs.registry import load_tasks, periodic_tasks
from vigil.jobs.schemas import (
    AttemptRead,
    JobDetail,
    JobHistory,
    JobLogPage,
    JobLogRead,
    JobRead,
    JobStats,
    JobTypeRead,
    TransitionRead,
)
from vigil.models.job import JOB_LOG_LEVELS, Job, JobAttempt, JobLog, JobTransition, JobWorker


def _duration(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start and end else None


def job_read(job: Job) -> JobRead:
    out = JobRead.model_validate(job)
    out.duration_seconds = _duration(job.started_at, job.completed_at)
    return out


def job_detail(job: Job) -> JobDetail:
    out = JobDetail.model_validate(job)
    out.duration_seconds = _duration(job.started_at, job.completed_at)
    return out


async def list_jobs(
    session: AsyncSession,
    *,
    status: Sequence[str] = (),
    job_type: Sequence[str] = (),
    queue: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Job], int]:
    """Newest first. ``q`` matches (case-insensitively) the id, type, step, error or payload."""
    conditions: list[Any] = []
    if status:
        conditions.append(Job.status.in_(status))
    if job_type:
        conditions.append(Job.job_type.in_(job_type))
    if queue:
        conditions.append(Job.queue_name == queue)
    if q:
        pattern = f"%{q.lower()}%"
        conditions.append(
            or_(
                func.lower(Job.id).like(pattern),
                func.lower(Job.job_type).like(pattern),
                func.lower(func.coalesce(Job.current_step, "")).like(pattern),
                func.lower(func.coalesce(Job.error_message, "")).like(pattern),
                func.lower(cast(Job.payload, String)).like(pattern),
            )
        )
    total = int(await session.scalar(select(func.count()).select_from(Job).where(*conditions)) or 0)
    rows = await session.scalars(
        select(Job)
        .where(*conditions)
        .order_by(Job.created_at.desc(), Job.id)
        .limit(limit)
        .offset(offset)
    )
    return list(rows), total


async def get_job(session: AsyncSession, job_id: str) -> Job:
    job = await session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found")
    return job


async def history(session: AsyncSession, job_id: str) -> JobHistory:
    job = await get_job(session, job_id)
    transitions = await session.scalars(
        select(JobTransition)
        .where(JobTransition.job_id == job_id)
        .order_by(JobTransition.transitioned_at, JobTransition.id)
    )
    attempts = await session.scalars(
        select(JobAttempt)
        .where(JobAttempt.job_id == job_id)
        .order_by(JobAttempt.attempt_number, JobAttempt.started_at)
    )
    attempt_reads = []
    for a in attempts:
        read = AttemptRead.model_validate(a)
        read.duration_seconds = _duration(a.started_at, a.ended_at)
        attempt_reads.append(read)
    return JobHistory(
        job=job_read(job),
        transitions=[TransitionRead.model_validate(t) for t in transitions],
        attempts=attempt_reads,
    )


async def logs(
    session: AsyncSession,
    job_id: str,
    *,
    level: str = "debug",
    since: datetime | None = None,
    attempt: int | None = None,
    limit: int = 1000,
) -> JobLogPage:
    """Oldest first, from ``since`` (exclusive), at or above ``level``."""
    await get_job(session, job_id)
    levels = JOB_LOG_LEVELS[JOB_LOG_LEVELS.index(level) :]
    query = select(JobLog).where(JobLog.job_id == job_id, JobLog.level.in_(levels))
    if since is not None:
        query = query.where(JobLog.timestamp > since)
    if attempt is not None:
        query = query.where(JobLog.attempt_number == attempt)
    rows = list(await session.scalars(query.order_by(JobLog.timestamp, JobLog.id).limit(limit + 1)))
    return JobLogPage(
        job_id=job_id,
        items=[JobLogRead.model_validate(r) for r in rows[:limit]],
        limit=limit,
        has_more=len(rows) > limit,
    )


async def stats(session: AsyncSession, settings: Settings) -> JobStats:
    async def counts(column: Any) -> dict[str, int]:
        rows = await session.execute(select(column, func.count()).group_by(column))
        return {str(key): int(n) for key, n in rows.all()}

    by_status = await counts(Job.status)
    by_type = await counts(Job.job_type)
    by_queue = await counts(Job.queue_name)
    oldest = await session.scalar(select(func.min(Job.created_at)).where(Job.status == "queued"))
    completed = await session.execute(
        select(Job.started_at, Job.completed_at)
        .where(Job.status == "completed", Job.started_at.is_not(None))
        .order_by(Job.completed_at.desc())
        .limit(1000)
    )
    durations = [d for s, e in completed.all() if (d := _duration(s, e)) is not None]
    alive = await session.scalar(
        select(func.count())
        .select_from(JobWorker)
        .where(
            JobWorker.last_heartbeat_at
            >= db_ago(
                session.bind.dialect.name if session.bind else "sqlite",
                settings.job_stall_timeout_seconds,
            )
        )
    )
    now = utcnow()
    return JobStats(
        total=sum(by_status.values()),
        by_status={
            s: by_status.get(s, 0)
            for s in ("queued", "running", "completed", "failed", "cancelled")
        },
        by_type=by_type,
        by_queue=by_queue,
        oldest_queued_age_seconds=(now - oldest).total_seconds() if oldest else None,
        average_duration_seconds=sum(durations) / len(durations) if durations else None,
        workers_alive=int(alive or 0),
    )


def job_types(settings: Settings) -> list[JobTypeRead]:
    schedules = periodic_tasks()
    return [
        JobTypeRead(
            job_type=spec.name,
            description=spec.description,
            queue=spec.queue,
            priority=spec.priority,
            max_attempts=spec.max_attempts,
            timeout_seconds=spec.timeout_seconds,
            schedule=schedules[name].cron_for(settings) or None if name in schedules else None,
        )
        for name, spec in sorted(load_tasks().items())
    ]
