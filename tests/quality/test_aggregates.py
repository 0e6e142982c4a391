"""The SQL aggregates (stats, leaderboard, recommendations) equal a straightforward Python
computation over the same audits, on random data, on both databases."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_camera
from vigil.models import Event, EventAudit
from vigil.models.event_audit import MODEL_FLAGS
from vigil.quality import service

SUGGESTIONS = ["time of day", "zone names", "history", "weather", "shorter"]


async def _seed(session: AsyncSession) -> None:
    rnd = random.Random(11)
    await make_camera(session, "Front Door")
    await make_camera(session, "Garage")
    now = datetime.now(UTC)
    for i in range(60):
        # Days 0-9 back: some audits fall outside a 7-day window.
        when = now - timedelta(days=rnd.uniform(0, 9.5))
        event = Event(
            batch_id=f"b{i}",
            camera_id=rnd.choice(["front_door", "garage"]),
            started_at=when,
            risk_score=rnd.randint(0, 100),
        )
        session.add(event)
        await session.flush()
        flags = {flag: rnd.random() < 0.5 for flag in MODEL_FLAGS}
        flags["has_pet"] = False  # never varies: no correlation
        audit = EventAudit(
            event_id=event.id,
            audited_at=when,
            enrichment_utilization=sum(flags.values()) / 12,
            **flags,
        )
        if rnd.random() < 0.5:
            audit.overall_quality_score = round(rnd.uniform(1, 5), 2)
            audit.consistency_score = round(rnd.uniform(1, 5), 2)
            for column in service.RECOMMENDATION_CATEGORIES:
                setattr(audit, column, json.dumps(rnd.sample(SUGGESTIONS, rnd.randint(0, 2))))
        session.add(audit)
    await session.commit()


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


async def test_sql_aggregates_match_python(session: AsyncSession) -> None:
    await _seed(session)
    window = datetime.now(UTC) - timedelta(days=7)
    rows = (
        await session.execute(
            select(EventAudit, Event.camera_id)
            .join(Event, Event.id == EventAudit.event_id)
            .where(EventAudit.audited_at >= window)
        )
    ).all()
    for camera in (None, "garage"):
        audits = [a for a, cam in rows if camera is None or cam == camera]
        stats = await service.stats(session, 7, camera)
        assert stats["audited_events"] == len(audits)
        scored = [a for a in audits if a.overall_quality_score is not None]
        assert stats["fully_evaluated_events"] == len(scored)
        assert stats["avg_quality_score"] == _mean([a.overall_quality_score for a in scored])  # type: ignore[misc]
        assert stats["avg_enrichment_utilization"] == _mean(
            [a.enrichment_utilization for a in audits]
        )
        for flag in MODEL_FLAGS:
            rate = round(sum(getattr(a, flag) for a in audits) / len(audits), 4)
            assert stats["model_contribution_rates"][flag.removeprefix("has_")] == rate
        days = Counter(a.audited_at.astimezone(UTC).date().isoformat() for a in audits)
        assert {d["date"]: d["count"] for d in stats["daily"]} == days
        assert [d["date"] for d in stats["daily"]] == sorted(days)

    audits = [a for a, _ in rows]
    scored = [a for a in audits if a.overall_quality_score is not None]
    board = await service.leaderboard(session, 7)
    assert (board["total_audits"], board["scored_audits"]) == (len(audits), len(scored))
    by_model = {m["model"]: m for m in board["models"]}
    for flag in MODEL_FLAGS:
        expected = service.pearson(
            [1.0 if getattr(a, flag) else 0.0 for a in scored],
            [float(a.overall_quality_score) for a in scored],  # type: ignore[arg-type]
        )
        got = by_model[flag.removeprefix("has_")]["quality_correlation"]
        assert got == expected or abs(got - expected) <= 1e-4, flag
    assert by_model["pet"]["quality_correlation"] is None

    advice = await service.recommendations(session, 7)
    assert advice["total_events_analyzed"] == len(scored)
    counts = Counter(
        (category, item)
        for a in scored
        for category in service.RECOMMENDATION_CATEGORIES
        for item in json.loads(getattr(a, category) or "[]")
    )
    assert {(r["category"], r["suggestion"]): r["count"] for r in advice["recommendations"]} == {
        key: n for key, n in counts.items()
    }
