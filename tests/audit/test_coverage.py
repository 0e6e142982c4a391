"""Every mutating route is audited (walked from the OpenAPI document), refused calls included,
and the client address cannot be spoofed without a trusted proxy."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from vigil.app import create_app
from vigil.core.config import load_settings
from vigil.core.db import Database
from vigil.models import AuditLog

MUTATING = ("post", "put", "patch", "delete")
WRITER_KEY = "writer-secret-0123456789"
READER_KEY = "reader-secret-0123456789"


async def _count(db: Database) -> int:
    async with db.sessionmaker() as s:
        return int(await s.scalar(select(func.count()).select_from(AuditLog)) or 0)


async def _last(db: Database) -> AuditLog:
    async with db.sessionmaker() as s:
        row = await s.scalar(select(AuditLog).order_by(AuditLog.id.desc()).limit(1))
    assert row is not None
    return row


async def test_every_mutating_route_is_audited(app: FastAPI, db: Database) -> None:
    spec = app.openapi()
    routes = [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        if path.startswith("/api")
        for method in item
        if method in MUTATING
    ]
    assert routes, "no mutating routes found"
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    unaudited = []
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        for method, template in routes:
            path = re.sub(r"\{[^}]+\}", "1", template)
            before = await _count(db)
            response = await client.request(method, path, json={})
            after = await _count(db)
            if after != before + 1:
                unaudited.append((method, template, response.status_code, after - before))
                continue
            row = await _last(db)
            assert row.details is not None
            assert row.details["path"] == path and row.details["method"] == method
            expected = "failure" if response.status_code >= 400 else "success"
            assert row.status == expected, (method, template, response.status_code)
    assert unaudited == []


@pytest.fixture
def keyed_app(database_url: str, tmp_path: Path, db: Database) -> FastAPI:
    settings = load_settings(
        database_url=database_url,
        data_dir=tmp_path,
        background_tasks=False,
        embedded_worker=False,
        api_keys=f"writer:{WRITER_KEY},reader:{READER_KEY}:read",
        trusted_proxies="10.9.0.0/16",
    )
    return create_app(settings, database=db)


@pytest.fixture
async def peer_client(keyed_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=keyed_app, client=("203.0.113.7", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def test_refused_calls_are_failures_with_actor(
    peer_client: httpx.AsyncClient, db: Database
) -> None:
    r = await peer_client.post("/api/cameras", json={"name": "Yard"})
    assert r.status_code == 401
    row = await _last(db)
    assert (row.status, row.actor, row.action) == ("failure", "anonymous", "camera.create")
    assert row.details and row.details["auth_failure"] == "missing_key"

    r = await peer_client.post(
        "/api/cameras", json={"name": "Yard"}, headers={"X-API-Key": READER_KEY}
    )
    assert r.status_code == 403
    row = await _last(db)
    assert (row.status, row.actor) == ("failure", "reader")

    r = await peer_client.post(
        "/api/cameras", json={"name": "Yard"}, headers={"X-API-Key": WRITER_KEY}
    )
    assert r.status_code == 201
    row = await _last(db)
    assert (row.status, row.actor, row.resource_id) == ("success", "writer", "yard")
    # The key itself is never stored anywhere in the trail.
    async with db.sessionmaker() as s:
        for stored in (await s.scalars(select(AuditLog))).all():
            assert WRITER_KEY not in repr(stored.details) and READER_KEY not in repr(stored.details)


async def test_spoofed_forwarded_for_is_ignored(
    peer_client: httpx.AsyncClient, db: Database
) -> None:
    r = await peer_client.post(
        "/api/cameras",
        json={"name": "Yard"},
        headers={"X-API-Key": WRITER_KEY, "X-Forwarded-For": "1.2.3.4"},
    )
    assert r.status_code == 201
    assert (await _last(db)).ip_address == "203.0.113.7"


async def test_forwarded_for_honoured_through_trusted_proxy(
    keyed_app: FastAPI, db: Database
) -> None:
    transport = httpx.ASGITransport(app=keyed_app, client=("10.9.1.1", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        r = await c.post(
            "/api/cameras",
            json={"name": "Yard"},
            headers={"X-API-Key": WRITER_KEY, "X-Forwarded-For": "1.2.3.4, 198.51.100.9"},
        )
    assert r.status_code == 201
    # The right-most hop not in the trusted network is the client.
    assert (await _last(db)).ip_address == "198.51.100.9"


async def test_validation_error_is_audited(client: httpx.AsyncClient, db: Database) -> None:
    r = await client.post("/api/cameras", json={"nope": 1})
    assert r.status_code == 422
    row = await _last(db)
    assert row.status == "failure" and row.details and row.details["error"] == "validation_error"
