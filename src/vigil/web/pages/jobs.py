"""Jobs: live progress bars, cancel/retry (through ``/api/jobs``), per-job transition timeline,
attempts and a live log tail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.deps import SessionDep
from vigil.core.errors import NotFound
from vigil.models import Job, JobAttempt, JobLog, JobTransition
from vigil.models.job import JOB_LOG_LEVELS, JOB_STATUSES
from vigil.web.render import render

router = APIRouter()
PAGE_SIZE = 50
LOG_TAIL = 200


@dataclass
class JobFilters:
    status: str | None = None
    job_type: str | None = None
    offset: int = 0

    def query_string(self, **changes: Any) -> str:
        values = {**self.__dict__, **changes}
        return "&".join(f"{k}={v}" for k, v in values.items() if v not in (None, ""))


def _filtered(query: Select[Any], f: JobFilters) -> Select[Any]:
    if f.status in JOB_STATUSES:
        query = query.where(Job.status == f.status)
    if f.job_type:
        query = query.where(Job.job_type == f.job_type)
    return query


async def list_jobs(session: AsyncSession, f: JobFilters) -> tuple[list[Job], int]:
    total = await session.scalar(_filtered(select(func.count()).select_from(Job), f))
    rows = await session.scalars(
        _filtered(select(Job), f)
        .order_by(Job.created_at.desc(), Job.id)
        .limit(PAGE_SIZE)
        .offset(f.offset)
    )
    return list(rows.all()), total or 0


async def job_types(session: AsyncSession) -> list[str]:
    return list(
        (await session.scalars(select(Job.job_type).distinct().order_by(Job.job_type))).all()
    )


async def status_counts(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(select(Job.status, func.count()).group_by(Job.status))
    return dict(rows.all())


def _filters(status: str | None, job_type: str | None, offset: int) -> JobFilters:
    return JobFilters(status or None, job_type or None, offset)


async def _list_context(session: AsyncSession, f: JobFilters) -> dict[str, Any]:
    jobs, total = await list_jobs(session, f)
    return {"jobs": jobs, "total": total, "f": f, "page_size": PAGE_SIZE}


@router.get("/jobs", response_class=HTMLResponse)
async def jobs_page(
    request: Request,
    session: SessionDep,
    status: str | None = None,
    job_type: str | None = None,
    offset: int = Query(0, ge=0),
) -> HTMLResponse:
    f = _filters(status, job_type, offset)
    return render(
        request,
        "pages/jobs.html",
        {
            "title": "Jobs",
            "statuses": JOB_STATUSES,
            "types": await job_types(session),
            "counts": await status_counts(session),
            **await _list_context(session, f),
        },
    )


@router.get("/jobs/_list", response_class=HTMLResponse)
async def jobs_fragment(
    request: Request,
    session: SessionDep,
    status: str | None = None,
    job_type: str | None = None,
    offset: int = Query(0, ge=0),
) -> HTMLResponse:
    f = _filters(status, job_type, offset)
    return render(request, "partials/jobs_list.html", await _list_context(session, f))


async def _job(session: AsyncSession, job_id: str) -> Job:
    job = await session.get(Job, job_id)
    if job is None:
        raise NotFound(f"job {job_id} not found", code="job_not_found")
    return job


async def job_logs(session: AsyncSession, job_id: str, min_level: str | None) -> list[JobLog]:
    query = select(JobLog).where(JobLog.job_id == job_id)
    if min_level in JOB_LOG_LEVELS:
        query = query.where(JobLog.level.in_(JOB_LOG_LEVELS[JOB_LOG_LEVELS.index(min_level) :]))
    rows = await session.scalars(query.order_by(JobLog.timestamp.desc()).limit(LOG_TAIL))
    return list(reversed(rows.all()))


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
async def job_page(request: Request, job_id: str, session: SessionDep) -> HTMLResponse:
    job = await _job(session, job_id)
    transitions = (
        await session.scalars(
            select(JobTransition)
            .where(JobTransition.job_id == job_id)
            .order_by(JobTransition.transitioned_at, JobTransition.id)
        )
    ).all()
    attempts = (
        await session.scalars(
            select(JobAttempt)
            .where(JobAttempt.job_id == job_id)
            .order_by(JobAttempt.attempt_number)
        )
    ).all()
    return render(
        request,
        "pages/job.html",
        {
            "title": f"Job {job.job_type}",
            "job": job,
            "transitions": transitions,
            "attempts": attempts,
            "logs": await job_logs(session, job_id, None),
            "levels": JOB_LOG_LEVELS,
            "level": None,
        },
    )


@router.get("/jobs/{job_id}/_live", response_class=HTMLResponse)
async def job_live(
    request: Request, job_id: str, session: SessionDep, level: str | None = None
) -> HTMLResponse:
    job = await _job(session, job_id)
    return render(
        request,
        "partials/job_live.html",
        {"job": job, "logs": await job_logs(session, job_id, level), "level": level},
    )
