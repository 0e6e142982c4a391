"""Audit trail: filtered list, and the hash chain's verification status (loaded after the page;
a routine check re-hashes only the rows after the last verified checkpoint)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func, select

from vigil.core.deps import DatabaseDep, SessionDep
from vigil.models import AuditLog
from vigil.web.availability import optional_service
from vigil.web.render import render

router = APIRouter()
PAGE_SIZE = 100


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    session: SessionDep,
    action: str = Query("", max_length=50),
    resource_type: str = Query("", max_length=50),
    actor: str = Query("", max_length=100),
    status: str = "",
    offset: int = Query(0, ge=0),
) -> HTMLResponse:
    query = select(AuditLog)
    count = select(func.count()).select_from(AuditLog)
    for column, value in (
        (AuditLog.action, action),
        (AuditLog.resource_type, resource_type),
        (AuditLog.actor, actor),
        (AuditLog.status, status if status in ("success", "failure") else ""),
    ):
        if value:
            query, count = query.where(column == value), count.where(column == value)
    rows = (
        await session.scalars(
            query.order_by(AuditLog.timestamp.desc(), AuditLog.id.desc())
            .limit(PAGE_SIZE)
            .offset(offset)
        )
    ).all()
    total = await session.scalar(count) or 0
    params = {"action": action, "resource_type": resource_type, "actor": actor, "status": status}
    choices: dict[str, list[str]] = {}
    for name, column in (("actions", AuditLog.action), ("resources", AuditLog.resource_type)):
        choices[name] = list(
            (await session.scalars(select(column).distinct().order_by(column).limit(200))).all()
        )
    return render(
        request,
        "pages/audit.html",
        {
            "title": "Audit",
            "rows": rows,
            "total": total,
            "offset": offset,
            "page_size": PAGE_SIZE,
            "p": params,
            "query": "&".join(f"{k}={v}" for k, v in params.items() if v),
            **choices,
            "can_verify": optional_service("vigil.audit.service", "check_chain") is not None,
        },
    )


@router.get("/audit/_verify", response_class=HTMLResponse)
async def audit_verify(request: Request, database: DatabaseDep) -> HTMLResponse:
    service = optional_service("vigil.audit.service", "check_chain")
    result: dict[str, Any] | None = None
    if service is not None:
        result = (await service.check_chain(database)).as_dict()
    return render(request, "partials/audit_verify.html", {"result": result})
