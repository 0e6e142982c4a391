"""The database going away: PostgreSQL stopped mid-run answers 503 + Retry-After quickly (never a
hang, never a 500) and recovers by itself; a full SQLite file answers 507 and is not corrupted."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tests.factories import detection
from tests.pg_server import PostgresServer
from vigil.app import create_app
from vigil.core.config import load_settings
from vigil.core.db import Database
from vigil.migrations import upgrade

STARTED = "2026-11-26T10:00:00+00:00"


@pytest.fixture(scope="module")
def pg() -> Iterator[PostgresServer]:
    server = PostgresServer(durable=True).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def outage_client(pg: PostgresServer, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    url = pg.url("postgres")
    settings = load_settings(
        database_url=url,
        data_dir=tmp_path,
        background_tasks=False,
        embedded_worker=False,
        db_connect_timeout_seconds=2,
        db_pool_timeout_seconds=2,
    )
    await upgrade(settings.async_database_url)
    database = Database.from_settings(settings)
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
    await database.dispose()


def _event(camera: str, n: int) -> dict:
    return {
        "camera_id": camera,
        "batch_id": f"outage-{n}",
        "started_at": STARTED,
        "detections": [detection()],
    }


async def test_postgres_outage_is_503_then_recovers(
    pg: PostgresServer, outage_client: httpx.AsyncClient
) -> None:
    client = outage_client
    r = await client.post("/api/cameras", json={"name": "Drive"})
    assert r.status_code == 201, r.text
    camera = r.json()["id"]
    assert (await client.post("/api/ingest", json=_event(camera, 1))).status_code == 201

    await asyncio.to_thread(pg.halt)
    try:
        for n, call in enumerate(
            [
                lambda: client.get("/api/events"),
                lambda: client.post("/api/ingest", json=_event(camera, 2)),
                lambda: client.get("/api/cameras"),
            ]
        ):
            started = time.monotonic()
            r = await call()
            elapsed = time.monotonic() - started
            assert r.status_code == 503, (n, r.status_code, r.text)
            assert r.headers["retry-after"].isdigit()
            assert r.json()["error"] == "unavailable"
            assert elapsed < 10, f"request {n} took {elapsed:.1f}s during the outage"
        health = await client.get("/health")
        assert health.status_code == 503
        assert health.json()["database"]["status"] == "unreachable"
    finally:
        await asyncio.to_thread(pg.resume)

    # Back without a restart of the app: stale pooled connections are pinged and replaced.
    r = await client.post("/api/ingest", json=_event(camera, 3))
    assert r.status_code == 201, r.text
    events = (await client.get("/api/events")).json()
    assert sorted(e["batch_id"] for e in events["items"]) == ["outage-1", "outage-3"]
    assert (await client.get("/health")).status_code == 200


async def test_sqlite_full_is_507_without_corruption(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'full.db'}"
    settings = load_settings(
        database_url=url, data_dir=tmp_path, background_tasks=False, embedded_worker=False
    )
    await upgrade(settings.async_database_url)
    database = Database.from_settings(settings)
    app = create_app(settings, database=database)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        camera = (await client.post("/api/cameras", json={"name": "Attic"})).json()["id"]
        assert (await client.post("/api/ingest", json=_event(camera, 0))).status_code == 201
        # Cap the file at its current size (+1 page): the next big write cannot fit. Set per
        # connection, so dispose the pool and set it on every new connection.
        await database.dispose()
        from sqlalchemy import event

        @event.listens_for(database.engine.sync_engine, "connect")
        def _cap(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA page_count")
            pages = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA max_page_count={pages + 1}")
            cursor.close()

        statuses = []
        for n in range(1, 30):
            body = _event(camera, n) | {"summary": "x" * 19_000, "reasoning": "y" * 40_000}
            r = await client.post("/api/ingest", json=body)
            statuses.append(r.status_code)
            if r.status_code == 507:
                assert r.json()["error"] == "insufficient_storage"
                break
        assert statuses[-1] == 507, statuses
        # Reads still work while full, and what was acknowledged is all there.
        listed = (await client.get("/api/events", params={"limit": 100})).json()
        assert listed["total"] == statuses.count(201) + 1
    async with database.engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA integrity_check"))).scalar() == "ok"
    await database.dispose()
