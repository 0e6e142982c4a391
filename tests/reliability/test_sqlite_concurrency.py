"""The embedded SQLite default under concurrent writers: a real ``vigil serve`` (embedded worker
on) takes parallel ingests and rule/channel writes without "database is locked" reaching any
client, and every acknowledged event is stored."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bench.deployment import Deployment, Proc

from tests.factories import detection

PARALLEL = 50


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Deployment, Proc]]:
    deployment = Deployment(f"sqlite:///{tmp_path / 'vigil.db'}", tmp_path)
    try:
        deployment.migrate()
        proc = deployment.serve()
        deployment.wait_healthy(proc)
        yield deployment, proc
    finally:
        deployment.close()


async def test_parallel_writes_never_see_database_is_locked(
    served: tuple[Deployment, Proc], tmp_path: Path
) -> None:
    _, proc = served
    limits = httpx.Limits(max_connections=PARALLEL)
    async with httpx.AsyncClient(base_url=proc.url, timeout=60, limits=limits) as client:
        camera = (await client.post("/api/cameras", json={"name": "Gate"})).json()["id"]
        # Delivery jobs to a closed port: the embedded worker keeps writing (attempts, retries).
        channel = {"name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/x"}
        r = await client.post("/api/notification/channels", json=channel)
        assert r.status_code == 201, r.text
        rule = {"name": "anyone", "object_types": ["person"], "cooldown_seconds": 0}
        r = await client.post("/api/alerts/rules", json=rule)
        assert r.status_code == 201, r.text

        async def ingest(n: int) -> httpx.Response:
            body = {
                "camera_id": camera,
                "batch_id": f"par-{n}",
                "started_at": "2026-11-26T10:00:00+00:00",
                "risk_score": 70,
                "detections": [detection(), detection(object_type="car")],
            }
            return await client.post("/api/ingest", json=body)

        async def read(n: int) -> httpx.Response:
            return await client.get("/api/events", params={"limit": 5, "offset": n % 3})

        results = await asyncio.gather(
            *(ingest(n) for n in range(PARALLEL)), *(read(n) for n in range(PARALLEL // 2))
        )
    bad = [
        (r.request.url.path, r.status_code, r.text[:200]) for r in results if r.status_code >= 300
    ]
    assert bad == []
    assert not any("locked" in r.text for r in results)
    log = proc.log_tail(400)
    assert "database is locked" not in log, log
    with sqlite3.connect(tmp_path / "vigil.db") as conn:
        stored = conn.execute("SELECT count(*) FROM events WHERE batch_id LIKE 'par-%'").fetchone()
    assert stored[0] == PARALLEL
