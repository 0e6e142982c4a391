"""PostgreSQL fast paths for the two statements every job goes through: claim and complete.

Each is one round trip that does all the bookkeeping in data-modifying CTEs: the job rows
change, and their ``job_attempts`` and ``job_transitions`` rows are written, atomically. The
portable versions in ``store`` (used on SQLite, and on PostgreSQL for the rarer failure,
cancel and release paths) do the same in several statements.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from vigil.core.db import Database
from vigil.jobs.store import ClaimedJob

# Claim up to :limit due jobs, highest priority then oldest, skipping rows other workers hold.
_CLAIM_CTES = """
    claimed AS (
        UPDATE jobs
        SET status = 'running', started_at = statement_timestamp(), worker_id = :worker_id,
            next_retry_at = NULL, cancel_requested = false, progress_percent = 0,
            current_step = NULL
        WHERE id IN (
            SELECT id FROM jobs
            WHERE status = 'queued'
              AND (run_at IS NULL OR run_at <= statement_timestamp())
              AND (next_retry_at IS NULL OR next_retry_at <= statement_timestamp())
              AND (CAST(:queues AS text[]) IS NULL OR queue_name = ANY(CAST(:queues AS text[])))
              AND job_type = ANY(CAST(:job_types AS text[]))
            ORDER BY priority, created_at
            LIMIT :limit
            FOR UPDATE SKIP LOCKED
        )
        RETURNING id, job_type, payload, attempt_number, max_attempts, priority, created_at
    ),
    attempts AS (
        INSERT INTO job_attempts (id, job_id, attempt_number, started_at, status, worker_id)
        SELECT gen_random_uuid(), id, attempt_number, statement_timestamp(), 'started', :worker_id
        FROM claimed
        RETURNING id, job_id
    ),
    transitions AS (
        INSERT INTO job_transitions
            (id, job_id, from_status, to_status, transitioned_at, triggered_by, metadata_json)
        SELECT gen_random_uuid(), id, 'queued', 'running', statement_timestamp(), 'worker',
               jsonb_build_object('worker_id', CAST(:worker_id AS text), 'attempt', attempt_number)
        FROM claimed
    )"""

_CLAIMED_ROWS = """
    SELECT c.id, c.job_type, c.payload, c.attempt_number, c.max_attempts, c.priority,
           c.created_at, a.id AS attempt_id
    FROM claimed c JOIN attempts a ON a.job_id = c.id"""

# Complete a batch (JSON list of {id, attempt_id, result}) of this worker's running jobs.
_COMPLETE_CTES = """
    done AS (
        SELECT * FROM jsonb_to_recordset(CAST(:batch AS jsonb))
            AS d(id text, attempt_id uuid, result jsonb)
    ),
    finished AS (
        UPDATE jobs
        SET status = 'completed', completed_at = statement_timestamp(), progress_percent = 100,
            current_step = 'completed', result = done.result, worker_id = NULL,
            error_message = NULL, error_traceback = NULL
        FROM done
        WHERE jobs.id = done.id AND jobs.status = 'running' AND jobs.worker_id = :worker_id
        RETURNING jobs.id, done.attempt_id, done.result
    ),
    ended_attempts AS (
        UPDATE job_attempts
        SET status = 'succeeded', ended_at = statement_timestamp(), result = finished.result
        FROM finished WHERE job_attempts.id = finished.attempt_id
    ),
    finished_transitions AS (
        INSERT INTO job_transitions
            (id, job_id, from_status, to_status, transitioned_at, triggered_by)
        SELECT gen_random_uuid(), id, 'running', 'completed', statement_timestamp(), 'worker'
        FROM finished
    )"""

CLAIM_SQL = text(f"WITH {_CLAIM_CTES} {_CLAIMED_ROWS} ORDER BY c.priority, c.created_at")
COMPLETE_SQL = text(f"WITH {_COMPLETE_CTES} SELECT id FROM finished")
# A busy worker's cycle in one round trip: record the batch that just finished and take the
# next jobs for the slots it frees. Always one row, so the finished ids come back even when
# nothing new is claimed.
COMPLETE_AND_CLAIM_SQL = text(
    f"""WITH {_COMPLETE_CTES}, {_CLAIM_CTES}
    SELECT f.ids AS finished_ids, c.*
    FROM (SELECT array_agg(id) AS ids FROM finished) f
    LEFT JOIN ({_CLAIMED_ROWS}) c ON true
    ORDER BY c.priority, c.created_at"""
)


def _claimed(row: Any) -> ClaimedJob:
    return ClaimedJob(
        id=row.id,
        job_type=row.job_type,
        payload=_json(row.payload) or {},
        attempt_number=row.attempt_number,
        max_attempts=row.max_attempts,
        priority=row.priority,
        created_at=row.created_at,
        attempt_id=row.attempt_id
        if isinstance(row.attempt_id, uuid.UUID)
        else uuid.UUID(str(row.attempt_id)),
    )


class FastPath:
    """Two long-lived autocommit connections of one worker: one for claims, one for
    completions. Each statement above is atomic on its own, so no BEGIN/COMMIT round trips,
    and no pool checkout (with its liveness ping) per statement. A broken connection is
    dropped and reopened on the next call."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conns: dict[str, AsyncConnection] = {}
        self._locks = {"claim": asyncio.Lock(), "complete": asyncio.Lock()}

    async def _execute(self, role: str, statement: Any, params: dict[str, Any]) -> list[Any]:
        async with self._locks[role]:
            conn = self._conns.get(role)
            if conn is None:
                conn = await self.db.engine.connect()
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                self._conns[role] = conn
            try:
                return list(await conn.execute(statement, params))
            except Exception:
                self._conns.pop(role, None)
                with contextlib.suppress(Exception):
                    await conn.invalidate()
                    await conn.close()
                raise

    async def claim(
        self, worker_id: str, queues: list[str] | None, limit: int, job_types: list[str]
    ) -> list[ClaimedJob]:
        rows = await self._execute(
            "claim",
            CLAIM_SQL,
            {"worker_id": worker_id, "queues": queues, "job_types": job_types, "limit": limit},
        )
        return [_claimed(row) for row in rows]

    async def complete_many(
        self,
        worker_id: str,
        items: list[tuple[ClaimedJob, dict[str, Any] | None]],
        claim: tuple[list[str] | None, int, list[str]] | None = None,
    ) -> tuple[set[str], list[ClaimedJob]]:
        """Complete a batch of this worker's jobs and, with ``claim`` = (queues, limit, job
        types), claim the next jobs in the same statement. Returns the ids that were still
        ours and the newly claimed jobs."""
        batch = json.dumps(
            [
                {"id": job.id, "attempt_id": str(job.attempt_id), "result": result}
                for job, result in items
            ]
        )
        params: dict[str, Any] = {"batch": batch, "worker_id": worker_id}
        if claim is None or claim[1] <= 0:
            rows = await self._execute("complete", COMPLETE_SQL, params)
            return {row.id for row in rows}, []
        queues, limit, job_types = claim
        params.update(queues=queues, limit=limit, job_types=job_types)
        rows = await self._execute("complete", COMPLETE_AND_CLAIM_SQL, params)
        finished = set(rows[0].finished_ids or []) if rows else set()
        return finished, [_claimed(row) for row in rows if row.id is not None]

    async def close(self) -> None:
        for conn in self._conns.values():
            with contextlib.suppress(Exception):
                await conn.close()
        self._conns.clear()


ENQUEUE_MANY_SQL = text(
    """
    WITH new AS (
        INSERT INTO jobs (id, job_type, payload, priority, queue_name, max_attempts, status)
        SELECT CAST(gen_random_uuid() AS text), :job_type, p.value, :priority, :queue,
               :max_attempts, 'queued'
        FROM jsonb_array_elements(CAST(:payloads AS jsonb)) AS p(value)
        RETURNING id
    ),
    transitions AS (
        INSERT INTO job_transitions
            (id, job_id, from_status, to_status, transitioned_at, triggered_by)
        SELECT gen_random_uuid(), id, NULL, 'queued', statement_timestamp(), :triggered_by
        FROM new
    )
    SELECT id FROM new
    """
)


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value
