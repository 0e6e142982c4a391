"""Quality audits: reading them, making missing partial audits, aggregate statistics, the model
leaderboard and prompt recommendations."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from math import sqrt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from vigil.core.errors import NotFound
from vigil.models import Detection, Event, EventAudit, EventDetection
from vigil.models.event_audit import MODEL_FLAGS
from vigil.quality.hooks import compute_flags, partial_fields

RECOMMENDATION_CATEGORIES = ("missing_context", "unused_data", "model_gaps", "format_suggestions")
TOP_PER_CATEGORY = 5
TOP_OVERALL = 20


async def get_event(session: AsyncSession, event_id: int) -> Event:
    event = await session.get(Event, event_id)
    if event is None or event.deleted_at is not None:
        raise NotFound(f"event {event_id} not found")
    return event


async def get_audit(session: AsyncSession, event_id: int) -> EventAudit:
    await get_event(session, event_id)
    audit = await session.scalar(select(EventAudit).where(EventAudit.event_id == event_id))
    if audit is None:
        raise NotFound(f"event {event_id} has no quality audit", code="audit_not_found")
    return audit


async def ensure_partial_audit(session: AsyncSession, event: Event) -> EventAudit:
    """The event's audit, creating the partial one if ingest never made it (older events)."""
    audit = await session.scalar(select(EventAudit).where(EventAudit.event_id == event.id))
    if audit is not None:
        return audit
    detections = list(
        (
            await session.scalars(
                select(Detection)
                .join(EventDetection, EventDetection.detection_id == Detection.id)
                .where(EventDetection.event_id == event.id)
            )
        ).all()
    )
    flags = await compute_flags(session, event, detections)
    audit = EventAudit(event_id=event.id, **partial_fields(event, flags))
    session.add(audit)
    await session.flush()
    return audit


def _window(days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=days)


async def _audits(
    session: AsyncSession, days: int, camera_id: str | None = None
) -> list[EventAudit]:
    query = select(EventAudit).where(EventAudit.audited_at >= _window(days))
    if camera_id is not None:
        query = query.join(Event, Event.id == EventAudit.event_id).where(
            Event.camera_id == camera_id
        )
    return list((await session.scalars(query.order_by(EventAudit.id))).all())


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


async def stats(session: AsyncSession, days: int, camera_id: str | None = None) -> dict[str, Any]:
    audits = await _audits(session, days, camera_id)
    events_query = (
        select(func.count())
        .select_from(Event)
        .where(Event.started_at >= _window(days), Event.deleted_at.is_(None))
    )
    if camera_id is not None:
        events_query = events_query.where(Event.camera_id == camera_id)
    total_events = int(await session.scalar(events_query) or 0)
    evaluated = [a for a in audits if a.overall_quality_score is not None]
    daily: dict[str, list[EventAudit]] = {}
    for audit in audits:
        daily.setdefault(audit.audited_at.date().isoformat(), []).append(audit)
    return {
        "days": days,
        "camera_id": camera_id,
        # All events in the window, audited or not (the reference reported only audited ones).
        "total_events": total_events,
        "audited_events": len(audits),
        "fully_evaluated_events": len(evaluated),
        "avg_quality_score": _mean([a.overall_quality_score for a in evaluated]),  # type: ignore[misc]
        "avg_consistency_score": _mean(
            [a.consistency_score for a in audits if a.consistency_score is not None]
        ),
        "avg_enrichment_utilization": _mean([a.enrichment_utilization for a in audits]),
        "model_contribution_rates": {
            flag.removeprefix("has_"): (
                round(sum(getattr(a, flag) for a in audits) / len(audits), 4) if audits else 0.0
            )
            for flag in MODEL_FLAGS
        },
        "daily": [
            {
                "date": day,
                "weekday": datetime.fromisoformat(day).strftime("%A"),
                "count": len(rows),
                "avg_quality_score": _mean(
                    [r.overall_quality_score for r in rows if r.overall_quality_score is not None]
                ),
                "avg_enrichment_utilization": _mean([r.enrichment_utilization for r in rows]),
            }
            for day, rows in sorted(daily.items())
        ],
    }


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r, or None when undefined (fewer than 3 pairs, or either side constant)."""
    n = len(xs)
    if n < 3:
        return None
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    return round(sxy / sqrt(sxx * syy), 4)


async def leaderboard(session: AsyncSession, days: int) -> dict[str, Any]:
    audits = await _audits(session, days)
    scored = [a for a in audits if a.overall_quality_score is not None]
    entries: list[dict[str, Any]] = []
    for flag in MODEL_FLAGS:
        present = sum(1 for a in audits if getattr(a, flag))
        entries.append(
            {
                "model": flag.removeprefix("has_"),
                "contribution_rate": round(present / len(audits), 4) if audits else 0.0,
                "event_count": present,
                "quality_correlation": pearson(
                    [1.0 if getattr(a, flag) else 0.0 for a in scored],
                    [float(a.overall_quality_score) for a in scored],  # type: ignore[arg-type]
                ),
            }
        )
    entries.sort(key=lambda e: (-e["contribution_rate"], e["model"]))
    return {
        "days": days,
        "total_audits": len(audits),
        "scored_audits": len(scored),
        "models": entries,
    }


def _items(raw: str | None) -> list[str]:
    if not raw:
        return []
    try:
        parsed = json.loads(raw)
    except ValueError:
        return []
    return [str(i) for i in parsed] if isinstance(parsed, list) else []


def _priority(count: int, total: int) -> str:
    if count > 0.3 * total:
        return "high"
    if count > 0.1 * total:
        return "medium"
    return "low"


async def recommendations(session: AsyncSession, days: int) -> dict[str, Any]:
    evaluated = [a for a in await _audits(session, days) if a.overall_quality_score is not None]
    total = len(evaluated)
    overall: list[dict[str, Any]] = []
    by_category: dict[str, list[dict[str, Any]]] = {}
    for category in RECOMMENDATION_CATEGORIES:
        counts = Counter(item for a in evaluated for item in _items(getattr(a, category)))
        ranked = [
            {
                "category": category,
                "suggestion": text,
                "count": n,
                "priority": _priority(n, total),
            }
            for text, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        by_category[category] = ranked[:TOP_PER_CATEGORY]
        overall.extend(ranked)
    overall.sort(key=lambda r: (-r["count"], r["category"], r["suggestion"]))
    return {
        "days": days,
        "total_events_analyzed": total,
        "by_category": by_category,
        "recommendations": overall[:TOP_OVERALL],
    }
