from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse

from vigil.core.deps import SessionDep, SettingsDep
from vigil.core.errors import responses
from vigil.jobs.service import enqueue
from vigil.quality import service
from vigil.quality.llm import LLMNotConfigured
from vigil.quality.schemas import BatchAccepted, BatchRequest, EvaluateAccepted, EventAuditRead
from vigil.quality.tasks import BATCH, EVALUATE, evaluate_unique_key

router = APIRouter(prefix="/api/ai-audit", tags=["ai-audit"])

Days = Query(7, ge=1, le=90)


@router.get("/events/{event_id}", response_model=EventAuditRead, responses=responses(404))
async def get_event_audit(event_id: int, session: SessionDep) -> EventAuditRead:
    """An event's quality audit: model contributions, scores and prompt improvements."""
    return EventAuditRead.from_audit(await service.get_audit(session, event_id))


@router.post(
    "/events/{event_id}/evaluate",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=EvaluateAccepted,
    responses={
        200: {"model": EvaluateAccepted, "description": "already evaluated (force=false)"},
        **responses(404, 503),
    },
    openapi_extra={"x-audit-action": "ai_audit.evaluate", "x-audit-resource": "event"},
)
async def evaluate_event(
    event_id: int, session: SessionDep, settings: SettingsDep, force: bool = False
) -> Any:
    """Queue a full LLM evaluation (202 + job id); 200 if already evaluated and not forced."""
    event = await service.get_event(session, event_id)
    if not settings.llm_url:
        raise LLMNotConfigured()
    audit = await service.ensure_partial_audit(session, event)
    if audit.is_fully_evaluated and not force:
        body = EvaluateAccepted(status="already_evaluated", job_id=None, event_id=event_id)
        return JSONResponse(body.model_dump(), status_code=200)
    job = await enqueue(
        session,
        EVALUATE,
        {"event_id": event_id, "force": force},
        unique_key=evaluate_unique_key(event_id),
        triggered_by="user",
    )
    return EvaluateAccepted(status="queued", job_id=str(job.id), event_id=event_id)


@router.get("/stats")
async def audit_stats(
    session: SessionDep, days: int = Days, camera_id: str | None = None
) -> dict[str, Any]:
    """Audit counts, mean scores and utilisation, model contribution rates, daily breakdown."""
    return await service.stats(session, days, camera_id)


@router.get("/leaderboard")
async def model_leaderboard(session: SessionDep, days: int = Days) -> dict[str, Any]:
    """Models by contribution rate, with the correlation of their presence with quality."""
    return await service.leaderboard(session, days)


@router.get("/recommendations")
async def prompt_recommendations(session: SessionDep, days: int = Days) -> dict[str, Any]:
    """The most frequent prompt-improvement suggestions of evaluated events."""
    return await service.recommendations(session, days)


@router.post(
    "/batch",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BatchAccepted,
    responses=responses(422, 503),
    openapi_extra={"x-audit-action": "ai_audit.batch"},
)
async def batch_evaluate(
    data: BatchRequest, session: SessionDep, settings: SettingsDep
) -> BatchAccepted:
    """Queue a job that audits and evaluates recent events (never in the request)."""
    if not settings.llm_url:
        raise LLMNotConfigured()
    job = await enqueue(session, BATCH, data.model_dump(), triggered_by="user")
    return BatchAccepted(status="queued", job_id=str(job.id))
