"""The engine as it runs on ingest: zones, cooldown, enrichment, decisions, job enqueueing."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import func, select, update

from tests.alerting.helpers import camera, created, ingest, rule
from tests.factories import detection
from vigil.core.db import Database
from vigil.models import Alert, AlertRule, Job

pytestmark = pytest.mark.usefixtures("backend")


async def _zone(
    client: httpx.AsyncClient,
    cam: str,
    zone_id: str,
    coords: list[list[float]],
    enabled: bool = True,
) -> None:
    response = await client.post(
        f"/api/cameras/{cam}/zones",
        json={"id": zone_id, "name": zone_id, "coordinates": coords, "enabled": enabled},
    )
    assert response.status_code == 201, response.text


async def test_zone_condition_uses_the_normalised_anchor(client: httpx.AsyncClient) -> None:
    cam = await camera(client)
    # Left half of the image is the driveway; a disabled zone covers everything.
    await _zone(client, cam, "driveway", [[0.0, 0.0], [0.5, 1.0]])
    await _zone(client, cam, "everything", [[0.0, 0.0], [1.0, 1.0]], enabled=False)
    driveway = await rule(client, zone_ids=["driveway"], cooldown_seconds=0)
    await rule(client, name="disabled zone", zone_ids=["everything"], cooldown_seconds=0)
    # Anchor (bottom-centre) (150/640, 200/480) = (0.23, 0.42): in the driveway, small image.
    inside = await ingest(
        client, cam, detections=[detection(bbox=(100, 100, 100, 100), image=(640, 480))]
    )
    # Anchor x = 480/640 = 0.75: right half, outside the driveway.
    outside = await ingest(
        client, cam, detections=[detection(bbox=(400, 100, 160, 100), image=(640, 480))]
    )
    assert len(created(inside)) == 1
    assert created(outside) == []
    reasons = {d["rule_name"]: d["reason"] for d in outside["pipeline"]["alerts"]["decisions"]}
    assert reasons["rule"] == "no matching detection inside the rule's zones"
    assert reasons["disabled zone"] == "no matching detection inside the rule's zones"
    # The dry run over the stored events reads the zone ids stored on the detections.
    dry = await client.post(f"/api/alerts/rules/{driveway['id']}/test", json={"limit": 10})
    matched = {r["event_id"]: r["matched"] for r in dry.json()["results"]}
    assert matched == {inside["event"]["id"]: True, outside["event"]["id"]: False}


async def test_cooldown_zero_means_every_event_alerts(client: httpx.AsyncClient) -> None:
    cam = await camera(client)
    await rule(client, cooldown_seconds=0)
    results = [await ingest(client, cam) for _ in range(3)]
    assert [len(created(r)) for r in results] == [1, 1, 1]


async def test_cooldown_suppresses_same_key_only(client: httpx.AsyncClient) -> None:
    cam = await camera(client)
    other = await camera(client, "Back Yard")
    await rule(client, cooldown_seconds=300)
    first = await ingest(client, cam)
    second = await ingest(client, cam)
    elsewhere = await ingest(client, other)
    assert len(created(first)) == 1
    assert created(second) == []
    assert second["pipeline"]["alerts"]["decisions"][0]["reason"] == "in_cooldown"
    assert len(created(elsewhere)) == 1


async def test_enrichment_conditions(client: httpx.AsyncClient) -> None:
    cam = await camera(client)
    await rule(
        client,
        name="armed",
        cooldown_seconds=0,
        conditions={
            "threat": {"types": ["knife", "gun"], "min_severity": "high", "min_confidence": 0.6}
        },
    )
    await rule(
        client,
        name="crouching",
        cooldown_seconds=0,
        conditions={
            "pose": {"classes": ["crouching"], "min_confidence": 0.5},
            "action": {"actions": ["loitering"]},
        },
    )
    knife = detection(
        enrichment={"threats": [{"threat_type": "knife", "confidence": 0.9, "severity": "high"}]}
    )
    weak = detection(
        enrichment={"threats": [{"threat_type": "knife", "confidence": 0.3, "severity": "high"}]}
    )
    crouch = detection(
        enrichment={
            "pose": {"pose_class": "crouching", "confidence": 0.8},
            "action": {"action": "loitering", "confidence": 0.7},
        }
    )
    decisions = {}
    for name, det in {"knife": knife, "weak": weak, "crouch": crouch}.items():
        result = await ingest(client, cam, detections=[det])
        decisions[name] = {
            d["rule_name"]: d["matched"] for d in result["pipeline"]["alerts"]["decisions"]
        }
    assert decisions["knife"] == {"armed": True, "crouching": False}
    assert decisions["weak"] == {"armed": False, "crouching": False}
    assert decisions["crouch"] == {"armed": False, "crouching": True}


async def test_one_broken_rule_does_not_stop_the_others(
    client: httpx.AsyncClient, db: Database
) -> None:
    cam = await camera(client)
    broken = await rule(client, name="broken", cooldown_seconds=0)
    await rule(client, name="fine", cooldown_seconds=0)
    async with db.transaction() as s:
        await s.execute(
            update(AlertRule)
            .where(AlertRule.id == uuid.UUID(broken["id"]))
            .values(schedule={"days": "every day"})
        )
    result = await ingest(client, cam)
    decisions = {d["rule_name"]: d for d in result["pipeline"]["alerts"]["decisions"]}
    assert decisions["fine"]["matched"] is True
    assert decisions["broken"]["reason"].startswith("evaluation_error")


async def test_alert_records_decision_and_enqueues_delivery(
    client: httpx.AsyncClient, db: Database
) -> None:
    cam = await camera(client)
    response = await client.post(
        "/api/notification/channels",
        json={"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/hook"},
    )
    assert response.status_code == 201
    await rule(client, risk_threshold=50, channels=["hook"])
    await rule(client, name="silent", risk_threshold=50, channels=[], enabled=False)
    result = await ingest(client, cam, risk_score=70)
    (alert_id,) = created(result)
    alert = (await client.get(f"/api/alerts/{alert_id}")).json()
    assert alert["status"] == "pending" and alert["camera_id"] == cam
    assert alert["metadata"]["matched_conditions"] == ["risk_score >= 50"]
    assert alert["channels"] == ["hook"]
    async with db.sessionmaker() as s:
        jobs = (await s.scalars(select(Job).where(Job.job_type == "notify.deliver"))).all()
        assert [j.payload for j in jobs] == [{"alert_id": alert_id}]
        assert await s.scalar(select(func.count()).select_from(Alert)) == 1


async def test_no_rules_no_alerts(client: httpx.AsyncClient) -> None:
    cam = await camera(client)
    result = await ingest(client, cam)
    assert result["pipeline"]["alerts"] == {"evaluated": 0, "created": [], "decisions": []}


async def test_rule_changes_reach_the_cached_engine(
    client: httpx.AsyncClient, db: Database
) -> None:
    cam = await camera(client)
    r = await rule(client, cooldown_seconds=0)
    assert len(created(await ingest(client, cam))) == 1
    await client.patch(f"/api/alerts/rules/{r['id']}", json={"enabled": False})
    assert (await ingest(client, cam))["pipeline"]["alerts"]["evaluated"] == 0
    # A change behind the API's back (another process, SQL) is seen too: triggers bump the token.
    async with db.transaction() as s:
        await s.execute(
            update(AlertRule).where(AlertRule.id == uuid.UUID(r["id"])).values(enabled=True)
        )
    assert len(created(await ingest(client, cam))) == 1
