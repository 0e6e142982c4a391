"""``POST /api/events/export`` queues a job that writes CSV or JSON with progress."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import make_camera, make_event
from tests.jobs.conftest import drain
from vigil.core.config import Settings
from vigil.core.db import Database


@pytest.mark.parametrize("fmt", ["csv", "json"])
async def test_export_job_writes_file(
    fmt: str,
    client: httpx.AsyncClient,
    session: AsyncSession,
    db: Database,
    settings: Settings,
) -> None:
    await make_camera(session, "Front Door")
    await make_camera(session, "Garage")
    old = datetime.now(UTC) - timedelta(days=3)
    for i in range(3):
        await make_event(session, "front_door", risk_score=10 * i, summary=f"ev{i}")
    await make_event(session, "garage", risk_score=90)
    await make_event(session, "front_door", started_at=old)

    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    r = await client.post(
        "/api/events/export", json={"format": fmt, "camera_id": "front_door", "since": since}
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    assert r.json()["status"] == "queued"
    r = await client.get(f"/api/events/export/{job_id}/file")
    assert r.status_code == 409  # not run yet

    await drain(db, settings.model_copy(update={"job_sqlite_poll_interval_seconds": 0.05}))
    job = (await client.get(f"/api/jobs/{job_id}")).json()
    assert job["status"] == "completed" and job["progress_percent"] == 100
    assert job["result"]["rows"] == 3 and job["result"]["format"] == fmt
    assert (settings.data_dir / "exports" / job["result"]["file"]).is_file()

    r = await client.get(f"/api/events/export/{job_id}/file")
    assert r.status_code == 200
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert [row["summary"] for row in rows] == ["ev0", "ev1", "ev2"]
        assert {row["camera_id"] for row in rows} == {"front_door"}
    else:
        rows = json.loads(r.text)
        assert [row["risk_score"] for row in rows] == [0, 10, 20]


async def test_export_rejects_bad_input(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/events/export", json={"format": "xml"})
    assert r.status_code == 422
    r = await client.post("/api/events/export", json={"format": "csv", "extra": 1})
    assert r.status_code == 422
    r = await client.post(
        "/api/events/export",
        json={"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"},
    )
    assert r.status_code == 422
    assert (await client.get("/api/events/export/nope/file")).status_code == 404
