"""Partial audits on ingest, and stats / leaderboard / recommendations on hand-computed data."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import detection, make_camera, make_event
from vigil.models import EventAudit


async def _audit(session: AsyncSession, event_id: int) -> EventAudit:
    audit = await session.scalar(select(EventAudit).where(EventAudit.event_id == event_id))
    assert audit is not None
    return audit


async def test_partial_audit_written_on_ingest(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_camera(session, "Front Door")
    prompt = "x" * 403
    det = detection(
        "person",
        enrichment_data={"florence": {"caption": "a man"}, "weather": "rain", "pet": None},
        enrichment={"threats": [{"threat_type": "knife", "confidence": 0.8, "severity": "high"}]},
    )
    event = await make_event(session, "front_door", llm_prompt=prompt, detections=[det])
    audit = await _audit(session, event.id)
    assert audit.prompt_length == 403 and audit.prompt_token_estimate == 100
    present = {
        f
        for f in ("has_yolo26", "has_florence", "has_weather", "has_violence")
        if getattr(audit, f)
    }
    assert present == {"has_yolo26", "has_florence", "has_weather", "has_violence"}
    assert not audit.has_pet and not audit.has_clip  # a None value is no output
    # The baselines hook scores every event with detections (results["anomaly"]).
    assert audit.has_baseline
    assert not (audit.has_zones or audit.has_clothing or audit.has_cross_camera)
    assert audit.enrichment_utilization == 5 / 12
    body = (await client.get(f"/api/ai-audit/events/{event.id}")).json()
    assert body["is_fully_evaluated"] is False
    assert body["contributions"]["florence"] is True and body["scores"]["overall"] is None
    assert (await client.get("/api/ai-audit/events/999")).status_code == 404


async def _fixture(session: AsyncSession) -> list[int]:
    """Four audits: florence on a1, a2; scores 5, 4, 2 and one unscored."""
    await make_camera(session, "Front Door")
    ids = []
    rows = [(True, 5.0), (True, 4.0), (False, 2.0), (False, None)]
    for florence, overall in rows:
        event = await make_event(session, "front_door", llm_prompt="p")
        audit = await _audit(session, event.id)
        audit.has_florence = florence
        audit.has_yolo26 = True
        audit.has_baseline = False
        audit.overall_quality_score = overall
        if overall is not None:
            audit.missing_context = json.dumps(
                ["time of day"] + (["weather"] if overall > 4 else [])
            )
            audit.unused_data = json.dumps(["zones"])
        ids.append(event.id)
    await session.commit()
    return ids


async def test_leaderboard_hand_computed(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await _fixture(session)
    body = (await client.get("/api/ai-audit/leaderboard?days=7")).json()
    assert (body["total_audits"], body["scored_audits"]) == (4, 3)
    models = {m["model"]: m for m in body["models"]}
    # x = [1, 1, 0], y = [5, 4, 2]: r = (5/3) / sqrt(2/3 * 14/3) = 5 / sqrt(28)
    assert models["florence"]["contribution_rate"] == 0.5
    assert models["florence"]["event_count"] == 2
    assert models["florence"]["quality_correlation"] == round(5 / 28**0.5, 4) == 0.9449
    assert models["yolo26"]["contribution_rate"] == 1.0
    assert models["yolo26"]["quality_correlation"] is None  # the flag never varies
    assert models["pet"]["quality_correlation"] is None
    assert body["models"][0]["model"] == "yolo26"  # sorted by rate


async def test_correlation_null_below_three_scored(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ids = await _fixture(session)
    audit = await _audit(session, ids[2])
    audit.overall_quality_score = None
    await session.commit()
    body = (await client.get("/api/ai-audit/leaderboard")).json()
    assert all(m["quality_correlation"] is None for m in body["models"])


async def test_stats_and_recommendations(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await _fixture(session)
    stats = (await client.get("/api/ai-audit/stats?days=7")).json()
    assert (stats["total_events"], stats["audited_events"], stats["fully_evaluated_events"]) == (
        4,
        4,
        3,
    )
    assert stats["avg_quality_score"] == round(11 / 3, 4)
    assert stats["model_contribution_rates"]["florence"] == 0.5
    assert stats["daily"][0]["count"] == 4
    recs = (await client.get("/api/ai-audit/recommendations?days=7")).json()
    assert recs["total_events_analyzed"] == 3
    top = recs["recommendations"][0]
    assert (top["suggestion"], top["count"], top["priority"]) == ("time of day", 3, "high")
    weather = next(
        r for r in recs["by_category"]["missing_context"] if r["suggestion"] == "weather"
    )
    assert weather["priority"] == "high"  # 1 of 3 audits = 33 % > 30 %
    assert (await client.get("/api/ai-audit/stats?days=0")).status_code == 422
