"""``/api/jobs`` on both databases, against jobs run by a real worker."""

from __future__ import annotations

import httpx

from tests.jobs.conftest import drain
from vigil.core.config import Settings
from vigil.core.db import Database
from vigil.jobs.service import enqueue


async def test_list_get_history_logs_stats(
    client: httpx.AsyncClient, db: Database, job_settings: Settings
) -> None:
    async with db.transaction() as s:
        ok = await enqueue(s, "test.flaky", {"succeed_on": 2, "tag": "needle"})
        queued = await enqueue(s, "test.record", {"n": 1}, run_at=None, queue_name="other")
    await drain(db, job_settings, queues=["default"])

    r = await client.get("/api/jobs", params={"status": "completed"})
    assert r.status_code == 200
    assert [j["id"] for j in r.json()["items"]] == [ok.id]
    r = await client.get("/api/jobs", params={"queue": "other"})
    assert [j["id"] for j in r.json()["items"]] == [queued.id]
    r = await client.get("/api/jobs", params={"q": "NEEDLE"})
    assert [j["id"] for j in r.json()["items"]] == [ok.id]
    r = await client.get("/api/jobs", params={"status": "pending"})
    assert r.status_code == 422 and r.json()["error"] == "validation_error"

    r = await client.get(f"/api/jobs/{ok.id}")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "completed" and body["attempt_number"] == 2
    assert (await client.get("/api/jobs/nope")).status_code == 404

    hist = (await client.get(f"/api/jobs/{ok.id}/history")).json()
    assert [t["to_status"] for t in hist["transitions"]] == [
        "queued",
        "running",
        "queued",
        "running",
        "completed",
    ]
    assert [t["triggered_by"] for t in hist["transitions"]][2] == "retry"
    assert hist["transitions"][0]["from_status"] is None
    assert [a["status"] for a in hist["attempts"]] == ["failed", "succeeded"]

    logs = (await client.get(f"/api/jobs/{ok.id}/logs", params={"limit": 1})).json()
    assert len(logs["items"]) == 1 and logs["has_more"] is True
    nxt = (
        await client.get(f"/api/jobs/{ok.id}/logs", params={"since": logs["items"][0]["timestamp"]})
    ).json()
    assert len(nxt["items"]) == 1 and nxt["has_more"] is False
    none = (await client.get(f"/api/jobs/{ok.id}/logs", params={"level": "error"})).json()
    assert none["items"] == []
    assert (
        await client.get(f"/api/jobs/{ok.id}/logs", params={"level": "loud"})
    ).status_code == 422

    stats = (await client.get("/api/jobs/stats")).json()
    assert stats["by_status"]["completed"] == 1 and stats["by_status"]["queued"] == 1
    assert stats["by_type"] == {"test.flaky": 1, "test.record": 1}
    assert stats["oldest_queued_age_seconds"] >= 0

    types = {t["job_type"]: t for t in (await client.get("/api/jobs/types")).json()}
    assert "jobs.noop" in types and types["test.tick"]["schedule"] == "* * * * * *"


async def test_cancel_and_retry_endpoints(
    client: httpx.AsyncClient, db: Database, job_settings: Settings
) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.record", {"n": 1})
    r = await client.post(f"/api/jobs/{job.id}/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = await client.post(f"/api/jobs/{job.id}/cancel")
    assert r.status_code == 409 and r.json()["error"] == "job_finished"
    r = await client.post(f"/api/jobs/{job.id}/retry")
    assert r.status_code == 200 and r.json()["status"] == "queued"
    assert r.json()["attempt_number"] == 1  # it never ran
    await drain(db, job_settings)
    r = await client.post(f"/api/jobs/{job.id}/retry")
    assert r.status_code == 409
    assert (await client.post("/api/jobs/missing/cancel")).status_code == 404


async def test_sse_stream_ends_when_job_finishes(
    client: httpx.AsyncClient, db: Database, job_settings: Settings
) -> None:
    async with db.transaction() as s:
        job = await enqueue(s, "test.record", {"n": 5})
    await drain(db, job_settings)
    async with client.stream("GET", f"/api/jobs/{job.id}/events") as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        text = "".join([chunk async for chunk in r.aiter_text()])
    assert "event: log" in text and '"ran"' in text
    assert "event: progress" in text
    assert text.rstrip().endswith('data: {"status": "completed"}')
    assert (await client.get("/api/jobs/nope/events")).status_code == 404
