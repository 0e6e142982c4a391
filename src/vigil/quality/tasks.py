"""Background work of the quality area: LLM evaluation of one event, and batch evaluation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from vigil.jobs.registry import JobContext, task
from vigil.jobs.service import enqueue
from vigil.models import Event, EventAudit
from vigil.quality.evaluate import evaluate
from vigil.quality.llm import ChatClient, LLMError
from vigil.quality.service import ensure_partial_audit, get_event

EVALUATE = "quality.evaluate"
BATCH = "quality.batch"


def evaluate_unique_key(event_id: int) -> str:
    return f"{EVALUATE}:{event_id}"


@task(EVALUATE, queue="quality", priority=3, max_attempts=3, timeout_seconds=900)
async def evaluate_event(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Evaluate one event's LLM analysis (critique, rubric, consistency, improvements)."""
    event_id = int(payload["event_id"])
    force = bool(payload.get("force", False))
    async with ctx.db.transaction() as session:
        event = await get_event(session, event_id)
        audit = await ensure_partial_audit(session, event)
        if audit.overall_quality_score is not None and not force:
            return {"event_id": event_id, "status": "already_evaluated"}
        prompt, summary, reasoning, score = (
            event.llm_prompt,
            event.summary,
            event.reasoning,
            event.risk_score,
        )
    if not prompt:
        await ctx.log("info", "event has no LLM prompt; nothing to evaluate", event_id=event_id)
        return {"event_id": event_id, "status": "skipped_no_prompt"}
    await ctx.progress(10, "asking the LLM")
    # No transaction is held while the model thinks (minutes on a small GPU).
    async with ChatClient(ctx.settings) as client:
        try:
            result = await evaluate(
                client, prompt=prompt, summary=summary, reasoning=reasoning, risk_score=score
            )
        except LLMError as exc:
            await ctx.log("warning", "LLM evaluation failed", event_id=event_id, error=str(exc))
            raise
    await ctx.check_cancelled()
    await ctx.progress(90, "storing scores")
    async with ctx.db.transaction() as session:
        stored = await session.scalar(select(EventAudit).where(EventAudit.event_id == event_id))
        if stored is None:
            return {"event_id": event_id, "status": "event_deleted"}
        for name, value in result.fields().items():
            setattr(stored, name, value)
    return {
        "event_id": event_id,
        "status": "evaluated",
        "overall_quality_score": result.overall,
        "consistency_score": result.consistency,
    }


@task(BATCH, queue="quality", priority=4, max_attempts=1, timeout_seconds=300)
async def evaluate_batch(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any] | None:
    """Make missing partial audits and queue an evaluation for each selected event."""
    limit = int(payload.get("limit", 100))
    min_risk = payload.get("min_risk_score")
    force = bool(payload.get("force_reevaluate", False))
    queued = 0
    async with ctx.db.transaction() as session:
        query = (
            select(Event)
            .outerjoin(EventAudit, EventAudit.event_id == Event.id)
            .where(Event.deleted_at.is_(None), Event.llm_prompt.is_not(None))
            .order_by(Event.started_at.desc())
            .limit(limit)
        )
        if min_risk is not None:
            query = query.where(Event.risk_score >= int(min_risk))
        if not force:
            query = query.where(EventAudit.overall_quality_score.is_(None))
        for event in (await session.scalars(query)).all():
            await ensure_partial_audit(session, event)
            await enqueue(
                session,
                EVALUATE,
                {"event_id": event.id, "force": force},
                unique_key=evaluate_unique_key(event.id),
                triggered_by="system",
            )
            queued += 1
    return {"queued": queued}
