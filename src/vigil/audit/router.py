from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from vigil.audit import service
from vigil.audit.schemas import AuditLogRead, AuditStats, AuditStatus, VerifyRead
from vigil.audit.service import AuditFilter
from vigil.core.db import DatabaseDep, SessionDep
from vigil.core.errors import responses
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
    """The query filters shared by the list and the export (one definition, one validation)."""
    return AuditFilter(action, resource_type, resource_id, actor, status, since, until)


FiltersDep = Annotated[AuditFilter, Depends(_filters)]


@router.get("", response_model=Page[AuditLogRead], responses=responses(422))
async def list_audit_logs(
    session: SessionDep,
    filters: FiltersDep,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> Page[AuditLogRead]:
    """Audit entries, newest first, filtered by action, resource, actor, status and time."""
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


@router.get("/verify", response_model=VerifyRead, responses=responses(503))
async def verify_audit_chain(
    database: DatabaseDep,
    full: bool = Query(False, description="re-hash every row, not only those after the checkpoint"),
) -> VerifyRead:
    """Verify the hash chain; report the first edited row or broken link. Routine checks
    re-hash the rows after the last verified checkpoint (and re-check the checkpoint itself);
    ``full=true`` re-hashes every row, which also finds in-place edits before the checkpoint."""
    return VerifyRead.model_validate((await service.check_chain(database, full=full)).as_dict())


EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the entries as CSV (format=csv) or a JSON array (format=json)",
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        },
    },
    **responses(422, 503),
}


@router.get("/export", response_class=StreamingResponse, responses=EXPORT_RESPONSES)
async def export_audit_logs(
    database: DatabaseDep,
    filters: FiltersDep,
    format: str = Query("json", pattern="^(csv|json)$"),
) -> StreamingResponse:
    """The filtered trail as CSV or a JSON array, in chain (id) order, streamed in batches."""
    # Validates and reads the first batch now: errors become 422/503 before the 200 is sent.
    chunks = await service.start_export(database, filters, format)
    media = "text/csv" if format == "csv" else "application/json"
    return StreamingResponse(
        chunks,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="audit.{format}"'},
    )


@router.get("/{audit_id}", response_model=AuditLogRead, responses=responses(404))
async def get_audit_log(audit_id: int, session: SessionDep) -> AuditLogRead:
    """One audit entry."""
    return AuditLogRead.model_validate(await service.get_log(session, audit_id))
