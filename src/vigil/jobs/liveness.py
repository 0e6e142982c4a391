"""Worker liveness: registration, heartbeats, and recovering the jobs of workers that died.

A worker refreshes ``job_workers.last_heartbeat_at``; one silent for longer than the stall
timeout is presumed dead, and any live worker fails its lost attempts and retries the jobs.
"""

from __future__ import annotations

import os
import socket
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from vigil.core.db import Database
from vigil.core.logging import get_logger
from vigil.jobs import states
from vigil.jobs.clock import db_ago, db_now, take_write_lock, utcnow
from vigil.jobs.retry import RetryStrategy
from vigil.jobs.store import add_transitions, attempts_t, jobs_t, transition_row, workers_t

log = get_logger("jobs")


# --- worker registry and heartbeats -----------------------------------------------------------


async def register_worker(
    db: Database, worker_id: str, queues: list[str] | None, concurrency: int
) -> None:
    async with db.transaction() as s:
        now = db_now(db.dialect)
        await s.execute(
            insert(workers_t).values(
                id=worker_id,
                hostname=socket.gethostname()[:255],
                pid=os.getpid(),
                queues=",".join(queues) if queues else None,
                concurrency=concurrency,
                started_at=now,
                last_heartbeat_at=now,
            )
        )


async def heartbeat(db: Database, worker_id: str) -> set[str]:
    """Refresh this worker's heartbeat; return ids of its jobs a user asked to cancel."""
    async with db.transaction() as s:
        result = await s.execute(
            update(workers_t)
            .where(workers_t.c.id == worker_id)
            .values(last_heartbeat_at=db_now(db.dialect))
        )
        if getattr(result, "rowcount", 1) == 0:
            # Another worker presumed us dead and removed our row: come back to life.
            await s.execute(
                insert(workers_t).values(
                    id=worker_id, hostname=socket.gethostname()[:255], pid=os.getpid()
                )
            )
        rows = await s.scalars(
            select(jobs_t.c.id).where(
                jobs_t.c.worker_id == worker_id,
                jobs_t.c.status == states.RUNNING,
                jobs_t.c.cancel_requested.is_(True),
            )
        )
        return set(rows)


async def unregister_worker(db: Database, worker_id: str) -> None:
    async with db.transaction() as s:
        await s.execute(delete(workers_t).where(workers_t.c.id == worker_id))


# --- stalled jobs -----------------------------------------------------------------------------


async def recover_stalled(
    db: Database, stall_timeout: float, strategy: RetryStrategy, limit: int = 100
) -> list[str]:
    """Find running jobs whose worker stopped heartbeating (crashed, killed, cut off) and fail
    their lost attempt, retrying when attempts remain. Any live worker may do this; row locks
    (PostgreSQL) and the ``worker_id`` guard make each recovery happen once."""
    dialect = db.dialect
    recovered: list[str] = []
    async with db.transaction() as s:
        await take_write_lock(s)
        cutoff = db_ago(dialect, stall_timeout)
        alive = select(workers_t.c.id).where(workers_t.c.last_heartbeat_at >= cutoff)
        query = (
            select(
                jobs_t.c.id,
                jobs_t.c.worker_id,
                jobs_t.c.attempt_number,
                jobs_t.c.max_attempts,
            )
            .where(
                jobs_t.c.status == states.RUNNING,
                or_(jobs_t.c.worker_id.is_(None), jobs_t.c.worker_id.not_in(alive)),
            )
            .limit(limit)
        )
        if dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=jobs_t)
        stalled = (await s.execute(query)).all()
        for row in stalled:
            error = f"worker {row.worker_id} stopped heartbeating; attempt lost"
            decision = strategy.decide(row.attempt_number, row.max_attempts)
            if decision.retry:
                next_at = decision.next_run_at(utcnow())
                values: dict[str, Any] = {
                    "status": states.QUEUED,
                    "attempt_number": row.attempt_number + 1,
                    "next_retry_at": next_at,
                    "current_step": "retry scheduled after a lost attempt",
                }
                new_status = states.QUEUED
            else:
                values = {"status": states.FAILED, "completed_at": db_now(dialect)}
                new_status = states.FAILED
            done = await s.execute(
                update(jobs_t)
                .where(
                    jobs_t.c.id == row.id,
                    jobs_t.c.status == states.RUNNING,
                    jobs_t.c.worker_id.is_(None)
                    if row.worker_id is None
                    else jobs_t.c.worker_id == row.worker_id,
                )
                .values(error_message=error, worker_id=None, **values)
                .returning(jobs_t.c.id)
            )
            if done.first() is None:
                continue
            await s.execute(
                update(attempts_t)
                .where(
                    attempts_t.c.job_id == row.id,
                    attempts_t.c.attempt_number == row.attempt_number,
                    attempts_t.c.status == "started",
                )
                .values(status="failed", ended_at=db_now(dialect), error_message=error)
            )
            await add_transitions(
                s,
                [
                    transition_row(
                        row.id,
                        states.RUNNING,
                        new_status,
                        "system",
                        lost_worker=row.worker_id,
                        attempt=row.attempt_number,
                    )
                ],
            )
            recovered.append(row.id)
        # Forget dead workers that no longer hold anything.
        holding = select(jobs_t.c.worker_id).where(
            jobs_t.c.status == states.RUNNING, jobs_t.c.worker_id.is_not(None)
        )
        await s.execute(
            delete(workers_t).where(
                workers_t.c.last_heartbeat_at < cutoff, workers_t.c.id.not_in(holding)
            )
        )
    for job_id in recovered:
        log.warning("jobs.stalled_job_recovered", job_id=job_id)
    return recovered
