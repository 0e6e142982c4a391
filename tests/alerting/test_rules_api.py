"""Rule CRUD validation and the dry run, through the API on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from tests.alerting.helpers import camera, ingest, rule
from tests.factories import detection
from vigil.core.db import Database
from vigil.models import Alert

pytestmark = pytest.mark.usefixtures("backend")


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "schedule": {"days": ["mon"]}},
        {"name": "x", "schedule": {"days": ["monday"], "timezone": "Not/AZone"}},
        {"name": "x", "schedule": {"start_time": "25:00", "end_time": "06:00"}},
        {"name": "x", "risk_threshold": 101},
        {"name": "x", "min_confidence": 1.5},
        {"name": "x", "cooldown_seconds": -1},
        {"name": "x", "dedup_key_template": "{camera_id}:{secret}"},
        {"name": "x", "conditions": {"pose": {"classes": ["flying"]}}},
        {"name": "x", "conditions": {"weather": "rain"}},
        {"name": "x", "color": "red"},
        {"name": "x", "channels": ["nope"]},
        {"name": ""},
    ],
)
async def test_invalid_rules_are_422(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    response = await client.post("/api/alerts/rules", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["error"] in ("validation_error", "unknown_channel")


async def test_rule_crud_and_enable_disable(client: httpx.AsyncClient) -> None:
    created = await rule(
        client,
        name="Night person",
        severity="high",
        object_types=["Person"],
        schedule={
            "days": ["Friday"],
            "start_time": "22:00",
            "end_time": "06:00",
            "timezone": "Europe/Berlin",
        },
        conditions={"threat": {"min_severity": "high", "min_confidence": 0.5}},
        cooldown_seconds=0,
    )
    assert created["object_types"] == ["person"]
    assert created["schedule"]["days"] == ["friday"]
    assert created["cooldown_seconds"] == 0
    rule_id = created["id"]
    got = await client.get(f"/api/alerts/rules/{rule_id}")
    assert got.status_code == 200 and got.json()["name"] == "Night person"
    off = await client.patch(f"/api/alerts/rules/{rule_id}", json={"enabled": False})
    assert off.status_code == 200 and off.json()["enabled"] is False
    listed = await client.get("/api/alerts/rules", params={"enabled": "false"})
    assert [r["id"] for r in listed.json()["items"]] == [rule_id]
    bad = await client.put(f"/api/alerts/rules/{rule_id}", json={"severity": None})
    assert bad.status_code == 422
    bad = await client.put(f"/api/alerts/rules/{rule_id}", json={"dedup_key_template": "{x}"})
    assert bad.status_code == 422
    assert (await client.delete(f"/api/alerts/rules/{rule_id}")).status_code == 204
    assert (await client.get(f"/api/alerts/rules/{rule_id}")).status_code == 404
    assert (await client.get("/api/alerts/rules/not-a-uuid")).status_code == 422


async def test_dry_run_reports_matches_and_creates_nothing(
    client: httpx.AsyncClient, db: Database
) -> None:
    cam = await camera(client)
    low = await ingest(client, cam, risk_score=10)
    high = await ingest(client, cam, risk_score=90, detections=[detection("car", 0.8)])
    # Rule created after the events (disabled): the dry run still evaluates it.
    created = await rule(client, risk_threshold=50, object_types=["car"], enabled=False)
    response = await client.post(f"/api/alerts/rules/{created['id']}/test", json={"limit": 10})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["events_tested"] == 2 and body["events_matched"] == 1
    assert body["match_rate"] == 0.5
    by_event = {r["event_id"]: r for r in body["results"]}
    assert by_event[high["event"]["id"]]["matched"] is True
    assert "risk_score >= 50" in by_event[high["event"]["id"]]["matched_conditions"]
    assert by_event[low["event"]["id"]]["reason"] == "risk_score 10 < 50"
    only = await client.post(
        f"/api/alerts/rules/{created['id']}/test", json={"event_ids": [low["event"]["id"]]}
    )
    assert only.json()["events_tested"] == 1
    missing = await client.post(
        f"/api/alerts/rules/{created['id']}/test", json={"event_ids": [999]}
    )
    assert missing.status_code == 404
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Alert)) == 0


async def test_dry_run_test_time_drives_the_schedule(client: httpx.AsyncClient) -> None:
    cam = await camera(client)
    await ingest(client, cam, started_at=datetime(2026, 1, 9, 12, 0, tzinfo=UTC))
    created = await rule(
        client,
        schedule={
            "days": ["friday"],
            "start_time": "22:00",
            "end_time": "06:00",
            "timezone": "America/New_York",
        },
    )
    url = f"/api/alerts/rules/{created['id']}/test"
    at_noon = (await client.post(url, json={})).json()
    assert at_noon["events_matched"] == 0
    at_night = await client.post(url, json={"test_time": "2026-01-10T08:00:00Z"})
    assert at_night.json()["events_matched"] == 1
