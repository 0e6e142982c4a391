"""Anomaly scores: normal traffic is not flagged, an injected burst is; unseen classes score
high; scores reach the event, the ingest result and the anomalies list; config persists."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tests.baselines.synthetic import monday_10am, poisson_stream
from tests.factories import detection, make_camera
from vigil.baselines.learning import close_slots
from vigil.core.config import Settings
from vigil.models import BaselineAnomaly, Event

WEEKS = 6


async def _learned_camera(session: AsyncSession, settings: Settings):  # type: ignore[no-untyped-def]
    await make_camera(session, "Yard")
    start = monday_10am(weeks_ago=WEEKS + 1)
    hours = WEEKS * 168
    await poisson_stream(session, "yard", start, hours, classes={"person": 0.75, "car": 0.25})
    end = start + timedelta(hours=hours)  # a Monday, 10:00: a busy hour (rate 4)
    await close_slots(session, "yard", end + timedelta(minutes=10), settings)
    await session.commit()
    return end


async def _latest_event(session: AsyncSession) -> Event:
    # Commit before (a fresh snapshot: the API committed since) and after (on SQLite the test
    # session's transaction holds the write lock, which the next request needs).
    await session.commit()
    event = (await session.scalars(select(Event).order_by(Event.id.desc()).limit(1))).one()
    await session.commit()
    return event


def _ingest(at, detections):  # type: ignore[no-untyped-def]
    return {"camera_id": "yard", "started_at": at.isoformat(), "detections": detections}


async def test_normal_traffic_not_flagged_burst_flagged(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    slot = await _learned_camera(session, settings)
    normal = await client.post(
        "/api/ingest",
        json=_ingest(
            slot + timedelta(minutes=20),
            [detection("person", detected_at=(slot + timedelta(minutes=20)).isoformat())] * 3,
        ),
    )
    assert normal.status_code == 201, normal.text
    result = normal.json()["pipeline"]["anomaly"]
    event = await _latest_event(session)
    assert event.anomaly_score is not None
    assert event.anomaly_score < 0.9
    assert result["established"] and not result["is_anomalous"]
    assert result["score"] == event.anomaly_score
    assert (await session.scalars(select(BaselineAnomaly))).all() == []
    await session.commit()

    # A burst in the same hour: 3 + 30 detections where about 4 are normal.
    at = slot + timedelta(minutes=30)
    burst = await client.post(
        "/api/ingest",
        json=_ingest(at, [detection("person", detected_at=at.isoformat())] * 30),
    )
    assert burst.status_code == 201, burst.text
    event = await _latest_event(session)
    assert event.anomaly_score is not None and event.anomaly_score > 0.999
    anomalies = (await client.get("/api/cameras/yard/baseline/anomalies?days=90")).json()
    kinds = {(a["kind"], a["detection_class"]) for a in anomalies}
    assert kinds == {("activity", ""), ("class", "person")}
    activity = next(a for a in anomalies if a["kind"] == "activity")
    assert activity["observed_count"] == 33
    assert 2.5 < activity["expected_count"] < 5.5
    assert activity["p_value"] < 1e-6
    assert activity["event_id"] == event.id


async def test_unseen_class_and_camera_config(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    slot = await _learned_camera(session, settings)
    # The default threshold (0.99) lets one never-seen truck pass after 6 weeks...
    at = slot + timedelta(minutes=15)
    await client.post(
        "/api/ingest", json=_ingest(at, [detection("truck", detected_at=at.isoformat())])
    )
    event = await _latest_event(session)
    assert event.anomaly_score is not None and 0.97 < event.anomaly_score < 0.99
    assert (await client.get("/api/cameras/yard/baseline/anomalies?days=90")).json() == []

    # ... a stricter camera setting (persisted in the database) flags the next one.
    put = await client.put("/api/cameras/yard/baseline/config", json={"anomaly_threshold": 0.95})
    assert put.status_code == 200, put.text
    assert put.json()["threshold_overridden"] is True
    assert (await client.get("/api/cameras/yard/baseline/config")).json()[
        "anomaly_threshold"
    ] == 0.95
    at = slot + timedelta(minutes=25)
    await client.post(
        "/api/ingest", json=_ingest(at, [detection("truck", detected_at=at.isoformat())])
    )
    anomalies = (await client.get("/api/cameras/yard/baseline/anomalies?days=90")).json()
    assert [(a["kind"], a["detection_class"], a["observed_count"]) for a in anomalies] == [
        ("class", "truck", 2)
    ]
    bad = await client.put("/api/cameras/yard/baseline/config", json={"anomaly_threshold": 2})
    assert bad.status_code == 422


async def test_not_scored_before_min_samples(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_camera(session, "Yard")
    at = monday_10am(weeks_ago=1)
    response = await client.post(
        "/api/ingest",
        json=_ingest(at, [detection("person", detected_at=at.isoformat())] * 50),
    )
    assert response.status_code == 201, response.text
    event = await _latest_event(session)
    assert event.anomaly_score is None
