from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from vigil.audit import service
from vigil.audit.schemas import AuditLogRead, AuditStats, AuditStatus, VerifyRead
from vigil.audit.service import AuditFilter
from vigil.core.db import DatabaseDep, SessionDep
from vigil.core.errors import InvalidInput, responses
from vigil.core.schemas import Page

router = APIRouter(prefix="/api/audit", tags=["audit"])


def _filters(
    action: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    actor: str | None = None,
    status: AuditStatus | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditFilter:
    return AuditFilter(action, resource_type, resource_id, actor, status, since, until)


@router.get("", response_model=Page[AuditLogRead], responses=responses(422))
async def list_audit_logs(
    session: SessionDep,
    action: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    actor: str | None = None,
    status: AuditStatus | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> Page[AuditLogRead]:
    """Audit entries, newest first, filtered by action, resource, actor, status and time."""
    filters = _filters(action, resource_type, resource_id, actor, status, since, until)
    rows, total = await service.list_logs(session, filters, limit=limit, offset=offset)
    return Page(
        items=[AuditLogRead.model_validate(r) for r in rows],
        total=total,
        limit=limit,
        offset=offset,
        has_more=offset + len(rows) < total,
    )


@router.get("/stats", response_model=AuditStats)
async def audit_stats(session: SessionDep) -> AuditStats:
    """Counts by action, resource type and status; top actors over the last 7 days."""
    return AuditStats.model_validate(await service.stats(session))


@router.get("/verify", response_model=VerifyRead)
async def verify_audit_chain(session: SessionDep) -> VerifyRead:
    """Re-hash the whole chain; report the first edited row or broken link."""
    return VerifyRead.model_validate((await service.verify_chain(session)).as_dict())


EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the entries as CSV (format=csv) or a JSON array (format=json)",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        },
    },
    **responses(422),
}


@router.get("/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
async def export_audit_logs(
    database: DatabaseDep,
    format: str = Query("json", pattern="^(csv|json)$"),
    action: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    actor: str | None = None,
    status: AuditStatus | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> StreamingResponse:
    """The filtered trail as CSV or a JSON array, in chain (id) order, streamed in batches."""
    filters = _filters(action, resource_type, resource_id, actor, status, since, until)
    if filters.since and filters.until and filters.since > filters.until:
        raise InvalidInput("since is after until")

    async def chunks() -> AsyncIterator[str]:
        # Its own read-only session: the response outlives the request's dependencies.
        async with database.read_sessionmaker() as session:
            async for chunk in service.iter_export(session, filters, format):
                yield chunk

    media = "text/csv" if format == "csv" else "application/json"
    return StreamingResponse(
        chunks(),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit.{format}"'},
    )


@router.get("/{audit_id}", response_model=AuditLogRead, responses=responses(404))
async def get_audit_log(audit_id: int, session: SessionDep) -> AuditLogRead:
    """One audit entry."""
    return AuditLogRead.model_validate(await service.get_log(session, audit_id))
