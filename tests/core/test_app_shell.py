from __future__ import annotations

import httpx

from vigil.app import create_app
from vigil.core.config import load_settings
from vigil.core.db import Database


async def test_health_reports_database(client: httpx.AsyncClient, backend: str) -> None:
    r = await client.get("/health")
    assert r.status_code == 200
    assert r.json()["database"] == {"status": "ok", "dialect": backend}


async def test_health_says_degraded_when_database_is_unreachable(tmp_path: object) -> None:
    settings = load_settings(
        database_url="postgresql://nobody@/nodb?host=/nonexistent-socket-dir&port=1",
        background_tasks=False,
    )
    app = create_app(settings, database=Database(settings.async_database_url))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        r = await c.get("/health")
    assert r.status_code == 503
    assert r.json()["database"]["status"] == "unreachable"


async def test_request_id_is_echoed_or_made(client: httpx.AsyncClient) -> None:
    r = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = await client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert r.headers["x-request-id"] != "bad id with spaces"
    assert len(r.headers["x-request-id"]) == 36


async def test_oversized_body_is_413(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/cameras",
        content=b"{" + b" " * 3_000_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["error"] == "payload_too_large"


async def test_openapi_is_served(client: httpx.AsyncClient) -> None:
    r = await client.get("/openapi.json")
    assert r.status_code == 200
    assert "/api/ingest" in r.json()["paths"]


async def test_api_keys_required_when_configured(app, client: httpx.AsyncClient) -> None:  # type: ignore[no-untyped-def]
    settings = load_settings(
        database_url=app.state.settings.database_url,
        api_keys="admin:0123456789abcdef0123,viewer:fedcba9876543210fedc:read",
        background_tasks=False,
    )
    app.state.settings = settings
    assert (await client.get("/api/cameras")).status_code == 401
    assert (
        await client.get("/api/cameras", headers={"X-API-Key": "wrong-key-123456789"})
    ).status_code == 401
    ok = await client.get("/api/cameras", headers={"X-API-Key": "0123456789abcdef0123"})
    assert ok.status_code == 200
    bearer = {"Authorization": "Bearer fedcba9876543210fedc"}
    assert (await client.get("/api/cameras", headers=bearer)).status_code == 200
    r = await client.post("/api/cameras", json={"name": "x"}, headers=bearer)
    assert r.status_code == 403
    assert (await client.get("/health")).status_code == 200
