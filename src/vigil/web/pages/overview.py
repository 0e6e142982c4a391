"""Overview: open alerts by severity, latest events, GPU now, queue health, cameras."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.deps import SessionDep, SettingsDep
from vigil.models import Alert, Camera, Event, Job
from vigil.web.pages.gpu import latest_per_gpu
from vigil.web.render import render

router = APIRouter()
OPEN_ALERT_STATUSES = ("pending", "delivered")


async def open_alerts_by_severity(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(Alert.severity, func.count())
        .where(Alert.status.in_(OPEN_ALERT_STATUSES))
        .group_by(Alert.severity)
    )
    return {severity: count for severity, count in rows.all()}


async def latest_events(session: AsyncSession, limit: int = 10) -> list[Event]:
    rows = await session.scalars(
        select(Event)
        .where(Event.deleted_at.is_(None))
        .order_by(Event.started_at.desc(), Event.id.desc())
        .limit(limit)
    )
    return list(rows.all())


async def queue_health(session: AsyncSession) -> dict[str, Any]:
    counts = dict(
        (await session.execute(select(Job.status, func.count()).group_by(Job.status))).all()
    )
    oldest = await session.scalar(select(func.min(Job.created_at)).where(Job.status == "queued"))
    since = datetime.now(UTC) - timedelta(hours=24)
    failed_24h = await session.scalar(
        select(func.count()).where(Job.status == "failed", Job.completed_at >= since)
    )
    return {"counts": counts, "oldest_queued": oldest, "failed_24h": failed_24h or 0}


async def camera_status(session: AsyncSession) -> list[Camera]:
    rows = await session.scalars(
        select(Camera).where(Camera.deleted_at.is_(None)).order_by(Camera.name)
    )
    return list(rows.all())


async def events_today(session: AsyncSession) -> int:
    since = datetime.now(UTC) - timedelta(hours=24)
    return (
        await session.scalar(
            select(func.count()).where(Event.started_at >= since, Event.deleted_at.is_(None))
        )
        or 0
    )


@router.get("/", response_class=HTMLResponse)
async def overview(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    cameras = await camera_status(session)
    return render(
        request,
        "pages/overview.html",
        {
            "title": "Overview",
            "alerts": await open_alerts_by_severity(session),
            "events": await latest_events(session),
            "events_24h": await events_today(session),
            "gpus": await latest_per_gpu(
                session, float(getattr(settings, "gpu_poll_interval_seconds", 5.0))
            ),
            "queue": await queue_health(session),
            "cameras": cameras,
            "camera_names": {c.id: c.name for c in cameras},
        },
    )
