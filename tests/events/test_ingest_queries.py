"""The ingest path's round trips: redundant statements removed for speed stay removed, and the
batched dedup locks still serialise racing ingests (see docs/alerting.md, Benchmark)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import event, func, select

from tests.factories import detection, make_camera
from vigil.alerting.rules import create_rule
from vigil.alerting.schemas import RuleCreate
from vigil.core.config import load_settings
from vigil.core.db import Database
from vigil.events.schemas import IngestRequest
from vigil.events.service import ingest as ingest_service
from vigil.models import Alert, Event


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(" ".join(args[2].split()))

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)


async def test_ingest_skips_redundant_round_trips(
    client: httpx.AsyncClient, db: Database, backend: str
) -> None:
    cam = (await client.post("/api/cameras", json={"name": "Yard"})).json()["id"]
    started = datetime.now(UTC) - timedelta(minutes=1)
    body = {
        "camera_id": cam,
        "started_at": started.isoformat(),
        "risk_score": 70,
        "detections": [detection("person"), detection("car")],
    }
    await client.post("/api/ingest", json=body)  # the camera's baseline row now exists
    for i, template in enumerate(["{camera_id}:{rule_id}", "{object_type}:{rule_id}"]):
        rule = {"name": f"r{i}", "cooldown_seconds": 300, "dedup_key_template": template}
        assert (await client.post("/api/alerts/rules", json=rule)).status_code == 201
    body["started_at"] = (started + timedelta(seconds=1)).isoformat()
    with statements(db) as seen:
        response = await client.post("/api/ingest", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["event"]["object_types"] == "car,person"
    assert len(response.json()["pipeline"]["alerts"]["created"]) == 2

    def count(fragment: str) -> int:
        return sum(fragment in s for s in seen)

    # The config row is locked once (not created-then-locked twice).
    assert count("baseline_configs") == 1
    # object_types goes into the INSERT; the row is not re-read after the pipeline.
    assert count("UPDATE events SET object_types") == 0
    assert count("FROM events WHERE events.id") == 0
    # One query for the hour's activity rows (no separate SUM).
    assert count("sum(activity_baselines.sample_count)") == 0
    # New detections without enrichment: nothing can reference them, so no lookups at all.
    assert count("FROM reid_embeddings") == 0
    assert count("FROM threat_detections") == 0
    if backend == "postgresql":
        # Both dedup keys in one statement, plus the audit chain's lock.
        assert count("pg_advisory_xact_lock") == 2
    else:
        # The request began IMMEDIATE: the chain needs no extra write-lock statement.
        assert count("UPDATE audit_chain_anchor") == 0
    async with db.sessionmaker() as s:
        stored = await s.scalar(select(Event).order_by(Event.id.desc()).limit(1))
        assert stored is not None and stored.object_types == "car,person"


async def test_enriched_ingest_still_looks_up_enrichment(
    client: httpx.AsyncClient, db: Database
) -> None:
    cam = (await client.post("/api/cameras", json={"name": "Gate"})).json()["id"]
    threat = {"threat_type": "weapon", "severity": "high", "confidence": 0.9}
    body = {
        "camera_id": cam,
        "started_at": datetime.now(UTC).isoformat(),
        "detections": [detection("person", enrichment={"threats": [threat]})],
    }
    with statements(db) as seen:
        response = await client.post("/api/ingest", json=body)
    assert response.status_code == 201, response.text
    assert sum("FROM threat_detections" in s for s in seen) == 1
    assert "violence" in response.json()["pipeline"]["quality"]["models_present"]


async def test_parallel_ingests_with_several_keys_make_one_alert_per_rule(db: Database) -> None:
    """Each event takes three dedup locks at once; racing events must neither deadlock nor
    double-alert (on SQLite writers are serialised anyway)."""
    settings = load_settings()
    async with db.transaction() as s:
        for i in range(3):
            await create_rule(
                s,
                RuleCreate(name=f"any {i}", cooldown_seconds=600, dedup_key_template="{rule_id}"),
            )
    cameras = []
    for i in range(6):
        async with db.sessionmaker() as s:
            cameras.append((await make_camera(s, f"Cam {i}")).id)

    async def one(camera_id: str) -> None:
        async with db.transaction() as s:
            data = IngestRequest(
                camera_id=camera_id, started_at=datetime.now(UTC), risk_score=50, detections=[]
            )
            await ingest_service(s, data, settings)

    await asyncio.wait_for(asyncio.gather(*(one(c) for c in cameras)), timeout=60)
    async with db.sessionmaker() as s:
        per_rule = (
            await s.execute(select(Alert.rule_id, func.count()).group_by(Alert.rule_id))
        ).all()
    assert sorted(n for _, n in per_rule) == [1, 1, 1]
