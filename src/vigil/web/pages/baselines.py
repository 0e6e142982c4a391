"""Baselines: per camera, the learned hour-by-weekday activity heat map, the classes seen by hour,
and recent anomalies (from the baselines area's service when it is installed)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.deps import SessionDep
from vigil.models import ActivityBaseline, ClassBaseline
from vigil.web.availability import optional_attr
from vigil.web.pages.cameras import camera_names
from vigil.web.render import render

router = APIRouter()
# day_of_week follows Python's weekday(): 0 = Monday.
WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


async def heat_map(session: AsyncSession, camera_id: str) -> tuple[list[list[float | None]], float]:
    grid: list[list[float | None]] = [[None] * 24 for _ in range(7)]
    peak = 0.0
    for row in await session.scalars(
        select(ActivityBaseline).where(ActivityBaseline.camera_id == camera_id)
    ):
        grid[row.day_of_week][row.hour] = row.avg_count
        peak = max(peak, row.avg_count)
    return grid, peak


async def class_table(session: AsyncSession, camera_id: str) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(
            ClassBaseline.detection_class,
            func.sum(ClassBaseline.frequency),
            func.max(ClassBaseline.frequency),
        )
        .where(ClassBaseline.camera_id == camera_id)
        .group_by(ClassBaseline.detection_class)
        .order_by(func.sum(ClassBaseline.frequency).desc())
        .limit(12)
    )
    classes: list[dict[str, Any]] = [
        {"name": str(n), "total": float(t or 0.0), "peak": float(p or 0.0)} for n, t, p in rows
    ]
    if classes:
        by_hour: dict[str, list[float]] = {str(c["name"]): [0.0] * 24 for c in classes}
        for cls, hour, freq in await session.execute(
            select(
                ClassBaseline.detection_class, ClassBaseline.hour, ClassBaseline.frequency
            ).where(
                ClassBaseline.camera_id == camera_id,
                ClassBaseline.detection_class.in_(list(by_hour)),
            )
        ):
            by_hour[cls][hour] = freq
        for c in classes:
            c["hours"] = by_hour[c["name"]]
    return classes


async def recent_anomalies(session: AsyncSession, camera_id: str) -> list[Any] | None:
    """Anomalies through the baselines service; ``None`` when that area is not installed."""
    finder = optional_attr("vigil.baselines.service", "list_anomalies")
    if finder is None:
        return None
    return list(await finder(session, camera_id, days=7, limit=50))


@router.get("/baselines", response_class=HTMLResponse)
async def baselines_page(
    request: Request, session: SessionDep, camera_id: str | None = None
) -> HTMLResponse:
    cameras = await camera_names(session)
    selected = camera_id if camera_id in cameras else next(iter(cameras), None)
    context: dict[str, Any] = {
        "title": "Baselines",
        "cameras": cameras,
        "selected": selected,
        "weekdays": WEEKDAY_LABELS,
    }
    if selected is not None:
        grid, peak = await heat_map(session, selected)
        context.update(
            grid=grid,
            peak=peak,
            has_data=any(v is not None for row in grid for v in row),
            classes=await class_table(session, selected),
            anomalies=await recent_anomalies(session, selected),
        )
    return render(request, "pages/baselines.html", context)
