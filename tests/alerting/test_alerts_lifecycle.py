"""Alerts: listing/filters, acknowledge/dismiss moves, optimistic locking, concurrent dedup."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import func, select

from tests.alerting.helpers import camera, created, ingest, rule
from tests.factories import make_camera, make_event
from vigil.alerting import alerts
from vigil.alerting.rules import create_rule
from vigil.alerting.schemas import RuleCreate
from vigil.core.config import load_settings
from vigil.core.db import Database
from vigil.core.errors import Conflict
from vigil.events.schemas import IngestRequest
from vigil.events.service import ingest as ingest_service
from vigil.models import Alert

pytestmark = pytest.mark.usefixtures("backend")


async def _one_alert(
    client: httpx.AsyncClient, cam: str | None = None, **rule_fields: object
) -> str:
    cam = cam or await camera(client)
    await rule(client, cooldown_seconds=0, **rule_fields)
    (alert_id,) = created(await ingest(client, cam))
    return alert_id


async def test_list_and_filter(client: httpx.AsyncClient) -> None:
    front = await camera(client)
    back = await camera(client, "Back Yard")
    high = await rule(client, name="high", severity="high", camera_ids=[front], cooldown_seconds=0)
    await rule(client, name="low", severity="low", camera_ids=[back], cooldown_seconds=0)
    for _ in range(3):
        await ingest(client, front)
    await ingest(client, back)
    everything = (await client.get("/api/alerts")).json()
    assert everything["total"] == 4
    page = (await client.get("/api/alerts", params={"limit": 2, "offset": 0})).json()
    assert len(page["items"]) == 2 and page["has_more"] is True
    by_camera = (await client.get("/api/alerts", params={"camera_id": back})).json()
    assert [a["camera_id"] for a in by_camera["items"]] == [back]
    by_rule = (await client.get("/api/alerts", params={"rule_id": high["id"]})).json()
    assert by_rule["total"] == 3
    assert (await client.get("/api/alerts", params={"severity": "low"})).json()["total"] == 1
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await client.get("/api/alerts", params={"since": future})).json()["total"] == 0
    assert (await client.get("/api/alerts", params={"until": future})).json()["total"] == 4
    assert (await client.get("/api/alerts", params={"status": "pending"})).json()["total"] == 4
    assert (await client.get("/api/alerts", params={"status": "nope"})).status_code == 422
    assert (await client.get(f"/api/alerts/{uuid.uuid4()}")).status_code == 404


async def test_acknowledge_and_dismiss_moves(client: httpx.AsyncClient) -> None:
    alert_id = await _one_alert(client)
    ack = await client.post(f"/api/alerts/{alert_id}/acknowledge")
    assert ack.status_code == 200, ack.text
    body = ack.json()
    assert body["status"] == "acknowledged" and body["version_id"] == 2
    assert "acknowledged_at" in body["metadata"]
    again = await client.post(f"/api/alerts/{alert_id}/acknowledge")
    assert again.status_code == 409 and again.json()["error"] == "invalid_transition"
    dismissed = await client.post(f"/api/alerts/{alert_id}/dismiss", json={"reason": "cat"})
    assert dismissed.status_code == 200
    meta = dismissed.json()["metadata"]
    assert meta["dismissed_reason"] == "cat" and "dismissed_at" in meta
    assert [h["status"] for h in meta["history"]] == ["pending", "acknowledged", "dismissed"]
    assert (await client.post(f"/api/alerts/{alert_id}/dismiss")).status_code == 409
    late_ack = await client.post(f"/api/alerts/{alert_id}/acknowledge")
    assert late_ack.status_code == 409
    missing = await client.post(f"/api/alerts/{uuid.uuid4()}/dismiss")
    assert missing.status_code == 404


async def test_stale_version_is_409(client: httpx.AsyncClient) -> None:
    alert_id = await _one_alert(client)
    stale = await client.post(f"/api/alerts/{alert_id}/dismiss", json={"version_id": 5})
    assert stale.status_code == 409 and stale.json()["error"] == "stale_version"
    ok = await client.post(f"/api/alerts/{alert_id}/acknowledge", json={"version_id": 1})
    assert ok.status_code == 200
    # Another client still holding version 1 must not overwrite the acknowledgement.
    late = await client.post(f"/api/alerts/{alert_id}/dismiss", json={"version_id": 1})
    assert late.status_code == 409


async def test_concurrent_updates_only_one_wins(client: httpx.AsyncClient, db: Database) -> None:
    alert_id = uuid.UUID(await _one_alert(client))
    async with db.sessionmaker() as first, db.sessionmaker() as second:
        # Both read version 1 (their read transactions then end, as requests' would); the first
        # moves it, so the second's UPDATE ... WHERE version_id = 1 hits no row.
        await alerts.get_alert(first, alert_id)
        await first.commit()  # (on SQLite every transaction holds the write lock until it ends)
        held = await second.get(Alert, alert_id)  # keep it in the second session's identity map
        assert held is not None and held.version_id == 1
        await second.commit()
        await alerts.acknowledge(first, alert_id, expected_version=None, actor="a")
        await first.commit()
        with pytest.raises(Conflict):
            await alerts.dismiss(second, alert_id, expected_version=None, actor="b")
        await second.rollback()
    async with db.sessionmaker() as s:
        alert = await s.get(Alert, alert_id)
        assert alert is not None and alert.status == "acknowledged" and alert.version_id == 2


async def test_parallel_ingests_inside_cooldown_make_one_alert(db: Database) -> None:
    settings = load_settings()
    # Eight cameras (the ingest locks its camera's row, which would serialise one camera's
    # events anyway) and a key without the camera: all eight events race for one key.
    cameras = []
    async with db.transaction() as s:
        await create_rule(
            s, RuleCreate(name="any person", cooldown_seconds=600, dedup_key_template="{rule_id}")
        )
    for i in range(8):
        async with db.sessionmaker() as s:
            cameras.append((await make_camera(s, f"Cam {i}")).id)

    async def one(camera_id: str) -> None:
        async with db.transaction() as s:
            data = IngestRequest(
                camera_id=camera_id, started_at=datetime.now(UTC), risk_score=50, detections=[]
            )
            await ingest_service(s, data, settings)

    await asyncio.gather(*(one(c) for c in cameras))
    async with db.sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Alert)) == 1


async def test_rule_delete_keeps_alerts(client: httpx.AsyncClient, db: Database) -> None:
    cam = await camera(client)
    r = await rule(client, cooldown_seconds=0)
    created(await ingest(client, cam))
    assert (await client.delete(f"/api/alerts/rules/{r['id']}")).status_code == 204
    items = (await client.get("/api/alerts")).json()["items"]
    assert len(items) == 1 and items[0]["rule_id"] is None


async def test_make_event_factory_runs_rules(db: Database) -> None:
    async with db.sessionmaker() as s:
        await make_camera(s, "Garage")
        await create_rule(s, RuleCreate(name="any", cooldown_seconds=0))
        await s.commit()
        await make_event(s, "garage")
        assert await s.scalar(select(func.count()).select_from(Alert)) == 1
