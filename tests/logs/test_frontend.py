from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI

from vigil.app import create_app
from vigil.core.config import load_settings
from vigil.core.db import Database
from vigil.logs.ratelimit import TokenBucketLimiter


async def test_single_entry_is_stored_as_frontend(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/logs/frontend",
        json={
            "level": "warn",
            "message": "Video player stalled",
            "camera_id": "garage",
            "url": "/cameras/garage",
            "extra": {"buffer_ms": 1200},
        },
        headers={"User-Agent": "Mozilla/5.0 test"},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["source"] == "frontend" and body["level"] == "WARNING"
    assert body["component"] == "frontend" and body["user_agent"] == "Mozilla/5.0 test"
    assert body["extra"] == {"buffer_ms": 1200, "url": "/cameras/garage"}
    found = (await client.get("/api/logs", params={"q": "stalled", "source": "frontend"})).json()
    assert [i["id"] for i in found["items"]] == [body["id"]]


async def test_batch_of_entries(client: httpx.AsyncClient) -> None:
    entries = [{"message": f"click {i}", "level": "debug"} for i in range(100)]
    r = await client.post("/api/logs/frontend/batch", json={"entries": entries})
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 100 and len(set(r.json()["ids"])) == 100


async def test_size_and_shape_limits_are_422(client: httpx.AsyncClient) -> None:
    cases = [
        {"message": "x" * 4001},
        {"message": ""},
        {"message": "ok", "extra": {"blob": "y" * 9000}},
        {"message": "ok", "level": "LOUD"},
        {"message": "ok", "colour": "red"},
        {"message": "nul\x00byte"},
        {"message": "ok", "component": "c" * 51},
    ]
    for body in cases:
        r = await client.post("/api/logs/frontend", json=body)
        assert r.status_code == 422, (body, r.text)
        assert set(r.json()) == {"error", "detail"}
    assert (await client.post("/api/logs/frontend/batch", json={"entries": []})).status_code == 422
    too_many = {"entries": [{"message": "m"}] * 101}
    assert (await client.post("/api/logs/frontend/batch", json=too_many)).status_code == 422
    r = await client.post(
        "/api/logs/frontend/batch", json={"entries": [{"message": "ok"}, {"message": "z" * 5000}]}
    )
    assert r.status_code == 422 and "entries.1" in r.json()["detail"]
    assert (await client.get("/api/logs")).json()["items"] == []  # all or nothing


async def test_rate_limit_answers_429_with_retry_after(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    settings = load_settings(
        database_url=database_url,
        data_dir=tmp_path,
        background_tasks=False,
        frontend_log_rate_per_second=0.5,
        frontend_log_burst=3,
    )
    app: FastAPI = create_app(settings, database=db)
    transport = httpx.ASGITransport(app=app, client=("10.0.0.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for _ in range(3):
            r = await client.post("/api/logs/frontend", json={"message": "hello"})
            assert r.status_code == 201
        r = await client.post("/api/logs/frontend", json={"message": "hello"})
        assert r.status_code == 429
        assert r.json()["error"] == "rate_limited"
        assert r.headers["Retry-After"] == "2"  # one token at 0.5/s
        # invalid bodies are limited too: the check runs before validation
        assert (await client.post("/api/logs/frontend", json={})).status_code == 429
    # another client has its own bucket
    other = httpx.ASGITransport(app=app, client=("10.0.0.8", 5000))
    async with httpx.AsyncClient(transport=other, base_url="http://t") as client:
        assert (await client.post("/api/logs/frontend", json={"message": "hi"})).status_code == 201
        r = await client.post("/api/logs/frontend/batch", json={"entries": [{"message": "m"}] * 3})
        assert r.status_code == 429  # 1 + 2 more tokens needed, 2 left


def test_token_bucket_refills_at_the_configured_rate() -> None:
    now = [0.0]
    limiter = TokenBucketLimiter(2.0, 4, clock=lambda: now[0])
    assert [limiter.acquire("a") for _ in range(4)] == [0.0] * 4
    assert limiter.acquire("a") == 0.5
    now[0] += 0.5
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("a", cost=10) == 2.0  # capped at the burst: 4 tokens at 2/s
    assert limiter.acquire("b") == 0.0


def test_idle_clients_are_evicted() -> None:
    limiter = TokenBucketLimiter(1.0, 1, clock=lambda: 0.0, max_clients=2)
    for key in ("a", "b", "c"):
        limiter.acquire(key)
    assert limiter.acquire("a") == 0.0  # "a" was evicted, so it starts with a full bucket
    assert limiter.acquire("c") == 1.0
