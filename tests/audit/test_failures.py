"""A crashing route is audited as a failure after its writes were rolled back."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from vigil.core.db import Database, SessionDep
from vigil.models import AuditLog, Camera


async def test_server_error_is_audited_and_work_rolled_back(app: FastAPI, db: Database) -> None:
    @app.post("/api/boom/{thing_id}")
    async def boom(thing_id: str, session: SessionDep) -> None:
        session.add(Camera(id="ghost", name="Ghost", folder_path="/ghost"))
        await session.flush()
        raise RuntimeError("kaput")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        r = await client.post("/api/boom/7")
    assert r.status_code == 500
    async with db.sessionmaker() as s:
        rows = (await s.scalars(select(AuditLog))).all()
        assert await s.get(Camera, "ghost") is None
    assert len(rows) == 1
    row = rows[0]
    assert (row.status, row.action, row.resource_id) == ("failure", "boom.create", "7")
    assert row.details is not None and row.details["http_status"] == 500


async def test_body_too_large_is_audited(client: httpx.AsyncClient, db: Database) -> None:
    r = await client.post("/api/cameras", content=b"x" * 3_000_000)
    assert r.status_code == 413
    async with db.sessionmaker() as s:
        row = await s.scalar(select(AuditLog))
    assert row is not None and row.status == "failure"
    assert row.details is not None and row.details["error"] == "payload_too_large"
