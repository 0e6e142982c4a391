"""The worker's side of the jobs tables: claim an attempt and finish it (completed, failed
with or without a retry, cancelled, released). Heartbeats and recovery: ``liveness``.

Every function here is one short transaction. A finishing write only applies while the job is
still ``running`` on *this* worker, so a worker presumed dead (and whose job another worker has
recovered) can never overwrite what happened after it.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.db import Database
from vigil.core.logging import get_logger
from vigil.jobs import states
from vigil.jobs.clock import db_now, utcnow
from vigil.jobs.retry import RetryStrategy
from vigil.models.job import Job, JobAttempt, JobTransition, JobWorker

log = get_logger("jobs")

jobs_t = cast(Table, Job.__table__)
attempts_t = cast(Table, JobAttempt.__table__)
transitions_t = cast(Table, JobTransition.__table__)
workers_t = cast(Table, JobWorker.__table__)

MAX_ERROR_CHARS = 4000
MAX_TRACEBACK_CHARS = 20_000


@dataclass
class ClaimedJob:
    id: str
    job_type: str
    payload: dict[str, Any]
    attempt_number: int
    max_attempts: int
    priority: int
    created_at: datetime
    attempt_id: uuid.UUID


def new_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def transition_row(
    job_id: str, from_status: str, to_status: str, trigger: str, **metadata: Any
) -> dict[str, Any]:
    states.check_transition(job_id, from_status, to_status, trigger)
    return {
        "id": uuid.uuid4(),
        "job_id": job_id,
        "from_status": from_status,
        "to_status": to_status,
        "triggered_by": trigger,
        "metadata_json": metadata or None,
    }


async def add_transitions(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        now = db_now(session.bind.dialect.name if session.bind is not None else "sqlite")
        await session.execute(insert(transitions_t).values(transitioned_at=now), rows)


# --- claiming -----------------------------------------------------------------------------------


async def claim(
    db: Database,
    worker_id: str,
    queues: list[str] | None,
    limit: int,
    job_types: list[str] | None = None,
) -> list[ClaimedJob]:
    """Atomically move up to ``limit`` due jobs to ``running`` for this worker, highest priority
    (lowest number) first, then oldest. PostgreSQL: one ``UPDATE ... WHERE id IN (SELECT ...
    FOR UPDATE SKIP LOCKED)``, so concurrent workers never wait on or double-claim a row. SQLite:
    the same single statement, which SQLite's one-writer lock makes atomic. Only ``job_types``
    this worker can run are taken, so workers of different versions can share a queue."""
    if limit <= 0:
        return []
    dialect = db.dialect
    async with db.transaction() as s:
        now = db_now(dialect)
        conditions = [
            jobs_t.c.status == states.QUEUED,
            or_(jobs_t.c.run_at.is_(None), jobs_t.c.run_at <= now),
            or_(jobs_t.c.next_retry_at.is_(None), jobs_t.c.next_retry_at <= now),
        ]
        if queues:
            conditions.append(jobs_t.c.queue_name.in_(queues))
        if job_types is not None:
            conditions.append(jobs_t.c.job_type.in_(job_types))
        due = (
            select(jobs_t.c.id)
            .where(and_(*conditions))
            .order_by(jobs_t.c.priority, jobs_t.c.created_at)
            .limit(limit)
        )
        if dialect == "postgresql":
            due = due.with_for_update(skip_locked=True)
        result = await s.execute(
            update(jobs_t)
            .where(jobs_t.c.id.in_(due.scalar_subquery()))
            .values(
                status=states.RUNNING,
                # SQLite: our clock was read before the write lock; a job committed meanwhile
                # may be younger than it.
                started_at=now if dialect == "postgresql" else func.max(now, jobs_t.c.created_at),
                worker_id=worker_id,
                next_retry_at=None,
                cancel_requested=False,
                progress_percent=0,
                current_step=None,
            )
            .returning(
                jobs_t.c.id,
                jobs_t.c.job_type,
                jobs_t.c.payload,
                jobs_t.c.attempt_number,
                jobs_t.c.max_attempts,
                jobs_t.c.priority,
                jobs_t.c.created_at,
            )
        )
        claimed = [
            ClaimedJob(
                id=row.id,
                job_type=row.job_type,
                payload=row.payload or {},
                attempt_number=row.attempt_number,
                max_attempts=row.max_attempts,
                priority=row.priority,
                created_at=row.created_at,
                attempt_id=uuid.uuid4(),
            )
            for row in result
        ]
        if not claimed:
            return []
        claimed.sort(key=lambda j: (j.priority, j.created_at))
        await s.execute(
            insert(attempts_t).values(started_at=now),
            [
                {
                    "id": j.attempt_id,
                    "job_id": j.id,
                    "attempt_number": j.attempt_number,
                    "status": "started",
                    "worker_id": worker_id,
                }
                for j in claimed
            ],
        )
        await add_transitions(
            s,
            [
                transition_row(
                    j.id,
                    states.QUEUED,
                    states.RUNNING,
                    "worker",
                    worker_id=worker_id,
                    attempt=j.attempt_number,
                )
                for j in claimed
            ],
        )
        return claimed


# --- finishing an attempt -----------------------------------------------------------------------


def _mine(job_id: str, worker_id: str) -> Any:
    return and_(
        jobs_t.c.id == job_id,
        jobs_t.c.status == states.RUNNING,
        jobs_t.c.worker_id == worker_id,
    )


async def _end_attempt(
    s: AsyncSession, dialect: str, attempt_id: uuid.UUID, status: str, **values: Any
) -> None:
    await s.execute(
        update(attempts_t)
        .where(attempts_t.c.id == attempt_id)
        .values(status=status, ended_at=db_now(dialect), **values)
    )


async def complete(
    db: Database, job: ClaimedJob, worker_id: str, result: dict[str, Any] | None
) -> bool:
    async with db.transaction() as s:
        now = db_now(db.dialect)
        done = await s.execute(
            update(jobs_t)
            .where(_mine(job.id, worker_id))
            .values(
                status=states.COMPLETED,
                completed_at=now,
                progress_percent=100,
                current_step="completed",
                result=result,
                worker_id=None,
                error_message=None,
                error_traceback=None,
            )
            .returning(jobs_t.c.id)
        )
        if done.first() is None:
            return False
        await _end_attempt(s, db.dialect, job.attempt_id, "succeeded", result=result)
        await add_transitions(
            s, [transition_row(job.id, states.RUNNING, states.COMPLETED, "worker")]
        )
        return True


async def fail(
    db: Database,
    job: ClaimedJob,
    worker_id: str,
    error: str,
    traceback_text: str | None,
    strategy: RetryStrategy,
    trigger: str = "worker",
    retryable: bool = True,
) -> str | None:
    """Record a failed attempt. Returns the job's new status (``queued`` when a retry is
    scheduled, ``failed`` when it is out of attempts), or None if the job is no longer ours."""
    error = error[:MAX_ERROR_CHARS]
    tb = traceback_text[-MAX_TRACEBACK_CHARS:] if traceback_text else None
    decision = strategy.decide(job.attempt_number, job.max_attempts)
    retry = decision.retry and retryable
    async with db.transaction() as s:
        if retry:
            next_at = decision.next_run_at(utcnow())
            values: dict[str, Any] = {
                "status": states.QUEUED,
                "attempt_number": job.attempt_number + 1,
                "next_retry_at": next_at,
                "current_step": f"retry scheduled after attempt {job.attempt_number} failed",
            }
            new_status = states.QUEUED
            meta: dict[str, Any] = {
                "attempt": job.attempt_number,
                "error": error[:500],
                "next_retry_at": next_at.isoformat() if next_at else None,
                "delay_seconds": round(decision.delay_seconds, 3),
            }
            trigger_used = "retry" if trigger == "worker" else trigger
        else:
            values = {"status": states.FAILED, "completed_at": db_now(db.dialect)}
            values["current_step"] = "failed"
            new_status = states.FAILED
            meta = {"attempt": job.attempt_number, "error": error[:500]}
            trigger_used = trigger
        done = await s.execute(
            update(jobs_t)
            .where(_mine(job.id, worker_id))
            .values(error_message=error, error_traceback=tb, worker_id=None, **values)
            .returning(jobs_t.c.id)
        )
        if done.first() is None:
            return None
        await _end_attempt(
            s, db.dialect, job.attempt_id, "failed", error_message=error, error_traceback=tb
        )
        await add_transitions(
            s, [transition_row(job.id, states.RUNNING, new_status, trigger_used, **meta)]
        )
        return new_status


async def cancelled(db: Database, job: ClaimedJob, worker_id: str) -> bool:
    """The job's code stopped after a user's cancel request."""
    async with db.transaction() as s:
        done = await s.execute(
            update(jobs_t)
            .where(_mine(job.id, worker_id))
            .values(
                status=states.CANCELLED,
                completed_at=db_now(db.dialect),
                current_step="cancelled by user",
                worker_id=None,
            )
            .returning(jobs_t.c.id)
        )
        if done.first() is None:
            return False
        await _end_attempt(s, db.dialect, job.attempt_id, "cancelled")
        await add_transitions(
            s,
            [
                transition_row(
                    job.id, states.RUNNING, states.CANCELLED, "user", acknowledged=worker_id
                )
            ],
        )
        return True


async def release(db: Database, job: ClaimedJob, worker_id: str) -> bool:
    """Graceful shutdown ran out of time: put the job back, unharmed. The interrupted attempt is
    recorded as cancelled and does not count against ``max_attempts``."""
    async with db.transaction() as s:
        done = await s.execute(
            update(jobs_t)
            .where(_mine(job.id, worker_id))
            .values(status=states.QUEUED, worker_id=None, current_step="released at shutdown")
            .returning(jobs_t.c.id)
        )
        if done.first() is None:
            return False
        await _end_attempt(
            s, db.dialect, job.attempt_id, "cancelled", error_message="worker shut down"
        )
        await add_transitions(
            s, [transition_row(job.id, states.RUNNING, states.QUEUED, "system", released=worker_id)]
        )
    return True


def json_safe(result: Any) -> dict[str, Any] | None:
    """Job results are stored as JSON; refuse anything that would not round-trip."""
    if result is None:
        return None
    if not isinstance(result, dict):
        raise TypeError(f"a task must return a dict or None, not {type(result).__name__}")
    json.dumps(result)
    return result
