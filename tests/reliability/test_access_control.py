"""Access control proven over the whole OpenAPI spec: every operation needs a key, read-only keys
cannot mutate, database keys count like ``VIGIL_API_KEYS``, wrong keys are throttled per IP."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from vigil.app import create_app
from vigil.core.config import Settings, load_settings
from vigil.core.db import Database
from vigil.keys import service as keys

ADMIN = "admin-key-0123456789abcdef"
VIEWER = "viewer-key-0123456789abcdef"
MUTATING = {"post", "put", "patch", "delete"}
# Reachable without a key by design.
PUBLIC_PATHS = {"/health"}


def operations(app: Any) -> list[tuple[str, str]]:
    ops = []
    for path, item in app.openapi()["paths"].items():
        for method in item:
            if method in {"get", "post", "put", "patch", "delete", "head", "options"}:
                ops.append((method.upper(), path))
    return ops


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def keyed_settings(database_url: str, tmp_path: Path, **extra: Any) -> Settings:
    return load_settings(
        database_url=database_url,
        data_dir=tmp_path,
        background_tasks=False,
        embedded_worker=False,
        **extra,
    )


@pytest.fixture
async def keyed_client(
    database_url: str, tmp_path: Path, db: Database
) -> AsyncIterator[httpx.AsyncClient]:
    settings = keyed_settings(
        database_url, tmp_path, api_keys=f"admin:{ADMIN},viewer:{VIEWER}:read"
    )
    app = create_app(settings, database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_every_operation_needs_a_key(keyed_client: httpx.AsyncClient) -> None:
    app = keyed_client._transport.app  # type: ignore[attr-defined]
    ops = operations(app)
    assert len(ops) >= 10, "the spec should list the feature routes"
    open_ops = []
    for method, path in ops:
        if path in PUBLIC_PATHS:
            continue
        r = await keyed_client.request(method, concrete(path))
        # Pages of the dashboard may send a browser to its login page instead.
        allowed = {401} if path.startswith("/api") else {401, 302, 303, 307}
        if r.status_code not in allowed:
            open_ops.append((method, path, r.status_code))
    assert open_ops == []
    health = await keyed_client.get("/health")
    assert health.status_code == 200


async def test_read_only_key_cannot_mutate(keyed_client: httpx.AsyncClient) -> None:
    app = keyed_client._transport.app  # type: ignore[attr-defined]
    mutating = [
        (m, p) for m, p in operations(app) if m.lower() in MUTATING and p.startswith("/api")
    ]
    assert mutating
    allowed = []
    for method, path in mutating:
        r = await keyed_client.request(method, concrete(path), headers={"X-API-Key": VIEWER})
        if r.status_code != 403:
            allowed.append((method, path, r.status_code))
    assert allowed == []
    # ... but it can read, and the write key can write.
    assert (
        await keyed_client.get("/api/cameras", headers={"X-API-Key": VIEWER})
    ).status_code == 200
    r = await keyed_client.post(
        "/api/cameras", json={"name": "Porch"}, headers={"Authorization": f"Bearer {ADMIN}"}
    )
    assert r.status_code == 201, r.text


async def test_database_keys_enable_auth_and_revocation_applies(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    settings = keyed_settings(database_url, tmp_path, api_key_cache_seconds=0)
    app = create_app(settings, database=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        # No key anywhere: loopback-only mode, open.
        assert (await client.get("/api/cameras")).status_code == 200
        async with db.transaction() as session:
            _, secret = await keys.create_key(session, "laptop")
            _, reader = await keys.create_key(session, "wall-tablet", read_only=True)
        assert (await client.get("/api/cameras")).status_code == 401
        assert (await client.get("/api/cameras", headers={"X-API-Key": secret})).status_code == 200
        r = await client.post("/api/cameras", json={"name": "Yard"}, headers={"X-API-Key": reader})
        assert r.status_code == 403
        r = await client.post("/api/cameras", json={"name": "Yard"}, headers={"X-API-Key": secret})
        assert r.status_code == 201
        async with db.transaction() as session:
            await keys.revoke_key(session, "laptop")
        assert (await client.get("/api/cameras", headers={"X-API-Key": secret})).status_code == 401
        async with db.sessionmaker() as session:
            listed = {k.name: k for k in await keys.list_keys(session)}
        assert listed["laptop"].revoked_at is not None
        assert listed["laptop"].last_used_at is not None
        assert listed["wall-tablet"].revoked_at is None


async def test_wrong_keys_are_rate_limited_per_ip(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    settings = keyed_settings(
        database_url, tmp_path, api_keys=f"admin:{ADMIN}", auth_failure_limit=3
    )
    app = create_app(settings, database=db)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
    other = httpx.ASGITransport(app=app, client=("203.0.113.8", 5000))
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as attacker,
        httpx.AsyncClient(transport=other, base_url="http://testserver") as neighbour,
    ):
        for _ in range(3):
            r = await attacker.get("/api/cameras", headers={"X-API-Key": "guess-" + "x" * 20})
            assert r.status_code == 401
        r = await attacker.get("/api/cameras", headers={"X-API-Key": "guess-" + "y" * 20})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert r.json()["error"] == "rate_limited"
        # Blocked before the key is checked: even the right key gets 429, so guessing learns
        # nothing while blocked.
        assert (await attacker.get("/api/cameras", headers={"X-API-Key": ADMIN})).status_code == 429
        # Another address is unaffected; missing keys are not counted as guesses.
        assert (
            await neighbour.get("/api/cameras", headers={"X-API-Key": ADMIN})
        ).status_code == 200
        for _ in range(5):
            assert (await neighbour.get("/api/cameras")).status_code == 401
        assert (
            await neighbour.get("/api/cameras", headers={"X-API-Key": ADMIN})
        ).status_code == 200


async def test_failed_auth_on_a_mutating_call_is_audited(
    keyed_client: httpx.AsyncClient, db: Database
) -> None:
    from sqlalchemy import select

    from vigil.models import AuditLog

    bad = {"X-API-Key": "not-a-real-key-at-all-000"}
    assert (
        await keyed_client.post("/api/cameras", json={"name": "X"}, headers=bad)
    ).status_code == 401
    r = await keyed_client.post("/api/cameras", json={"name": "X"}, headers={"X-API-Key": VIEWER})
    assert r.status_code == 403
    async with db.sessionmaker() as session:
        rows = (await session.scalars(select(AuditLog).order_by(AuditLog.id))).all()
    failures = [(r.status, (r.details or {}).get("auth_failure"), r.actor) for r in rows]
    assert ("failure", "invalid_key", failures[0][2]) in failures
    assert ("failure", "read_only_key", "viewer") in failures
    # The presented secret is never stored.
    assert all("not-a-real-key" not in str(r.details) for r in rows)


async def test_forwarded_for_is_ignored_without_trusted_proxy(
    database_url: str, tmp_path: Path, db: Database
) -> None:
    """A guesser cannot dodge the limiter by inventing X-Forwarded-For addresses; behind a
    configured proxy the forwarded client is the one counted."""
    settings = keyed_settings(
        database_url, tmp_path, api_keys=f"admin:{ADMIN}", auth_failure_limit=2
    )
    app = create_app(settings, database=db)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        for n in range(2):
            headers = {"X-API-Key": "wrong-key-xxxxxxxxxxxx", "X-Forwarded-For": f"10.0.0.{n}"}
            assert (await c.get("/api/cameras", headers=headers)).status_code == 401
        headers = {"X-API-Key": "wrong-key-xxxxxxxxxxxx", "X-Forwarded-For": "10.0.0.99"}
        assert (await c.get("/api/cameras", headers=headers)).status_code == 429

    proxied = keyed_settings(
        database_url,
        tmp_path,
        api_keys=f"admin:{ADMIN}",
        auth_failure_limit=2,
        trusted_proxies="198.51.100.0/24",
    )
    app = create_app(proxied, database=db)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.9", 1))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        bad = {"X-API-Key": "wrong-key-xxxxxxxxxxxx", "X-Forwarded-For": "203.0.113.1"}
        for _ in range(2):
            assert (await c.get("/api/cameras", headers=bad)).status_code == 401
        assert (await c.get("/api/cameras", headers=bad)).status_code == 429
        other = {"X-API-Key": ADMIN, "X-Forwarded-For": "203.0.113.2"}
        assert (await c.get("/api/cameras", headers=other)).status_code == 200
