"""The audit API: filters, pagination, stats (a real 7-day window), export, verify, one entry."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import text

from vigil.audit.chain import append
from vigil.core.db import Database


async def _seed(db: Database, now: datetime) -> None:
    rows = [
        ("alice", "camera.create", "camera", "success", now - timedelta(days=1)),
        ("alice", "camera.update", "camera", "success", now - timedelta(days=6, hours=23)),
        ("bob", "rule.create", "rule", "failure", now - timedelta(hours=1)),
        ("carol", "camera.delete", "camera", "success", now - timedelta(days=8)),
    ]
    for actor, action, resource_type, status, ts in rows:
        async with db.transaction() as s:
            await append(
                s,
                timestamp=ts,
                action=action,
                resource_type=resource_type,
                resource_id="x",
                actor=actor,
                details={"api_key": "should-not-matter", "n": 1},
                status=status,
            )


async def test_list_filters_and_pagination(client: httpx.AsyncClient, db: Database) -> None:
    now = datetime.now(UTC)
    await _seed(db, now)
    page = (await client.get("/api/audit?limit=2")).json()
    assert page["total"] == 4 and page["has_more"] is True and len(page["items"]) == 2
    assert page["items"][0]["actor"] == "bob"  # newest first
    alice = (await client.get("/api/audit?actor=alice&resource_type=camera")).json()
    assert {i["action"] for i in alice["items"]} == {"camera.create", "camera.update"}
    failures = (await client.get("/api/audit?status=failure")).json()
    assert [i["actor"] for i in failures["items"]] == ["bob"]
    since = (now - timedelta(days=2)).isoformat()
    recent = await client.get("/api/audit", params={"since": since})
    assert recent.json()["total"] == 2
    assert (await client.get("/api/audit?status=maybe")).status_code == 422
    first = page["items"][0]["id"]
    assert (await client.get(f"/api/audit/{first}")).json()["actor"] == "bob"
    assert (await client.get("/api/audit/99999")).status_code == 404


async def test_stats_use_a_real_seven_day_window(client: httpx.AsyncClient, db: Database) -> None:
    await _seed(db, datetime.now(UTC))
    stats = (await client.get("/api/audit/stats")).json()
    assert stats["total_logs"] == 4
    assert stats["by_status"] == {"success": 3, "failure": 1}
    assert stats["by_resource_type"] == {"camera": 3, "rule": 1}
    # carol's entry is 8 days old: outside the window whatever the day of the month.
    assert stats["recent_actors"] == [{"key": "alice", "count": 2}, {"key": "bob", "count": 1}]


async def test_export_and_verify(client: httpx.AsyncClient, db: Database) -> None:
    await _seed(db, datetime.now(UTC))
    r = await client.get("/api/audit/export?format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["actor"] for row in rows] == ["alice", "alice", "bob", "carol"]
    r = await client.get("/api/audit/export?format=json&actor=bob")
    assert [e["action"] for e in r.json()] == ["rule.create"]
    assert (await client.get("/api/audit/export?format=xml")).status_code == 422
    verified = (await client.get("/api/audit/verify")).json()
    assert verified["ok"] is True and verified["checked"] == 4


async def test_inverted_time_range_is_refused(client: httpx.AsyncClient) -> None:
    bad = {"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    for path in ("/api/audit", "/api/audit/export"):
        r = await client.get(path, params=bad)
        assert r.status_code == 422, path


async def test_export_refuses_nul_before_streaming(client: httpx.AsyncClient, db: Database) -> None:
    """PostgreSQL text cannot hold NUL: the query would fail after the 200 was sent. The filter
    is refused up front, with the JSON error shape, on both databases."""
    await _seed(db, datetime.now(UTC))
    for fmt in ("csv", "json"):
        r = await client.get("/api/audit/export", params={"format": fmt, "action": "camera\x00x"})
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "validation_error" and "NUL" in r.json()["detail"]
    r = await client.get("/api/audit", params={"actor": "al\x00ice"})
    assert r.status_code == 422 and r.json()["error"] == "validation_error"


async def test_export_database_error_is_503_before_streaming(
    client: httpx.AsyncClient, db: Database
) -> None:
    """The first batch is read before the response starts: a database that cannot answer gives
    a clean 503 instead of a 200 cut short."""
    await _seed(db, datetime.now(UTC))
    async with db.engine.begin() as conn:
        await conn.execute(text("ALTER TABLE audit_logs RENAME TO audit_logs_away"))
    try:
        r = await client.get("/api/audit/export", params={"format": "csv"})
        assert r.status_code == 503, r.text
        assert r.json()["error"] == "unavailable"
    finally:
        async with db.engine.begin() as conn:
            await conn.execute(text("ALTER TABLE audit_logs_away RENAME TO audit_logs"))
    assert len((await client.get("/api/audit/export?format=json")).json()) == 4


async def test_export_streams_across_batches(client: httpx.AsyncClient, db: Database) -> None:
    from vigil.audit.service import AuditFilter, start_export

    await _seed(db, datetime.now(UTC))
    for size in (1, 3, 4, 10):
        chunks = [c async for c in await start_export(db, AuditFilter(), "json", batch_size=size)]
        assert [e["actor"] for e in json.loads("".join(chunks))] == [
            "alice",
            "alice",
            "bob",
            "carol",
        ]
