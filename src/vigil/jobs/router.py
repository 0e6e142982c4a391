"""``/api/jobs``: list, search, inspect, cancel and retry jobs; live progress over SSE."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from vigil.core.deps import ActorDep, DatabaseDep, SessionDep, SettingsDep
from vigil.core.errors import InvalidInput, NotFound, responses
from vigil.core.schemas import Page
from vigil.jobs import queries, service
from vigil.jobs.schemas import (
    JobDetail,
    JobHistory,
    JobLogPage,
    JobRead,
    JobStats,
    JobTypeRead,
    LogLevel,
)
from vigil.models.job import JOB_STATUSES

router = APIRouter(prefix="/api/jobs", tags=["jobs"])

# How often the live stream looks at the job (a DB poll: it works on both databases and
# across processes without a message bus).
SSE_POLL_SECONDS = 0.5
SSE_KEEPALIVE_SECONDS = 15.0


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


@router.get("", response_model=Page[JobRead], responses=responses(422))
async def list_jobs(
    session: SessionDep,
    status: list[str] | None = Query(None, description="status filter; repeat or comma-separate"),
    job_type: list[str] | None = Query(
        None, description="job type filter; repeat or comma-separate"
    ),
    queue: str | None = Query(None, max_length=100),
    q: str | None = Query(None, max_length=200, description="text search"),
    limit: int = Query(50, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> Page[JobRead]:
    """List jobs, newest first, filtered by status, type and queue, or searched with ``q``."""
    statuses = _split(status)
    unknown = sorted(set(statuses) - set(JOB_STATUSES))
    if unknown:
        raise InvalidInput(f"unknown status {unknown[0]!r}; use one of {', '.join(JOB_STATUSES)}")
    rows, total = await queries.list_jobs(
        session,
        status=statuses,
        job_type=_split(job_type),
        queue=queue,
        q=q,
        limit=limit,
        offset=offset,
    )
    return Page(
        items=[queries.job_read(j) for j in rows],
        total=total,
        limit=limit,
        offset=offset,
        has_more=offset + len(rows) < total,
    )


@router.get("/stats", response_model=JobStats)
async def job_stats(session: SessionDep, settings: SettingsDep) -> JobStats:
    """Counts by status, type and queue; age of the oldest queued job; live workers."""
    return await queries.stats(session, settings)


@router.get("/types", response_model=list[JobTypeRead])
async def job_types(settings: SettingsDep) -> list[JobTypeRead]:
    """Every declared job type with its defaults and schedule."""
    return queries.job_types(settings)


@router.get("/{job_id}", response_model=JobDetail, responses=responses(404))
async def get_job(job_id: str, session: SessionDep) -> JobDetail:
    """One job, with its last error's traceback."""
    return queries.job_detail(await queries.get_job(session, job_id))


@router.get("/{job_id}/history", response_model=JobHistory, responses=responses(404))
async def job_history(job_id: str, session: SessionDep) -> JobHistory:
    """Every status transition (who triggered it) and every attempt of a job."""
    return await queries.history(session, job_id)


@router.get("/{job_id}/logs", response_model=JobLogPage, responses=responses(404, 422))
async def job_logs(
    job_id: str,
    session: SessionDep,
    level: LogLevel = Query("debug", description="minimum level"),
    since: datetime | None = Query(None, description="only entries after this time"),
    attempt: int | None = Query(None, ge=1),
    limit: int = Query(1000, ge=1, le=10_000),
) -> JobLogPage:
    """A job's log, oldest first; page on with ``since`` = the last entry's timestamp."""
    if since is not None and since.tzinfo is None:
        raise InvalidInput("since must include a timezone, e.g. 2026-01-01T00:00:00Z")
    return await queries.logs(
        session, job_id, level=level, since=since, attempt=attempt, limit=limit
    )


@router.post("/{job_id}/cancel", response_model=JobRead, responses=responses(404, 409))
async def cancel_job(job_id: str, session: SessionDep, actor: ActorDep) -> JobRead:
    """Cancel: a queued job at once; a running job cooperatively (status stays ``running``
    with ``cancel_requested`` until its code stops). 409 once finished."""
    return queries.job_read(await service.cancel_job(session, job_id, actor))


@router.post("/{job_id}/retry", response_model=JobRead, responses=responses(404, 409))
async def retry_job(job_id: str, session: SessionDep, actor: ActorDep) -> JobRead:
    """Queue a failed or cancelled job again, same id, as its next attempt."""
    return queries.job_read(await service.retry_job(session, job_id, actor))


@router.get(
    "/{job_id}/events",
    responses={200: {"content": {"text/event-stream": {}}}, **responses(404)},
    response_class=StreamingResponse,
)
async def job_events(job_id: str, request: Request, db: DatabaseDep) -> StreamingResponse:
    """Live progress and log tail as Server-Sent Events (``progress``, ``log``, ``end``);
    the stream ends when the job finishes."""
    async with db.sessionmaker() as s:
        await queries.get_job(s, job_id)  # 404 before the stream starts
    return StreamingResponse(
        _event_stream(job_id, request, db),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(data, default=str)}\n\n"


async def _event_stream(job_id: str, request: Request, db: Any) -> AsyncIterator[str]:
    last_state: tuple[Any, ...] | None = None
    since: datetime | None = None
    idle = 0.0
    while True:
        try:
            async with db.sessionmaker() as s:
                job = await queries.get_job(s, job_id)
                page = await queries.logs(s, job_id, since=since, limit=500)
        except NotFound:  # deleted (retention) while someone watched it
            yield _sse("end", {"status": "deleted"})
            return
        for entry in page.items:
            yield _sse("log", entry.model_dump(mode="json"))
            since = entry.timestamp
        state = (job.status, job.progress_percent, job.current_step, job.attempt_number)
        if state != last_state:
            last_state = state
            idle = 0.0
            yield _sse("progress", queries.job_read(job).model_dump(mode="json"))
        if job.is_finished and not page.has_more:
            yield _sse("end", {"status": job.status})
            return
        if await request.is_disconnected():
            return
        await asyncio.sleep(SSE_POLL_SECONDS)
        idle += SSE_POLL_SECONDS
        if idle >= SSE_KEEPALIVE_SECONDS:
            idle = 0.0
            yield ": keep-alive\n\n"
