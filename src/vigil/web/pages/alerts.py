"""Alerts: filter, acknowledge, dismiss, live updates (SSE when the stream exists, else polling)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.deps import SessionDep
from vigil.models import Alert, AlertRule, Event
from vigil.models.alert import ALERT_SEVERITIES, ALERT_STATUSES
from vigil.web.pages.cameras import camera_names
from vigil.web.render import render

router = APIRouter()
PAGE_SIZE = 50
STATUS_FILTERS = ("open", *ALERT_STATUSES, "all")


@dataclass
class AlertFilters:
    status: str = "open"
    severity: str | None = None
    camera_id: str | None = None
    offset: int = 0

    def query_string(self, **changes: Any) -> str:
        values = {**self.__dict__, **changes}
        return "&".join(f"{k}={v}" for k, v in values.items() if v not in (None, ""))


def _filtered(query: Select[Any], f: AlertFilters) -> Select[Any]:
    if f.status == "open":
        query = query.where(Alert.status.in_(("pending", "delivered")))
    elif f.status in ALERT_STATUSES:
        query = query.where(Alert.status == f.status)
    if f.severity in ALERT_SEVERITIES:
        query = query.where(Alert.severity == f.severity)
    if f.camera_id:
        query = query.where(Event.camera_id == f.camera_id)
    return query


async def list_alerts(session: AsyncSession, f: AlertFilters) -> tuple[list[Any], int]:
    base = select(Alert.id).join(Event, Event.id == Alert.event_id)
    total = await session.scalar(select(func.count()).select_from(_filtered(base, f).subquery()))
    columns: Any = select(Alert, Event.camera_id, Event.risk_score, Event.summary, AlertRule.name)
    query = _filtered(
        columns.join(Event, Event.id == Alert.event_id).outerjoin(
            AlertRule, AlertRule.id == Alert.rule_id
        ),
        f,
    ).order_by(Alert.created_at.desc(), Alert.id)
    rows = (await session.execute(query.limit(PAGE_SIZE).offset(f.offset))).all()
    return list(rows), total or 0


def _filters(status: str, severity: str | None, camera_id: str | None, offset: int) -> AlertFilters:
    return AlertFilters(
        status=status if status in STATUS_FILTERS else "open",
        severity=severity or None,
        camera_id=camera_id or None,
        offset=max(offset, 0),
    )


async def _context(request: Request, session: AsyncSession, f: AlertFilters) -> dict[str, Any]:
    rows, total = await list_alerts(session, f)
    return {
        "title": "Alerts",
        "rows": rows,
        "total": total,
        "f": f,
        "page_size": PAGE_SIZE,
        "cameras": await camera_names(session),
        "statuses": STATUS_FILTERS,
        "severities": ALERT_SEVERITIES,
    }


@router.get("/alerts", response_class=HTMLResponse)
async def alerts_page(
    request: Request,
    session: SessionDep,
    status: str = "open",
    severity: str | None = None,
    camera_id: str | None = None,
    offset: int = Query(0, ge=0),
) -> HTMLResponse:
    f = _filters(status, severity, camera_id, offset)
    return render(request, "pages/alerts.html", await _context(request, session, f))


@router.get("/alerts/_list", response_class=HTMLResponse)
async def alerts_fragment(
    request: Request,
    session: SessionDep,
    status: str = "open",
    severity: str | None = None,
    camera_id: str | None = None,
    offset: int = Query(0, ge=0),
) -> HTMLResponse:
    f = _filters(status, severity, camera_id, offset)
    return render(request, "partials/alerts_list.html", await _context(request, session, f))
