"""Quality audits: reading them, making missing partial audits, aggregate statistics, the model
leaderboard and prompt recommendations."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from math import sqrt
from typing import Any

from sqlalchemy import Select, String, case, cast, func, select
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


# The aggregates below run in the database: with a month of history the dashboard's quality
# page used to load every audit row as an ORM object three times (stats, leaderboard,
# recommendations: over a second); counting in SQL keeps it to a few small result rows.


def _scoped(query: Select[Any], days: int, camera_id: str | None = None) -> Select[Any]:
    query = query.select_from(EventAudit).where(EventAudit.audited_at >= _window(days))
    if camera_id is not None:
        query = query.join(Event, Event.id == EventAudit.event_id).where(
            Event.camera_id == camera_id
        )
    return query


def _count_true(column: Any) -> Any:
    return func.coalesce(func.sum(case((column, 1), else_=0)), 0)


def _utc_day(session: AsyncSession) -> Any:
    """The UTC calendar day of ``audited_at`` as 'YYYY-MM-DD' (SQLite stores naive UTC text)."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", EventAudit.audited_at), "YYYY-MM-DD")
    return func.substr(cast(EventAudit.audited_at, String), 1, 10)


def _rounded(value: Any) -> float | None:
    return round(float(value), 4) if value is not None else None


async def stats(session: AsyncSession, days: int, camera_id: str | None = None) -> dict[str, Any]:
    flag_counts = [_count_true(getattr(EventAudit, flag)) for flag in MODEL_FLAGS]
    totals = (
        await session.execute(
            _scoped(
                select(
                    func.count(),
                    func.count(EventAudit.overall_quality_score),
                    func.avg(EventAudit.overall_quality_score),
                    func.avg(EventAudit.consistency_score),
                    func.avg(EventAudit.enrichment_utilization),
                    *flag_counts,
                ),
                days,
                camera_id,
            )
        )
    ).one()
    audited, evaluated, avg_quality, avg_consistency, avg_utilization = totals[:5]
    present = totals[5:]
    events_query = (
        select(func.count())
        .select_from(Event)
        .where(Event.started_at >= _window(days), Event.deleted_at.is_(None))
    )
    if camera_id is not None:
        events_query = events_query.where(Event.camera_id == camera_id)
    total_events = int(await session.scalar(events_query) or 0)
    day = _utc_day(session).label("day")
    daily = (
        await session.execute(
            _scoped(
                select(
                    day,
                    func.count(),
                    func.avg(EventAudit.overall_quality_score),
                    func.avg(EventAudit.enrichment_utilization),
                ),
                days,
                camera_id,
            )
            .group_by(day)
            .order_by(day)
        )
    ).all()
    return {
        "days": days,
        "camera_id": camera_id,
        # All events in the window, audited or not (the reference reported only audited ones).
        "total_events": total_events,
        "audited_events": int(audited),
        "fully_evaluated_events": int(evaluated),
        "avg_quality_score": _rounded(avg_quality),
        "avg_consistency_score": _rounded(avg_consistency),
        "avg_enrichment_utilization": _rounded(avg_utilization),
        "model_contribution_rates": {
            flag.removeprefix("has_"): round(int(n) / audited, 4) if audited else 0.0
            for flag, n in zip(MODEL_FLAGS, present, strict=True)
        },
        "daily": [
            {
                "date": str(date),
                "weekday": datetime.fromisoformat(str(date)).strftime("%A"),
                "count": int(count),
                "avg_quality_score": _rounded(quality),
                "avg_enrichment_utilization": _rounded(utilization),
            }
            for date, count, quality, utilization in daily
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


def flag_correlation(
    n: int, flagged: int, sum_y: float, sum_yy: float, sum_xy: float, constant_y: bool
) -> float | None:
    """``pearson`` of a 0/1 flag x with scores y, from the sums SQL computes (x² = x).
    Zero variance is decided exactly (flag counts are integers; the scores' min and max are
    compared), never from a float difference that rounding leaves slightly off zero."""
    if n < 3 or flagged in (0, n) or constant_y:
        return None
    covariance = sum_xy - flagged * sum_y / n
    var_x = flagged - flagged * flagged / n
    var_y = sum_yy - sum_y * sum_y / n
    if var_y <= 0:
        return None
    return round(covariance / sqrt(var_x * var_y), 4)


async def leaderboard(session: AsyncSession, days: int) -> dict[str, Any]:
    score = EventAudit.overall_quality_score
    flags = [getattr(EventAudit, flag) for flag in MODEL_FLAGS]
    overall = (
        await session.execute(_scoped(select(func.count(), *map(_count_true, flags)), days))
    ).one()
    total = int(overall[0])
    scored_row = (
        await session.execute(
            _scoped(
                select(
                    func.count(),
                    func.sum(score),
                    func.sum(score * score),
                    func.min(score),
                    func.max(score),
                    *map(_count_true, flags),
                    *(func.sum(case((flag, score), else_=0.0)) for flag in flags),
                ),
                days,
            ).where(score.is_not(None))
        )
    ).one()
    scored, sum_y, sum_yy, low, high = scored_row[:5]
    width = len(MODEL_FLAGS)
    scored_flagged = scored_row[5 : 5 + width]
    sum_xy = scored_row[5 + width :]
    entries: list[dict[str, Any]] = []
    for i, flag in enumerate(MODEL_FLAGS):
        present = int(overall[1 + i])
        entries.append(
            {
                "model": flag.removeprefix("has_"),
                "contribution_rate": round(present / total, 4) if total else 0.0,
                "event_count": present,
                "quality_correlation": flag_correlation(
                    int(scored),
                    int(scored_flagged[i]),
                    float(sum_y or 0),
                    float(sum_yy or 0),
                    float(sum_xy[i] or 0),
                    constant_y=low == high,
                ),
            }
        )
    entries.sort(key=lambda e: (-e["contribution_rate"], e["model"]))
    return {
        "days": days,
        "total_audits": total,
        "scored_audits": int(scored),
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
    # Only the evaluated audits' four suggestion columns, in one pass (a few rows: full
    # evaluations need the LLM).
    rows = (
        await session.execute(
            _scoped(
                select(*(getattr(EventAudit, c) for c in RECOMMENDATION_CATEGORIES)), days
            ).where(EventAudit.overall_quality_score.is_not(None))
        )
    ).all()
    total = len(rows)
    counters = {category: Counter[str]() for category in RECOMMENDATION_CATEGORIES}
    for row in rows:
        for category, raw in zip(RECOMMENDATION_CATEGORIES, row, strict=True):
            counters[category].update(_items(raw))
    overall: list[dict[str, Any]] = []
    by_category: dict[str, list[dict[str, Any]]] = {}
    for category, counts in counters.items():
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
